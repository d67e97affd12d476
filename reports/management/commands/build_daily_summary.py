"""`manage.py build_daily_summary --date D | --from A --to B`: build the daily summary.

Each day is built in its own transaction (an upsert: running it again is
harmless); progress goes to stderr. Exit status 2 on bad arguments.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from reports import services

BAR_WIDTH = 30


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {text!r}", returncode=2) from None


class Command(BaseCommand):
    help = "Build the daily summary of one business day (--date) or of a range (--from, --to)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="one business day, YYYY-MM-DD")
        parser.add_argument("--from", dest="date_from", help="first day of a range, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", help="last day of a range, YYYY-MM-DD")

    def handle(self, *args, date: str | None, date_from: str | None, date_to: str | None, **opts):
        if date and (date_from or date_to):
            raise CommandError("Give either --date or --from and --to, not both.", returncode=2)
        if date:
            start = end = _date(date)
        elif date_from and date_to:
            start, end = _date(date_from), _date(date_to)
        else:
            raise CommandError("Give --date, or both --from and --to.", returncode=2)
        if end < start:
            raise CommandError("--to is before --from.", returncode=2)

        def show(done: int, total: int) -> None:
            filled = BAR_WIDTH * done // total
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self.stderr.write(f"\r[{bar}] {done}/{total}", ending="\n" if done == total else "")
            self.stderr.flush()

        days = services.build_range(start, end, progress=show)
        self.stdout.write(f"Built {days} day(s) from {start} to {end}.")

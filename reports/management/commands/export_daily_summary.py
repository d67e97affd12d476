"""`manage.py export_daily_summary --from A --to B --out F.xlsx [--lang L] [--channel CODE]`.

Writes the daily-summary workbook (reports.workbook) of business days A..B;
progress goes to stderr. Exit status 2 on bad arguments.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from reports.workbook import WorkbookError, write_workbook

BAR_WIDTH = 30


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {text!r}", returncode=2) from None


class Command(BaseCommand):
    help = "Write the daily-summary workbook (.xlsx) of a range of business days."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--out", required=True, help="the .xlsx file to write")
        parser.add_argument("--lang", default="en", choices=["en", "zh-hans"])
        parser.add_argument("--channel", default="", help="a sales channel code (default: store)")
        parser.add_argument(
            "--no-profit", action="store_true", help="leave out costs, profit and the Profit sheet"
        )

    def handle(
        self,
        *args,
        date_from: str,
        date_to: str,
        out: str,
        lang: str,
        channel: str,
        no_profit: bool,
        **options,
    ):
        start, end = _date(date_from), _date(date_to)
        if end < start:
            raise CommandError("--to is before --from.", returncode=2)

        def show(phase: str, percent: int) -> None:
            filled = BAR_WIDTH * percent // 100
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self.stderr.write(
                f"\r[{bar}] {percent:3d}% {phase:<12}", ending="\n" if percent == 100 else ""
            )
            self.stderr.flush()

        try:
            with open(out, "wb") as stream:
                write_workbook(
                    stream,
                    start=start,
                    end=end,
                    channel=channel or None,
                    lang=lang,
                    include_profit=not no_profit,
                    progress=show,
                )
        except WorkbookError as error:
            raise CommandError(str(error), returncode=2) from None
        self.stdout.write(f"Wrote {out} ({start} to {end}).")

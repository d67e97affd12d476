from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from catalog.models import Supplier
from storeops import business_day
from storeops.demo import seed_all


class Command(BaseCommand):
    help = (
        "Fill the database with a believable demo store. The same --seed and --days on the "
        "same day give the same store."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90, help="Days of history (default 90).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when demo data is already there (for `make run`).",
        )

    def handle(self, *args, **options):
        days = options["days"]
        if not 1 <= days <= 730:
            raise CommandError("--days must be between 1 and 730")
        if options["if_empty"] and Supplier.objects.exists():
            self.stdout.write("Demo data already present: nothing to do.")
            return
        with transaction.atomic():
            context = seed_all(seed=options["seed"], days=days, today=business_day.today())
        for label, made in context.made.items():
            summary = ", ".join(f"{count} {name}" for name, count in made.items())
            self.stdout.write(f"{label}: {summary}")

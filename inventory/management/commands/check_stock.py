"""Recompute every stock level from the ledger and report any difference."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.models import Variant
from inventory.models import Warehouse
from inventory.selectors import ledger_differences


class Command(BaseCommand):
    help = (
        "Check that every stock level equals the sum of its ledger rows. "
        "Prints each difference and exits with status 1 if there is any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=100, help="Print at most this many differences."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        differences = ledger_differences()
        seconds = time.monotonic() - started
        if not differences:
            self.stdout.write(
                self.style.SUCCESS(f"Stock levels match the ledger (checked in {seconds:.2f} s).")
            )
            return
        shown = differences[: options["limit"]]
        skus = dict(
            Variant.objects.filter(pk__in={d.variant_id for d in shown}).values_list(
                "pk", "sku_code"
            )
        )
        warehouses = dict(
            Warehouse.objects.filter(pk__in={d.warehouse_id for d in shown}).values_list(
                "pk", "code"
            )
        )
        self.stdout.write("sku\twarehouse\tlevel on_hand/reserved/on_order\tledger")
        for difference in shown:
            self.stdout.write(
                "{sku}\t{warehouse}\t{level}\t{ledger}".format(
                    sku=skus.get(difference.variant_id, difference.variant_id),
                    warehouse=warehouses.get(difference.warehouse_id, difference.warehouse_id),
                    level="/".join(map(str, difference.level)),
                    ledger="/".join(map(str, difference.ledger)),
                )
            )
        raise CommandError(
            f"{len(differences)} stock level(s) differ from the ledger.", returncode=1
        )

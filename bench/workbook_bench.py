"""Workbook benchmark on PostgreSQL: the daily-summary workbook of 365 days.

Run from the project root (it uses its own database, created and migrated here):

    DEBUG=1 .venv/bin/python bench/workbook_bench.py

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/storeops_workbook_bench.
Seeds 365 store-wide DailySummary rows (bulk_create), 365 × 10 ad campaign rows
and 365 × 5 agent rows, then prints the time and the peak Python memory
(tracemalloc) of writing the workbook, and the process's peak resident size.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchdb import cpu_reference, ensure_database  # noqa: E402 (bench/ is the script's folder)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storeops.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/storeops_workbook_bench")

DAYS = 365
CAMPAIGNS = 10
AGENTS = 5
LAST_DAY = dt.date(2026, 10, 31)


def seed() -> None:
    from django.utils import timezone

    from customers.models import AgentDay
    from promotions.models import AdChannel, AdSpendDay
    from reports.models import DailySummary

    first = LAST_DAY - dt.timedelta(days=DAYS - 1)
    DailySummary.objects.filter(channel__isnull=True).delete()
    AdSpendDay.objects.all().delete()
    AgentDay.objects.all().delete()
    now = timezone.now()
    summaries = []
    for number in range(DAYS):
        day = first + dt.timedelta(days=number)
        sales = Decimal(20_000 + (number * 137) % 9_000) + Decimal("0.37")
        orders = 150 + number % 40
        summaries.append(
            DailySummary(
                date=day,
                channel=None,
                paid_sales=sales,
                goods_sales=sales - Decimal("300.00"),
                paid_orders=orders,
                paying_buyers=orders - 5,
                items_sold=orders * 2,
                discounts=Decimal("812.40"),
                visitors=5_000 + number % 700,
                page_views=15_000 + number % 900,
                buyers_with_traffic=orders - 5,
                new_buyers=orders // 2,
                refunds=Decimal("420.10"),
                refunded_orders=4,
                refunds_of_paid=Decimal("380.00"),
                refunded_paid_orders=3,
                ad_spend=Decimal("1500.00"),
                affiliate_commission=Decimal("320.55"),
                cogs=sales * Decimal("0.4"),
                shipping_cost=Decimal("900.00"),
                platform_fees=Decimal("1120.21"),
                other_costs=Decimal("600.00"),
                shipped_orders=orders,
                shipped_within_24h=orders - 7,
                sales_target=Decimal("25000.00"),
                is_provisional=number >= DAYS - 2,
                built_at=now,
            )
        )
    DailySummary.objects.bulk_create(summaries)
    channels = list(AdChannel.objects.order_by("position")[:2])
    AdSpendDay.objects.bulk_create(
        AdSpendDay(
            date=first + dt.timedelta(days=number),
            channel=channels[campaign % len(channels)],
            campaign=f"Campaign {campaign}",
            impressions=10_000,
            clicks=300,
            spend=Decimal("150.00"),
            attributed_orders=6,
            attributed_sales=Decimal("900.00"),
        )
        for number in range(DAYS)
        for campaign in range(CAMPAIGNS)
    )
    AgentDay.objects.bulk_create(
        AgentDay(
            date=first + dt.timedelta(days=number),
            agent_name=f"agent {agent}",
            inquiries=40 + agent,
            inquiries_paid=12,
            avg_first_response_seconds=Decimal("18.50"),
        )
        for number in range(DAYS)
        for agent in range(AGENTS)
    )


def main() -> None:
    ensure_database()
    print(cpu_reference(), flush=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from reports.workbook import write_workbook

    call_command("migrate", verbosity=0)
    seed()
    first = LAST_DAY - dt.timedelta(days=DAYS - 1)
    reset_queries()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "bench.xlsx"
        # Timed alone first: tracemalloc slows Python down by about half.
        timings = []
        for _run in range(3):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries, out.open("wb") as stream:
                write_workbook(stream, start=first, end=LAST_DAY, lang="zh-hans")
            timings.append(time.perf_counter() - started)
        elapsed = min(timings)
        tracemalloc.start()
        with out.open("wb") as stream:
            write_workbook(stream, start=first, end=LAST_DAY, lang="zh-hans")
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        size = out.stat().st_size
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stdout.write(
        f"workbook of {DAYS} days ({first} to {LAST_DAY}), {CAMPAIGNS} campaigns, "
        f"{AGENTS} agents\n"
        f"  time: first {timings[0]:.2f} s (cold: imports, translations), best of 3 "
        f"{elapsed:.2f} s (without tracemalloc)\n"
        f"  peak Python memory while writing (tracemalloc): {peak / 1024 / 1024:.1f} MiB\n"
        f"  process peak RSS: {max_rss_mb:.1f} MiB\n"
        f"  queries: {len(queries)}\n"
        f"  file size: {size / 1024:.1f} KiB\n"
    )


if __name__ == "__main__":
    main()

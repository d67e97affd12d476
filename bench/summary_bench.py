"""Daily summary benchmark on PostgreSQL: 1,000,000 orders over 365 days, one 20,000-order sale day.

Run from the project root (it uses its own database, created and migrated here):

    DEBUG=1 .venv/bin/python bench/summary_bench.py            # builds the data once
    DEBUG=1 .venv/bin/python bench/summary_bench.py --rebuild  # builds it again

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/storeops_bench_summary.
Targets (daily-summary issue): building the sale day < 1 s and within 3x (+50 ms)
of the bare SQL aggregates behind the same figures, with no sequential scan of
orders; rebuilding all 365 days < 30 s; the incremental rebuild of one touched
day (`rebuild_touched()` after changing one order or refund) < 100 ms; the
dashboard over a 30-day range p95 < 80 ms with a constant number of queries; the
365-day workbook < 2 s and 200 MB. The load average is printed beside each figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchdb import cpu_reference, ensure_database  # noqa: E402 (bench/ is the script's folder)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storeops.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/storeops_bench_summary")

DAYS = 365
ORDERS = 1_000_000
SALE_DAY_ORDERS = 20_000
SALE_DAY_OFFSET = 20  # days before yesterday: inside the dashboard's last 30 days
SKUS = 500
PRODUCTS = 100
CUSTOMERS = 50_000
CHANNELS = 7
RUNS = 5
PAGE_RUNS = 30
SECTIONS = ("sale-day", "rebuild", "dashboard", "workbook")


def build_data(yesterday: dt.date, time_zone: str) -> None:
    """SKUs, customers, 1M consistent orders with their lines, shipments, refunds and traffic."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection

    from storeops.roles import Role

    user, _created = get_user_model().objects.get_or_create(username="bench-manager")
    user.groups.add(Group.objects.get(name=Role.OPERATIONS_MANAGER.value))
    first_day = yesterday - dt.timedelta(days=DAYS - 1)
    sale_day = yesterday - dt.timedelta(days=SALE_DAY_OFFSET)
    started = time.monotonic()
    with connection.cursor() as cursor:

        def run(label: str, sql: str, params: list | None = None) -> None:
            # Always with parameters: "%%" then means "%" in every statement.
            step = time.monotonic()
            cursor.execute(sql, params or [])
            print(f"  {label}: {time.monotonic() - step:.1f} s", flush=True)

        run(
            "catalog",
            """
            INSERT INTO catalog_category (name, parent_id, position, created_at, updated_at)
            VALUES ('Bench', NULL, 0, now(), now());
            INSERT INTO catalog_product (code, title, category_id, brand, description,
                main_image, main_image_url, status, season, list_price, created_at, updated_at)
            SELECT 'BP' || lpad(n::text, 4, '0'), 'Bench product ' || n,
                   (SELECT max(id) FROM catalog_category), '', '', '', '', 'on_sale',
                   'all_season', 99, now(), now()
            FROM generate_series(1, %s) n;
            INSERT INTO catalog_variant (sku_code, product_id, options, barcode, price,
                cost_price, weight_kg, supplier_id, supplier_item_code, reorder_point,
                safety_stock, is_active, created_at, updated_at)
            SELECT 'BS-' || lpad(n::text, 4, '0'),
                   (SELECT min(id) FROM catalog_product WHERE code LIKE 'BP%%')
                       + (n - 1) %% %s,
                   '{}', '', 20 + n %% 80, 8 + n %% 30, 0.5, NULL, '', 0, 0, true, now(), now()
            FROM generate_series(1, %s) n;
            INSERT INTO orders_carrier (code, name, is_active) VALUES ('bench', 'Bench', true);
            INSERT INTO reports_packagingcost (effective_from, amount, created_at, updated_at)
            VALUES (%s, 0.80, now(), now());
            INSERT INTO reports_channelfeerate (channel_id, effective_from, commission_rate,
                payment_fee_rate, created_at, updated_at)
            SELECT id, %s, 0.05, 0.006, now(), now() FROM customers_saleschannel;
            """,
            [PRODUCTS, PRODUCTS, SKUS, first_day, first_day],
        )
        run(
            "customers",
            """
            INSERT INTO customers_customer (channel_id, buyer_id, phone, name, order_count,
                amount_spent, refund_count, refunded_amount, notes, created_at, updated_at)
            SELECT c.id, 'bench-buyer-' || n, '', '', 0, 0, 0, 0, '',
                   now() - interval '400 days', now() - interval '400 days'
            FROM generate_series(1, %s) n
            JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k
                  FROM customers_saleschannel) c ON c.k = n %% %s
            """,
            [CUSTOMERS, CHANNELS],
        )
        # Lines first (1 to 3 per order, 2.5 on average), then the orders add them up.
        run(
            "line plan",
            """
            CREATE TEMPORARY TABLE bench_line ON COMMIT DROP AS
            SELECT n::bigint AS order_no, k,
                   v.id AS variant_id, v.sku_code, v.price AS unit_price,
                   v.cost_price AS unit_cost,
                   1 + (n + k) %% 3 AS quantity,
                   CASE WHEN (n + k) %% 4 = 0 THEN 3.00 ELSE 0 END AS line_discount,
                   CASE WHEN n %% 5 = 0 THEN 2.00 ELSE 0 END AS order_discount_share
            FROM generate_series(1, %s) n
            CROSS JOIN generate_series(1, 3) k
            JOIN (SELECT id, sku_code, price, cost_price,
                         row_number() OVER (ORDER BY id) - 1 AS slot
                  FROM catalog_variant WHERE sku_code LIKE 'BS-%%') v
              ON v.slot = (n * 31 + k * 97) %% %s
            WHERE k <= CASE WHEN n %% 4 = 0 THEN 1 WHEN n %% 4 = 1 THEN 2 ELSE 3 END
            """,
            [ORDERS, SKUS],
        )
        run(
            "order plan",
            f"""
            CREATE TEMPORARY TABLE bench_order ON COMMIT DROP AS
            -- Order ids follow the payment time, as they do in a live store.
            SELECT o.*, row_number() OVER (ORDER BY o.paid_at, o.n) AS id,
                   o.paid_at + (2 + o.n %% 40) * interval '1 hour' AS ship_at
            FROM (
                SELECT l.order_no AS n, d.business_date,
                       (d.business_date + interval '1 second' * (
                            CASE WHEN l.order_no <= {SALE_DAY_ORDERS}
                                 THEN (l.order_no * 4.32)::int
                                 ELSE 28800 + (l.order_no * 7919) %% 54000 END))
                           AT TIME ZONE %s AS paid_at,
                       sum(l.quantity * l.unit_price) AS goods_total,
                       sum(l.line_discount) AS line_discount_total,
                       sum(l.order_discount_share) AS order_discount_total,
                       CASE WHEN l.order_no %% 3 = 0 THEN 8.00 ELSE 0 END AS shipping_fee
                FROM bench_line l
                CROSS JOIN LATERAL (SELECT CASE WHEN l.order_no <= {SALE_DAY_ORDERS}
                        THEN %s::date
                        ELSE %s::date + ((l.order_no - {SALE_DAY_ORDERS} - 1) %% {DAYS})::int
                        END AS business_date) d
                GROUP BY l.order_no, d.business_date
            ) o
            """,
            [time_zone, sale_day, first_day],
        )
        cursor.execute("ALTER TABLE bench_order ADD PRIMARY KEY (n)")
        shipped = "(o.n %% 20 <> 0 AND o.ship_at < now() - interval '1 hour')"
        refunded = "(o.n %% 33 = 0)"
        refund_at = "(o.paid_at + (1 + o.n %% 5) * interval '1 day')"
        refund_done = f"({refunded} AND {refund_at} < now() - interval '1 hour')"
        refund_amount = (
            "(CASE WHEN o.n %% 66 = 0 THEN o.paid_total ELSE round(o.paid_total / 2, 2) END)"
        )
        run(
            "orders",
            f"""
            INSERT INTO orders_order (id, channel_id, order_no, kind, is_imported, customer_id,
                buyer_nickname, recipient_name, phone, province, city, address, buyer_note,
                internal_notes, assigned_agent_id, warehouse_id, status, review_state,
                review_reasons, review_note, placed_at, paid_at, business_date, shipped_at,
                delivered_at, completed_at, cancelled_at, closed_at, goods_total,
                line_discount_total, order_discount_total, shipping_fee, paid_total,
                refunded_total, coupon_code, promotion_text, merged_into_id, replaces_order_id,
                created_by_id, created_at, updated_at)
            SELECT o.id, c.channel_id, 'B' || lpad(o.n::text, 8, '0'),
                   CASE WHEN o.n %% 400 = 7 THEN 'replacement' ELSE 'normal' END, true, c.id,
                   c.buyer_id, 'Buyer ' || c.id, '', '浙江省', '杭州市', 'Bench road ' || c.id,
                   '', '', NULL, NULL,
                   CASE WHEN {shipped} THEN 'completed' WHEN o.n %% 20 = 0 THEN 'closed'
                        ELSE 'paid' END,
                   'released', '[]'::jsonb, '',
                   o.paid_at - interval '3 minutes', o.paid_at, o.business_date,
                   CASE WHEN {shipped} THEN o.ship_at END,
                   CASE WHEN {shipped} THEN o.ship_at + interval '2 days' END,
                   CASE WHEN {shipped} THEN o.ship_at + interval '9 days' END,
                   NULL,
                   CASE WHEN NOT {shipped} AND o.n %% 20 = 0
                        THEN o.paid_at + interval '1 day' END,
                   o.goods_total, o.line_discount_total, o.order_discount_total,
                   o.shipping_fee, o.paid_total,
                   CASE WHEN {refund_done} THEN {refund_amount} ELSE 0 END,
                   '', '', NULL, NULL, NULL,
                   o.paid_at - interval '3 minutes',
                   least(o.paid_at + interval '10 days', now() - interval '1 hour')
            FROM (SELECT b.*, b.goods_total - b.line_discount_total - b.order_discount_total
                              + b.shipping_fee AS paid_total
                  FROM bench_order b) o
            JOIN customers_customer c
              ON c.buyer_id = 'bench-buyer-' || (1 + (o.n * 7919 + o.n / 7) %% {CUSTOMERS})
            ORDER BY o.id
            """,
        )
        run(
            "order lines",
            """
            INSERT INTO orders_orderline (order_id, variant_id, sku_code, title, quantity,
                unit_price, line_discount, order_discount_share, paid_amount, unit_cost,
                reserved_quantity, shipped_quantity, cancelled_quantity, refunded_quantity,
                refunded_amount)
            SELECT o.id, l.variant_id, l.sku_code, 'Bench item ' || l.sku_code,
                   l.quantity, l.unit_price, l.line_discount, l.order_discount_share,
                   l.quantity * l.unit_price - l.line_discount - l.order_discount_share,
                   l.unit_cost, 0, CASE WHEN o.shipped_at IS NULL THEN 0 ELSE l.quantity END,
                   0, 0, 0
            FROM bench_line l
            JOIN bench_order b ON b.n = l.order_no
            JOIN orders_order o ON o.id = b.id
            ORDER BY o.id, l.k
            """,
        )
        run(
            "shipments",
            """
            INSERT INTO orders_shipment (order_id, status, carrier_id, tracking_number,
                weight_kg, shipping_cost, is_cost_entered, shipped_at, business_date,
                delivered_at, created_by_id, created_at, updated_at)
            SELECT o.id, 'delivered', (SELECT max(id) FROM orders_carrier), 'BT' || o.id,
                   0.5, 5 + o.id %% 3, false, o.shipped_at,
                   (o.shipped_at AT TIME ZONE %s)::date, o.delivered_at, NULL, o.shipped_at,
                   o.updated_at
            FROM orders_order o WHERE o.shipped_at IS NOT NULL AND o.order_no LIKE 'B%%'
            ORDER BY o.shipped_at
            """,
            [time_zone],
        )
        run(
            "refunds",
            f"""
            INSERT INTO orders_refund (order_id, case_id, amount, shipping_amount, status,
                refund_no, requested_by_id, approved_by_id, requested_at, refunded_at,
                business_date, updated_at)
            SELECT o.id, NULL, {refund_amount}, 0,
                   CASE WHEN {refund_done} THEN 'completed' ELSE 'awaiting_approval' END,
                   'BR' || o.n, NULL, NULL, o.paid_at + interval '20 hours',
                   CASE WHEN {refund_done} THEN {refund_at} END,
                   CASE WHEN {refund_done} THEN ({refund_at} AT TIME ZONE %s)::date END,
                   least({refund_at}, now() - interval '1 hour')
            FROM (SELECT b.*, b.goods_total - b.line_discount_total - b.order_discount_total
                              + b.shipping_fee AS paid_total
                  FROM bench_order b) o
            WHERE {refunded}
            """,
            [time_zone],
        )
        run(
            "traffic",
            """
            INSERT INTO reports_dailytraffic (channel_id, date, source, visitors, page_views,
                created_at, updated_at)
            SELECT o.channel_id, o.business_date, '', count(*) * 25, count(*) * 80,
                   now() - interval '1 hour', now() - interval '1 hour'
            FROM orders_order o WHERE o.order_no LIKE 'B%%'
            GROUP BY o.channel_id, o.business_date
            """,
        )
        for table in ("orders_order", "customers_customer", "catalog_variant"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        run("analyze", "ANALYZE")
    print(f"built the data in {time.monotonic() - started:.1f} s", flush=True)


def aggregate_of(query: dict[str, str]) -> str | None:
    """The read of a captured query: a SELECT, or the SELECT part of an INSERT … SELECT.

    The per-SKU rows are aggregated straight into their table: their SELECT is
    part of the bare SQL the build is compared with. None for writes and locks.
    """
    sql = query["sql"].lstrip()
    head = sql[:10].upper()
    if head.startswith("WITH") and "INSERT INTO" in sql:
        # The per-SKU upsert (PostgreSQL): its read is the aggregate in its first CTE.
        start = sql.index("(") + 1
        depth, end = 1, start
        while depth:
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            end += 1
        return sql[start : end - 1]
    if head.startswith(("SELECT", "WITH")) and "FOR UPDATE" not in sql:
        return sql
    if head.startswith("INSERT") and " SELECT " in " ".join(sql.split()):
        return sql[sql.index("SELECT") :]
    return None


def load() -> str:
    """The load average (1, 5, 15 min): other jobs share this machine's cores."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def median_ms(function, runs: int = RUNS) -> float:
    timings = []
    for _run in range(runs):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rebuild", action="store_true", help="Rebuild the benchmark data.")
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="Run only these sections (repeat the flag); all of them by default.",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile one dashboard request (top 25 by time)."
    )
    arguments = parser.parse_args()
    sections = set(arguments.only or SECTIONS)

    ensure_database(fresh=arguments.rebuild)
    print(cpu_reference(), flush=True)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from orders.models import Order, Refund, RefundStatus
    from reports.models import DailySkuSummary, DailySummary, SummaryWatermark
    from reports.services import build_day, rebuild_touched
    from storeops import business_day

    call_command("migrate", verbosity=0)
    # DEBUG (needed for the test client's hosts and static files) would log every
    # query: time without it. CaptureQueriesContext turns logging on where counted.
    settings.DEBUG = False
    yesterday = business_day.today() - dt.timedelta(days=1)
    sale_day = yesterday - dt.timedelta(days=SALE_DAY_OFFSET)
    has_data = Order.objects.filter(order_no=f"B{ORDERS:08d}").exists()
    stale = has_data and not Order.objects.filter(business_date=yesterday).exists()
    if stale:
        print("the data ends before yesterday: run with --rebuild for current dates")
    if not has_data:
        with transaction.atomic():
            build_data(yesterday, str(settings.STORE_TIMEZONE))
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would have by now
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM orders_orderline")
        lines = cursor.fetchone()[0]
    print(
        f"data: {Order.objects.count():,} orders, {lines:,} lines, "
        f"{Refund.objects.count():,} refunds, "
        f"{Order.objects.filter(business_date=sale_day).count():,} orders on the sale day "
        f"{sale_day} (PostgreSQL)",
        flush=True,
    )

    if "sale-day" in sections:
        # 1. The sale day: build_day against the bare SQL of the same aggregates.
        build_day(sale_day)  # warm up
        # On one connection, every read of the build passes through this one (by default
        # the order figures are read on a second connection, beside the per-SKU rows).
        workers = settings.SUMMARY_BUILD_WORKERS
        settings.SUMMARY_BUILD_WORKERS = 1
        with CaptureQueriesContext(connection) as captured:
            build_day(sale_day)
        one_connection_ms = median_ms(lambda: build_day(sale_day))
        settings.SUMMARY_BUILD_WORKERS = workers
        reads = [read for read in map(aggregate_of, captured.captured_queries) if read is not None]
        build_ms = median_ms(lambda: build_day(sale_day))

        def bare() -> None:
            with connection.cursor() as cursor:
                for sql in reads:
                    cursor.execute(sql)
                    cursor.fetchall()

        bare()
        bare_ms = median_ms(bare)
        print(
            f"build_day(sale day, {SALE_DAY_ORDERS:,}+ orders): median {build_ms:.0f} ms "
            f"({one_connection_ms:.0f} ms on one connection, "
            f"{len(captured.captured_queries)} queries); bare SQL of its {len(reads)} reads: "
            f"median {bare_ms:.0f} ms; ratio {build_ms / bare_ms:.2f} "
            f"(target < 1000 ms and <= 3x bare + 50 ms = {3 * bare_ms + 50:.0f} ms); {load()}",
            flush=True,
        )
        seq_scans = 0
        scanned = ("orders_order", "orders_orderline")
        with connection.cursor() as cursor:
            for sql in reads:
                if "orders_order" not in sql:
                    continue
                cursor.execute("EXPLAIN " + sql)
                plan = [row[0] for row in cursor.fetchall()]
                relevant = [
                    line.strip()
                    for line in plan
                    if any(table in line for table in scanned)
                    and ("Scan" in line or "Index" in line)
                ]
                seq_scans += sum(
                    f"Seq Scan on {table} " in line for line in plan for table in scanned
                )
                slowest = " ".join(sql.split())[:110]
                print(f"  EXPLAIN {slowest}...")
                for line in relevant:
                    print(f"      {line}")
        print(
            f"  sequential scans of orders_order / orders_orderline in the sale day's plans: "
            f"{seq_scans}",
            flush=True,
        )
        # Per query, the slowest reads (bare).
        timings = []
        with connection.cursor() as cursor:
            for sql in reads:
                started = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                timings.append(
                    ((time.perf_counter() - started) * 1000, " ".join(sql.split())[:110])
                )
        for ms, sql in sorted(timings, reverse=True)[:4]:
            print(f"  slowest read {ms:6.1f} ms: {sql}...")

    if "rebuild" in sections:
        # 2. Every day of the year, then the incremental rebuild.
        DailySummary.objects.all().delete()
        SummaryWatermark.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {DailySkuSummary._meta.db_table}")
        started = time.perf_counter()
        days = rebuild_touched()  # no watermark yet: every day with a paid order
        full_s = time.perf_counter() - started
        print(
            f"rebuild_touched() from scratch: {len(days)} days in {full_s:.1f} s "
            f"({full_s / max(len(days), 1) * 1000:.0f} ms a day; target < 30 s); {load()}",
            flush=True,
        )
        # The tables were emptied and filled again: statistics as autovacuum would
        # have them a minute later (some machines run PostgreSQL with it off).
        with connection.cursor() as cursor:
            cursor.execute(
                f"ANALYZE {DailySummary._meta.db_table}, {DailySkuSummary._meta.db_table}"
            )

        # An order paid and shipped on the same business day: changing it touches one day.
        touched_day = yesterday - dt.timedelta(days=3)
        start, end = business_day.bounds(touched_day)
        order = Order.objects.filter(
            business_date=touched_day, shipped_at__gte=start, shipped_at__lt=end
        ).order_by("pk")[0]
        refund = Refund.objects.filter(
            status=RefundStatus.COMPLETED, business_date=yesterday - dt.timedelta(days=2)
        ).order_by("pk")[0]
        rebuild_touched()  # the watermark moves past the full build

        def touch_order() -> None:
            Order.objects.get(pk=order.pk).save(update_fields=["internal_notes", "updated_at"])

        def touch_refund() -> None:
            Refund.objects.get(pk=refund.pk).save(update_fields=["refund_no", "updated_at"])

        for label, touch in (("one order", touch_order), ("one refund", touch_refund)):
            timings, counts = [], []
            for _run in range(RUNS):
                touch()
                started = time.perf_counter()
                rebuilt = rebuild_touched()
                timings.append((time.perf_counter() - started) * 1000)
                counts.append(len(rebuilt))
            print(
                f"rebuild_touched() after changing {label}: median "
                f"{statistics.median(timings):.0f} ms for {statistics.median(counts):.0f} "
                f"day(s) (target < 100 ms for one day); {load()}",
                flush=True,
            )
            # As if this change were an hour old: the next section's rebuild must not pick
            # it up again through the watermark's overlap.
            an_hour_ago = timezone.now() - dt.timedelta(hours=1)
            Order.objects.filter(pk=order.pk).update(updated_at=an_hour_ago)
            Refund.objects.filter(pk=refund.pk).update(updated_at=an_hour_ago)
        started = time.perf_counter()
        build_day(yesterday - dt.timedelta(days=3))
        print(
            f"build_day(an ordinary day): {(time.perf_counter() - started) * 1000:.0f} ms; {load()}"
        )

    if "dashboard" in sections:
        # 3. The dashboard over the last 30 days, as a manager.
        user = get_user_model().objects.get(username="bench-manager")
        client = Client()
        client.force_login(user)

        def dashboard_url(days: int, shift: int = 0) -> str:
            date_to = yesterday - dt.timedelta(days=shift)
            date_from = date_to - dt.timedelta(days=days - 1)
            return f"/dashboard/?period=custom&date_from={date_from}&date_to={date_to}"

        urls = [dashboard_url(30), dashboard_url(30, shift=1)]
        for url in urls:
            assert client.get(url).status_code == 200
        counts = {}
        for days in (7, 30, 90):
            client.get(dashboard_url(days))
            with CaptureQueriesContext(connection) as captured:
                assert client.get(dashboard_url(days)).status_code == 200
            counts[days] = len(captured.captured_queries)
        slowest: list[tuple[float, str]] = []
        with CaptureQueriesContext(connection) as captured:
            client.get(urls[0])
        for query in captured.captured_queries:
            slowest.append((float(query["time"]) * 1000, " ".join(query["sql"].split())[:110]))
        timings = []
        for index in range(PAGE_RUNS):
            started = time.perf_counter()
            response = client.get(urls[index % 2])
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        constant = "constant" if len(set(counts.values())) == 1 else "NOT constant"
        print(
            f"dashboard, 30 days, {PAGE_RUNS} requests: p95 {p95(timings):.0f} ms, "
            f"median {statistics.median(timings):.0f} ms (target p95 < 80 ms); queries for "
            f"7 / 30 / 90 days: {counts[7]} / {counts[30]} / {counts[90]} ({constant}); {load()}",
            flush=True,
        )
        total_query_ms = sum(ms for ms, _sql in slowest)
        print(f"  {len(slowest)} dashboard queries took {total_query_ms:.0f} ms together")
        for ms, sql in sorted(slowest, reverse=True)[:5]:
            print(f"  slowest dashboard query {ms:6.1f} ms: {sql}...")
        if arguments.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            for _run in range(5):
                client.get(urls[0])
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)

    # 4. The 365-day workbook of these summaries (bench/workbook_bench.py times it on
    # seeded summary rows alone; here the period's distinct buyers read 1M orders).
    if "workbook" in sections:
        workbook_bench(yesterday)


def workbook_bench(last: dt.date) -> None:
    import tempfile
    import tracemalloc

    from reports.workbook import write_workbook

    first = last - dt.timedelta(days=DAYS - 1)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "bench.xlsx"
        timings = []
        for _run in range(3):
            started = time.perf_counter()
            with out.open("wb") as stream:
                write_workbook(stream, start=first, end=last, lang="zh-hans")
            timings.append(time.perf_counter() - started)
        # Apart from the timed runs: tracemalloc slows Python down.
        tracemalloc.start()
        with out.open("wb") as stream:
            write_workbook(stream, start=first, end=last, lang="zh-hans")
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"workbook of {DAYS} days: median {statistics.median(timings):.2f} s of 3 "
        f"(target < 2 s); peak Python memory {peak / 1024 / 1024:.1f} MiB, process peak RSS "
        f"{rss:.0f} MiB over every section run (target < 200 MB: --only workbook); {load()}",
        flush=True,
    )


if __name__ == "__main__":
    main()

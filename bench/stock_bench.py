"""Stock benchmark on PostgreSQL: 50,000 SKUs and 2,000,000 ledger rows.

Run from the project root (it uses its own database, created and migrated here):

    DEBUG=1 .venv/bin/python bench/stock_bench.py            # builds the data once
    DEBUG=1 .venv/bin/python bench/stock_bench.py --rebuild  # builds it again

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/storeops_bench.
Targets (catalog-and-inventory issue): stock list first page and SKU ledger
page < 100 ms median with a constant number of queries; reserve >= 500 calls/s
from 8 workers on different SKUs and exact on one SKU; check_stock < 10 s.
"""

from __future__ import annotations

import argparse
import io
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
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/storeops_bench")

SKUS = 50_000
MOVEMENTS_PER_SKU = 40  # 2,000,000 ledger rows
PRODUCTS = 10_000
CATEGORIES = 20
WORKERS = 8
CALLS_PER_WORKER = 500
HOT_CALLS_PER_WORKER = 30
HOT_SKU = "SKU-000007"


def build_data() -> None:
    """Categories, products, SKUs, two warehouses and 2M consistent ledger rows, in SQL."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    user, _created = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_superuser": True, "is_staff": True}
    )
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE inventory_stockmovement, inventory_stocklevel, inventory_warehouse, "
            "catalog_variantpricechange, catalog_variant, catalog_historicalproduct, "
            "catalog_product_tags, catalog_product, catalog_category RESTART IDENTITY CASCADE"
        )
        cursor.execute(
            "INSERT INTO inventory_warehouse (code, name, address, is_default, is_active, "
            "created_at, updated_at) VALUES "
            "('WH-MAIN', '主仓', '', true, true, now(), now()), "
            "('WH-SOUTH', '华南仓', '', false, true, now(), now())"
        )
        cursor.execute(
            "INSERT INTO catalog_category (name, parent_id, position, created_at, updated_at) "
            "SELECT 'Category ' || n, NULL, n, now(), now() FROM generate_series(1, %s) n",
            [CATEGORIES],
        )
        cursor.execute(
            "INSERT INTO catalog_product (code, title, category_id, brand, description, "
            "main_image, main_image_url, status, season, list_price, created_at, updated_at) "
            "SELECT 'P' || lpad(n::text, 6, '0'), '商品 Product ' || n, 1 + n %% %s, '', '', "
            "'', '', 'on_sale', 'all_season', 99, now(), now() FROM generate_series(1, %s) n",
            [CATEGORIES, PRODUCTS],
        )
        cursor.execute(
            "INSERT INTO catalog_variant (sku_code, product_id, options, barcode, price, "
            "cost_price, weight_kg, supplier_id, supplier_item_code, reorder_point, "
            "safety_stock, is_active, created_at, updated_at) "
            "SELECT 'SKU-' || lpad(n::text, 6, '0'), 1 + (n - 1) %% %s, '{}', '', 89, "
            "12.5 + n %% 40, 0, NULL, '', n %% 80, 5, true, now(), now() "
            "FROM generate_series(1, %s) n",
            [PRODUCTS, SKUS],
        )
        # Per SKU, a repeating cycle of 4 movements in the default warehouse:
        # receipt +10, reservation +3, shipment -3/-3, write-off -1 (net +6 on hand).
        cursor.execute(
            """
            INSERT INTO inventory_stockmovement (
                variant_id, warehouse_id, kind, on_hand_change, reserved_change,
                on_order_change, on_hand_after, reserved_after, on_order_after,
                created_at, business_date, created_by_id, reason, document_type,
                document_id, idempotency_key)
            SELECT v, 1,
                   (ARRAY['receipt','reservation','shipment','write_off'])[p + 1],
                   (ARRAY[10, 0, -3, -1])[p + 1],
                   (ARRAY[0, 3, -3, 0])[p + 1],
                   0,
                   6 * c + (ARRAY[10, 10, 7, 6])[p + 1],
                   (ARRAY[0, 3, 0, 0])[p + 1],
                   0,
                   ts, (ts AT TIME ZONE 'Asia/Shanghai')::date, %s, 'bench', 'bench',
                   v::text || '-' || k, NULL
            FROM generate_series(1, %s) v,
                 generate_series(1, %s) k,
                 LATERAL (SELECT (k - 1) / 4 AS c, (k - 1) %% 4 AS p,
                          now() - make_interval(days => %s - k, secs => v) AS ts) d
            """,
            [user.pk, SKUS, MOVEMENTS_PER_SKU, MOVEMENTS_PER_SKU],
        )
        cursor.execute(
            "INSERT INTO inventory_stocklevel (variant_id, warehouse_id, on_hand, reserved, "
            "on_order, updated_at) SELECT variant_id, warehouse_id, SUM(on_hand_change), "
            "SUM(reserved_change), SUM(on_order_change), max(created_at) "
            "FROM inventory_stockmovement GROUP BY variant_id, warehouse_id"
        )
        cursor.execute("ANALYZE")
    print(
        f"built {SKUS:,} SKUs and {SKUS * MOVEMENTS_PER_SKU:,} ledger rows "
        f"in {time.monotonic() - started:.1f} s"
    )


def time_page(client, urls: list[str], *, runs: int = 30) -> tuple[float, int]:
    """Median milliseconds over ``runs`` requests, and the queries of one request."""
    from django.db import connection

    for url in urls[:3]:
        assert client.get(url).status_code == 200
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(urls[0])
    timings = []
    for index in range(runs):
        url = urls[index % len(urls)]
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(timings), len(executed)


def _worker(index: int, job: str, run_id: int, barrier, results) -> None:
    """One worker process: its own interpreter and database connection, like gunicorn's.

    It runs with DEBUG off, as production does (DEBUG keeps a log of every query).
    """
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-any-real-deployment-0123")
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from catalog.models import Variant
    from inventory import services
    from inventory.errors import InsufficientStock

    user = get_user_model().objects.get(username="bench")
    if job == "spread":
        first = f"SKU-{1000 + index * 20:06d}"
        own = list(Variant.objects.filter(sku_code__gte=first).order_by("sku_code")[:20])
        calls = [
            dict(
                variant=own[call % 20],
                document_type="order_line",
                document_id=str(call),
                idempotency_key=f"bench:{run_id}:{index}:{call}",
            )
            for call in range(CALLS_PER_WORKER)
        ]
    else:
        hot = Variant.objects.get(sku_code=HOT_SKU)
        calls = [dict(variant=hot) for _call in range(HOT_CALLS_PER_WORKER)]
    ok = insufficient = 0
    barrier.wait()
    for call in calls:
        try:
            services.reserve(quantity=1, by=user, reason="bench", **call)
            ok += 1
        except InsufficientStock:
            insufficient += 1
    results.put((ok, insufficient))


def run_workers(job: str, run_id: int) -> tuple[int, int, float]:
    """``WORKERS`` processes start together; (ok, insufficient, wall seconds)."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # never share a connection with the children
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WORKERS + 1)
    results = context.Queue()
    processes = [
        context.Process(target=_worker, args=(index, job, run_id, barrier, results))
        for index in range(WORKERS)
    ]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    counts = [results.get() for _process in processes]
    seconds = time.perf_counter() - started
    for process in processes:
        process.join()
    return sum(ok for ok, _ in counts), sum(no for _, no in counts), seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rebuild", action="store_true", help="Rebuild the benchmark data.")
    arguments = parser.parse_args()

    ensure_database()
    print(cpu_reference(), flush=True)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import CommandError, call_command
    from django.test import Client

    from catalog.models import Variant
    from inventory.models import StockLevel, StockMovement

    call_command("migrate", verbosity=0)
    has_data = Variant.objects.filter(sku_code=f"SKU-{SKUS:06d}").exists()
    if arguments.rebuild or not has_data:
        build_data()
    user = get_user_model().objects.get(username="bench")
    print(
        f"data: {Variant.objects.count():,} SKUs, "
        f"{StockMovement.objects.count():,} ledger rows (PostgreSQL)"
    )

    client = Client()
    client.force_login(user)
    median, queries = time_page(client, ["/inventory/"])
    print(f"stock list, first page: median {median:.1f} ms, {queries} queries")
    median, queries = time_page(client, ["/inventory/?stock=low&warehouse=WH-MAIN"])
    print(f"stock list, low stock filter: median {median:.1f} ms, {queries} queries")
    sku_urls = [f"/inventory/sku/SKU-{n:06d}/" for n in range(1, SKUS, SKUS // 30)]
    median, queries = time_page(client, sku_urls)
    print(f"SKU ledger page: median {median:.1f} ms, {queries} queries")

    # Throughput: 8 worker processes, each on its own 20 SKUs, reserving one unit
    # per call the way orders do (default warehouse, an idempotency key per line).
    ok, refused, seconds = run_workers("spread", time.time_ns())
    print(
        f"reserve, {WORKERS} worker processes on different SKUs: {ok} ok, {refused} refused "
        f"in {seconds:.2f} s = {(ok + refused) / seconds:.0f} calls/s"
    )

    # Correctness on one SKU: 8 workers x 30 attempts race for its available units.
    hot = Variant.objects.get(sku_code=HOT_SKU)
    level = StockLevel.objects.get(variant=hot, warehouse__code="WH-MAIN")
    available_before, reserved_before = level.on_hand - level.reserved, level.reserved
    ok, refused, seconds = run_workers("hot", 0)
    level.refresh_from_db()
    attempts = WORKERS * HOT_CALLS_PER_WORKER
    exact = (
        ok == min(available_before, attempts)
        and level.reserved == reserved_before + ok
        and level.on_hand >= level.reserved
    )
    print(
        f"reserve, {WORKERS} worker processes on one SKU with {available_before} available: "
        f"{ok} ok, {refused} insufficient, reserved {reserved_before} -> {level.reserved}: "
        f"{'exact' if exact else 'WRONG'} ({attempts / seconds:.0f} calls/s)"
    )

    rows = StockMovement.objects.count()
    output = io.StringIO()
    started = time.perf_counter()
    try:
        call_command("check_stock", stdout=output)
        verdict = "levels match the ledger"
    except CommandError as error:
        verdict = str(error)
    print(
        f"manage.py check_stock over {rows:,} ledger rows: "
        f"{time.perf_counter() - started:.2f} s ({verdict})"
    )


if __name__ == "__main__":
    main()

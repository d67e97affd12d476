"""Orders import benchmark: a Taobao-style order export through the real framework.

    DEBUG=1 .venv/bin/python bench/import_orders.py [--lines 100000] [--profile 20]

Uses DATABASE_URL (default: a PostgreSQL database storeops_bench_orders,
dropped, created and migrated here). Generates an export of N order lines
(orders of 1-3 lines, paid, over 200 SKUs with plenty of stock), then prints
lines per second of a first import (every order created, paid and reserved),
of the same file again (every line unchanged) and, for scale, of a bare
PostgreSQL COPY of the same rows into a scratch table. Query logging is off
(DEBUG=1 is only there so that settings load without a SECRET_KEY). With
``--profile N`` both imports run under cProfile and the N most expensive
functions (cumulative time) of each are printed.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchdb import cpu_reference, ensure_database  # noqa: E402 (bench/ is the script's folder)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storeops.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/storeops_bench_orders")

SKUS = 200
CPU_SECONDS: list[float] = []
# Time the garbage collector took during each timed run, by generation.
GC_SECONDS: list[list[float]] = []
_gc_started = [0.0]


def _time_gc(phase: str, info: dict) -> None:
    if phase == "start":
        _gc_started[0] = time.perf_counter()
    elif GC_SECONDS:
        GC_SECONDS[-1][info["generation"]] += time.perf_counter() - _gc_started[0]


HEADER = (
    "店铺,订单编号,订单状态,订单创建时间,付款时间,买家会员名,收货人姓名,联系手机,收货地址,"
    "商家编码,宝贝标题,购买数量,价格,单品优惠,店铺优惠,买家应付邮费,实付金额,买家留言"
)


def make_rows(lines: int) -> list[list[str]]:
    rows: list[list[str]] = []
    order = 0
    while len(rows) < lines:
        order += 1
        size = min(order % 3 + 1, lines - len(rows))
        items = [((order * 7 + n * 13) % SKUS, n % 2 + 1) for n in range(size)]
        goods = sum(89 * quantity for _sku, quantity in items)
        paid = f"{goods - 5 + 8}.00"
        for sku, quantity in items:
            rows.append(
                [
                    "淘宝",
                    f"B{order:09d}",
                    "买家已付款",
                    "2026-03-01 10:00:00",
                    "2026-03-01 10:05:00",
                    f"tb_buyer_{order % 5000}",
                    f"买家{order % 5000}",
                    f"138{order % 10**8:08d}",
                    f"浙江省 杭州市 西湖区文三路 {order % 500} 号",
                    f"BENCH-{sku:04d}",
                    f"商品 {sku}",
                    str(quantity),
                    "89.00",
                    "0.00",
                    "5.00",
                    "8.00",
                    paid,
                    "",
                ]
            )
    return rows


def to_csv(rows: list[list[str]]) -> bytes:
    body = "\n".join([HEADER, *(",".join(row) for row in rows)]) + "\n"
    return body.encode("gb18030")


def timed(run, profile: int = 0):
    profiler = cProfile.Profile() if profile else None
    GC_SECONDS.append([0.0, 0.0, 0.0])
    started = time.perf_counter()
    cpu_started = time.process_time()
    if profiler is not None:
        profiler.enable()
    result = run()
    if profiler is not None:
        profiler.disable()
    elapsed = time.perf_counter() - started
    # This process's own CPU time: the rest is the database's work and the machine's load.
    CPU_SECONDS.append(time.process_time() - cpu_started)
    if profiler is not None:
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(profile)
        stats.sort_stats("tottime").print_stats(profile)
    return result, elapsed


def set_up_catalog(user) -> None:
    from decimal import Decimal

    from catalog.models import Category, Product, Variant
    from inventory import services as inventory
    from inventory.models import Warehouse
    from orders.models import OrderSettings

    Warehouse.objects.get_or_create(code="WH-MAIN", defaults={"name": "主仓", "is_default": True})
    rules = OrderSettings.load()
    rules.duplicate_window_minutes = 0
    rules.save()
    category = Category.objects.create(name="Bench")
    for number in range(SKUS):
        product = Product.objects.create(
            code=f"BENCH-P{number:04d}",
            title=f"Bench product {number}",
            category=category,
            list_price=Decimal("99.00"),
        )
        variant = Variant.objects.create(
            sku_code=f"BENCH-{number:04d}",
            product=product,
            price=Decimal("89.00"),
            cost_price=Decimal("35.50"),
        )
        inventory.receive(variant=variant, quantity=10**7, by=user, reason="Bench stock")


def bare_copy(rows: list[list[str]]) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        columns = ", ".join(f"c{n} text" for n in range(len(rows[0])))
        cursor.execute(f"CREATE TEMP TABLE bench_copy ({columns})")
        started = time.perf_counter()
        with cursor.copy("COPY bench_copy FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    ensure_database(fresh=True)
    print(cpu_reference(), flush=True)

    import django

    django.setup()
    from django.conf import settings

    # With DEBUG on, every query would be timed and kept in connection.queries.
    settings.DEBUG = False
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from orders.models import Order
    from storeops.imports import jobs, registry
    from storeops.imports.runner import run_import

    kind = registry.get("orders")
    user = jobs.system_user()
    set_up_catalog(user)
    rows = make_rows(args.lines)
    content = to_csv(rows)

    def run():
        return run_import(kind, io.BytesIO(content), name="bench.csv", user=user)

    gc.callbacks.append(_time_gc)
    load_before = os.getloadavg()
    first, first_s = timed(run, args.profile)
    assert first.ok and first.created == args.lines, first.message or first.problems[:3]
    orders = Order.objects.count()
    second, second_s = timed(run, args.profile)
    assert second.unchanged == args.lines, (second.created, second.updated, second.unchanged)
    copy_s = bare_copy(rows)
    lines = args.lines
    print(f"database: {os.environ['DATABASE_URL'].rsplit('@', 1)[-1]}")
    print(
        f"{lines} lines ({orders} orders, {len(content) / 2**20:.1f} MB): "
        f"first import {lines / first_s:,.0f} lines/s ({first_s:.1f} s); "
        f"same file again {lines / second_s:,.0f} lines/s ({second_s:.1f} s); "
        f"bare COPY {lines / copy_s:,.0f} lines/s ({copy_s:.3f} s)"
    )
    print(
        f"Python CPU: first import {CPU_SECONDS[0]:.1f} s "
        f"({CPU_SECONDS[0] * 1000 / lines:.2f} s per 1,000 lines), "
        f"same file again {CPU_SECONDS[1]:.1f} s ({CPU_SECONDS[1] * 1000 / lines:.2f} s per 1,000)"
    )
    print(
        "garbage collection (generations 0/1/2): "
        + "; ".join(
            f"{label} " + "/".join(f"{seconds:.1f}" for seconds in run) + " s"
            for label, run in zip(("first import", "same file again"), GC_SECONDS, strict=False)
        )
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:,.0f} MB")
    before = " ".join(f"{load:.2f}" for load in load_before)
    after = " ".join(f"{load:.2f}" for load in os.getloadavg())
    print(f"load average (1, 5, 15 min): before {before}; after {after}")


if __name__ == "__main__":
    main()

"""API order-create benchmark: gunicorn with 5 workers on PostgreSQL.

Run from the project root (it uses its own database, created, migrated and seeded here):

    .venv/bin/python bench/api_create_bench.py                 # 3000 orders, 16 connections
    .venv/bin/python bench/api_create_bench.py --orders 1000 --connections 8

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/storeops_bench_api.
Target (orders issue): at least 150 orders/s created through ``POST /api/v1/orders/``
with 5 gunicorn workers. Every order is a realistic paid order of 1 to 3 lines
with its own ``Idempotency-Key``; afterwards the bench checks that each order
was created exactly once and that the stock ledger and levels agree with what
was sent, then re-sends 200 of them under the same keys and checks that the
answers are the first ones and nothing changed.

The server runs with DEBUG off, as in production; the bench sends
``X-Forwarded-Proto: https`` like the TLS proxy in front of it would.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchdb import cpu_reference, ensure_database  # noqa: E402 (bench/ is the script's folder)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storeops.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/storeops_bench_api")

SKUS = 200
STOCK_PER_SKU = 100_000
BUYERS = 2_000
CHANNELS = ["taobao", "tmall", "jd", "douyin", "pdd", "own_site"]
WORKERS = 5
REPLAYS = 200
SEED = 20261124
USERNAME = "bench-api-manager"


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def load() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def seed() -> str:
    """Warehouse, 200 SKUs with plenty of stock, an operations manager and its token."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from catalog.models import Category, Product, ProductStatus, Variant
    from inventory import services as inventory
    from inventory.models import StockLevel, Warehouse
    from storeops.roles import Role

    user, _created = get_user_model().objects.get_or_create(username=USERNAME)
    user.groups.add(Group.objects.get(name=Role.OPERATIONS_MANAGER.value))
    token, _created = Token.objects.get_or_create(user=user)
    warehouse, _created = Warehouse.objects.get_or_create(
        code="WH-MAIN", defaults={"name": "主仓", "is_default": True}
    )
    category, _created = Category.objects.get_or_create(name="Bench", parent=None)
    for number in range(1, SKUS + 1):
        code = f"API-{number:04d}"
        if Variant.objects.filter(sku_code=code).exists():
            continue
        product = Product.objects.create(
            code=f"APIP-{number:04d}",
            title=f"商品 Bench product {number}",
            category=category,
            status=ProductStatus.ON_SALE,
            list_price=Decimal("99.00"),
        )
        Variant.objects.create(
            sku_code=code,
            product=product,
            price=Decimal("19.90") + Decimal(number % 40) * 5,
            cost_price=Decimal("8.00") + Decimal(number % 20),
        )
    levels = {
        level.variant.sku_code: level.on_hand - level.reserved
        for level in StockLevel.objects.filter(warehouse=warehouse).select_related("variant")
    }
    for variant in Variant.objects.filter(sku_code__startswith="API-"):
        available = levels.get(variant.sku_code, 0)
        if available < STOCK_PER_SKU // 2:
            inventory.receive(
                variant=variant,
                warehouse=warehouse,
                quantity=STOCK_PER_SKU - available,
                by=user,
                reason="Bench stock",
            )
    return token.key


def make_orders(count: int, *, run: str, rng: random.Random) -> list[tuple[str, dict]]:
    """``count`` (idempotency key, body) pairs: paid orders of 1-3 lines that add up."""
    from catalog.models import Variant

    prices = dict(
        Variant.objects.filter(sku_code__startswith="API-").values_list("sku_code", "price")
    )
    codes = sorted(prices)
    surnames = "王李张刘陈杨黄赵吴周"
    given = "伟芳娜敏静丽强磊军洋"
    cities = [
        ("浙江省", "杭州市"),
        ("广东省", "深圳市"),
        ("江苏省", "南京市"),
        ("四川省", "成都市"),
    ]
    orders = []
    started = time.time()
    for number in range(count):
        buyer = rng.randrange(BUYERS)
        lines, goods, discounts = [], Decimal("0.00"), Decimal("0.00")
        for code in rng.sample(codes, rng.randint(1, 3)):
            quantity = rng.choice([1, 1, 1, 2, 3])
            discount = Decimal("5.00") if rng.random() < 0.2 else Decimal("0.00")
            lines.append(
                {
                    "sku_code": code,
                    "quantity": quantity,
                    "unit_price": str(prices[code]),
                    "line_discount": str(discount),
                }
            )
            goods += prices[code] * quantity
            discounts += discount
        shipping = Decimal("0.00") if goods >= 99 else Decimal("8.00")
        order_discount = Decimal("10.00") if goods - discounts > 200 else Decimal("0.00")
        placed = started - 600 + number * 0.1
        province, city = cities[buyer % len(cities)]
        body = {
            "channel": CHANNELS[buyer % len(CHANNELS)],
            "order_no": f"B{run}{number:07d}",
            "lines": lines,
            "order_discount_total": str(order_discount),
            "shipping_fee": str(shipping),
            "paid_total": str(goods - discounts - order_discount + shipping),
            "placed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(placed)),
            "paid_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(placed + 40)),
            "buyer_nickname": f"bench_buyer_{buyer}",
            "recipient_name": surnames[buyer % 10] + given[buyer // 10 % 10],
            "phone": f"139{buyer:08d}",
            "province": province,
            "city": city,
            "address": f"幸福路 {buyer % 300 + 1} 号 {buyer % 30 + 1} 栋",
            "is_imported": CHANNELS[buyer % len(CHANNELS)] != "own_site",
        }
        orders.append((f"{run}-{number}", body))
    return orders


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(port: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + uuid.uuid4().hex + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_MAX_REQUESTS": "0",
    }
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "storeops.wsgi",
        "-w",
        str(WORKERS),
        "-b",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "/dev/null",
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log}")
        try:
            status, _body = request(port, "GET", "/healthz", None, headers={})
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer /healthz within 60 s; see {log}")


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def request(
    port: int, method: str, path: str, body: dict | None, *, headers: dict[str, str]
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        connection.request(
            method,
            path,
            body=payload,
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-Forwarded-Proto": "https",
                **headers,
            },
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def fire(
    port: int, token: str, orders: list[tuple[str, dict]], *, connections: int
) -> tuple[list[tuple[int, bytes, float]], float]:
    """POST every order from ``connections`` threads; (status, body, seconds) each, wall time."""
    results: list[tuple[int, bytes, float] | None] = [None] * len(orders)
    lock = threading.Lock()
    position = iter(range(len(orders)))

    def worker() -> None:
        while True:
            with lock:
                index = next(position, None)
            if index is None:
                return
            key, body = orders[index]
            started = time.perf_counter()
            try:
                status, answer = request(
                    port,
                    "POST",
                    "/api/v1/orders/",
                    body,
                    headers={"Authorization": f"Token {token}", "Idempotency-Key": key},
                )
            except OSError as error:
                status, answer = 0, str(error).encode()
            results[index] = (status, answer, time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=connections) as pool:
        for _n in range(connections):
            pool.submit(worker)
    return [result for result in results if result is not None], time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def ledger_state(order_prefix: str) -> dict:
    """What the database holds for this run: orders, lines, reservations, levels."""
    from django.db.models import Count, Sum

    from inventory.models import StockLevel, StockMovement
    from orders.models import IdempotencyRecord, Order, OrderLine

    orders = Order.objects.filter(order_no__startswith=order_prefix)
    ids = [str(pk) for pk in orders.values_list("pk", flat=True)]
    reserved_by_sku = dict(
        StockMovement.objects.filter(document_type="order", document_id__in=ids, kind="reservation")
        .values_list("variant__sku_code")
        .annotate(total=Sum("reserved_change"))
    )
    return {
        "orders": len(ids),
        "distinct order numbers": orders.values("channel", "order_no").distinct().count(),
        "lines": OrderLine.objects.filter(order__in=orders).count(),
        "line units": OrderLine.objects.filter(order__in=orders).aggregate(total=Sum("quantity"))[
            "total"
        ],
        "reservations": StockMovement.objects.filter(
            document_type="order", document_id__in=ids
        ).count(),
        "reserved by sku": reserved_by_sku,
        "idempotency records": IdempotencyRecord.objects.filter(
            key__startswith=order_prefix[1:]
        ).count(),
        "levels": dict(
            StockLevel.objects.filter(variant__sku_code__startswith="API-").values_list(
                "variant__sku_code", "reserved"
            )
        ),
        "statuses": dict(orders.values_list("status").annotate(count=Count("pk"))),
    }


def levels_match_ledger() -> list[str]:
    """SKUs whose level differs from the ``reserved_after`` of its newest ledger row."""
    from inventory.models import StockLevel, StockMovement

    wrong = []
    for level in StockLevel.objects.filter(variant__sku_code__startswith="API-").select_related(
        "variant"
    ):
        newest = (
            StockMovement.objects.filter(variant=level.variant, warehouse=level.warehouse)
            .order_by("-pk")
            .values_list("on_hand_after", "reserved_after")
            .first()
        )
        if newest != (level.on_hand, level.reserved):
            wrong.append(level.variant.sku_code)
    return wrong


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=3000, help="Orders to create (3000).")
    parser.add_argument("--connections", type=int, default=16, help="Concurrent clients (16).")
    arguments = parser.parse_args()

    ensure_database()
    print(cpu_reference(), flush=True)
    import django

    django.setup()
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    token = seed()
    run = time.strftime("%m%d%H%M%S")
    rng = random.Random(SEED)
    warm = make_orders(50, run=run + "W", rng=rng)
    orders = make_orders(arguments.orders, run=run, rng=rng)
    say(f"migrated and seeded in {time.monotonic() - started:.1f} s; run {run}")

    sent_units: Counter[str] = Counter()
    for _key, body in warm + orders:
        for line in body["lines"]:
            sent_units[line["sku_code"]] += line["quantity"]
    before_levels = ledger_state(f"B{run}")["levels"]

    log = Path("/tmp") / f"api_create_bench_gunicorn_{run}.log"
    port = free_port()
    process = start_gunicorn(port, log)
    failures = []
    try:
        fire(port, token, warm, connections=arguments.connections)
        say(f"{load()} before the run")
        results, seconds = fire(port, token, orders, connections=arguments.connections)
        say(f"{load()} after the run")
        statuses = Counter(status for status, _body, _seconds in results)
        latencies = [duration * 1000 for _status, _body, duration in results]
        errors = sum(count for status, count in statuses.items() if status != 201)
        rate = len(results) / seconds
        say(
            f"POST /api/v1/orders/ x {len(results)} from {arguments.connections} connections, "
            f"gunicorn -w {WORKERS}: {rate:.1f} orders/s ({seconds:.1f} s), "
            f"latency p50 {statistics.median(latencies):.1f} ms p95 "
            f"{percentile(latencies, 0.95):.1f} ms max {max(latencies):.1f} ms, "
            f"errors {errors} (statuses {dict(statuses)}) — target >= 150 orders/s"
        )
        for status, body, _duration in results:
            if status != 201:
                say(f"  first error: {status} {body[:300]!r}")
                break

        state = ledger_state(f"B{run}")
        expected_lines = sum(len(body["lines"]) for _key, body in warm + orders)
        expected_units = sum(sent_units.values())
        checks = {
            "every order created once": state["orders"] == len(warm) + len(orders)
            and state["distinct order numbers"] == state["orders"],
            "every line stored": state["lines"] == expected_lines
            and state["line units"] == expected_units,
            "one reservation per line": state["reservations"] == expected_lines,
            "reservations = units sent per SKU": state["reserved by sku"] == dict(sent_units),
            "levels moved by the units sent": all(
                state["levels"][sku] - before_levels.get(sku, 0) == sent_units.get(sku, 0)
                for sku in state["levels"]
            ),
            "levels = newest ledger row": not levels_match_ledger(),
            "one idempotency record per key": state["idempotency records"]
            == len(warm) + len(orders),
        }
        say(
            f"after the run: {state['orders']} orders, {state['lines']} lines, "
            f"{state['reservations']} reservations, statuses {state['statuses']}"
        )
        for name, passed in checks.items():
            say(f"  {'ok  ' if passed else 'FAIL'} {name}")
            if not passed:
                failures.append(name)

        replay = random.Random(SEED + 1).sample(range(len(orders)), min(REPLAYS, len(orders)))
        again, replay_seconds = fire(
            port, token, [orders[index] for index in replay], connections=arguments.connections
        )
        same = sum(
            1
            for index, (status, body, _duration) in zip(replay, again, strict=True)
            if (status, json.loads(body)) == (results[index][0], json.loads(results[index][1]))
        )
        after = ledger_state(f"B{run}")
        unchanged = {key: after[key] == state[key] for key in state}
        say(
            f"replayed {len(again)} requests with their Idempotency-Key in {replay_seconds:.1f} s: "
            f"{same} identical answers; data unchanged: "
            f"{all(unchanged.values())} {[key for key, ok in unchanged.items() if not ok]}"
        )
        if same != len(again) or not all(unchanged.values()):
            failures.append("replay")
    finally:
        stop_gunicorn(process)
    say("all checks passed" if not failures else f"FAILED: {failures}")
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()

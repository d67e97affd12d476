"""Order console benchmark on PostgreSQL: 1,000,000 orders and ~3,000,000 lines.

Run from the project root (it uses its own database, created and migrated here):

    DEBUG=1 .venv/bin/python bench/console_bench.py            # builds the data once
    DEBUG=1 .venv/bin/python bench/console_bench.py --rebuild  # builds it again
    DEBUG=1 .venv/bin/python bench/console_bench.py --explain  # also prints query plans

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/storeops_bench_console.
Targets (console issue): each search kind median < 50 ms and p95 < 100 ms
(order number < 10 ms), beside the bare SQL of the same search; the order page
< 100 ms with a constant number of queries; queue pages without an unfiltered
COUNT(*) over all orders.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchdb import cpu_reference, ensure_database  # noqa: E402 (bench/ is the script's folder)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "storeops.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/storeops_bench_console")

ORDERS = 1_000_000
CUSTOMERS = 500_000
VARIANTS = 10_000
PRODUCTS = 2_000
SEARCHES = 50
ORDER_PAGES = 30
SEED = 20261123


# Pieces of names. Recipients are Chinese names (surname + one or two characters);
# nicknames are Chinese phrases, pinyin names or channel defaults ("tb" + digits).
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文"
ADJECTIVES = [
    "快乐的",
    "爱吃鱼的",
    "可爱",
    "小",
    "阿",
    "胖胖",
    "甜甜的",
    "安静的",
    "奔跑的",
    "追风",
]
NOUNS = ["猫", "兔子", "小熊", "星星", "月亮", "橘子", "布丁", "团子", "海豚", "少年"]
PINYIN_SURNAMES = ["zhang", "wang", "li", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou"]
PINYIN_GIVEN = ["wei", "fang", "na", "min", "jing", "lei", "yang", "jie", "tao", "ming"]
PROVINCES = [
    ("浙江省", "杭州市"),
    ("广东省", "深圳市"),
    ("江苏省", "南京市"),
    ("上海市", "上海市"),
    ("北京市", "北京市"),
    ("四川省", "成都市"),
    ("湖北省", "武汉市"),
    ("山东省", "青岛市"),
]


def _array(values) -> str:
    return "ARRAY[" + ", ".join("'" + value + "'" for value in values) + "]"


def build_data() -> None:
    """Catalog, carriers, 500k customers, 1M orders over a year, ~3M lines, ~0.9M parcels."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection

    from storeops.roles import Role

    started = time.monotonic()
    surnames = _array(SURNAMES)
    given = _array(GIVEN)
    provinces = _array(p for p, _c in PROVINCES)
    cities = _array(c for _p, c in PROVINCES)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE orders_shipmentline, orders_shipment, orders_orderline, orders_orderevent, "
            "orders_order, orders_carrier, customers_customer, catalog_variantpricechange, "
            "catalog_variant, catalog_historicalproduct, catalog_product_tags, catalog_product, "
            "catalog_category RESTART IDENTITY CASCADE"
        )
        cursor.execute(
            "INSERT INTO orders_carrier (code, name, is_active) VALUES "
            "('sf', '顺丰速运', true), ('zto', '中通快递', true), ('yto', '圆通速递', true), "
            "('sto', '申通快递', true), ('yunda', '韵达速递', true), ('jd', '京东物流', true)"
        )
        cursor.execute(
            "INSERT INTO catalog_category (name, parent_id, position, created_at, updated_at) "
            "SELECT 'Category ' || n, NULL, n, now(), now() FROM generate_series(1, 20) n"
        )
        cursor.execute(
            "INSERT INTO catalog_product (code, title, category_id, brand, description, "
            "main_image, main_image_url, status, season, list_price, created_at, updated_at) "
            "SELECT 'P' || lpad(n::text, 6, '0'), '商品 Product ' || n, 1 + n %% 20, '', '', "
            "'', '', 'on_sale', 'all_season', 99, now(), now() FROM generate_series(1, %s) n",
            [PRODUCTS],
        )
        cursor.execute(
            "INSERT INTO catalog_variant (sku_code, product_id, options, barcode, price, "
            "cost_price, weight_kg, supplier_id, supplier_item_code, reorder_point, "
            "safety_stock, is_active, created_at, updated_at) "
            "SELECT 'SKU-' || lpad(n::text, 6, '0'), 1 + (n - 1) %% %s, '{}', '', "
            "19.90 + (n %% 50) * 10, 8 + n %% 40, 0.5, NULL, '', 10, 5, true, now(), now() "
            "FROM generate_series(1, %s) n",
            [PRODUCTS, VARIANTS],
        )
        # Customers: channel 1..6, a unique nickname per channel, an 11-digit phone
        # (a bijective hash of n, so unique), a Chinese name.
        cursor.execute(
            f"""
            INSERT INTO customers_customer (channel_id, buyer_id, phone, name, first_order_at,
                last_order_at, order_count, amount_spent, refund_count, refunded_amount, notes,
                created_at, updated_at)
            SELECT 1 + n % 6,
                   CASE n % 3
                     WHEN 0 THEN ({_array(ADJECTIVES)})[1 + (n / 3) % 10]
                                 || ({_array(NOUNS)})[1 + (n / 30) % 10] || (n / 300)::text
                     WHEN 1 THEN ({_array(PINYIN_SURNAMES)})[1 + (n / 3) % 10]
                                 || ({_array(PINYIN_GIVEN)})[1 + (n / 30) % 10]
                                 || '_' || (n / 300)::text
                     ELSE 'tb' || (100000000 + (n::bigint * 7919) % 900000000)::text
                   END || CASE WHEN n % 3 < 2 THEN chr(97 + n % 26) ELSE '' END,
                   '1' || (ARRAY['3','5','7','8','9'])[1 + n % 5]
                       || lpad(((n::bigint * 2654435761) % 1000000000)::text, 9, '0'),
                   ({surnames})[1 + n % 20] || ({given})[1 + (n / 20) % 30]
                       || CASE WHEN n % 3 > 0 THEN ({given})[1 + (n / 600) % 30] ELSE '' END,
                   NULL, NULL, 2, 0, 0, 0, '', now(), now()
            FROM generate_series(1, {CUSTOMERS}) n
            """
        )
        # Orders, oldest first (id order = time order), two per customer on average.
        # Realistic numbers per channel: Taobao/Tmall 19 digits, JD 12 digits,
        # Douyin 19 digits starting 69, Pinduoduo "YYMMDD-" + 16 digits, own site "SO...".
        cursor.execute(
            f"""
            INSERT INTO orders_order (order_no, kind, is_imported, buyer_nickname,
                recipient_name, phone, province, city, address, buyer_note, internal_notes,
                status, review_state, review_reasons, review_note, placed_at, paid_at,
                business_date, shipped_at, delivered_at, completed_at, cancelled_at, closed_at,
                goods_total, line_discount_total, order_discount_total, shipping_fee,
                paid_total, refunded_total, coupon_code, promotion_text, created_at,
                updated_at, assigned_agent_id, channel_id, created_by_id, customer_id,
                merged_into_id, replaces_order_id, warehouse_id)
            SELECT
                CASE c.channel_id
                  WHEN 1 THEN '3' || lpad((o::bigint * 982451653)::text, 18, '0')
                  WHEN 2 THEN '2' || lpad((o::bigint * 982451653)::text, 18, '0')
                  WHEN 3 THEN (200000000000 + o::bigint * 97)::text
                  WHEN 4 THEN '69' || lpad((o::bigint * 98245165)::text, 17, '0')
                  WHEN 5 THEN to_char(t.placed, 'YYMMDD') || '-'
                              || lpad((o::bigint * 9824516531)::text, 16, '0')
                  ELSE 'SO' || to_char(t.placed, 'YYYYMMDD') || lpad(o::text, 7, '0')
                END,
                'normal', c.channel_id <> 6, c.buyer_id, c.name, c.phone,
                ({provinces})[1 + o % 8], ({cities})[1 + o % 8],
                '幸福路' || (1 + o % 300) || '号' || (1 + o % 30) || '栋',
                CASE WHEN o % 25 = 0 THEN '请尽快发货' ELSE '' END, '',
                s.status,
                CASE WHEN s.status = 'pending_payment' THEN 'pending'
                     WHEN s.status = 'paid' AND o % 17 = 0 THEN 'exception'
                     ELSE 'released' END,
                '[]', '', t.placed, p.paid,
                (p.paid AT TIME ZONE 'Asia/Shanghai')::date,
                CASE WHEN s.status IN ('shipped', 'delivered', 'completed')
                     THEN t.placed + interval '20 hours' END,
                CASE WHEN s.status IN ('delivered', 'completed')
                     THEN t.placed + interval '3 days' END,
                CASE WHEN s.status = 'completed' THEN t.placed + interval '10 days' END,
                CASE WHEN s.status = 'cancelled' THEN t.placed + interval '1 hour' END,
                CASE WHEN s.status = 'closed' THEN t.placed + interval '1 day' END,
                g.total, 0, 0, 0, g.total, 0, '', '', t.placed, t.placed,
                NULL, c.channel_id, NULL, c.id, NULL, NULL, NULL
            FROM generate_series(1, {ORDERS}) o
            JOIN customers_customer c ON c.id = 1 + (o::bigint * 48271) % {CUSTOMERS}
            CROSS JOIN LATERAL (
                SELECT now() - make_interval(secs => ({ORDERS} - o) * 31.536) AS placed) t
            CROSS JOIN LATERAL (
                SELECT CASE
                  WHEN o % 20 = 0 THEN 'cancelled'
                  WHEN o % 33 = 0 THEN 'closed'
                  WHEN t.placed > now() - interval '1 day' AND o % 10 = 1
                       THEN 'pending_payment'
                  WHEN t.placed > now() - interval '1 day' THEN 'paid'
                  WHEN t.placed > now() - interval '3 days' THEN 'shipped'
                  WHEN t.placed > now() - interval '10 days' THEN 'delivered'
                  ELSE 'completed' END AS status) s
            CROSS JOIN LATERAL (
                SELECT CASE WHEN s.status IN ('pending_payment', 'cancelled', 'closed') THEN NULL
                            ELSE t.placed + interval '2 minutes' END AS paid) p
            CROSS JOIN LATERAL (
                SELECT sum((1 + (o + k) % 2) * (19.90 + (v % 50) * 10)) AS total
                FROM generate_series(1, 1 + o % 5) k,
                     LATERAL (SELECT 1 + (o * 31 + k * 7919) % {VARIANTS} AS v) vv) g
            ORDER BY o
            """
        )
        cursor.execute(
            f"""
            INSERT INTO orders_orderline (order_id, variant_id, sku_code, title, quantity,
                unit_price, line_discount, order_discount_share, paid_amount, unit_cost,
                reserved_quantity, shipped_quantity, cancelled_quantity, refunded_quantity,
                refunded_amount)
            SELECT o.id, v, 'SKU-' || lpad(v::text, 6, '0'), '商品 Product ' || v,
                   1 + (o.id + k) % 2, 19.90 + (v % 50) * 10, 0, 0,
                   (1 + (o.id + k) % 2) * (19.90 + (v % 50) * 10),
                   CASE WHEN o.paid_at IS NOT NULL THEN 8 + v % 40 END,
                   CASE WHEN o.status = 'paid' THEN 1 + (o.id + k) % 2 ELSE 0 END,
                   CASE WHEN o.status IN ('shipped', 'delivered', 'completed')
                        THEN 1 + (o.id + k) % 2 ELSE 0 END,
                   0, 0, 0
            FROM orders_order o,
                 generate_series(1, 1 + o.id % 5) k,
                 LATERAL (SELECT 1 + (o.id * 31 + k * 7919) % {VARIANTS} AS v) vv
            ORDER BY o.id, k
            """
        )
        # One parcel per shipped order, a carrier-style tracking number unique per carrier.
        cursor.execute(
            """
            INSERT INTO orders_shipment (order_id, status, carrier_id, tracking_number,
                weight_kg, shipping_cost, is_cost_entered, shipped_at, business_date,
                delivered_at, created_by_id, created_at, updated_at)
            SELECT o.id, CASE WHEN o.status = 'shipped' THEN 'shipped' ELSE 'delivered' END,
                   1 + o.id % 6,
                   CASE 1 + o.id % 6
                     WHEN 1 THEN 'SF' || lpad((o.id * 7919)::text, 13, '0')
                     WHEN 2 THEN '7' || lpad((o.id * 104729)::text, 14, '0')
                     WHEN 3 THEN 'YT' || lpad((o.id * 7919)::text, 13, '0')
                     WHEN 4 THEN '77' || lpad((o.id * 104729)::text, 13, '0')
                     WHEN 5 THEN '43' || lpad((o.id * 104729)::text, 13, '0')
                     ELSE 'JDV' || lpad((o.id * 7919)::text, 12, '0')
                   END,
                   1.2, 8 + o.id % 5, false, o.shipped_at,
                   (o.shipped_at AT TIME ZONE 'Asia/Shanghai')::date, o.delivered_at, NULL,
                   o.shipped_at, o.shipped_at
            FROM orders_order o
            WHERE o.status IN ('shipped', 'delivered', 'completed')
            ORDER BY o.id
            """
        )
        cursor.execute("VACUUM ANALYZE")
    user, _created = get_user_model().objects.get_or_create(username="bench-agent")
    user.groups.add(Group.objects.get(name=Role.CUSTOMER_SERVICE.value))
    print(f"built the data in {time.monotonic() - started:.1f} s")


def _load() -> str:
    return "load " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def _ms(seconds: list[float]) -> str:
    values = sorted(s * 1000 for s in seconds)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return f"median {statistics.median(values):6.1f} ms  p95 {p95:6.1f} ms"


def sample_values(rng: random.Random) -> dict[str, list[str]]:
    """``SEARCHES`` existing values per kind of search, picked at random."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM orders_order")
        top = cursor.fetchone()[0]
        ids = rng.sample(range(1, top + 1), SEARCHES)
        cursor.execute(
            "SELECT order_no, phone, right(phone, 4), buyer_nickname, recipient_name, "
            "left(buyer_nickname, greatest(3, length(buyer_nickname) - 2)), "
            "left(buyer_nickname, 3) "
            "FROM orders_order WHERE id = ANY(%s) ORDER BY id",
            [ids],
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT tracking_number FROM orders_shipment WHERE order_id = ANY(%s) "
            "AND tracking_number <> '' ORDER BY order_id",
            [rng.sample(range(1, top + 1), SEARCHES * 2)],
        )
        tracking = [row[0] for row in cursor.fetchall()][:SEARCHES]
    return {
        "order number": [row[0] for row in rows],
        "tracking number": tracking,
        "full phone": [row[1] for row in rows],
        "phone last 4": [row[2] for row in rows],
        "nickname exact": [row[3] for row in rows],
        "nickname prefix": [row[5] for row in rows],
        "recipient name": [row[4] for row in rows],
        # Not in the list: 3 characters match thousands of orders.
        "short prefix": [row[6] for row in rows],
    }


class Capture:
    """Collects (sql, params) of the queries run inside it."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, tuple]] = []

    def __call__(self, execute, sql, params, many, context):
        self.queries.append((sql, params))
        return execute(sql, params, many, context)


def capture(function):
    from django.db import connection

    captured = Capture()
    with connection.execute_wrapper(captured):
        result = function()
    return result, captured.queries


def run_bare(queries) -> float:
    """Seconds to run the captured SQL through a cursor and fetch every row."""
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        for sql, params in queries:
            cursor.execute(sql, params)
            cursor.fetchall()
        return time.perf_counter() - started


def explain(queries) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for sql, params in queries:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print("      " + "\n      ".join(row[0] for row in cursor.fetchall()))


def bench_searches(client, values: dict[str, list[str]], *, show_plans: bool) -> None:
    from orders.selectors import search_orders

    count = len(next(iter(values.values())))
    print(f"console search, {count} random existing values per kind (first 3 warm the cache):")
    for kind, queries in values.items():
        for value in queries[:3]:
            search_orders(value)
            assert client.get("/console/search/?q=" + quote(value)).status_code == 200
        selector, bare, page, page_cpu, found, counts = [], [], [], [], [], set()
        for value in queries:
            started = time.perf_counter()
            results, captured = capture(lambda v=value: search_orders(v))
            selector.append(time.perf_counter() - started)
            found.append(len(results))
            counts.add(len(captured))
            bare.append(run_bare(captured))
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get("/console/search/?q=" + quote(value))
            page.append(time.perf_counter() - started)
            page_cpu.append(time.process_time() - cpu)
            assert response.status_code == 200
        print(
            f"  {kind:16} search_orders {_ms(selector)} | bare SQL {_ms(bare)} | "
            f"/console/search/ {_ms(page)} (Python CPU median "
            f"{statistics.median(page_cpu) * 1000:.1f} ms) | {min(counts)}-{max(counts)} "
            f"queries, {statistics.median(found):.0f} results (median) | {_load()}"
        )
        if show_plans:
            _results, captured = capture(lambda v=queries[0]: search_orders(v))
            print(f"    plans for {queries[0]!r}:")
            explain(captured)


def bench_order_page(client, rng: random.Random) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM orders_order")
        top = cursor.fetchone()[0]
    ids = rng.sample(range(1, top + 1), ORDER_PAGES)
    for pk in ids[:3]:
        assert client.get(f"/console/orders/{pk}/").status_code == 200
    from orders.models import Order

    status = dict(Order.objects.filter(pk__in=ids).values_list("pk", "status"))
    timings, cpu_times, counts = [], [], {}
    for pk in ids:
        started, cpu = time.perf_counter(), time.process_time()
        response, captured = capture(lambda pk=pk: client.get(f"/console/orders/{pk}/"))
        timings.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu)
        assert response.status_code == 200
        counts.setdefault(status[pk], set()).add(len(captured))
    # The page shows different parts by state (shipments, the open-case form), so
    # the count is checked per order state; lines, 1 to 5 per order, must not move it.
    constant = all(len(found) == 1 for found in counts.values())
    per_state = ", ".join(f"{key} {sorted(found)}" for key, found in sorted(counts.items()))
    print(
        f"order page, {ORDER_PAGES} random orders: {_ms(timings)} (Python CPU median "
        f"{statistics.median(cpu_times) * 1000:.1f} ms) | queries per order state: "
        f"{per_state} ({'constant' if constant else 'VARIES within a state'}) | {_load()}"
    )


UNFILTERED_COUNT = re.compile(
    r'SELECT COUNT\(\*\)[^;]*?FROM "orders_order"(?![^;]*\bWHERE\b)', re.IGNORECASE
)


def bench_queues(client) -> None:
    from orders.selectors import QUEUE_LABELS

    print("console queue pages (first page and page 2):")
    for key in QUEUE_LABELS:
        for page in (1, 2):
            url = f"/console/?queue={key}&page={page}"
            client.get(url)
            started = time.perf_counter()
            response, captured = capture(lambda url=url: client.get(url))
            seconds = time.perf_counter() - started
            assert response.status_code == 200
            counts = [sql for sql, _p in captured if "COUNT(" in sql.upper()]
            unfiltered = [sql for sql, _p in captured if UNFILTERED_COUNT.search(sql)]
            verdict = f"{len(unfiltered)} UNFILTERED" if unfiltered else "all filtered"
            print(
                f"  {key:10} page {page}: {seconds * 1000:6.1f} ms, {len(captured)} queries, "
                f"{len(counts)} COUNT queries ({verdict}) | {_load()}"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rebuild", action="store_true", help="Drop and rebuild the database.")
    parser.add_argument("--explain", action="store_true", help="Print EXPLAIN ANALYZE plans.")
    parser.add_argument(
        "--searches", type=int, default=SEARCHES, help="Values per search kind (default 50)."
    )
    arguments = parser.parse_args()

    ensure_database(fresh=arguments.rebuild)
    print(cpu_reference(), flush=True)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from orders.models import Order, OrderLine, Shipment

    call_command("migrate", verbosity=0)
    has_data = Order.objects.filter(pk=ORDERS).exists()
    if not has_data:
        build_data()
    print(
        f"data: {Order.objects.count():,} orders, {OrderLine.objects.count():,} lines, "
        f"{Shipment.objects.count():,} shipments (PostgreSQL)"
    )
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-agent"))
    rng = random.Random(SEED)
    values = {kind: found[: arguments.searches] for kind, found in sample_values(rng).items()}
    bench_searches(client, values, show_plans=arguments.explain)
    bench_order_page(client, rng)
    bench_queues(client)


if __name__ == "__main__":
    main()

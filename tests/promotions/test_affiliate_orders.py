"""Per-order affiliate commission (淘宝客订单): the import, the day rows computed from it,
the link to StoreOps orders by natural key, and the orders page."""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory import services as inventory
from promotions import ad_selectors
from promotions.ad_services import AdSpendError, record_ad_spend, record_affiliate_orders
from promotions.demo import seed_ad_spend, seed_affiliate_orders
from promotions.models import (
    PER_ORDER_CAMPAIGN,
    AdSpendDay,
    AffiliateOrder,
    AffiliateOrderStatus,
)
from storeops import business_day
from storeops.demo import DemoContext
from storeops.imports import registry
from storeops.imports.runner import run_import
from tests.orders.factories import VariantFactory, WarehouseFactory, build_order
from tests.promotions.ad_factories import AdSpendDayFactory, ad_channel

AFFILIATE_ORDERS = registry.get("affiliate_orders")
AD_SPEND = registry.get("ad_spend")
URL = "/promotions/ad-spend/affiliate-orders/"
DAY = dt.date(2026, 3, 1)

pytestmark = pytest.mark.django_db

# A 淘宝客 order report as 淘宝联盟 exports it, with columns the import leaves alone.
REPORT_HEADER = (
    "创建时间,付款时间,商品信息,订单类型,淘宝父订单编号,淘宝子订单编号,付款金额,佣金比率,"
    "预估付款佣金,结算佣金,推广位名称,订单状态\n"
)


def report(*rows: str) -> io.BytesIO:
    return io.BytesIO((REPORT_HEADER + "".join(f"{row}\n" for row in rows)).encode("gb18030"))


def problems(result) -> list[tuple]:
    return [(p.row, p.column, p.message) for p in result.problems]


def day_rows() -> dict[tuple, tuple]:
    return {
        (r.date, r.campaign): (r.spend, r.attributed_orders, r.attributed_sales)
        for r in AdSpendDay.objects.filter(channel__code="affiliate")
    }


def stored_orders() -> dict[str, tuple]:
    return {
        o.order_no: (o.channel.code, o.paid_on, o.order_amount, o.commission, o.status, o.campaign)
        for o in AffiliateOrder.objects.select_related("channel")
    }


FIRST_REPORT = (
    "2026-03-01 09:58:00,2026-03-01 10:00:00,T恤,淘宝,1001,1001,200.00,20.00 %,40.00,,达人A,已付款",
    "2026-03-01 11:00:00,2026-03-01 11:05:00,帽子,天猫,1002,1002,100.00,10.00 %,10.00,,,已付款",
    "2026-03-01 12:00:00,2026-03-01 12:01:00,裙,淘宝,1003,1003,300.00,15.00 %,45.00,,达人A,已失效",
    "2026-03-02 08:00:00,2026-03-02 08:00:00,裤子,天猫,1004,1004,80.00,10.00 %,8.00,7.50,,已结算",
)


# -- import ----------------------------------------------------------------------------------


def test_a_taobaoke_report_with_chinese_headers_is_read_per_order(marketer):
    result = run_import(AFFILIATE_ORDERS, report(*FIRST_REPORT), name="tbk.csv", user=marketer)

    assert result.ok, problems(result)
    assert result.created == 4
    paid, settled, void = "paid", "settled", "invalid"
    next_day = dt.date(2026, 3, 2)
    assert stored_orders() == {
        "1001": ("taobao", DAY, Decimal("200.00"), Decimal("40.00"), paid, "达人A"),
        "1002": ("tmall", DAY, Decimal("100.00"), Decimal("10.00"), paid, ""),
        "1003": ("taobao", DAY, Decimal("300.00"), Decimal("0.00"), void, "达人A"),
        "1004": ("tmall", next_day, Decimal("80.00"), Decimal("7.50"), settled, ""),
    }
    assert AffiliateOrder.objects.get(order_no="1001").commission_rate == Decimal("0.2")


def test_the_payment_time_gives_the_store_local_business_day(marketer):
    # 23:30 in Shanghai on 1 March is 15:30 UTC: still 1 March for the store.
    run_import(
        AFFILIATE_ORDERS,
        report("2026-03-01 23:29:00,2026-03-01 23:30:00,T恤,淘宝,2001,2001,50,10,5,,,已付款"),
        name="tbk.csv",
        user=marketer,
    )

    order = AffiliateOrder.objects.get()
    assert order.paid_on == DAY
    assert order.paid_at == dt.datetime(2026, 3, 1, 15, 30, tzinfo=dt.UTC)


def test_a_late_payment_on_a_dst_change_day_stays_on_that_day(marketer, settings):
    settings.STORE_TIMEZONE = "Europe/Berlin"  # 29 March 2026 has 23 hours there
    row = "2026-03-29 23:30:00,2026-03-29 23:30:00,T恤,淘宝,2002,2002,50,10,5,,,已付款"

    run_import(AFFILIATE_ORDERS, report(row), name="tbk.csv", user=marketer)

    order = AffiliateOrder.objects.get()
    assert order.paid_on == dt.date(2026, 3, 29)
    assert order.paid_at == dt.datetime(2026, 3, 29, 21, 30, tzinfo=dt.UTC)
    assert day_rows() == {
        (order.paid_on, PER_ORDER_CAMPAIGN): (Decimal("5.00"), 1, Decimal("50.00"))
    }


def test_sub_orders_of_one_parent_order_are_added_up_into_it(marketer):
    rows = (
        "2026-03-01 10:00:00,2026-03-01 10:00:00,T恤,淘宝,3001,3001-1,100.00,10 %,10.00,,,已付款",
        "2026-03-01 10:00:00,2026-03-01 10:00:00,帽子,淘宝,3001,3001-2,60.00,10 %,6.00,,,已付款",
        "2026-03-01 10:00:00,2026-03-01 10:00:00,袜子,淘宝,3001,3001-3,20.00,10 %,2.00,,,已失效",
    )

    result = run_import(AFFILIATE_ORDERS, report(*rows), name="tbk.csv", user=marketer)

    assert result.ok, problems(result)
    assert stored_orders() == {
        "3001": ("taobao", DAY, Decimal("160.00"), Decimal("16.00"), "paid", ""),
    }


def test_importing_the_same_report_again_changes_nothing(marketer):
    run_import(AFFILIATE_ORDERS, report(*FIRST_REPORT), name="tbk.csv", user=marketer)
    before = (stored_orders(), day_rows())

    again = run_import(AFFILIATE_ORDERS, report(*FIRST_REPORT), name="tbk.csv", user=marketer)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert AffiliateOrder.objects.count() == 4
    assert (stored_orders(), day_rows()) == before


def test_bad_rows_are_reported_with_their_numbers_and_nothing_is_written(marketer):
    rows = (
        "2026-03-01 10:00:00,2026-03-01 10:00:00,T恤,淘宝,4001,4001,200.00,20 %,40.00,,,已付款",
        "2026-03-01 10:00:00,2026-03-01 10:00:00,T恤,亚马逊,4002,4002,200.00,20 %,40.00,,,已付款",
        "2026-03-01 10:00:00,2026-03-01 10:00:00,T恤,淘宝,4003,4003,-5.00,20 %,1.00,,,已付款",
        "2026-03-01 10:00:00,2026-03-01 10:00:00,T恤,淘宝,4004,4004,50.00,20 %,60.00,,,已付款",
        "2026-03-01 10:00:00,昨天,T恤,淘宝,4005,4005,50.00,20 %,10.00,,,已付款",
        "2026-03-01 10:00:00,2026-03-01 10:00:00,T恤,淘宝,4006,4006,50.00,20 %,10.00,,,待定",
    )

    result = run_import(AFFILIATE_ORDERS, report(*rows), name="tbk.csv", user=marketer)

    assert not result.ok
    assert [(row, column) for row, column, _message in problems(result)] == [
        (3, "Sales channel"),
        (4, "Order amount"),
        (5, "Commission"),
        (6, "Paid at"),
        (7, "Status"),
    ]
    assert "亚马逊" in problems(result)[0][2]
    assert "more than the order amount" in problems(result)[2][2]
    assert AffiliateOrder.objects.count() == 0
    assert AdSpendDay.objects.count() == 0


def test_an_ad_channel_not_paid_by_commission_is_refused(marketer):
    text = "ad_channel,channel,order_no,paid_at,order_amount,commission\n"
    text += "直通车,taobao,5001,2026-03-01 10:00,100,5\n"

    result = run_import(AFFILIATE_ORDERS, io.BytesIO(text.encode()), name="a.csv", user=marketer)

    assert problems(result) == [(2, "Ad channel", "Search ads is not paid by commission.")]
    assert AffiliateOrder.objects.count() == 0


def test_an_order_number_spoiled_by_a_spreadsheet_is_refused(marketer):
    text = "channel,order_no,paid_at,order_amount,commission\n"
    text += "taobao,3.71234E+18,2026-03-01 10:00,100,5\n"

    result = run_import(AFFILIATE_ORDERS, io.BytesIO(text.encode()), name="a.csv", user=marketer)

    assert [(row, column) for row, column, _m in problems(result)] == [(2, "Order number")]


# -- day rows --------------------------------------------------------------------------------


def test_the_day_rows_are_computed_per_promotion_slot_from_the_orders(marketer):
    run_import(AFFILIATE_ORDERS, report(*FIRST_REPORT), name="tbk.csv", user=marketer)

    # 1003 is void: no commission, and it sold nothing.
    assert day_rows() == {
        (DAY, "达人A"): (Decimal("40.00"), 1, Decimal("200.00")),
        (DAY, PER_ORDER_CAMPAIGN): (Decimal("10.00"), 1, Decimal("100.00")),
        (dt.date(2026, 3, 2), PER_ORDER_CAMPAIGN): (Decimal("7.50"), 1, Decimal("80.00")),
    }
    assert ad_selectors.ad_totals(DAY) == (Decimal("0.00"), Decimal("50.00"))


def test_a_second_import_changing_one_order_changes_the_days_total(marketer):
    run_import(AFFILIATE_ORDERS, report(*FIRST_REPORT), name="tbk.csv", user=marketer)
    before = AdSpendDay.objects.get(date=DAY, campaign="达人A").updated_at
    refunded = FIRST_REPORT[0].replace("已付款", "已失效")

    result = run_import(AFFILIATE_ORDERS, report(refunded), name="tbk2.csv", user=marketer)

    assert (result.created, result.updated) == (0, 1)
    row = AdSpendDay.objects.get(date=DAY, campaign="达人A")
    assert (row.spend, row.attributed_orders, row.attributed_sales) == (
        Decimal("0.00"),
        0,
        Decimal("0.00"),
    )
    assert row.updated_at > before  # the daily summary's freshness job sees the day
    assert ad_selectors.ad_totals(DAY) == (Decimal("0.00"), Decimal("10.00"))


def test_an_order_moved_to_another_day_leaves_its_old_day(marketer):
    run_import(AFFILIATE_ORDERS, report(FIRST_REPORT[1]), name="tbk.csv", user=marketer)
    moved = FIRST_REPORT[1].replace("2026-03-01 11:05:00", "2026-03-03 09:00:00")

    run_import(AFFILIATE_ORDERS, report(moved), name="tbk2.csv", user=marketer)

    assert day_rows() == {
        (DAY, PER_ORDER_CAMPAIGN): (Decimal("0.00"), 0, Decimal("0.00")),
        (dt.date(2026, 3, 3), PER_ORDER_CAMPAIGN): (Decimal("10.00"), 1, Decimal("100.00")),
    }


def test_a_daily_total_imported_before_is_replaced_not_added_to(marketer):
    AdSpendDayFactory(date=DAY, channel=ad_channel("affiliate"), spend=Decimal("99.00"))

    run_import(AFFILIATE_ORDERS, report(FIRST_REPORT[1]), name="tbk.csv", user=marketer)

    assert day_rows() == {
        (DAY, ""): (Decimal("0.00"), 0, Decimal("0.00")),
        (DAY, PER_ORDER_CAMPAIGN): (Decimal("10.00"), 1, Decimal("100.00")),
    }
    assert ad_selectors.ad_totals(DAY)[1] == Decimal("10.00")


def test_a_daily_total_for_a_day_kept_per_order_is_refused(marketer):
    run_import(AFFILIATE_ORDERS, report(FIRST_REPORT[1]), name="tbk.csv", user=marketer)
    text = "日期,渠道,佣金\n2026-03-01,淘宝客,88.00\n2026-03-05,淘宝客,12.00\n"

    result = run_import(AD_SPEND, io.BytesIO(text.encode()), name="ads.csv", user=marketer)

    assert [(row, column) for row, column, _m in problems(result)] == [(2, "Ad channel")]
    assert ad_selectors.ad_totals(DAY)[1] == Decimal("10.00")
    with pytest.raises(AdSpendError):
        record_ad_spend([{"date": DAY, "channel": ad_channel("affiliate"), "spend": Decimal(1)}])


# -- the link to StoreOps orders (by natural key) --------------------------------------------


@pytest.fixture
def tee(manager):
    WarehouseFactory(code="WH-MAIN", name="主仓", is_default=True)
    variant = VariantFactory(sku_code="TEE-RED-M", price=Decimal("200.00"))
    inventory.receive(variant=variant, quantity=10, by=manager, reason="Delivery")
    return variant


def console_link(client) -> str:
    html = client.get(URL, {"date_from": "2026-03-01", "date_to": "2026-03-02"}).content.decode()
    start = html.index('href="/console/?q=') + len('href="')
    return html[start : html.index('"', start)]


def test_an_order_already_in_storeops_is_linked_by_channel_and_number(client, manager, tee):
    order = build_order(by=manager, items=[(tee, 1)], order_no="1001")
    run_import(AFFILIATE_ORDERS, report(FIRST_REPORT[0]), name="tbk.csv", user=manager)
    client.force_login(manager)

    found = client.get(console_link(client))

    assert [result.pk for result in found.context["results"]] == [order.pk]


def test_an_order_arriving_after_its_commission_is_linked_without_a_rematch(client, manager, tee):
    run_import(AFFILIATE_ORDERS, report(FIRST_REPORT[0]), name="tbk.csv", user=manager)
    client.force_login(manager)
    link = console_link(client)
    assert list(client.get(link).context["results"]) == []

    order = build_order(by=manager, items=[(tee, 1)], order_no="1001")

    assert [result.pk for result in client.get(link).context["results"]] == [order.pk]


# -- the page --------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["service_agent", "warehouse_clerk"])
def test_customer_service_and_warehouse_get_403(client, request, fixture):
    client.force_login(request.getfixturevalue(fixture))

    assert client.get(URL).status_code == 403
    assert client.get(reverse("promotions:affiliate-orders-export")).status_code == 403


def test_marketing_sees_the_orders_without_console_links(client, marketer):
    run_import(AFFILIATE_ORDERS, report(*FIRST_REPORT), name="tbk.csv", user=marketer)
    client.force_login(marketer)

    response = client.get(URL, {"date_from": "2026-03-01", "date_to": "2026-03-02"})

    assert response.status_code == 200
    assert [order.order_no for order in response.context["page"].object_list] == [
        "1004",
        "1003",
        "1002",
        "1001",
    ]
    assert "/console/?q=" not in response.content.decode()


def test_the_totals_cover_the_filter_and_leave_void_orders_out(client, manager):
    run_import(AFFILIATE_ORDERS, report(*FIRST_REPORT), name="tbk.csv", user=manager)
    client.force_login(manager)

    everything = client.get(URL, {"date_from": "2026-03-01", "date_to": "2026-03-02"})
    one_slot = client.get(
        URL, {"date_from": "2026-03-01", "date_to": "2026-03-02", "campaign": "达人A"}
    )
    settled = client.get(
        URL, {"date_from": "2026-03-01", "date_to": "2026-03-02", "status": "settled"}
    )
    no_slot = client.get(
        URL, {"date_from": "2026-03-01", "date_to": "2026-03-01", "campaign": PER_ORDER_CAMPAIGN}
    )

    def totals(response) -> tuple:
        t = response.context["totals"]
        return (t.orders, t.invalid_orders, t.order_amount, t.commission)

    assert totals(everything) == (3, 1, Decimal("380.00"), Decimal("57.50"))
    assert totals(one_slot) == (1, 1, Decimal("200.00"), Decimal("40.00"))
    assert totals(settled) == (1, 0, Decimal("80.00"), Decimal("7.50"))
    assert totals(no_slot) == (1, 0, Decimal("100.00"), Decimal("10.00"))


def test_the_csv_lists_every_order_and_the_total(client, marketer):
    run_import(AFFILIATE_ORDERS, report(*FIRST_REPORT), name="tbk.csv", user=marketer)
    client.force_login(marketer)

    response = client.get(
        reverse("promotions:affiliate-orders-export"),
        {"date_from": "2026-03-01", "date_to": "2026-03-02"},
    )

    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 4 + 1
    assert lines[1].split(",")[1:5] == ["2026-03-02 08:00:00", "Tmall", "1004", ""]
    assert lines[-1].split(",") == ["Total", "", "", "3", "", "380.00", "", "57.50", ""]


def test_the_ad_spend_page_links_a_commission_channel_to_its_orders(client, marketer):
    run_import(AFFILIATE_ORDERS, report(*FIRST_REPORT), name="tbk.csv", user=marketer)
    AdSpendDayFactory(date=DAY)
    client.force_login(marketer)

    html = client.get(
        "/promotions/ad-spend/", {"date_from": "2026-03-01", "date_to": "2026-03-02"}
    ).content.decode()

    assert html.count('class="affiliate-orders-link"') == 1
    assert f"{URL}?channel=affiliate&amp;date_from=2026-03-01&amp;date_to=2026-03-02" in html


def test_the_page_takes_the_same_number_of_queries_for_more_orders(client, marketer):
    client.force_login(marketer)
    params = {"date_from": "2026-03-01", "date_to": "2026-03-02"}
    run_import(AFFILIATE_ORDERS, report(*FIRST_REPORT[:2]), name="a.csv", user=marketer)
    with CaptureQueriesContext(connection) as few:
        client.get(URL, params)
    run_import(AFFILIATE_ORDERS, report(*FIRST_REPORT), name="b.csv", user=marketer)

    with CaptureQueriesContext(connection) as more:
        response = client.get(URL, params)

    assert len(response.context["page"].object_list) == 4
    assert len(more) == len(few)


# -- the service and the demo ----------------------------------------------------------------


def test_the_service_refuses_a_commission_above_the_order_amount():
    row = {
        "ad_channel": ad_channel("affiliate"),
        "channel": ad_channel("affiliate"),  # never reached: the amount check fails first
        "order_no": "6001",
        "paid_at": business_day.local_midnight(DAY),
        "order_amount": Decimal("10.00"),
        "commission": Decimal("10.01"),
    }

    with pytest.raises(AdSpendError) as raised:
        record_affiliate_orders([row])

    assert (raised.value.index, raised.value.field) == (0, "commission")
    assert AffiliateOrder.objects.count() == 0


def test_demo_orders_replace_the_daily_affiliate_rows_and_seed_idempotently():
    today = dt.date(2026, 3, 31)

    def context() -> DemoContext:
        return DemoContext(random=random.Random(1), days=30, today=today)

    first = seed_affiliate_orders(context=context())
    seed_ad_spend(context=context())
    stored = (stored_orders(), day_rows())
    second = seed_affiliate_orders(context=context())
    seed_ad_spend(context=context())

    assert first["affiliate_orders"] > 30 * 3
    assert second["affiliate_orders"] == 0
    assert (stored_orders(), day_rows()) == stored
    # No daily total beside the per-order rows: every affiliate row is a promotion slot.
    assert {campaign for _day, campaign in day_rows()} == {
        "内容达人推广",
        "导购站点",
        PER_ORDER_CAMPAIGN,
    }
    commission = ad_selectors.ad_totals(today - dt.timedelta(days=3))[1]
    assert Decimal("100") < commission < Decimal("250")
    assert AffiliateOrder.objects.filter(status=AffiliateOrderStatus.INVALID).exists()

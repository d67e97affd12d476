"""The daily summary: every figure to the cent, idempotent builds, ratios from parts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from customers.models import SalesChannel
from reports import selectors, services
from reports.models import DailySummary
from reports.services import ADDITIVE_PARTS, SUMMARY_PARTS
from tests.reports.summary_fixtures import DAY_1, DAY_2, expected

pytestmark = pytest.mark.django_db


def row_of(day, code=None) -> DailySummary:
    return (
        DailySummary.objects.get(date=day, channel__code=code)
        if code
        else (DailySummary.objects.get(date=day, channel__isnull=True))
    )


def figures(row: DailySummary) -> dict[str, object]:
    return {part: getattr(row, part) for part in SUMMARY_PARTS}


@pytest.mark.parametrize("day", [DAY_1, DAY_2])
@pytest.mark.parametrize("code", [None, "taobao", "tmall"])
def test_each_figure_matches_a_recomputation_from_raw_rows(trade, day, code):
    channel = SalesChannel.objects.get(code=code) if code else None

    services.build_day(day)

    row = row_of(day, code)
    for part, value in expected(day, channel).items():
        assert getattr(row, part) == value, part


def test_the_first_day_holds_the_known_figures(trade):
    services.build_day(DAY_1)

    store = row_of(DAY_1)
    # 2 × 89 − 5 + 10 = 183; 45; 89 + 45 = 134.
    assert store.paid_sales == Decimal("362.00")
    assert store.goods_sales == Decimal("352.00")
    assert (store.paid_orders, store.paying_buyers, store.new_buyers) == (3, 3, 3)
    assert store.items_sold == 5
    assert store.discounts == Decimal("5.00")
    # Costs 35.50 and 12.00: 2 × 35.50 + 12.00 + 35.50 + 12.00.
    assert store.cogs == Decimal("130.50")
    assert store.shipping_cost == Decimal("9.50")
    # Taobao only: (183 + 45) × 5.6 % = 12.768.
    assert store.platform_fees == Decimal("12.77")
    assert store.other_costs == Decimal("50.00")
    assert store.refunds == Decimal("0.00")
    assert store.refunds_of_paid == Decimal("20.00")
    assert (store.refunded_paid_orders, store.shipped_orders, store.shipped_within_24h) == (1, 1, 1)
    assert store.visitors == 100
    assert store.buyers_with_traffic == 2


def test_the_ratios_are_computed_from_the_parts(trade):
    services.build_day(DAY_1)

    store = row_of(DAY_1)
    assert store.conversion_rate == Decimal("0.0200")
    assert store.avg_order_value == Decimal("120.67")
    assert store.spend_per_buyer == Decimal("120.67")
    assert store.uv_value == Decimal("3.62")
    assert store.refund_rate == Decimal("0.0552")
    assert store.refund_order_rate == Decimal("0.3333")
    assert store.net_sales == Decimal("362.00")
    assert store.gross_profit == Decimal("231.50")
    assert store.gross_margin == Decimal("0.6395")
    assert store.net_profit == Decimal("231.50") - Decimal("9.50") - Decimal("12.77") - 50
    assert store.shipped_within_24h_rate == Decimal("0.3333")


def test_a_returning_buyer_is_not_new(trade):
    services.build_day(DAY_2)

    store = row_of(DAY_2)
    assert (store.paying_buyers, store.new_buyers, store.returning_buyers) == (1, 0, 1)
    assert store.refunds == Decimal("20.00")
    assert store.refunded_orders == 1


def test_building_twice_gives_identical_rows(trade):
    services.build_day(DAY_1)
    first = {row.channel_id: figures(row) for row in DailySummary.objects.filter(date=DAY_1)}

    services.build_day(DAY_1)

    again = {row.channel_id: figures(row) for row in DailySummary.objects.filter(date=DAY_1)}
    assert again == first
    assert DailySummary.objects.filter(date=DAY_1).count() == SalesChannel.objects.count() + 1


def test_channel_rows_add_up_to_the_store_row(trade):
    services.build_day(DAY_1)

    store = row_of(DAY_1)
    channels = DailySummary.objects.filter(date=DAY_1, channel__isnull=False)
    for part in ADDITIVE_PARTS:
        assert sum(getattr(row, part) for row in channels) == getattr(store, part), part
    assert sum(row.paying_buyers for row in channels) == store.paying_buyers


def test_ratios_are_empty_when_their_denominator_is_zero(db):
    services.build_day(DAY_1)

    store = row_of(DAY_1)
    assert store.paid_sales == Decimal("0.00")
    assert store.visitors is None
    for ratio in (
        "conversion_rate",
        "spend_per_buyer",
        "avg_order_value",
        "uv_value",
        "refund_rate",
        "refund_order_rate",
        "gross_margin",
        "store_roas",
        "target_attainment",
        "shipped_within_24h_rate",
    ):
        assert getattr(store, ratio) is None, ratio


def test_period_totals_count_a_buyer_once_and_recompute_ratios(trade):
    services.build_range(DAY_1, DAY_2)

    total = selectors.totals(list(selectors.daily_summaries(date_from=DAY_1, date_to=DAY_2)))

    # buyer_1 paid on both days: 3 buyers, not 4.
    assert total.paying_buyers == 3
    assert total.paid_orders == 4
    assert total.paid_sales == Decimal("451.00")
    assert total.avg_order_value == Decimal("112.75")
    assert total.spend_per_buyer == Decimal("150.33")
    assert total.refunds == Decimal("20.00")
    assert total.net_sales == Decimal("431.00")


def test_the_command_builds_a_range_with_progress(trade, capsys):
    call_command("build_daily_summary", "--from", DAY_1.isoformat(), "--to", DAY_2.isoformat())

    captured = capsys.readouterr()
    assert "2/2" in captured.err
    assert DailySummary.objects.filter(channel__isnull=True).count() == 2
    assert row_of(DAY_2).paid_sales == Decimal("89.00")


def test_ad_spend_and_commission_come_from_the_ad_spend_days(db):
    from promotions.models import AdChannel, AdSpendDay

    clicks = AdChannel.objects.create(code="ztc-test", name="ZTC")
    affiliate = AdChannel.objects.create(code="tbk-test", name="TBK", is_commission_based=True)
    AdSpendDay.objects.create(date=DAY_1, channel=clicks, campaign="A", spend=Decimal("30.00"))
    AdSpendDay.objects.create(date=DAY_1, channel=clicks, campaign="B", spend=Decimal("12.50"))
    AdSpendDay.objects.create(date=DAY_1, channel=affiliate, spend=Decimal("7.25"))

    services.build_day(DAY_1)

    store = row_of(DAY_1)
    assert (store.ad_spend, store.affiliate_commission) == (Decimal("42.50"), Decimal("7.25"))
    assert store.net_profit == Decimal("-49.75")

"""The per-SKU daily summary: built with the day's rows, equal to a recomputation from raw rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest

from orders import services as order_services
from orders.models import Order, OrderKind, RefundLine
from orders.selectors import refund_stats
from reports import selectors, services, workbook
from reports.models import DailySkuSummary, DailySummary
from storeops import business_day
from tests.orders.factories import build_order
from tests.reports.summary_fixtures import DAY_1, DAY_2, at, buyer

pytestmark = pytest.mark.django_db

RUN = (DAY_1 - dt.timedelta(days=1), DAY_2 + dt.timedelta(days=1))
ZERO = Decimal("0.00")


def recomputed() -> dict[tuple[dt.date, int | None, int], dict[str, object]]:
    """{(day, channel id or None, variant id): figures}, from orders and refund lines in Python."""
    figures: dict[tuple[dt.date, int | None, int], dict[str, object]] = defaultdict(
        lambda: {
            "units_sold": 0,
            "paid_sales": ZERO,
            "cost_of_goods": ZERO,
            "units_refunded": 0,
            "refunds_of_paid": ZERO,
        }
    )
    refunded: dict[int, list[RefundLine]] = defaultdict(list)
    for refund_line in RefundLine.objects.select_related("refund"):
        if refund_line.refund.status == "completed":
            refunded[refund_line.line_id].append(refund_line)
    for order in Order.objects.prefetch_related("lines"):
        if order.paid_at is None or order.kind != OrderKind.NORMAL:
            continue
        day = business_day.of(order.paid_at)
        for line in order.lines.all():
            for channel_id in (order.channel_id, None):
                row = figures[(day, channel_id, line.variant_id)]
                row["sku_code"], row["title"] = line.sku_code, line.title
                row["units_sold"] += line.quantity
                row["paid_sales"] += line.paid_amount
                row["cost_of_goods"] += line.quantity * (line.unit_cost or ZERO)
                for refund_line in refunded[line.pk]:
                    row["units_refunded"] += refund_line.quantity
                    row["refunds_of_paid"] += refund_line.amount
    return dict(figures)


def stored() -> dict[tuple[dt.date, int | None, int], dict[str, object]]:
    fields = services.SKU_FIGURES
    return {
        (row["date"], row["channel"], row["variant"]): {name: row[name] for name in fields}
        for row in DailySkuSummary.objects.values("date", "channel", "variant", *fields)
    }


@pytest.fixture
def line_refund(trade, manager):
    """Units of a line refunded (with refund lines) on top of the trade's plain-amount refund."""
    tmall = trade["tmall"]
    line = tmall.lines.order_by("pk")[0]
    return order_services.refund_order(
        order=tmall, by=manager, lines=[(line, 1)], refunded_at=at(DAY_2, 16)
    )


def test_the_sku_rows_of_a_run_match_a_recomputation_from_raw_rows(line_refund):
    services.build_range(*RUN)

    assert stored() == recomputed()
    assert DailySkuSummary.objects.filter(units_refunded__gt=0).count() == 2  # tmall and store


def test_building_single_days_gives_the_rows_a_run_gives(line_refund):
    services.build_range(*RUN)
    as_a_run = stored()
    DailySkuSummary.objects.all().delete()

    for offset in range((RUN[1] - RUN[0]).days + 1):
        services.build_day(RUN[0] + dt.timedelta(days=offset))

    assert stored() == as_a_run


def test_a_replacement_order_sells_no_units_but_its_goods_cost(trade, manager, tee):
    services.build_day(DAY_2)
    cogs_before = DailySummary.objects.get(date=DAY_2, channel__isnull=True).cogs
    replacement = build_order(by=manager, items=[(tee, 5)], placed_at=at(DAY_2, 14), **buyer(7))
    Order.objects.filter(pk=replacement.pk).update(kind=OrderKind.REPLACEMENT)

    services.build_day(DAY_2)

    store_tee = DailySkuSummary.objects.get(date=DAY_2, channel__isnull=True, variant=tee)
    assert store_tee.units_sold == 1  # the `again` order's one tee
    store = DailySummary.objects.get(date=DAY_2, channel__isnull=True)
    assert store.items_sold == 1
    assert store.cogs == cogs_before + 5 * replacement.lines.get().unit_cost


def test_a_refund_touch_rebuilds_the_sku_rows_of_the_order_day(trade, manager, tee):
    services.rebuild_touched()
    again = trade["again"]
    line = again.lines.get(variant=tee)
    before = DailySkuSummary.objects.get(date=DAY_2, channel__isnull=True, variant=tee)
    assert (before.units_refunded, before.refunds_of_paid) == (0, ZERO)

    order_services.refund_order(order=again, by=manager, lines=[(line, 1)])
    rebuilt = services.rebuild_touched()

    assert DAY_2 in rebuilt
    after = DailySkuSummary.objects.get(date=DAY_2, channel__isnull=True, variant=tee)
    assert (after.units_sold, after.units_refunded, after.refunds_of_paid) == (
        1,
        1,
        line.paid_amount,
    )
    assert stored() == recomputed()


def test_the_dashboard_sku_figures_come_from_the_sku_rows(trade, tee, cap):
    services.build_range(*RUN)

    rows = selectors.sku_sales_against(current=(DAY_2, DAY_2), previous=(DAY_1, DAY_1))

    by_code = {row["sku_code"]: row for row in rows}
    tee_line = trade["again"].lines.get()
    day_1_tee = [
        line for order in ("first", "tmall") for line in trade[order].lines.filter(variant=tee)
    ]
    assert by_code[tee.sku_code]["sales"] == tee_line.paid_amount
    assert by_code[tee.sku_code]["units"] == 1
    assert by_code[tee.sku_code]["previous_units"] == sum(line.quantity for line in day_1_tee)
    assert by_code[tee.sku_code]["previous_sales"] == sum(line.paid_amount for line in day_1_tee)
    assert by_code[cap.sku_code]["sales"] == ZERO
    assert by_code[cap.sku_code]["previous_units"] == 2


def test_refunds_by_sku_of_a_period_come_from_the_sku_rows(line_refund, tee):
    services.build_range(*RUN)

    rows = selectors.sku_refunds_of_paid(date_from=DAY_1, date_to=DAY_2)

    refund_line = line_refund.lines.get()
    assert rows == [
        {
            "sku_code": refund_line.line.sku_code,
            "amount": refund_line.amount,
            "quantity": refund_line.quantity,
        }
    ]


def test_the_workbook_refund_figures_equal_refund_stats_of_the_raw_rows(line_refund):
    services.build_range(*RUN)
    context = workbook._Context(
        start=DAY_1,
        end=DAY_2,
        channel=None,
        lang="en",
        include_profit=True,
        rows=[],
        service={},
    )

    from_summaries = workbook.refund_stats_of(context)

    assert from_summaries == refund_stats(start=DAY_1, end=DAY_2)
    assert from_summaries.refunds_of_paid == Decimal("20.00") + line_refund.amount
    assert len(from_summaries.by_channel) == 2


def test_a_rebuild_drops_the_rows_of_a_sku_no_longer_sold_and_keeps_the_rest(line_refund):
    services.build_range(*RUN)
    day, channel_id, variant_id = next(key for key in stored() if key[1] is not None)
    orders = Order.objects.filter(
        business_date=day, channel_id=channel_id, lines__variant_id=variant_id
    )
    untouched = {key: row for key, row in stored().items() if key[0] != day}

    Order.objects.filter(pk__in=list(orders.values_list("pk", flat=True))).update(
        kind=OrderKind.REPLACEMENT
    )
    services.build_day(day)

    rows = stored()
    assert (day, channel_id, variant_id) not in rows
    assert rows == recomputed()
    assert {key: row for key, row in rows.items() if key[0] != day} == untouched


def test_a_rebuild_rewrites_the_sku_rows_a_later_refund_changed(trade, manager):
    services.build_range(*RUN)
    before = stored()
    tmall = trade["tmall"]
    line = tmall.lines.order_by("pk")[0]

    order_services.refund_order(
        order=tmall, by=manager, lines=[(line, 1)], refunded_at=at(DAY_2, 16)
    )
    services.build_range(*RUN)

    after = stored()
    assert after == recomputed()
    changed = {key for key in after if after[key] != before.get(key)}
    # The refunded line's channel row and the store row of its SKU, nothing else.
    assert changed == {
        (tmall.business_date, tmall.channel_id, line.variant_id),
        (tmall.business_date, None, line.variant_id),
    }
    assert after[(tmall.business_date, None, line.variant_id)]["units_refunded"] == 1

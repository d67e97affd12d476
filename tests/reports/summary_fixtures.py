"""A few days of trade for the daily-summary tests, and an independent recomputation.

`expected(day, channel)` recomputes each figure in plain Python from the raw
rows, following METRICS.md line by line, so that the SQL aggregation of
`reports.services.build_day` is checked against something it does not share.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from customers.models import SalesChannel
from orders import services as order_services
from orders.models import AfterSalesLine, Order, OrderKind, Refund, Shipment
from reports import selectors
from reports.models import DailyTraffic, OperatingExpense
from reports.services import save_fee_rate, save_packaging_cost
from storeops import business_day
from tests.orders.factories import CarrierFactory, build_order

DAY_1 = dt.date(2026, 3, 10)
DAY_2 = dt.date(2026, 3, 11)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A store-local time on a business day, as an aware UTC datetime."""
    return business_day.make_aware_local(dt.datetime.combine(day, dt.time(hour, minute)))


def buyer(number: int) -> dict[str, str]:
    return {"buyer_nickname": f"buyer_{number}", "phone": f"1380013{number:04d}"}


@pytest.fixture
def trade(tee, cap, manager):
    """Orders on DAY_1 and DAY_2 on taobao and tmall, shipments, a refund, costs and traffic."""
    carrier = CarrierFactory(code="sf", name="SF Express")
    save_fee_rate(
        channel=SalesChannel.objects.get(code="taobao"),
        effective_from=DAY_1,
        commission_percent=Decimal("5"),
        payment_fee_percent=Decimal("0.6"),
    )
    save_packaging_cost(effective_from=DAY_1, amount=Decimal("1.50"))
    OperatingExpense.objects.create(date=DAY_1, label="Rent", amount=Decimal("50.00"))
    DailyTraffic.objects.create(
        channel=SalesChannel.objects.get(code="taobao"), date=DAY_1, visitors=100, page_views=300
    )
    first = build_order(
        by=manager,
        items=[(tee, 2)],
        shipping_fee="10.00",
        order_discount="5.00",
        placed_at=at(DAY_1, 10),
        **buyer(1),
    )
    late = build_order(by=manager, items=[(cap, 1)], placed_at=at(DAY_1, 23), **buyer(2))
    tmall = build_order(
        by=manager, items=[(tee, 1), (cap, 1)], channel="tmall", placed_at=at(DAY_1, 12), **buyer(3)
    )
    build_order(by=manager, items=[(tee, 1)], paid=False, placed_at=at(DAY_1, 13), **buyer(4))
    again = build_order(by=manager, items=[(tee, 1)], placed_at=at(DAY_2, 9), **buyer(1))
    order_services.ship_order(
        order=first,
        carrier=carrier,
        tracking_number="SF1",
        by=manager,
        shipped_at=at(DAY_1, 15),
        shipping_cost=Decimal("8.00"),
    )
    order_services.ship_order(
        order=late,
        carrier=carrier,
        tracking_number="SF2",
        by=manager,
        shipped_at=at(DAY_2, 23, 30),
        shipping_cost=Decimal("6.00"),
    )
    order_services.refund_order(
        order=first, by=manager, amount=Decimal("20.00"), refunded_at=at(DAY_2, 11)
    )
    return {"first": first, "late": late, "tmall": tmall, "again": again}


def _paid(day: dt.date, channel: SalesChannel | None) -> list[Order]:
    orders = [
        order
        for order in Order.objects.all()
        if order.paid_at is not None
        and business_day.of(order.paid_at) == day
        and order.kind == OrderKind.NORMAL
    ]
    return [order for order in orders if channel is None or order.channel_id == channel.pk]


def expected(day: dt.date, channel: SalesChannel | None = None) -> dict[str, object]:
    """Each summed figure of `day`, recomputed from raw rows in Python."""
    paid = _paid(day, channel)
    start, end = business_day.bounds(day)

    def mine(order: Order) -> bool:
        return channel is None or order.channel_id == channel.pk

    refunds_today = [
        refund
        for refund in Refund.objects.select_related("order")
        if refund.status == "completed" and refund.business_date == day and mine(refund.order)
    ]
    refunds_of_paid = [
        refund
        for refund in Refund.objects.filter(status="completed")
        if refund.order_id in {order.pk for order in paid}
    ]
    shipments = [
        shipment
        for shipment in Shipment.objects.select_related("order")
        if shipment.business_date == day and shipment.status != "planned" and mine(shipment.order)
    ]
    packaging = selectors.packaging_cost_on(day)
    lines = [line for order in paid for line in order.lines.all()]
    restocked = [
        case_line
        for case_line in AfterSalesLine.objects.select_related("case__order", "line")
        if case_line.case.received_at
        and start <= case_line.case.received_at < end
        and mine(case_line.case.order)
    ]
    buyers = {order.customer_id for order in paid}
    new = {
        order.customer_id
        for order in paid
        if not Order.objects.filter(
            customer_id=order.customer_id,
            paid_at__isnull=False,
            business_date__gte=day - dt.timedelta(days=365),
            business_date__lt=day,
        ).exists()
    }
    paid_sales = sum((order.paid_total for order in paid), Decimal("0.00"))
    channels = [channel] if channel else list(SalesChannel.objects.all())
    fees = Decimal("0.00")
    for each in channels:
        rates = selectors.rate_for(each, day)
        if rates:
            sales = sum((o.paid_total for o in paid if o.channel_id == each.pk), Decimal("0"))
            fees += (sales * rates.total_rate).quantize(Decimal("0.01"))
    return {
        "paid_sales": paid_sales,
        "goods_sales": paid_sales - sum((order.shipping_fee for order in paid), Decimal("0")),
        "paid_orders": len(paid),
        "paying_buyers": len(buyers),
        "new_buyers": len(new),
        "items_sold": sum(line.quantity for line in lines),
        "discounts": sum(
            (order.line_discount_total + order.order_discount_total for order in paid),
            Decimal("0.00"),
        ),
        "refunds": sum((refund.amount for refund in refunds_today), Decimal("0.00")),
        "refunded_orders": len({refund.order_id for refund in refunds_today}),
        "refunds_of_paid": sum((refund.amount for refund in refunds_of_paid), Decimal("0.00")),
        "refunded_paid_orders": len({refund.order_id for refund in refunds_of_paid}),
        "cogs": sum((line.unit_cost * line.quantity for line in lines), Decimal("0.00"))
        - sum(
            (case_line.line.unit_cost * case_line.restocked_quantity for case_line in restocked),
            Decimal("0.00"),
        ),
        "shipping_cost": sum((shipment.shipping_cost for shipment in shipments), Decimal("0.00"))
        + packaging * len(shipments),
        "platform_fees": fees,
        "shipped_orders": sum(
            1
            for order in Order.objects.all()
            if order.shipped_at and start <= order.shipped_at < end and mine(order)
        ),
        "shipped_within_24h": sum(
            1
            for order in paid
            if order.shipped_at and order.shipped_at - order.paid_at <= dt.timedelta(hours=24)
        ),
    }

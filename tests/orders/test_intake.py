import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.models import PriceKind, VariantPriceChange
from customers.models import Customer, SalesChannel
from inventory.models import StockMovement
from orders import services
from orders.errors import OrderError
from orders.models import EventKind, Order, OrderStatus, ReviewState
from tests.orders.conftest import stock_of
from tests.orders.factories import build_order

pytestmark = pytest.mark.django_db


def test_creating_an_order_stores_the_money_breakdown_and_allocates_the_order_discount(
    tee, cap, manager
):
    order = build_order(
        by=manager,
        items=[(tee, 2), (cap, 1)],
        order_discount="22.30",
        shipping_fee="6.00",
        paid=False,
    )

    lines = {line.sku_code: line for line in order.lines.all()}
    assert (order.goods_total, order.order_discount_total, order.paid_total) == (
        Decimal("223.00"),
        Decimal("22.30"),
        Decimal("206.70"),
    )
    assert lines["TEE-RED-M"].order_discount_share == Decimal("17.80")
    assert lines["CAP-BLUE"].order_discount_share == Decimal("4.50")
    assert lines["TEE-RED-M"].paid_amount + lines["CAP-BLUE"].paid_amount == Decimal("200.70")
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_an_order_whose_amount_paid_does_not_add_up_is_refused_and_nothing_is_written(tee, manager):
    with pytest.raises(OrderError) as refused:
        services.create_order(
            channel=SalesChannel.objects.get(code="jd"),
            order_no="JD-1",
            lines=[services.LineInput(variant=tee, quantity=1, unit_price=Decimal("89.00"))],
            paid_total=Decimal("90.00"),
            placed_at=timezone.now(),
            by=manager,
            buyer_nickname="jd_fan",
        )

    assert refused.value.code == "amount_mismatch"
    assert Order.objects.count() == 0
    assert Customer.objects.count() == 0


def test_creating_the_same_channel_order_number_twice_returns_the_first_order(tee, manager):
    first = build_order(by=manager, items=[(tee, 1)], order_no="TB-42", paid=False)

    again, created = services.create_order(
        channel=SalesChannel.objects.get(code="taobao"),
        order_no="TB-42",
        lines=[services.LineInput(variant=tee, quantity=5, unit_price=Decimal("89.00"))],
        paid_total=Decimal("445.00"),
        placed_at=timezone.now(),
        by=manager,
    )

    assert (again.pk, created) == (first.pk, False)
    assert Order.objects.count() == 1
    assert again.lines.get().quantity == 1


def test_the_same_order_number_on_another_channel_is_another_order(tee, manager):
    build_order(by=manager, items=[(tee, 1)], order_no="42", paid=False)

    other = build_order(by=manager, items=[(tee, 1)], order_no="42", channel="pdd", paid=False)

    assert Order.objects.filter(order_no="42").count() == 2
    assert other.channel.code == "pdd"


def test_paying_reserves_the_stock_of_every_line(tee, cap, manager):
    order = build_order(by=manager, items=[(tee, 3), (cap, 2)])

    assert stock_of(tee) == (10, 3)
    assert stock_of(cap) == (5, 2)
    assert [line.reserved_quantity for line in order.lines.order_by("pk")] == [3, 2]
    assert order.status == OrderStatus.PAID


def test_paying_sets_the_business_date_in_store_time(tee, manager):
    late_evening_utc = dt.datetime(
        2025, 3, 1, 17, 30, tzinfo=dt.UTC
    )  # 01:30 on 2 March in Shanghai

    order = build_order(by=manager, items=[(tee, 1)], placed_at=late_evening_utc)

    assert order.business_date == dt.date(2025, 3, 2)


def test_paying_a_store_order_without_enough_stock_is_refused_and_leaves_it_unpaid(tee, manager):
    order = build_order(by=manager, items=[(tee, 11)], paid=False)

    with pytest.raises(OrderError) as refused:
        services.pay_order(order=order, by=manager)

    order.refresh_from_db()
    assert refused.value.code == "insufficient_stock"
    assert (order.status, order.paid_at) == (OrderStatus.PENDING_PAYMENT, None)
    assert stock_of(tee) == (10, 0)
    assert not order.events.filter(kind=EventKind.PAID).exists()


def test_an_imported_order_without_stock_is_paid_and_goes_to_the_exception_queue(tee, cap, manager):
    order = build_order(by=manager, items=[(cap, 1), (tee, 11)], is_imported=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.review_state == ReviewState.EXCEPTION
    assert order.review_reasons == ["out_of_stock", "new_buyer_high_amount"]
    # All lines or none: the cap that was in stock is not reserved either.
    assert stock_of(cap) == (5, 0)
    assert StockMovement.objects.filter(kind="reservation").count() == 0
    assert order.events.filter(kind=EventKind.STOCK_SHORT).count() == 1


def test_paying_twice_changes_nothing_the_second_time(tee, manager):
    order = build_order(by=manager, items=[(tee, 2)])

    services.pay_order(order=order, by=manager)

    assert stock_of(tee) == (10, 2)
    assert order.events.filter(kind=EventKind.PAID).count() == 1


def test_paying_snapshots_the_cost_in_force_at_payment(tee, manager):
    paid_at = timezone.now() - dt.timedelta(days=3)
    VariantPriceChange.objects.create(
        variant=tee,
        kind=PriceKind.COST,
        new_amount=Decimal("30.00"),
        effective_at=paid_at - dt.timedelta(days=1),
    )
    VariantPriceChange.objects.create(
        variant=tee,
        kind=PriceKind.COST,
        new_amount=Decimal("35.50"),
        effective_at=paid_at + dt.timedelta(days=1),
    )

    order = build_order(by=manager, items=[(tee, 1)], placed_at=paid_at)

    assert order.lines.get().unit_cost == Decimal("30.00")


def test_changing_todays_cost_does_not_change_the_cost_of_a_paid_order(tee, manager):
    order = build_order(by=manager, items=[(tee, 1)])

    tee.cost_price = Decimal("50.00")
    tee.save()
    VariantPriceChange.objects.create(
        variant=tee, kind=PriceKind.COST, new_amount=Decimal("50.00"), effective_at=timezone.now()
    )

    assert order.lines.get().unit_cost == Decimal("35.50")


def test_paying_counts_the_order_in_the_customers_totals(tee, manager):
    first = build_order(by=manager, items=[(tee, 1)])
    build_order(by=manager, items=[(tee, 2)])

    customer = Customer.objects.get()
    assert (customer.order_count, customer.amount_spent) == (2, Decimal("267.00"))
    assert customer.first_order_at == first.paid_at


def test_creating_and_paying_write_timeline_rows(tee, manager):
    order = build_order(by=manager, items=[(tee, 1)])

    assert list(order.events.values_list("kind", flat=True)) == [
        EventKind.CREATED,
        EventKind.PAID,
        EventKind.STOCK_RESERVED,
        EventKind.REVIEWED,
    ]
    assert order.events.get(kind=EventKind.PAID).by == manager

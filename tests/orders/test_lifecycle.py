from decimal import Decimal

import pytest

from inventory.models import StockMovement
from orders import services
from orders.errors import OrderError
from orders.models import EventKind, OrderStatus, Refund, ShipmentStatus
from tests.orders.conftest import stock_of
from tests.orders.factories import build_order

pytestmark = pytest.mark.django_db


def test_shipping_everything_deducts_the_reserved_stock_and_marks_the_order_shipped(
    tee, cap, manager, sf
):
    order = build_order(by=manager, items=[(tee, 2), (cap, 1)])

    shipment = services.ship_order(order=order, carrier=sf, tracking_number="SF100", by=manager)

    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert stock_of(tee) == (8, 0)
    assert stock_of(cap) == (4, 0)
    assert shipment.status == ShipmentStatus.SHIPPED
    assert sorted(shipment.lines.values_list("quantity", flat=True)) == [1, 2]
    assert order.events.filter(kind=EventKind.SHIPPED).count() == 1


def test_shipping_part_of_an_order_leaves_it_partially_shipped(tee, cap, manager, sf):
    order = build_order(by=manager, items=[(tee, 2), (cap, 1)])
    tee_line = order.lines.get(sku_code="TEE-RED-M")

    services.ship_order(
        order=order, carrier=sf, tracking_number="SF1", lines=[(tee_line, 1)], by=manager
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_SHIPPED
    assert stock_of(tee) == (9, 1)
    services.ship_order(order=order, carrier=sf, tracking_number="SF2", by=manager)
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert stock_of(tee) == (8, 0)
    assert stock_of(cap) == (4, 0)


def test_shipping_the_same_tracking_number_twice_changes_nothing(tee, manager, sf):
    order = build_order(by=manager, items=[(tee, 2)])
    tee_line = order.lines.get()
    first = services.ship_order(
        order=order, carrier=sf, tracking_number="SF1", lines=[(tee_line, 1)], by=manager
    )

    again = services.ship_order(
        order=order, carrier=sf, tracking_number="SF1", lines=[(tee_line, 1)], by=manager
    )

    assert again.pk == first.pk
    assert stock_of(tee) == (9, 1)
    assert StockMovement.objects.filter(kind="shipment").count() == 1


def test_a_tracking_number_used_by_another_order_is_refused(tee, manager, sf):
    first = build_order(by=manager, items=[(tee, 1)])
    second = build_order(by=manager, items=[(tee, 1)], buyer_nickname="other")
    services.ship_order(order=first, carrier=sf, tracking_number="SF1", by=manager)

    with pytest.raises(OrderError) as refused:
        services.ship_order(order=second, carrier=sf, tracking_number="SF1", by=manager)

    second.refresh_from_db()
    assert refused.value.code == "duplicate_tracking"
    assert second.status == OrderStatus.PAID
    assert stock_of(tee) == (9, 1)


def test_an_unpaid_order_cannot_ship(tee, manager, sf):
    order = build_order(by=manager, items=[(tee, 1)], paid=False)

    with pytest.raises(OrderError) as refused:
        services.ship_order(order=order, carrier=sf, tracking_number="SF1", by=manager)

    assert refused.value.code == "not_shippable"
    assert order.shipments.count() == 0
    assert stock_of(tee) == (10, 0)


def test_shipping_more_than_is_left_is_refused(tee, manager, sf):
    order = build_order(by=manager, items=[(tee, 2)])

    with pytest.raises(OrderError) as refused:
        services.ship_order(
            order=order,
            carrier=sf,
            tracking_number="SF1",
            lines=[(order.lines.get(), 3)],
            by=manager,
        )

    assert refused.value.code == "quantity_exceeds_remaining"
    assert stock_of(tee) == (10, 2)


def test_cancelling_an_unpaid_order_changes_no_stock(tee, manager):
    order = build_order(by=manager, items=[(tee, 2)], paid=False)

    services.cancel_order(order=order, by=manager, reason="Buyer asked")

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert stock_of(tee) == (10, 0)
    assert Refund.objects.count() == 0


def test_cancelling_a_paid_order_releases_reserved_stock_and_refunds_the_payment(tee, manager):
    order = build_order(by=manager, items=[(tee, 2)], shipping_fee="6.00")

    services.cancel_order(order=order, by=manager, reason="Buyer asked")

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert stock_of(tee) == (10, 0)
    assert order.refunded_total == Decimal("184.00")
    assert Refund.objects.get().amount == Decimal("184.00")
    assert order.events.filter(kind=EventKind.CANCELLED).get().message == "Buyer asked"


def test_an_agent_cannot_cancel_a_paid_order_above_the_refund_limit(tee, service_agent, manager):
    order = build_order(by=manager, items=[(tee, 3)])

    with pytest.raises(OrderError) as refused:
        services.cancel_order(order=order, by=service_agent, reason="Buyer asked")

    order.refresh_from_db()
    assert refused.value.code == "refund_needs_manager"
    assert (order.status, order.refunded_total) == (OrderStatus.PAID, Decimal("0.00"))
    assert stock_of(tee) == (10, 3)
    assert Refund.objects.count() == 0


def test_a_shipped_order_cannot_be_cancelled(tee, manager, sf):
    order = build_order(by=manager, items=[(tee, 1)])
    services.ship_order(order=order, carrier=sf, tracking_number="SF1", by=manager)

    with pytest.raises(OrderError) as refused:
        services.cancel_order(order=order, by=manager, reason="Too late")

    order.refresh_from_db()
    assert refused.value.code == "illegal_transition"
    assert order.status == OrderStatus.SHIPPED


def test_delivery_then_completion_moves_the_order_forward(tee, manager, sf):
    order = build_order(by=manager, items=[(tee, 1)])
    shipment = services.ship_order(order=order, carrier=sf, tracking_number="SF1", by=manager)

    services.mark_delivered(shipment=shipment, by=manager)
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    services.complete_order(order=order, by=manager)

    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert [kind for kind in order.events.values_list("kind", flat=True)][-2:] == [
        EventKind.DELIVERED,
        EventKind.COMPLETED,
    ]


def test_a_completed_order_never_moves_back_to_paid_or_cancelled(tee, manager, sf):
    order = build_order(by=manager, items=[(tee, 1)])
    services.ship_order(order=order, carrier=sf, tracking_number="SF1", by=manager)
    services.complete_order(order=order, by=manager)

    with pytest.raises(OrderError):
        services.cancel_order(order=order, by=manager, reason="No")
    with pytest.raises(OrderError):
        services.complete_order(order=order, by=manager)

    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED


def test_closing_an_unpaid_order_records_why(tee, manager):
    order = build_order(by=manager, items=[(tee, 1)], paid=False)

    services.close_order(order=order, by=manager, reason="Not paid in time")

    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED
    assert order.events.get(kind=EventKind.CLOSED).message == "Not paid in time"


def test_a_paid_order_that_is_not_refunded_cannot_be_closed(tee, manager):
    order = build_order(by=manager, items=[(tee, 1)])

    with pytest.raises(OrderError) as refused:
        services.close_order(order=order, by=manager, reason="?")

    order.refresh_from_db()
    assert refused.value.code == "not_closable"
    assert order.status == OrderStatus.PAID
    assert stock_of(tee) == (10, 1)


def test_a_note_goes_on_the_timeline_and_into_the_internal_notes(tee, service_agent, manager):
    order = build_order(by=manager, items=[(tee, 1)])

    services.add_note(order=order, by=service_agent, message="Buyer called about gift wrap")

    order.refresh_from_db()
    note = order.events.get(kind=EventKind.NOTE)
    assert (note.by, note.message) == (service_agent, "Buyer called about gift wrap")
    assert order.internal_notes.endswith("customer_service] Buyer called about gift wrap")

import datetime as dt

import pytest

from inventory.models import MovementKind, StockMovement
from inventory.selectors import ledger_differences
from orders.models import Order, OrderLine, OrderStatus
from storeops.demo import seed_all

pytestmark = pytest.mark.django_db


def snapshot():
    return list(Order.objects.order_by("order_no").values_list("order_no", "paid_total", "status"))


def test_demo_orders_have_a_sale_day_spike_and_live_reservations_match_the_ledger():
    seed_all(seed=3, days=20, today=dt.date(2025, 6, 30))
    first = snapshot()

    reserved = sum(
        OrderLine.objects.filter(order__status=OrderStatus.PAID).values_list(
            "reserved_quantity", flat=True
        )
    )

    assert len(first) > 300
    assert reserved > 0
    assert ledger_differences() == []
    assert Order.objects.filter(
        business_date=dt.date(2025, 6, 30) - dt.timedelta(days=10)
    ).count() > (
        Order.objects.filter(business_date=dt.date(2025, 6, 30) - dt.timedelta(days=9)).count()
    )


def test_demo_history_shipments_are_in_the_ledger_without_changing_todays_levels():
    seed_all(seed=3, days=20, today=dt.date(2025, 6, 30))

    ledger: dict[str, int] = {}
    for order_no, change in StockMovement.objects.filter(
        kind=MovementKind.SHIPMENT, reason="Shipped (demo history)"
    ).values_list("document_id", "on_hand_change"):
        ledger[order_no] = ledger.get(order_no, 0) - change
    ordered: dict[str, int] = {}
    for order_no, quantity in OrderLine.objects.filter(order__order_no__in=ledger).values_list(
        "order__order_no", "quantity"
    ):
        ordered[order_no] = ordered.get(order_no, 0) + quantity

    assert len(ledger) > 300
    assert ledger == ordered
    assert ledger_differences() == []
    assert not StockMovement.objects.filter(on_hand_after__lt=0).exists()

"""POST /api/v1/orders/ with several lines: the stock, ledger and timeline rows it writes.

Several lines are reserved set-based (levels locked in SKU order, one level
UPDATE, one ledger INSERT) and the timeline goes in as plain rows; these
tests pin the rows to what reserving line by line wrote.
"""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from inventory.models import StockMovement
from orders.models import Order, OrderEvent, OrderLine, OrderStatus, ReviewState
from tests.orders.conftest import stock_of
from tests.orders.test_api import order_payload

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def cap_then_tee(*, tee_quantity: int, **changes) -> dict:
    """One cap and ``tee_quantity`` tees, the cap first (the tee has the lower SKU id)."""
    paid = Decimal("45.00") + Decimal("89.00") * tee_quantity + Decimal("5.00")
    return order_payload(
        lines=[
            {"sku_code": "CAP-BLUE", "quantity": 1, "unit_price": "45.00"},
            {"sku_code": "TEE-RED-M", "quantity": tee_quantity, "unit_price": "89.00"},
        ],
        paid_total=str(paid),
        **changes,
    )


def test_several_lines_leave_one_ledger_row_each_in_sku_order_with_the_levels_after(
    tee, cap, service_agent
):
    response = client_for(service_agent).post(
        "/api/v1/orders/", cap_then_tee(tee_quantity=2), format="json"
    )

    order = Order.objects.get(order_no="TM-0001")
    assert response.status_code == 201
    assert list(
        StockMovement.objects.filter(kind="reservation")
        .order_by("pk")
        .values_list(
            "variant__sku_code",
            "reserved_change",
            "on_hand_after",
            "reserved_after",
            "document_type",
            "document_id",
            "reason",
            "created_by",
        )
    ) == [
        ("TEE-RED-M", 2, 10, 2, "order", str(order.pk), "Order TM-0001 paid", service_agent.pk),
        ("CAP-BLUE", 1, 5, 1, "order", str(order.pk), "Order TM-0001 paid", service_agent.pk),
    ]
    assert (stock_of(tee), stock_of(cap)) == ((10, 2), (5, 1))
    assert list(
        OrderLine.objects.filter(order=order)
        .order_by("pk")
        .values_list("sku_code", "reserved_quantity")
    ) == [("CAP-BLUE", 1), ("TEE-RED-M", 2)]


def test_an_imported_order_short_of_one_sku_reserves_none_and_is_held_out_of_stock(
    tee, cap, service_agent
):
    response = client_for(service_agent).post(
        "/api/v1/orders/", cap_then_tee(tee_quantity=11, is_imported=True), format="json"
    )

    order = Order.objects.get(order_no="TM-0001")
    assert response.status_code == 201
    assert (order.status, order.review_state) == (OrderStatus.PAID, ReviewState.EXCEPTION)
    assert order.review_reasons == ["out_of_stock", "new_buyer_high_amount"]
    assert (stock_of(tee), stock_of(cap)) == ((10, 0), (5, 0))
    assert not StockMovement.objects.filter(kind="reservation").exists()
    assert list(order.lines.order_by("pk").values_list("reserved_quantity", flat=True)) == [0, 0]
    assert list(order.events.order_by("pk").values_list("kind", "message")) == [
        ("created", "Imported from the channel"),
        ("paid", ""),
        ("stock_short", "Insufficient stock for TEE-RED-M in WH-MAIN: 11 requested, 10 available."),
        ("reviewed", "Not enough stock; New buyer with a high amount"),
    ]


def test_a_store_order_short_of_one_sku_is_refused_and_writes_nothing(tee, cap, service_agent):
    response = client_for(service_agent).post(
        "/api/v1/orders/", cap_then_tee(tee_quantity=11), format="json"
    )

    assert response.status_code == 400
    assert response.data["error"]["code"] == "insufficient_stock"
    assert response.data["error"]["message"] == (
        "Insufficient stock for TEE-RED-M in WH-MAIN: 11 requested, 10 available."
    )
    assert not Order.objects.exists()
    assert not OrderEvent.objects.exists()
    assert not StockMovement.objects.filter(kind="reservation").exists()
    assert (stock_of(tee), stock_of(cap)) == ((10, 0), (5, 0))


def test_the_timeline_of_a_paid_create_holds_each_step_with_its_values(tee, service_agent):
    client_for(service_agent).post("/api/v1/orders/", order_payload(), format="json")

    order = Order.objects.get(order_no="TM-0001")
    assert list(
        order.events.order_by("pk").values_list("kind", "message", "before", "after", "by")
    ) == [
        ("created", "", {}, {"paid_total": "183.00", "lines": 1}, service_agent.pk),
        (
            "paid",
            "",
            {},
            {"paid_total": "183.00", "business_date": "2025-05-01"},
            service_agent.pk,
        ),
        ("stock_reserved", "TEE-RED-M × 2", {}, {"TEE-RED-M": 2}, service_agent.pk),
        (
            "reviewed",
            "All checks passed: released to the warehouse.",
            {},
            {"review_state": "released", "review_reasons": []},
            service_agent.pk,
        ),
    ]

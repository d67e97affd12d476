from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from orders.models import CaseState, IdempotencyRecord, Order, OrderStatus
from tests.orders.conftest import stock_of
from tests.orders.factories import build_order

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def order_payload(**changes):
    payload = {
        "channel": "tmall",
        "order_no": "TM-0001",
        "lines": [{"sku_code": "TEE-RED-M", "quantity": 2, "unit_price": "89.00"}],
        "paid_total": "183.00",
        "shipping_fee": "5.00",
        "placed_at": "2025-05-01T02:00:00Z",
        "paid_at": "2025-05-01T02:01:00Z",
        "buyer_nickname": "tm_buyer",
        "recipient_name": "王五",
        "phone": "13912345678",
        "province": "江苏省",
        "city": "南京市",
        "address": "鼓楼区 8 号",
    }
    payload.update(changes)
    return payload


def test_posting_an_order_creates_pays_and_reserves_it(tee, service_agent):
    response = client_for(service_agent).post("/api/v1/orders/", order_payload(), format="json")

    assert response.status_code == 201
    assert response.data["status"] == OrderStatus.PAID
    assert response.data["paid_total"] == "183.00"
    assert stock_of(tee) == (10, 2)


def test_posting_the_same_channel_order_again_returns_it_with_200(tee, service_agent):
    client = client_for(service_agent)
    client.post("/api/v1/orders/", order_payload(), format="json")

    response = client.post("/api/v1/orders/", order_payload(), format="json")

    assert response.status_code == 200
    assert Order.objects.count() == 1
    assert stock_of(tee) == (10, 2)


def test_an_idempotency_key_replays_the_first_response(tee, service_agent):
    client = client_for(service_agent)
    first = client.post(
        "/api/v1/orders/", order_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )

    again = client.post(
        "/api/v1/orders/", order_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.data == first.data
    assert IdempotencyRecord.objects.count() == 1


def test_an_idempotency_key_reused_with_another_body_is_a_conflict(tee, service_agent):
    client = client_for(service_agent)
    client.post("/api/v1/orders/", order_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k1")

    response = client.post(
        "/api/v1/orders/",
        order_payload(order_no="TM-0002"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )

    assert response.status_code == 409
    assert Order.objects.count() == 1


def test_an_order_that_does_not_add_up_is_a_400_with_the_rule(tee, service_agent):
    response = client_for(service_agent).post(
        "/api/v1/orders/", order_payload(paid_total="180.00"), format="json"
    )

    assert response.status_code == 400
    assert response.data["error"]["code"] == "amount_mismatch"
    assert Order.objects.count() == 0


def test_lists_mask_the_phone_and_the_detail_shows_it_to_customer_service(tee, service_agent):
    order = build_order(by=service_agent, items=[(tee, 1)])
    client = client_for(service_agent)

    listed = client.get("/api/v1/orders/").data["results"][0]
    detail = client.get(f"/api/v1/orders/{order.pk}/").data

    assert listed["phone"] == "138****8000"
    assert detail["phone"] == "13800138000"


def test_the_warehouse_sees_costs_and_a_masked_phone_customer_service_no_costs(
    tee, service_agent, warehouse_clerk
):
    order = build_order(by=service_agent, items=[(tee, 1)])

    agent_view = client_for(service_agent).get(f"/api/v1/orders/{order.pk}/").data
    clerk_view = client_for(warehouse_clerk).get(f"/api/v1/orders/{order.pk}/").data

    assert "unit_cost" not in agent_view["lines"][0]
    assert clerk_view["lines"][0]["unit_cost"] == "35.50"
    assert clerk_view["phone"] == "138****8000"


def test_marketing_cannot_read_orders(marketer):
    assert client_for(marketer).get("/api/v1/orders/").status_code == 403


def test_only_the_warehouse_may_ship_through_the_api(tee, service_agent, warehouse_clerk, sf):
    order = build_order(by=service_agent, items=[(tee, 1)])
    payload = {"carrier": "sf", "tracking_number": "SF77"}

    refused = client_for(service_agent).post(f"/api/v1/orders/{order.pk}/ship/", payload)
    shipped = client_for(warehouse_clerk).post(f"/api/v1/orders/{order.pk}/ship/", payload)

    assert refused.status_code == 403
    assert (shipped.status_code, shipped.data["status"]) == (200, OrderStatus.SHIPPED)
    assert stock_of(tee) == (9, 0)


def test_a_case_is_opened_and_approved_through_the_api(tee, service_agent):
    order = build_order(by=service_agent, items=[(tee, 1)])
    client = client_for(service_agent)

    created = client.post(
        "/api/v1/after-sales/",
        {
            "order": order.pk,
            "kind": "refund_only",
            "reason": "quality",
            "requested_amount": "10.00",
        },
        format="json",
    )
    approved = client.post(f"/api/v1/after-sales/{created.data['id']}/approve/")
    refunded = client.post(f"/api/v1/after-sales/{created.data['id']}/refund/", {}, format="json")

    order.refresh_from_db()
    assert created.status_code == 201
    assert approved.data["state"] == CaseState.APPROVED
    assert refunded.data["state"] == CaseState.REFUNDED
    assert order.refunded_total == Decimal("10.00")


def test_the_order_list_pages_without_counting_every_order(client, manager, tee):
    for number in range(3):
        build_order(by=manager, items=[(tee, 1)], order_no=f"TB-PAGE-{number}")
    client.force_login(manager)
    statements: list[str] = []

    def capture(execute, sql, params, many, context):
        statements.append(sql.upper())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        first = client.get("/api/v1/orders/?page_size=2").json()
    second = client.get(first["next"]).json()

    assert "count" not in first
    assert [row["order_no"] for row in first["results"]] == ["TB-PAGE-2", "TB-PAGE-1"]
    assert first["previous"] is None
    assert [row["order_no"] for row in second["results"]] == ["TB-PAGE-0"]
    assert second["next"] is None and second["previous"].endswith("page_size=2")
    assert not [sql for sql in statements if "COUNT(" in sql and "ORDERS_ORDER" in sql]
    assert client.get("/api/v1/orders/?page=9").status_code == 404

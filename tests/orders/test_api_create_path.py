"""POST /api/v1/orders/: the lean create path answers as before and stays atomic."""

import pytest
from django.db import IntegrityError
from rest_framework.test import APIClient

from orders import api
from orders.models import IdempotencyRecord, Order, OrderEvent, OrderStatus
from tests.orders.conftest import stock_of
from tests.orders.test_api import order_payload

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_create_answer_is_the_order_as_stored(tee, cap, manager):
    client = client_for(manager)
    payload = order_payload(
        lines=[
            {"sku_code": "TEE-RED-M", "quantity": 2, "unit_price": "89.00"},
            {"sku_code": "CAP-BLUE", "quantity": 1, "unit_price": "45.00"},
        ],
        paid_total="228.00",
    )

    created = client.post("/api/v1/orders/", payload, format="json")
    stored = client.get(f"/api/v1/orders/{created.data['id']}/")

    assert created.status_code == 201
    assert created.data == stored.data
    assert [line["unit_cost"] for line in created.data["lines"]] == ["35.50", "12.00"]


def test_an_order_paid_on_arrival_is_paid_reserved_and_on_the_timeline(tee, service_agent):
    response = client_for(service_agent).post("/api/v1/orders/", order_payload(), format="json")

    order = Order.objects.get(pk=response.data["id"])
    assert order.status == OrderStatus.PAID
    assert order.lines.get().reserved_quantity == 2
    assert order.customer.order_count == 1
    assert list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True)) == [
        "created",
        "paid",
        "stock_reserved",
        "reviewed",
    ]
    assert stock_of(tee) == (10, 2)


def test_losing_a_race_on_the_idempotency_key_rolls_the_order_back(tee, service_agent, monkeypatch):
    """Another request with the same key stored its record first: ours answers as it did."""
    manager = IdempotencyRecord.objects
    real_filter = manager.filter
    lookups = []

    def losing_create(**fields):
        raise IntegrityError("duplicate key value violates unique constraint")

    def filter_after_the_race(**conditions):
        lookups.append(conditions)
        if len(lookups) == 2:  # the winner committed while our order was being written
            IdempotencyRecord(
                user=service_agent,
                key="k-race",
                scope="/api/v1/orders/",
                request_hash=winner_hash[0],
                response_status=201,
                response_body={"winner": True},
            ).save()
        return real_filter(**conditions)

    winner_hash = []
    real_hash = api._request_hash
    monkeypatch.setattr(
        api,
        "_request_hash",
        lambda request: winner_hash.append(real_hash(request)) or winner_hash[0],
    )
    monkeypatch.setattr(manager, "create", losing_create)
    monkeypatch.setattr(manager, "filter", filter_after_the_race)

    response = client_for(service_agent).post(
        "/api/v1/orders/", order_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-race"
    )

    assert (response.status_code, response.data) == (201, {"winner": True})
    assert Order.objects.count() == 0
    assert stock_of(tee) == (10, 0)

"""Supplier pages and API: who may use them, search, saving with history."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from catalog.models import Supplier


@pytest.fixture
def suppliers(db):
    return [
        Supplier.objects.create(
            code="GYS01", name="杭州织造", contact_name="王经理", phone="0571-1"
        ),
        Supplier.objects.create(code="GYS02", name="Ningbo Buttons", is_active=False),
    ]


@pytest.mark.django_db
def test_warehouse_searches_suppliers_by_name_or_contact(client, warehouse_clerk, suppliers):
    client.force_login(warehouse_clerk)
    page = client.get(reverse("catalog:supplier-list"), {"q": "王"}).content.decode()
    assert "GYS01" in page and "GYS02" not in page
    inactive = client.get(reverse("catalog:supplier-list"), {"is_active": "false"}).content.decode()
    assert "GYS02" in inactive and "GYS01" not in inactive


@pytest.mark.django_db
def test_customer_service_and_marketing_cannot_open_suppliers(client, service_agent, marketer):
    for user in (service_agent, marketer):
        client.force_login(user)
        assert client.get(reverse("catalog:supplier-list")).status_code == 403


@pytest.mark.django_db
def test_creating_and_editing_a_supplier_records_who_did_it(client, warehouse_clerk):
    client.force_login(warehouse_clerk)
    response = client.post(
        reverse("catalog:supplier-create"),
        {"code": "GYS09", "name": "Shaoxing Silk", "lead_time_days": 10, "min_order_amount": "500"},
    )
    supplier = Supplier.objects.get(code="GYS09")
    assert response.url == reverse("catalog:supplier-detail", args=[supplier.pk])
    client.post(
        reverse("catalog:supplier-edit", args=[supplier.pk]),
        {
            "code": "GYS09",
            "name": "Shaoxing Silk Co.",
            "lead_time_days": 12,
            "min_order_amount": "500",
        },
    )
    supplier.refresh_from_db()
    assert (supplier.name, supplier.lead_time_days) == ("Shaoxing Silk Co.", 12)
    history = list(supplier.history.order_by("history_date"))
    assert [h.history_type for h in history] == ["+", "~"]
    assert all(h.history_user == warehouse_clerk for h in history)
    detail = client.get(reverse("catalog:supplier-detail", args=[supplier.pk])).content.decode()
    assert warehouse_clerk.username in detail


@pytest.mark.django_db
def test_a_contract_ending_before_it_starts_is_refused(client, warehouse_clerk):
    client.force_login(warehouse_clerk)
    response = client.post(
        reverse("catalog:supplier-create"),
        {
            "code": "GYS10",
            "name": "X",
            "lead_time_days": 3,
            "min_order_amount": "0",
            "contract_start": "2026-06-01",
            "contract_end": "2026-01-01",
        },
    )
    assert response.status_code == 200
    assert "cannot end before it starts" in response.content.decode()
    assert not Supplier.objects.filter(code="GYS10").exists()


@pytest.mark.django_db
def test_supplier_api_reads_and_writes_through_the_service(warehouse_clerk, suppliers):
    api = APIClient()
    api.force_authenticate(warehouse_clerk)
    listing = api.get("/api/v1/suppliers/", {"q": "Ningbo"}).json()
    assert [row["code"] for row in listing["results"]] == ["GYS02"]
    created = api.post(
        "/api/v1/suppliers/",
        {"code": "GYS11", "name": "Y", "min_order_amount": "99.50"},
        format="json",
    )
    assert created.status_code == 201
    assert Supplier.objects.get(code="GYS11").min_order_amount == Decimal("99.50")
    assert Supplier.history.filter(code="GYS11").get().history_user == warehouse_clerk
    clash = api.post("/api/v1/suppliers/", {"code": "GYS01", "name": "Dup"}, format="json")
    assert clash.status_code == 400
    bad = api.patch(
        f"/api/v1/suppliers/{suppliers[0].pk}/",
        {"contract_start": "2026-06-01", "contract_end": "2026-01-01"},
        format="json",
    )
    assert bad.status_code == 400
    assert Supplier.objects.get(code="GYS01").contract_start is None
    assert api.delete(f"/api/v1/suppliers/{suppliers[0].pk}/").status_code == 405


@pytest.mark.django_db
def test_supplier_api_refuses_customer_service(service_agent, suppliers):
    api = APIClient()
    api.force_authenticate(service_agent)
    assert api.get("/api/v1/suppliers/").status_code == 403

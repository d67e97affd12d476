"""POST /api/v1/pricing/quote."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from promotions.models import PromotionKind
from tests.catalog.product_factories import VariantFactory
from tests.promotions.factories import NOW, PromotionFactory, PromotionTierFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/pricing/quote"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_marketer_gets_the_quote_as_json(marketer):
    variant = VariantFactory(sku_code="TEE-M", price=Decimal("100.00"))
    promotion = PromotionFactory(kind=PromotionKind.FULL_REDUCTION, name="Spend 300 save 30")
    PromotionTierFactory(promotion=promotion, threshold=Decimal("300"), amount_off=Decimal("30"))

    response = client_for(marketer).post(
        URL,
        {"lines": [{"sku_code": variant.sku_code, "quantity": 3}], "at": NOW.isoformat()},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["totals"] == {"goods": "300.00", "discount": "30.00", "payable": "270.00"}
    assert body["applied"][0]["name"] == "Spend 300 save 30"
    assert body["lines"][0]["line_amount"] == "270.00"


def test_customer_service_may_quote_too(service_agent):
    variant = VariantFactory(price=Decimal("10.00"))

    response = client_for(service_agent).post(
        URL,
        {"lines": [{"sku_code": variant.sku_code, "quantity": 2}], "channel_code": "taobao"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["totals"]["payable"] == "20.00"


def test_an_unknown_sku_is_a_400_in_the_error_shape(marketer):
    response = client_for(marketer).post(
        URL, {"lines": [{"sku_code": "NOPE", "quantity": 1}]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_sku"


def test_a_quantity_of_zero_is_a_400_naming_the_field(marketer):
    variant = VariantFactory()

    response = client_for(marketer).post(
        URL, {"lines": [{"sku_code": variant.sku_code, "quantity": 0}]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "lines" in response.json()["error"]["fields"]


def test_an_unknown_channel_is_a_400(marketer):
    variant = VariantFactory()

    response = client_for(marketer).post(
        URL,
        {"lines": [{"sku_code": variant.sku_code, "quantity": 1}], "channel_code": "mars"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["channel_code"]


def test_a_role_without_either_capability_is_refused(make_user):
    from django.contrib.auth.models import Permission

    user = make_user(None, username="viewer")
    user.user_permissions.add(Permission.objects.get(codename="view_catalog"))

    response = client_for(user).post(
        URL, {"lines": [{"sku_code": "X", "quantity": 1}]}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"

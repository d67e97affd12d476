"""GET /api/v1/reports/daily-summary: shape, money as strings, ratios, roles."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from reports import services
from reports.api import PROFIT_KEYS
from tests.reports.summary_fixtures import DAY_1, DAY_2

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/daily-summary"


def client_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def built(trade):
    services.build_range(DAY_1, DAY_2)


def test_the_manager_gets_days_and_totals_keyed_by_metrics(built, manager):
    response = client_for(manager).get(URL, {"from": "2026-03-10", "to": "2026-03-11"})

    assert response.status_code == 200
    body = response.json()
    assert [day["date"] for day in body["days"]] == ["2026-03-10", "2026-03-11"]
    first = body["days"][0]
    assert first["paid_sales"] == "362.00"
    assert first["paid_orders"] == 3
    assert first["refund_rate"] == 0.0552
    assert first["cogs"] == "130.50"
    assert first["platform_fees"] == "12.77"
    assert first["store_roas"] is None
    assert body["totals"]["paying_buyers"] == 3
    assert body["totals"]["paid_sales"] == "451.00"
    assert body["totals"]["net_profit"] == "180.25"


def test_one_channel_is_filtered_by_code(built, manager):
    response = client_for(manager).get(
        URL, {"from": "2026-03-10", "to": "2026-03-10", "channel": "tmall"}
    )

    assert response.json()["days"][0]["paid_sales"] == "134.00"
    assert response.json()["days"][0]["conversion_rate"] is None


def test_marketing_sees_no_cost_or_profit_keys(built, marketer):
    response = client_for(marketer).get(URL, {"from": "2026-03-10", "to": "2026-03-11"})

    assert response.status_code == 200
    body = response.json()
    assert PROFIT_KEYS.isdisjoint(body["days"][0])
    assert PROFIT_KEYS.isdisjoint(body["totals"])
    assert body["days"][0]["paid_sales"] == "362.00"


def test_customer_service_is_refused(built, service_agent):
    response = client_for(service_agent).get(URL, {"from": "2026-03-10", "to": "2026-03-11"})

    assert response.status_code == 403


def test_a_range_ending_before_it_starts_is_refused(db, manager):
    response = client_for(manager).get(URL, {"from": "2026-03-11", "to": "2026-03-10"})

    assert response.status_code == 400
    assert "to" in response.json()["error"]["fields"]


def test_the_endpoint_is_in_the_openapi_schema(db, manager):
    response = client_for(manager).get("/api/schema/", {"format": "json"})

    if response.status_code == 404:
        pytest.skip("no schema URL mounted at /api/schema/")
    parameters = response.json()["paths"]["/api/v1/reports/daily-summary"]["get"]["parameters"]
    assert {parameter["name"] for parameter in parameters} >= {"from", "to", "channel"}

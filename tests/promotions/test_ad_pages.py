"""The ad spend page: who may see it, what it shows, CSV, budgets, constant queries."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from promotions.models import AdBudget
from storeops import business_day
from tests.promotions.ad_factories import AdBudgetFactory, AdSpendDayFactory, ad_channel

pytestmark = pytest.mark.django_db

URL = "/promotions/ad-spend/"


def chart_data(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="ad-data" type="application/json">') + len(
        '<script id="ad-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.mark.parametrize("fixture", ["service_agent", "warehouse_clerk"])
def test_customer_service_and_warehouse_get_403(client, request, fixture):
    client.force_login(request.getfixturevalue(fixture))

    assert client.get(URL).status_code == 403
    assert client.get(reverse("promotions:ad-spend-export")).status_code == 403


@pytest.mark.parametrize("fixture", ["manager", "marketer"])
def test_manager_and_marketing_see_the_page_and_its_nav_entry(client, request, fixture):
    client.force_login(request.getfixturevalue(fixture))

    response = client.get(URL)

    assert response.status_code == 200
    assert f'href="{URL}"' in response.content.decode()


def test_page_shows_kpis_and_feeds_the_charts(client, marketer):
    today = business_day.today()
    AdSpendDayFactory(date=today, channel=ad_channel("search_ads"), campaign="A",
                      spend=Decimal("100.00"), attributed_sales=Decimal("450.00"))  # fmt: skip
    AdSpendDayFactory(date=today, channel=ad_channel("affiliate"), spend=Decimal("50.00"),
                      attributed_sales=Decimal("0.00"))  # fmt: skip
    AdSpendDayFactory(date=today - dt.timedelta(days=40), spend=Decimal("999.00"))
    client.force_login(marketer)

    response = client.get(URL)

    report = response.context["report"]
    assert (report.ad_spend, report.affiliate_commission, report.total.roas) == (
        Decimal("100.00"), Decimal("50.00"), Decimal("3.0000"))  # fmt: skip
    data = chart_data(response)
    assert len(data["days"]) == 30
    assert data["days"][-1] == today.isoformat()
    assert [(s["name"], s["values"][-1]) for s in data["spend"]] == [
        ("Search ads", "100.00"), ("Affiliate (Taobaoke)", "50.00")]  # fmt: skip
    assert data["roas"][0] == {"name": "Search ads", "value": "4.5000"}


def test_channel_filter_in_the_url_limits_the_table(client, marketer):
    day = dt.date(2026, 3, 5)
    AdSpendDayFactory(date=day, channel=ad_channel("search_ads"))
    AdSpendDayFactory(date=day, channel=ad_channel("feed_ads"))
    client.force_login(marketer)

    response = client.get(
        URL, {"date_from": "2026-03-01", "date_to": "2026-03-31", "channel": "feed_ads"}
    )

    assert [row.channel.code for row in response.context["report"].channels] == ["feed_ads"]


def test_csv_export_has_channel_campaign_and_total_rows(client, marketer):
    day = dt.date(2026, 3, 5)
    AdSpendDayFactory(date=day, campaign="A", spend=Decimal("10.00"), clicks=5)
    AdSpendDayFactory(date=day, campaign="B", spend=Decimal("20.00"), clicks=10)
    client.force_login(marketer)

    response = client.get(
        reverse("promotions:ad-spend-export"), {"date_from": "2026-03-01", "date_to": "2026-03-31"}
    )

    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert [line.split(",")[:5] for line in lines[1:]] == [
        ["Search ads", "All campaigns", "2000", "15", "30.00"],
        ["Search ads", "A", "1000", "5", "10.00"],
        ["Search ads", "B", "1000", "10", "20.00"],
        ["Total", "", "2000", "15", "30.00"],
    ]


def test_over_pace_channel_is_flagged_on_the_page(client, marketer):
    today = business_day.today()
    AdBudgetFactory(month=today.replace(day=1), amount=Decimal("31.00"))
    AdSpendDayFactory(date=today, spend=Decimal("500.00"))
    client.force_login(marketer)

    response = client.get(URL)

    assert response.context["has_over_pace"] is True
    assert "Over pace" in response.content.decode()


def test_marketing_sets_a_budget(client, marketer):
    client.force_login(marketer)

    response = client.post(
        reverse("promotions:ad-budget-set"),
        {"month": "2026-04", "channel": "feed_ads", "amount": "1500.00"},
    )

    assert response.status_code == 302
    budget = AdBudget.objects.get()
    assert (budget.month, budget.channel.code, budget.amount) == (
        dt.date(2026, 4, 1), "feed_ads", Decimal("1500.00"))  # fmt: skip


def test_customer_service_may_not_set_a_budget(client, service_agent):
    client.force_login(service_agent)

    response = client.post(
        reverse("promotions:ad-budget-set"),
        {"month": "2026-04", "channel": "feed_ads", "amount": "1500.00"},
    )

    assert response.status_code == 403
    assert AdBudget.objects.count() == 0


def _seed_days(first: int, last: int) -> None:
    today = business_day.today()
    for offset in range(first, last):
        for code in ("search_ads", "display_ads", "affiliate"):
            for campaign in ("A", "B"):
                AdSpendDayFactory(
                    date=today - dt.timedelta(days=offset),
                    channel=ad_channel(code),
                    campaign=campaign,
                )


def test_page_query_count_does_not_grow_with_days(client, marketer):
    client.force_login(marketer)
    AdBudgetFactory(month=business_day.today().replace(day=1))
    _seed_days(0, 2)
    client.get(URL)  # warm caches (session, permissions)

    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    _seed_days(2, 25)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)

    assert response.status_code == 200
    assert len(many) == len(few)

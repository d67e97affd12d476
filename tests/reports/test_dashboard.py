"""The operations dashboard: figures from the summary, comparisons, filters, roles, queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import SalesChannel
from reports.dashboard import DateRange, change
from reports.models import DailySummary
from reports.services import save_monthly_target

pytestmark = pytest.mark.django_db
URL = "/dashboard/"
DAY = dt.date(2026, 3, 10)


def summary(day: dt.date, channel: SalesChannel | None = None, **figures) -> DailySummary:
    defaults = {
        "paid_sales": Decimal("1000.00"),
        "paid_orders": 10,
        "paying_buyers": 8,
        "visitors": 1000,
        "buyers_with_traffic": 30,
        "refunds": Decimal("50.00"),
        "cogs": Decimal("400.00"),
        "ad_spend": Decimal("100.00"),
        "affiliate_commission": Decimal("25.00"),
    }
    return DailySummary.objects.create(
        date=day, channel=channel, built_at=timezone.now(), **{**defaults, **figures}
    )


def cards_of(response) -> dict:
    return {card.key: card for card in response.context["cards"]}


def compared(card) -> dict:
    return {comparison.key: comparison.change for comparison in card.comparisons}


@pytest.fixture
def days():
    """The day, the day before, a week before and a year before."""
    summary(DAY, paid_sales=Decimal("1000.00"), buyers_with_traffic=30)
    summary(DAY - dt.timedelta(days=1), paid_sales=Decimal("800.00"), buyers_with_traffic=20)
    summary(DAY - dt.timedelta(days=7), paid_sales=Decimal("1250.00"), buyers_with_traffic=35)
    summary(dt.date(2025, 3, 10), paid_sales=Decimal("500.00"), buyers_with_traffic=30)


def test_the_paid_sales_card_is_the_days_summary_with_its_comparisons(client, manager, days):
    client.force_login(manager)

    response = client.get(URL, {"period": "day", "date": "2026-03-10"})

    assert response.status_code == 200
    card = cards_of(response)["paid_sales"]
    assert card.value == Decimal("1000.00")
    assert compared(card) == {
        "day": Decimal("25.00"),
        "week": Decimal("-20.00"),
        "year": Decimal("100.00"),
    }


def test_ratios_compare_in_percentage_points(client, manager, days):
    client.force_login(manager)

    response = client.get(URL, {"period": "day", "date": "2026-03-10"})

    card = cards_of(response)["conversion_rate"]
    assert card.value == Decimal("0.0300")
    assert compared(card) == {
        "day": Decimal("1.00"),
        "week": Decimal("-0.50"),
        "year": Decimal("0.00"),
    }
    assert "3.00%" in response.content.decode()


def test_spend_per_buyer_and_profit_come_from_the_summary(client, manager, days):
    client.force_login(manager)

    cards = cards_of(client.get(URL, {"period": "day", "date": "2026-03-10"}))

    assert cards["spend_per_buyer"].value == Decimal("125.00")
    assert cards["gross_profit"].value == Decimal("550.00")
    # 1000 − 50 − 400 − 100 − 25
    assert cards["net_profit"].value == Decimal("425.00")
    assert cards["store_roas"].value == Decimal("8.0000")


def test_a_range_is_compared_with_the_previous_range_of_the_same_length(client, manager):
    for offset in range(14):
        summary(DAY - dt.timedelta(days=offset), paid_sales=Decimal("100.00") * (offset < 7 or 2))
    client.force_login(manager)

    response = client.get(
        URL, {"period": "custom", "date_from": "2026-03-04", "date_to": "2026-03-10"}
    )

    card = cards_of(response)["paid_sales"]
    assert card.value == Decimal("700.00")
    assert compared(card) == {"previous": Decimal("-50.00"), "year": None}


def test_the_channel_filter_changes_the_numbers(client, manager, days):
    tmall = SalesChannel.objects.get(code="tmall")
    summary(DAY, channel=tmall, paid_sales=Decimal("300.00"))
    client.force_login(manager)

    response = client.get(URL, {"period": "day", "date": "2026-03-10", "channel": "tmall"})

    cards = cards_of(response)
    assert cards["paid_sales"].value == Decimal("300.00")
    # Ad spend is store-wide only (ad channels are not sales channels).
    assert "ad_spend" not in cards


def test_marketing_sees_no_profit(client, marketer, days):
    client.force_login(marketer)

    response = client.get(URL, {"period": "day", "date": "2026-03-10"})

    assert response.status_code == 200
    cards = cards_of(response)
    assert {"gross_profit", "net_profit"}.isdisjoint(cards)
    assert "ad_spend" in cards
    assert "waterfall" not in response.context["chart_data"]
    assert "chart-waterfall" not in response.content.decode()


@pytest.mark.parametrize("fixture", ["service_agent", "warehouse_clerk"])
def test_customer_service_and_warehouse_are_refused(client, request, fixture):
    client.force_login(request.getfixturevalue(fixture))

    assert client.get(URL).status_code == 403


def test_the_target_shows_attainment_gap_and_pace(client, manager, days):
    save_monthly_target(
        month=dt.date(2026, 3, 1), channel=None, amount=Decimal("31000.00"), split_method="even"
    )
    client.force_login(manager)

    target = client.get(URL, {"period": "day", "date": "2026-03-10"}).context["target"]

    # Month to date: the 9th (800) and the 10th (1000); the 3rd was 1250.
    assert target.sales == Decimal("3050.00")
    assert target.target == Decimal("31000.00")
    assert target.attainment == Decimal("0.0984")
    assert target.time_progress == Decimal("0.3226")
    assert target.gap == Decimal("27950.00")
    assert target.daily_pace_needed == Decimal("1330.95")


def test_the_anomalies_come_first(client, manager):
    for offset in range(1, 60):
        summary(DAY - dt.timedelta(days=offset))
    summary(DAY, refunds=Decimal("900.00"))
    client.force_login(manager)

    response = client.get(URL, {"period": "day", "date": "2026-03-10"})

    keys = [anomaly.key for anomaly in response.context["anomalies"]]
    assert "refunds" in keys
    assert 'data-anomaly="refunds"' in response.content.decode()


def test_the_query_count_does_not_grow_with_the_range(
    client, manager, django_assert_max_num_queries
):
    for offset in range(120):
        summary(DAY - dt.timedelta(days=offset))
    client.force_login(manager)
    week = {"period": "custom", "date_from": "2026-03-04", "date_to": "2026-03-10"}
    sixty = {"period": "custom", "date_from": "2026-01-10", "date_to": "2026-03-10"}

    with CaptureQueriesContext(connection) as short:
        client.get(URL, week)
    with django_assert_max_num_queries(len(short.captured_queries)):
        response = client.get(URL, sixty)

    assert response.status_code == 200
    assert cards_of(response)["paid_sales"].value == Decimal("60000.00")


def test_the_navigation_lists_the_dashboard_for_the_manager(client, manager):
    client.force_login(manager)

    response = client.get("/")

    assert 'data-nav="dashboard"' in response.content.decode()


def test_the_previous_range_is_the_days_just_before():
    span = DateRange(dt.date(2026, 3, 9), dt.date(2026, 3, 11))

    assert span.previous == DateRange(dt.date(2026, 3, 6), dt.date(2026, 3, 8))


@pytest.mark.parametrize(
    ("kind", "current", "before", "expected"),
    [
        ("money", Decimal("110.00"), Decimal("100.00"), Decimal("10.00")),
        ("money", Decimal("110.00"), Decimal("0.00"), None),
        ("ratio", Decimal("0.0350"), Decimal("0.0300"), Decimal("0.50")),
        ("count", 3, None, None),
    ],
)
def test_change_arithmetic(kind, current, before, expected):
    assert change(kind, current, before) == expected


@pytest.mark.django_db
def test_the_workbook_button_posts_the_dashboards_range(client, manager):
    client.force_login(manager)

    html = client.get(
        "/dashboard/", {"period": "custom", "date_from": "2026-03-01", "date_to": "2026-03-07"}
    ).content
    page = html.decode()

    assert 'action="/reports/workbook/' in page
    assert 'name="date_from" value="2026-03-01"' in page
    assert 'name="date_to" value="2026-03-07"' in page


@pytest.mark.django_db
def test_the_dashboard_shows_the_platform_campaigns_coming_up(client, manager):
    from promotions import campaigns
    from storeops import business_day

    today = business_day.today()
    campaigns.create_campaign(
        name="双12 大促",
        starts_at=business_day.local_midnight(today + dt.timedelta(days=10)),
        ends_at=business_day.local_midnight(today + dt.timedelta(days=12)),
        signup_deadline=today + dt.timedelta(days=3),
    )
    client.force_login(manager)

    page = client.get("/dashboard/").content.decode()

    assert "双12 大促" in page
    assert "sign-up closes in 3 days" in page

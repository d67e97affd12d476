"""The service-team page and its selectors: sums per agent, conversion and first
response recomputed from summed parts, provisional days marked, roles enforced."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from customers import selectors
from customers.models import AgentDay, SalesChannel
from storeops.roles import Role

pytestmark = pytest.mark.django_db

URL = reverse("customers:service-team")
MARCH_1, MARCH_2 = dt.date(2026, 3, 1), dt.date(2026, 3, 2)


def agent_day(
    day: dt.date,
    name: str,
    inquiries: int,
    paid: int,
    seconds: str,
    sales: str = "0",
    channel: str | None = "taobao",
    **fields,
) -> AgentDay:
    return AgentDay.objects.create(
        date=day,
        channel=SalesChannel.objects.get(code=channel) if channel else None,
        agent_name=name,
        inquiries=inquiries,
        inquiries_paid=paid,
        avg_first_response_seconds=Decimal(seconds),
        agent_sales=Decimal(sales),
        **fields,
    )


@pytest.fixture
def two_days():
    agent_day(MARCH_1, "小美", 100, 30, "20.00", "1000.10")
    agent_day(MARCH_2, "小美", 50, 10, "35.50", "500.25")
    agent_day(MARCH_1, "阿强", 3, 1, "10.00", "99.99", channel="tmall")


def test_agent_performance_sums_days_and_weights_first_response_by_inquiries(two_days):
    lines = selectors.agent_performance(MARCH_1, MARCH_2)

    mei, qiang = lines
    assert (mei.agent_name, mei.inquiries, mei.inquiries_paid, mei.agent_sales) == (
        "小美",
        150,
        40,
        Decimal("1500.35"),
    )
    # (20 × 100 + 35.5 × 50) / 150 = 25.1666… → 25.17, not the plain mean 27.75.
    assert mei.first_response_seconds == Decimal("25.17")
    # 40 / 150, not the mean of the daily rates 0.30 and 0.20.
    assert mei.conversion == Decimal(40) / Decimal(150)
    assert mei.conversion_percent == Decimal("26.67")
    assert (qiang.inquiries, qiang.first_response_seconds) == (3, Decimal("10.00"))


def test_total_is_recomputed_from_the_summed_parts(two_days):
    total = selectors.total_of(selectors.agent_performance(MARCH_1, MARCH_2))

    assert (total.inquiries, total.inquiries_paid, total.agent_sales) == (
        153,
        41,
        Decimal("1600.34"),
    )
    # (2000 + 1775 + 30) / 153 = 24.8692… → 24.87
    assert total.first_response_seconds == Decimal("24.87")
    assert total.conversion_percent == Decimal("26.80")


def test_channel_filter_keeps_only_that_channels_rows(two_days):
    lines = selectors.agent_performance(MARCH_1, MARCH_2, SalesChannel.objects.get(code="tmall"))

    assert [(line.agent_name, line.inquiries) for line in lines] == [("阿强", 3)]


def test_an_agent_matched_to_a_user_is_one_line_across_spellings_and_channels(make_user):
    mei = make_user(Role.CUSTOMER_SERVICE, username="xiaomei", first_name="Mei", last_name="Xiao")
    agent_day(MARCH_1, "xiaomei", 10, 5, "10", agent=mei)
    agent_day(MARCH_1, "旗舰店:xiaomei", 30, 3, "30", channel="tmall", agent=mei)

    [line] = selectors.agent_performance(MARCH_1, MARCH_1)

    assert (line.display_name, line.inquiries, line.inquiries_paid) == ("Mei Xiao", 40, 8)
    assert line.first_response_seconds == Decimal("25.00")


def test_no_inquiries_gives_empty_ratios_not_zero():
    agent_day(MARCH_1, "小美", 0, 0, "0", "12.00")

    [line] = selectors.agent_performance(MARCH_1, MARCH_1)

    assert (line.conversion, line.first_response_seconds, line.agent_sales) == (
        None,
        None,
        Decimal("12.00"),
    )


def test_service_totals_of_a_day_sum_agents_and_flag_provisional_rows(two_days):
    agent_day(MARCH_2, "阿强", 30, 6, "50.00", channel=None, is_provisional=True)

    day_one, day_two = selectors.service_totals(MARCH_1), selectors.service_totals(MARCH_2)

    assert (day_one.inquiries, day_one.inquiries_paid, day_one.is_provisional) == (103, 31, False)
    # (2000 + 30) / 103 = 19.7087… → 19.71
    assert day_one.first_response_seconds == Decimal("19.71")
    assert (day_two.inquiries, day_two.inquiries_paid, day_two.is_provisional) == (80, 16, True)
    # (1775 + 1500) / 80 = 40.9375 → 40.94
    assert day_two.first_response_seconds == Decimal("40.94")
    assert selectors.service_totals(dt.date(2026, 3, 3)).first_response_seconds is None


def test_page_shows_each_agent_the_total_and_marks_provisional_rows(client, manager, two_days):
    agent_day(MARCH_2, "新人", 10, 1, "60.00", is_provisional=True)
    client.force_login(manager)

    response = client.get(URL, {"start": "2026-03-01", "end": "2026-03-02"})

    assert response.status_code == 200
    lines = {line.agent_name: line for line in response.context["lines"]}
    assert set(lines) == {"小美", "阿强", "新人"}
    assert [name for name, line in lines.items() if line.is_provisional] == ["新人"]
    total = response.context["total"]
    assert (total.inquiries, total.inquiries_paid, total.agent_sales) == (
        163,
        42,
        Decimal("1600.34"),
    )
    page = response.content.decode()
    assert "26.67 %" in page and "25.77 %" in page
    assert page.count('class="provisional"') == 1
    assert "?kind=service_agents" in page


def test_page_without_a_range_shows_the_last_seven_days(client, manager, monkeypatch):
    monkeypatch.setattr("storeops.business_day.today", lambda: dt.date(2026, 3, 10))
    agent_day(dt.date(2026, 3, 4), "小美", 10, 1, "5")
    agent_day(dt.date(2026, 3, 3), "阿强", 10, 1, "5")
    client.force_login(manager)

    response = client.get(URL)

    assert (response.context["start"], response.context["end"]) == (
        dt.date(2026, 3, 4),
        dt.date(2026, 3, 10),
    )
    assert [line.agent_name for line in response.context["lines"]] == ["小美"]


def test_page_filters_by_channel(client, manager, two_days):
    client.force_login(manager)
    tmall = SalesChannel.objects.get(code="tmall")

    response = client.get(URL, {"start": "2026-03-01", "end": "2026-03-02", "channel": tmall.pk})

    assert [line.agent_name for line in response.context["lines"]] == ["阿强"]


def test_page_queries_stay_flat_with_many_agents(client, manager, django_assert_max_num_queries):
    for number in range(20):
        agent_day(MARCH_1, f"agent {number}", 10, 1, "5")
    client.force_login(manager)

    with django_assert_max_num_queries(10):
        client.get(URL, {"start": "2026-03-01", "end": "2026-03-01"})


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.OPERATIONS_MANAGER, 200),
        (Role.MARKETING, 200),
        (Role.WAREHOUSE, 403),
        (Role.CUSTOMER_SERVICE, 403),
    ],
)
def test_page_needs_the_right_to_read_reports(client, make_user, role, status):
    client.force_login(make_user(role))

    response = client.get(URL)

    assert response.status_code == status


def test_page_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_navigation_shows_service_team_only_to_report_readers(client, manager, warehouse_clerk):
    client.force_login(manager)
    assert URL in client.get(reverse("home")).content.decode()

    client.force_login(warehouse_clerk)
    assert URL not in client.get(reverse("home")).content.decode()

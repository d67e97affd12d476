"""The "Data & settings" pages: who may read, who may change, previews and lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from customers.models import SalesChannel
from reports import selectors, services
from reports.models import ChannelFeeRate, MonthlyTarget, OperatingExpense, PackagingCost

pytestmark = pytest.mark.django_db

PAGES = ["settings", "targets", "fee-rates", "packaging", "expenses", "traffic", "ratings"]


@pytest.mark.parametrize("name", PAGES)
def test_customer_service_is_refused_every_page(service_agent, client, name):
    client.force_login(service_agent)

    assert client.get(reverse(f"reports:{name}")).status_code == 403


SETTING_PAGES = ["targets", "fee-rates", "packaging", "expenses"]


def change_form(name: str) -> str:
    return f'<form method="post" class="form" action="{reverse(f"reports:{name}")}">'


@pytest.mark.parametrize("name", PAGES)
def test_marketing_reads_every_page(marketer, client, name):
    client.force_login(marketer)

    response = client.get(reverse(f"reports:{name}"))

    assert response.status_code == 200
    assert change_form(name) not in response.content.decode()


@pytest.mark.parametrize("name", SETTING_PAGES)
def test_only_the_manager_gets_the_change_form(manager, client, name):
    client.force_login(manager)

    response = client.get(reverse(f"reports:{name}"))

    assert change_form(name) in response.content.decode()


def test_marketing_may_not_change_a_setting(marketer, client):
    client.force_login(marketer)

    response = client.post(
        reverse("reports:packaging"), {"effective_from": "2026-01-01", "amount": "1.20"}
    )

    assert response.status_code == 403
    assert not PackagingCost.objects.exists()


def test_manager_previews_a_weekday_split_without_saving(manager, client):
    client.force_login(manager)
    form = {
        "month": "2026-02",
        "channel": "",
        "amount": "3600.00",
        "split_method": "weekday",
        **{f"weight_{index}": "1" for index in range(5)},
        "weight_5": "2",
        "weight_6": "2",
        "preview": "1",
    }

    response = client.post(reverse("reports:targets"), form)

    assert response.status_code == 200
    days = dict(response.context["preview"]["days"])
    assert days[dt.date(2026, 2, 7)] == Decimal("200.00")
    assert sum(days.values()) == Decimal("3600.00")
    assert not MonthlyTarget.objects.exists()


def test_manager_saves_a_target_by_hand(manager, client):
    client.force_login(manager)
    form = {
        "month": "2026-03",
        "channel": str(SalesChannel.objects.get(code="jd").pk),
        "amount": "",
        "split_method": "manual",
        "daily_amounts": "2026-03-01 100.50\n2026-03-08, 200\n",
        "save": "1",
    }

    response = client.post(reverse("reports:targets"), form)

    target = MonthlyTarget.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:target-detail", args=[target.pk])
    assert target.amount == Decimal("300.50")
    assert selectors.daily_target(dt.date(2026, 3, 8), target.channel) == Decimal("200.00")


def test_an_unreadable_daily_line_is_a_form_error(manager, client):
    client.force_login(manager)
    form = {
        "month": "2026-03",
        "split_method": "manual",
        "daily_amounts": "2026-03-01 100\nmarch second 5\n",
        "save": "1",
    }

    response = client.post(reverse("reports:targets"), form)

    assert response.status_code == 200
    assert "Line 2" in str(response.context["form"].errors["daily_amounts"])
    assert not MonthlyTarget.objects.exists()


def test_manager_sets_a_fee_rate_in_percent(manager, client):
    client.force_login(manager)
    tmall = SalesChannel.objects.get(code="tmall")

    response = client.post(
        reverse("reports:fee-rates"),
        {
            "channel": tmall.pk,
            "effective_from": "2026-03-01",
            "commission_percent": "5.5",
            "payment_fee_percent": "0.6",
        },
    )

    assert response.status_code == 302
    rate = ChannelFeeRate.objects.get()
    assert (rate.commission_rate, rate.payment_fee_rate) == (Decimal("0.055"), Decimal("0.006"))
    page = client.get(reverse("reports:fee-rates")).content.decode()
    assert "5.50" in page and "0.60" in page


def test_manager_enters_a_monthly_expense(manager, client):
    client.force_login(manager)

    response = client.post(
        reverse("reports:expenses"),
        {"period": "month", "date": "2026-02-17", "label": "Rent", "amount": "2800.00"},
    )

    assert response.status_code == 302
    assert OperatingExpense.objects.get().date == dt.date(2026, 2, 1)
    assert selectors.operating_expense_on(dt.date(2026, 2, 17)) == Decimal("100.00")


def test_traffic_list_filters_and_pages(marketer, client, django_assert_max_num_queries):
    taobao = SalesChannel.objects.get(code="taobao")
    tmall = SalesChannel.objects.get(code="tmall")
    rows = [
        {
            "channel": channel,
            "date": dt.date(2026, 1, 1) + dt.timedelta(days=offset),
            "visitors": offset,
            "page_views": offset,
        }
        for offset in range(60)
        for channel in (taobao, tmall)
    ]
    services.upsert_traffic(rows)
    client.force_login(marketer)

    with django_assert_max_num_queries(12):
        response = client.get(
            reverse("reports:traffic"), {"channel": "taobao", "date_from": "2026-01-06"}
        )

    page = response.context["page"]
    assert page.paginator.count == 55
    assert len(page.object_list) == 50
    assert {row.channel.code for row in page.object_list} == {"taobao"}
    assert page.object_list[0].date == dt.date(2026, 3, 1)


def test_ratings_list_filters_by_date_range(marketer, client):
    tmall = SalesChannel.objects.get(code="tmall")
    services.upsert_store_ratings(
        [
            {
                "channel": tmall,
                "date": dt.date(2026, 3, day),
                "description": Decimal("4.8"),
                "service": Decimal("4.9"),
                "logistics": Decimal("4.7"),
            }
            for day in (1, 2, 3)
        ]
    )
    client.force_login(marketer)

    response = client.get(
        reverse("reports:ratings"), {"date_from": "2026-03-02", "date_to": "2026-03-02"}
    )

    assert [row.date for row in response.context["page"]] == [dt.date(2026, 3, 2)]
    assert "4.8" in response.content.decode()


def test_report_data_is_in_the_navigation_for_marketing_only_among_non_managers(
    marketer, service_agent, warehouse_clerk, client
):
    for user, expected in ((marketer, True), (service_agent, False), (warehouse_clerk, False)):
        client.force_login(user)
        html = client.get(reverse("home")).content.decode()
        assert ('data-nav="report-data"' in html) is expected

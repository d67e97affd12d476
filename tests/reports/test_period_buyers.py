"""A period's paying buyers are distinct over the period, short or long."""

from __future__ import annotations

import datetime as dt

import pytest

from customers.models import SalesChannel
from reports import selectors, services
from reports.models import DailySummary
from tests.orders.factories import build_order
from tests.reports.summary_fixtures import DAY_1, at, buyer

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyers_over_months(manager, tee):
    """Buyer 1 pays on the first and last of 120 days; 2 once; 3 on tmall; 4 before them."""
    last = DAY_1 + dt.timedelta(days=119)
    for number, day, channel in ((1, DAY_1, "taobao"), (1, last, "taobao"), (2, last, "taobao")):
        build_order(
            by=manager, items=[(tee, 1)], channel=channel, placed_at=at(day, 12), **buyer(number)
        )
    build_order(by=manager, items=[(tee, 1)], channel="tmall", placed_at=at(DAY_1, 12), **buyer(3))
    # A customer of the store who bought before the period only.
    before = DAY_1 - dt.timedelta(days=5)
    build_order(by=manager, items=[(tee, 1)], placed_at=at(before, 12), **buyer(4))
    services.build_range(DAY_1, last)
    return last


def test_a_long_period_counts_a_buyer_of_two_days_once(buyers_over_months):
    rows = list(DailySummary.objects.filter(channel__isnull=True))

    totals = selectors.totals(rows)

    assert (max(row.date for row in rows) - min(row.date for row in rows)).days + 1 >= (
        selectors.BUYER_PROBE_DAYS
    )
    assert (totals.paid_orders, totals.paying_buyers) == (4, 3)


def test_a_long_period_of_one_channel_counts_its_own_buyers(buyers_over_months):
    tmall = SalesChannel.objects.get(code="tmall")

    totals = selectors.totals(list(DailySummary.objects.filter(channel=tmall)))

    assert totals.paying_buyers == 1


def test_a_short_period_counts_the_same_way(buyers_over_months):
    last = buyers_over_months
    rows = list(
        DailySummary.objects.filter(
            channel__isnull=True, date__gte=last - dt.timedelta(days=9), date__lte=last
        )
    )

    assert selectors.totals(rows).paying_buyers == 2


def test_a_periods_buyers_are_remembered_until_one_of_its_days_is_rebuilt(
    buyers_over_months, manager, tee, django_assert_num_queries
):
    last = buyers_over_months

    def rows():
        return list(
            DailySummary.objects.filter(
                channel__isnull=True, date__gte=last - dt.timedelta(days=9), date__lte=last
            )
        )

    assert selectors.totals(rows()).paying_buyers == 2
    remembered = rows()
    with django_assert_num_queries(0):
        assert selectors.totals(remembered).paying_buyers == 2

    build_order(by=manager, items=[(tee, 1)], placed_at=at(last, 15), **buyer(5))
    assert selectors.totals(rows()).paying_buyers == 2  # the rows are not rebuilt yet
    services.build_day(last)
    assert selectors.totals(rows()).paying_buyers == 3

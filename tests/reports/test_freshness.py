"""Freshness: the days touched since the watermark are rebuilt, and only those."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from orders import services as order_services
from reports import services
from reports.models import DailySummary, DailyTraffic, SummaryWatermark
from reports.tasks import build_yesterday_task, rebuild_touched_days_task
from storeops import business_day
from tests.orders.factories import build_order
from tests.reports.summary_fixtures import buyer

pytestmark = pytest.mark.django_db


def store_row(day: dt.date) -> DailySummary:
    return DailySummary.objects.get(date=day, channel__isnull=True)


def test_a_refund_completed_today_restates_the_payment_day(tee, manager):
    now = timezone.now()
    order = build_order(
        by=manager, items=[(tee, 1)], placed_at=now - dt.timedelta(days=1), **buyer(1)
    )
    paid_on, today = order.business_date, business_day.today()
    services.rebuild_touched()
    assert store_row(paid_on).refunds_of_paid == Decimal("0.00")

    order_services.refund_order(order=order, by=manager, amount=Decimal("30.00"))
    rebuilt = services.rebuild_touched()

    assert set(rebuilt) == {paid_on, today}
    assert store_row(today).refunds == Decimal("30.00")
    assert store_row(paid_on).refunds_of_paid == Decimal("30.00")
    assert store_row(paid_on).refund_rate == Decimal("0.3371")


def test_nothing_touched_rebuilds_nothing_and_moves_the_watermark(tee, manager):
    build_order(by=manager, items=[(tee, 1)], **buyer(1))
    services.rebuild_touched()
    first = SummaryWatermark.objects.get().built_through
    SummaryWatermark.objects.update(built_through=timezone.now() + dt.timedelta(minutes=10))

    assert services.rebuild_touched() == []
    assert SummaryWatermark.objects.get().built_through > first


def test_imported_traffic_touches_its_day(db):
    SummaryWatermark.objects.create(pk=1, built_through=timezone.now() - dt.timedelta(hours=1))
    day = business_day.today() - dt.timedelta(days=3)
    DailyTraffic.objects.create(channel_id=1, date=day, visitors=40, page_views=90)

    assert services.touched_days(timezone.now() - dt.timedelta(minutes=1)) == {day}
    rebuild_touched_days_task.delay()
    assert store_row(day).visitors == 40


def test_an_old_change_is_not_rebuilt_again(tee, manager):
    build_order(by=manager, items=[(tee, 1)], **buyer(1))

    assert services.touched_days(timezone.now() + dt.timedelta(minutes=1)) == set()


def test_the_nightly_task_builds_yesterday(db):
    build_yesterday_task.delay()

    assert store_row(business_day.today() - dt.timedelta(days=1)).paid_orders == 0

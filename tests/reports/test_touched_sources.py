"""Every source of the daily summary marks its day as touched (one UNION query reads them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import AgentDay, SalesChannel
from promotions.models import AdChannel, AdSpendDay
from reports import services
from reports.models import ExpensePeriod, StoreRating
from tests.reports.summary_fixtures import DAY_1

pytestmark = pytest.mark.django_db


def test_ad_spend_ratings_agents_and_expenses_touch_their_days():
    since = timezone.now() - dt.timedelta(minutes=1)
    days = [DAY_1 + dt.timedelta(days=offset) for offset in range(4)]
    taobao = SalesChannel.objects.get(code="taobao")
    AdSpendDay.objects.create(
        date=days[0],
        channel=AdChannel.objects.create(code="ztc-touch", name="ZTC"),
        campaign="",
        spend=Decimal("10.00"),
    )
    StoreRating.objects.create(
        channel=taobao,
        date=days[1],
        description=Decimal("4.8"),
        service=Decimal("4.8"),
        logistics=Decimal("4.8"),
    )
    AgentDay.objects.create(
        date=days[2],
        channel=taobao,
        agent_name="agent",
        inquiries=5,
        inquiries_paid=1,
        avg_first_response_seconds=Decimal("10.00"),
    )
    services.save_operating_expense(
        period=ExpensePeriod.DAY, date=days[3], label="Rent", amount=Decimal("5.00")
    )

    touched = services.touched_days(since)

    assert touched == set(days)

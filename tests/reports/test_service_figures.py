"""Customer-service figures of the daily summary: summed over agents, weighted, per channel."""

import datetime as dt
from decimal import Decimal

import pytest

from customers.models import SalesChannel
from customers.services import upsert_agent_days
from reports import selectors
from reports.models import DailySummary
from reports.services import build_day, rebuild_touched

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)


def agent_row(name, inquiries, paid, seconds, channel=None, day=DAY):
    return {
        "date": day,
        "channel": channel,
        "agent_name": name,
        "agent": None,
        "inquiries": inquiries,
        "inquiries_paid": paid,
        "avg_first_response_seconds": Decimal(seconds),
    }


def test_inquiries_conversion_and_weighted_first_response(db):
    taobao = SalesChannel.objects.get(code="taobao")
    upsert_agent_days(
        rows=[
            agent_row("小美", 100, 30, "20", taobao),
            agent_row("小王", 50, 10, "50", taobao),
            agent_row("店长", 10, 5, "5"),  # not tied to a channel: the store's only
        ],
        imported_on=DAY + dt.timedelta(days=2),
    )

    build_day(DAY)
    store = DailySummary.objects.get(date=DAY, channel=None)
    channel = DailySummary.objects.get(date=DAY, channel=taobao)

    assert (channel.inquiries, channel.inquiries_paid) == (150, 40)
    assert channel.inquiry_conversion == Decimal("0.2667")
    # (100 × 20 + 50 × 50) / 150 = 30.00 s, weighted by inquiries, not a mean of averages
    assert channel.first_response_seconds == Decimal("30.00")
    assert (store.inquiries, store.inquiries_paid) == (160, 45)
    assert store.first_response_seconds == Decimal("28.44")  # 4550 / 160
    assert DailySummary.objects.get(date=DAY, channel__code="jd").inquiries is None


def test_a_period_recomputes_conversion_from_its_sums():
    upsert_agent_days(rows=[agent_row("小美", 100, 50, "10")], imported_on=DAY)
    upsert_agent_days(
        rows=[agent_row("小美", 10, 0, "100", day=DAY + dt.timedelta(days=1))], imported_on=DAY
    )
    build_day(DAY)
    build_day(DAY + dt.timedelta(days=1))

    period = selectors.totals(DailySummary.objects.filter(channel=None).order_by("date"))

    assert period.inquiry_conversion == Decimal("0.4545")  # 50 / 110, not (0.5 + 0) / 2
    assert period.first_response_seconds == Decimal("18.18")  # 2000 / 110


def test_a_late_service_import_rebuilds_its_day():
    build_day(DAY)
    rebuild_touched()
    upsert_agent_days(rows=[agent_row("小美", 7, 2, "12")], imported_on=DAY)

    assert DAY in rebuild_touched()
    assert DailySummary.objects.get(date=DAY, channel=None).inquiries == 7

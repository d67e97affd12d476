"""Paid-traffic reads: ratios from summed parts, the day's totals for the daily
summary, budget pacing, and the demo seed."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from promotions import ad_selectors
from promotions.ad_selectors import AdFigures
from promotions.ad_services import AdSpendError, record_ad_spend, set_ad_budget
from promotions.demo import seed_ad_spend
from promotions.models import AdBudget, AdSpendDay
from storeops.demo import DemoContext
from tests.promotions.ad_factories import AdBudgetFactory, AdSpendDayFactory, ad_channel

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)


def test_channel_ratios_come_from_summed_parts_not_averaged_daily_ratios():
    search = ad_channel("search_ads")
    AdSpendDayFactory(
        date=DAY, channel=search, campaign="A", impressions=1000, clicks=10,
        spend=Decimal("10.00"), attributed_orders=1, attributed_sales=Decimal("100.00"),
    )  # fmt: skip
    AdSpendDayFactory(
        date=DAY + dt.timedelta(days=1), channel=search, campaign="B", impressions=3000,
        clicks=90, spend=Decimal("290.00"), attributed_orders=3, attributed_sales=Decimal("500.00"),
    )  # fmt: skip

    report = ad_selectors.ad_report(date_from=DAY, date_to=DAY + dt.timedelta(days=1))

    figures = report.channels[0].figures
    assert (figures.impressions, figures.clicks, figures.spend) == (4000, 100, Decimal("300.00"))
    assert figures.ctr == Decimal("0.0250")
    assert figures.cpc == Decimal("3.00")
    assert figures.conversion == Decimal("0.0400")
    assert figures.roas == Decimal("2.0000")
    assert figures.cost_per_order == Decimal("75.00")
    assert [c.campaign for c in report.channels[0].campaigns] == ["A", "B"]


def test_ratios_are_none_when_their_denominator_is_zero():
    figures = AdFigures(impressions=0, clicks=0, spend=Decimal("0.00"), attributed_orders=0)

    assert (figures.ctr, figures.cpc, figures.conversion, figures.roas, figures.cost_per_order) == (
        None,
        None,
        None,
        None,
        None,
    )


def test_store_ad_spend_excludes_the_commission_of_affiliate_channels():
    AdSpendDayFactory(date=DAY, channel=ad_channel("search_ads"), spend=Decimal("120.50"))
    AdSpendDayFactory(date=DAY, channel=ad_channel("display_ads"), spend=Decimal("79.50"))
    AdSpendDayFactory(date=DAY, channel=ad_channel("affiliate"), spend=Decimal("33.30"))
    AdSpendDayFactory(date=DAY + dt.timedelta(days=1), spend=Decimal("999.00"))

    assert ad_selectors.ad_totals(DAY) == (Decimal("200.00"), Decimal("33.30"))


def test_ad_totals_of_a_day_without_rows_are_zero():
    assert ad_selectors.ad_totals(DAY) == (Decimal("0.00"), Decimal("0.00"))


def test_report_totals_split_ad_spend_and_commission():
    AdSpendDayFactory(date=DAY, channel=ad_channel("search_ads"), spend=Decimal("100.00"))
    AdSpendDayFactory(date=DAY, channel=ad_channel("affiliate"), spend=Decimal("40.00"))

    report = ad_selectors.ad_report(date_from=DAY, date_to=DAY)

    assert (report.ad_spend, report.affiliate_commission, report.total.spend) == (
        Decimal("100.00"),
        Decimal("40.00"),
        Decimal("140.00"),
    )


def test_ad_totals_by_day_matches_ad_totals():
    AdSpendDayFactory(date=DAY, channel=ad_channel("search_ads"), spend=Decimal("10.00"))
    AdSpendDayFactory(date=DAY, channel=ad_channel("affiliate"), spend=Decimal("2.00"))

    assert ad_selectors.ad_totals_by_day(DAY, DAY) == {DAY: ad_selectors.ad_totals(DAY)}


def test_pacing_compares_spend_to_date_with_the_straight_line_share():
    AdBudgetFactory(
        month=dt.date(2026, 3, 1), channel=ad_channel("search_ads"), amount=Decimal("3100.00")
    )
    AdBudgetFactory(
        month=dt.date(2026, 3, 1), channel=ad_channel("display_ads"), amount=Decimal("3100.00")
    )
    # 10 of 31 days elapsed: 1000.00 expected; 1.1 × = 1100.00.
    AdSpendDayFactory(date=DAY, channel=ad_channel("search_ads"), spend=Decimal("1100.00"))
    AdSpendDayFactory(date=DAY, channel=ad_channel("display_ads"), spend=Decimal("1100.01"))
    AdSpendDayFactory(
        date=DAY + dt.timedelta(days=1), channel=ad_channel("display_ads"), spend=Decimal("500.00")
    )

    pacing = ad_selectors.budget_pacing(month=DAY, today=DAY)

    assert [(p.channel.code, p.spent, p.expected, p.is_over_pace) for p in pacing] == [
        ("search_ads", Decimal("1100.00"), Decimal("1000.00"), False),
        ("display_ads", Decimal("1100.01"), Decimal("1000.00"), True),
    ]  # fmt: skip


def test_pacing_of_a_past_month_expects_the_whole_budget():
    AdBudgetFactory(month=dt.date(2026, 2, 1), amount=Decimal("2800.00"))

    (pacing,) = ad_selectors.budget_pacing(month=dt.date(2026, 2, 1), today=DAY)

    assert (pacing.days_elapsed, pacing.days_in_month, pacing.expected) == (
        28,
        28,
        Decimal("2800.00"),
    )


def test_setting_a_budget_twice_replaces_it():
    set_ad_budget(month=dt.date(2026, 3, 15), channel=ad_channel("feed_ads"), amount=Decimal("100"))
    set_ad_budget(month=dt.date(2026, 3, 2), channel=ad_channel("feed_ads"), amount=Decimal("250"))

    assert list(AdBudget.objects.values_list("month", "amount")) == [
        (dt.date(2026, 3, 1), Decimal("250.00"))
    ]


def test_recording_more_clicks_than_impressions_is_refused_and_writes_nothing():
    rows = [
        {"date": DAY, "channel": ad_channel("search_ads"), "campaign": "ok",
         "impressions": 10, "clicks": 5, "spend": Decimal("1.00")},
        {"date": DAY, "channel": ad_channel("search_ads"), "campaign": "bad",
         "impressions": 10, "clicks": 11, "spend": Decimal("1.00")},
    ]  # fmt: skip

    with pytest.raises(AdSpendError) as raised:
        record_ad_spend(rows)

    assert (raised.value.index, raised.value.field) == (1, "clicks")
    assert AdSpendDay.objects.count() == 0


def test_demo_seed_is_idempotent_and_spikes_on_the_sale_day():
    today = dt.date(2026, 3, 31)

    def context() -> DemoContext:
        return DemoContext(random=random.Random(1), days=60, today=today)

    first = seed_ad_spend(context=context())
    count = AdSpendDay.objects.count()
    second = seed_ad_spend(context=context())

    assert first["ad_spend_rows"] == count == 60 * 7
    assert second["ad_spend_rows"] == 0
    assert AdSpendDay.objects.count() == count
    sale_day = today - dt.timedelta(days=30)
    spike = ad_selectors.ad_totals(sale_day)[0]
    week_before = ad_selectors.ad_totals(sale_day - dt.timedelta(days=7))[0]
    assert spike > 2 * week_before
    assert AdBudget.objects.filter(month=dt.date(2026, 3, 1)).count() == 5

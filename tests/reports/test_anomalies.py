"""Anomalies: planted spikes and drops are flagged, the ordinary weekly rhythm is not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from reports.anomalies import anomalies_for, find_anomalies, short_number
from reports.models import DailySummary

pytestmark = pytest.mark.django_db

SATURDAY = dt.date(2026, 3, 14)
TUESDAY = dt.date(2026, 3, 10)


def seed_weeks(last_day: dt.date, days: int = 60, **overrides) -> None:
    """Store rows of `days` days ending `last_day`: weekends twice the weekdays, a wobble."""
    rows = []
    for offset in range(days):
        day = last_day - dt.timedelta(days=offset)
        # The same weekday as the last day holds steady, so its usual level is exact.
        wobble = 0 if offset % 7 == 0 else (offset * 37) % 50
        weekend = 2 if day.weekday() >= 5 else 1
        sales = Decimal(1000 * weekend + wobble)
        rows.append(
            DailySummary(
                date=day,
                channel=None,
                paid_sales=sales,
                paid_orders=20 * weekend,
                paying_buyers=20 * weekend,
                visitors=1000 * weekend + wobble,
                buyers_with_traffic=20 * weekend,
                refunds=Decimal(40 + wobble % 7),
                ad_spend=Decimal(300 + wobble),
                affiliate_commission=Decimal(3100 + wobble),
                cogs=sales * Decimal("0.4"),
                built_at=timezone.now(),
            )
        )
    DailySummary.objects.bulk_create(rows)
    if overrides:
        DailySummary.objects.filter(date=last_day, channel=None).update(**overrides)


def test_an_ordinary_weekend_is_not_flagged():
    seed_weeks(SATURDAY)

    assert anomalies_for(SATURDAY) == []


def test_an_ordinary_weekday_is_not_flagged():
    seed_weeks(TUESDAY)

    assert anomalies_for(TUESDAY) == []


def test_a_commission_spike_is_flagged_with_the_size_of_the_move():
    seed_weeks(TUESDAY, affiliate_commission=Decimal("10540.00"))

    found = {anomaly.key: anomaly for anomaly in anomalies_for(TUESDAY)}

    # Net profit falls with it; nothing else moved.
    assert set(found) == {"affiliate_commission", "net_profit"}
    assert found["affiliate_commission"].usual == Decimal("3100")
    assert found["affiliate_commission"].is_rise
    assert found["affiliate_commission"].text == (
        "Affiliate commission +240 % against a usual 3.1k"
    )


def test_a_sales_drop_is_flagged():
    seed_weeks(TUESDAY, paid_sales=Decimal("300.00"), cogs=Decimal("120.00"))

    found = {anomaly.key: anomaly for anomaly in anomalies_for(TUESDAY)}

    assert "paid_sales" in found
    assert not found["paid_sales"].is_rise
    assert found["paid_sales"].change == Decimal("-70")


def test_a_weekend_spike_is_flagged_against_other_weekends():
    seed_weeks(SATURDAY, visitors=6000)

    found = {anomaly.key for anomaly in anomalies_for(SATURDAY)}

    assert "visitors" in found


def test_a_conversion_drop_is_shown_in_percentage_points():
    seed_weeks(TUESDAY, buyers_with_traffic=5)

    found = {anomaly.key: anomaly for anomaly in anomalies_for(TUESDAY)}

    assert found["conversion_rate"].change == Decimal("-1.50")
    assert found["conversion_rate"].text == "Conversion rate −1.50 pp against a usual 2.00 %"


def test_a_small_move_on_a_flat_series_is_not_flagged():
    seed_weeks(TUESDAY)
    DailySummary.objects.update(refunds=Decimal("40.00"))
    DailySummary.objects.filter(date=TUESDAY).update(refunds=Decimal("55.00"))

    assert "refunds" not in {anomaly.key for anomaly in anomalies_for(TUESDAY)}


def test_without_four_weeks_of_history_nothing_is_flagged():
    seed_weeks(TUESDAY, days=20, affiliate_commission=Decimal("10540.00"))

    assert anomalies_for(TUESDAY) == []


def test_anomalies_read_the_rows_in_one_query(django_assert_num_queries):
    seed_weeks(TUESDAY)

    with django_assert_num_queries(1):
        anomalies_for(TUESDAY)


def test_the_pure_function_takes_any_rows():
    rows = list(DailySummary.objects.none())

    assert find_anomalies(rows, TUESDAY) == []


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("3100"), "3.1k"), (Decimal("850"), "850"), (Decimal("1250000"), "1.3m")],
)
def test_short_numbers(value, text):
    assert short_number(value) == text

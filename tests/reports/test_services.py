"""Target splits, effective-dated costs and operating expenses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customers.models import SalesChannel
from reports import selectors, services
from reports.models import DailyTarget, MonthlyTarget, ReportsError, SplitMethod
from reports.splitting import split_by_weights, split_month

MARCH = dt.date(2026, 3, 1)  # 31 days, starts on a Sunday
FEBRUARY = dt.date(2026, 2, 1)  # 28 days


# Pure splitting


def test_even_split_hands_left_over_cents_to_the_first_days():
    split = split_month(FEBRUARY, Decimal("100.00"))

    assert sum(split.values()) == Decimal("100.00")
    # 10000 cents / 28 = 357.14...: 4 days get 3.58, 24 days get 3.57
    assert list(split.values()).count(Decimal("3.58")) == 4
    assert list(split.values()).count(Decimal("3.57")) == 24
    assert split[dt.date(2026, 2, 1)] == Decimal("3.58")
    assert split[dt.date(2026, 2, 28)] == Decimal("3.57")


def test_weekday_weights_give_weekends_their_share():
    weights = [1, 1, 1, 1, 1, 2, 2]  # Saturday and Sunday count double

    split = split_month(FEBRUARY, Decimal("3600.00"), weights)

    # February 2026: 4 of each weekday; 4 * (5 * 1 + 2 * 2) = 36 weight units
    assert split[dt.date(2026, 2, 2)] == Decimal("100.00")  # Monday
    assert split[dt.date(2026, 2, 7)] == Decimal("200.00")  # Saturday
    assert sum(split.values()) == Decimal("3600.00")


def test_a_zero_weight_weekday_gets_nothing():
    split = split_month(MARCH, Decimal("1000.00"), [1, 1, 1, 1, 1, 1, 0])

    assert split[dt.date(2026, 3, 1)] == Decimal("0.00")  # Sunday
    assert sum(split.values()) == Decimal("1000.00")


@given(
    total=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
    weights=st.lists(st.integers(min_value=0, max_value=50), min_size=7, max_size=7).filter(any),
    month=st.integers(min_value=1, max_value=12),
)
def test_every_split_sums_exactly_and_each_day_is_within_a_cent(total, weights, month):
    first = dt.date(2028, month, 1)

    split = split_month(first, total, weights)

    assert sum(split.values()) == total
    weight_sum = sum(weights[day.weekday()] for day in split)
    for day, amount in split.items():
        exact = total * weights[day.weekday()] / weight_sum
        assert abs(amount - exact) < Decimal("0.01")


def test_split_refuses_all_zero_weights():
    with pytest.raises(ValueError):
        split_by_weights(Decimal("10.00"), [0, 0])


# Monthly targets


@pytest.mark.django_db
def test_saving_an_even_target_stores_days_summing_to_the_month(manager):
    target, created = services.save_monthly_target(
        month=dt.date(2026, 3, 17),
        channel=None,
        amount=Decimal("100000.00"),
        split_method=SplitMethod.EVEN,
        by=manager,
    )

    assert created and target.month == MARCH
    days = DailyTarget.objects.filter(target=target)
    assert days.count() == 31
    assert sum(day.amount for day in days) == Decimal("100000.00")
    assert selectors.daily_target(dt.date(2026, 3, 1)) == Decimal("3225.81")
    assert selectors.daily_target(dt.date(2026, 3, 31)) == Decimal("3225.80")


@pytest.mark.django_db
def test_saving_again_replaces_the_month_and_leaves_unchanged_days_alone(manager):
    target, _ = services.save_monthly_target(
        month=MARCH, channel=None, amount=Decimal("3100.00"), split_method=SplitMethod.EVEN
    )
    stamps = dict(target.days.values_list("date", "updated_at"))

    again, created = services.save_monthly_target(
        month=MARCH, channel=None, amount=Decimal("3100.00"), split_method=SplitMethod.EVEN
    )

    assert not created and again.pk == target.pk
    assert dict(again.days.values_list("date", "updated_at")) == stamps
    assert MonthlyTarget.objects.count() == 1


@pytest.mark.django_db
def test_weekday_target_is_stored_with_its_weights():
    target, _ = services.save_monthly_target(
        month=FEBRUARY,
        channel=SalesChannel.objects.get(code="tmall"),
        amount=Decimal("3600.00"),
        split_method=SplitMethod.WEEKDAY,
        weekday_weights=[1, 1, 1, 1, 1, 2, 2],
    )

    assert target.weekday_weights == ["1", "1", "1", "1", "1", "2", "2"]
    tmall = SalesChannel.objects.get(code="tmall")
    assert selectors.daily_target(dt.date(2026, 2, 8), tmall) == Decimal("200.00")
    assert sum(selectors.daily_targets_of(target).values()) == Decimal("3600.00")


@pytest.mark.django_db
def test_target_by_hand_sums_its_days_and_refuses_a_different_amount():
    daily = {dt.date(2026, 2, 1): Decimal("500.00"), dt.date(2026, 2, 14): Decimal("1500.25")}

    with pytest.raises(ReportsError) as refused:
        services.save_monthly_target(
            month=FEBRUARY,
            channel=None,
            amount=Decimal("2000.00"),
            split_method=SplitMethod.MANUAL,
            daily_amounts=daily,
        )
    assert refused.value.field == "amount"
    assert not MonthlyTarget.objects.exists()

    target, _ = services.save_monthly_target(
        month=FEBRUARY,
        channel=None,
        amount=None,
        split_method=SplitMethod.MANUAL,
        daily_amounts=daily,
    )
    assert target.amount == Decimal("2000.25")
    assert sum(selectors.daily_targets_of(target).values()) == Decimal("2000.25")
    assert selectors.daily_target(dt.date(2026, 2, 14)) == Decimal("1500.25")
    assert selectors.daily_target(dt.date(2026, 2, 15)) == Decimal("0.00")


@pytest.mark.django_db
def test_by_hand_refuses_a_day_of_another_month():
    with pytest.raises(ReportsError):
        services.save_monthly_target(
            month=FEBRUARY,
            channel=None,
            amount=None,
            split_method=SplitMethod.MANUAL,
            daily_amounts={dt.date(2026, 3, 1): Decimal("1.00")},
        )
    assert not MonthlyTarget.objects.exists()


@pytest.mark.django_db
def test_store_target_falls_back_to_the_sum_of_channel_targets():
    for code, amount in (("tmall", "2800.00"), ("jd", "1400.00")):
        services.save_monthly_target(
            month=FEBRUARY,
            channel=SalesChannel.objects.get(code=code),
            amount=Decimal(amount),
            split_method=SplitMethod.EVEN,
        )

    assert selectors.daily_target(dt.date(2026, 2, 3)) == Decimal("150.00")
    assert selectors.daily_target(dt.date(2026, 3, 3)) is None


@pytest.mark.django_db
def test_a_store_and_a_channel_target_can_share_a_month():
    services.save_monthly_target(
        month=MARCH, channel=None, amount=Decimal("31.00"), split_method=SplitMethod.EVEN
    )
    services.save_monthly_target(
        month=MARCH,
        channel=SalesChannel.objects.get(code="jd"),
        amount=Decimal("62.00"),
        split_method=SplitMethod.EVEN,
    )

    assert selectors.daily_target(dt.date(2026, 3, 5)) == Decimal("1.00")
    assert MonthlyTarget.objects.count() == 2


# Effective-dated costs


@pytest.mark.django_db
def test_fee_rates_apply_from_their_date_until_the_next():
    tmall = SalesChannel.objects.get(code="tmall")
    services.save_fee_rate(
        channel=tmall,
        effective_from=dt.date(2026, 1, 1),
        commission_percent=Decimal("5"),
        payment_fee_percent=Decimal("0.6"),
    )
    services.save_fee_rate(
        channel=tmall,
        effective_from=dt.date(2026, 3, 1),
        commission_percent=Decimal("5.5"),
        payment_fee_percent=Decimal("0.6"),
    )

    assert selectors.rate_for(tmall, dt.date(2025, 12, 31)) is None
    january = selectors.rate_for(tmall, dt.date(2026, 2, 28))
    assert (january.commission_rate, january.payment_fee_rate) == (
        Decimal("0.05"),
        Decimal("0.006"),
    )
    march = selectors.rate_for(tmall, dt.date(2026, 3, 1))
    assert march.commission_rate == Decimal("0.055")
    assert march.total_rate == Decimal("0.061")
    assert selectors.rate_for(SalesChannel.objects.get(code="jd"), dt.date(2026, 3, 1)) is None


@pytest.mark.django_db
def test_fee_rate_above_100_percent_is_refused():
    tmall = SalesChannel.objects.get(code="tmall")

    with pytest.raises(ReportsError) as refused:
        services.save_fee_rate(
            channel=tmall,
            effective_from=dt.date(2026, 1, 1),
            commission_percent=Decimal("101"),
            payment_fee_percent=Decimal("0"),
        )

    assert refused.value.field == "commission_percent"
    assert selectors.rate_for(tmall, dt.date(2026, 1, 1)) is None


@pytest.mark.django_db
def test_packaging_cost_is_effective_dated():
    services.save_packaging_cost(effective_from=dt.date(2026, 1, 1), amount=Decimal("1.20"))
    services.save_packaging_cost(effective_from=dt.date(2026, 4, 1), amount=Decimal("1.50"))

    assert selectors.packaging_cost_on(dt.date(2025, 12, 31)) == Decimal("0.00")
    assert selectors.packaging_cost_on(dt.date(2026, 3, 31)) == Decimal("1.20")
    assert selectors.packaging_cost_on(dt.date(2026, 4, 1)) == Decimal("1.50")


@pytest.mark.django_db
def test_monthly_expense_is_spread_over_the_days_and_adds_to_daily_ones():
    services.save_operating_expense(
        period="month", date=dt.date(2026, 2, 10), label="Rent", amount=Decimal("1000.00")
    )
    services.save_operating_expense(
        period="day", date=dt.date(2026, 2, 1), label="Photo shoot", amount=Decimal("300.00")
    )

    february = [dt.date(2026, 2, day) for day in range(1, 29)]
    assert selectors.operating_expense_on(dt.date(2026, 2, 1)) == Decimal("335.72")
    assert selectors.operating_expense_on(dt.date(2026, 2, 28)) == Decimal("35.71")
    assert sum(selectors.operating_expense_on(day) for day in february) == Decimal("1300.00")
    assert selectors.operating_expense_on(dt.date(2026, 3, 1)) == Decimal("0.00")


@pytest.mark.django_db
def test_entering_an_expense_again_replaces_its_amount():
    for amount in ("1000.00", "1200.00"):
        services.save_operating_expense(
            period="month", date=dt.date(2026, 2, 1), label="Rent", amount=Decimal(amount)
        )

    assert sum(
        selectors.operating_expense_on(dt.date(2026, 2, day)) for day in range(1, 29)
    ) == Decimal("1200.00")

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from freezegun import freeze_time

from storeops import business_day, money


def test_quantize_rounds_half_up_to_the_cent():
    assert money.quantize(Decimal("2.345")) == Decimal("2.35")
    assert money.quantize(Decimal("2.344")) == Decimal("2.34")
    assert money.quantize(Decimal("-2.345")) == Decimal("-2.35")


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        money.to_decimal(0.1)
    assert money.to_decimal("0.10") == Decimal("0.10")


def test_business_day_bounds_are_store_local_midnights_in_utc():
    start, end = business_day.bounds(dt.date(2026, 11, 11))

    assert start == dt.datetime(2026, 11, 10, 16, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 11, 11, 16, 0, tzinfo=dt.UTC)


@override_settings(STORE_TIMEZONE="Europe/Berlin")
def test_business_day_spanning_a_dst_change_lasts_25_hours():
    start, end = business_day.bounds(dt.date(2026, 10, 25))

    assert end - start == dt.timedelta(hours=25)


@freeze_time("2026-11-10T16:30:00Z")
def test_today_is_the_store_local_date():
    assert business_day.today() == dt.date(2026, 11, 11)


def test_naive_export_times_are_read_as_store_local():
    moment = business_day.make_aware_local(dt.datetime(2026, 11, 11, 0, 5))

    assert moment == dt.datetime(2026, 11, 10, 16, 5, tzinfo=dt.UTC)
    assert business_day.of(moment) == dt.date(2026, 11, 11)

"""Business days: dates in the store's time zone (STORE_TIMEZONE)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import timezone


def store_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.STORE_TIMEZONE)


def today() -> dt.date:
    """The current business day."""
    return timezone.now().astimezone(store_zone()).date()


def of(moment: dt.datetime) -> dt.date:
    """The business day an aware moment belongs to."""
    if timezone.is_naive(moment):
        raise ValueError("business_day.of() needs an aware datetime")
    return moment.astimezone(store_zone()).date()


def local_midnight(day: dt.date) -> dt.datetime:
    """00:00 store time on ``day``, as an aware datetime in UTC."""
    local = dt.datetime.combine(day, dt.time.min, tzinfo=store_zone())
    return local.astimezone(dt.UTC)


def bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC half-open range ``[start, end)`` of a business day.

    ``end`` is the next local midnight, not ``start + 24h``: days in zones
    with daylight saving time last 23 or 25 hours.
    """
    return local_midnight(day), local_midnight(day + dt.timedelta(days=1))


def make_aware_local(naive: dt.datetime) -> dt.datetime:
    """Read a naive date-time as store-local time (as marketplace exports write them)."""
    return naive.replace(tzinfo=store_zone()).astimezone(dt.UTC)

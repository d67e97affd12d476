"""Splitting an amount into exact cents: largest remainder, so the parts sum to the whole.

Used for the daily split of a monthly target and for spreading a month's
operating expense over its days. Pure functions, no database.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from storeops.money import CENT

WEEKDAYS = 7


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_days(month: dt.date) -> list[dt.date]:
    """Every date of the month that `month` falls in."""
    first = month_start(month)
    count = calendar.monthrange(first.year, first.month)[1]
    return [first + dt.timedelta(days=offset) for offset in range(count)]


def split_by_weights(total: Decimal, weights: Sequence[Decimal | int]) -> list[Decimal]:
    """`total` in cents shared in proportion to `weights`; the parts sum exactly to `total`.

    Each part first gets the floor of its exact share in cents; the cents left
    over go one each to the parts with the largest remainders (the earlier part
    on a tie), so no part is ever off by more than one cent from its share.
    """
    if total < 0:
        raise ValueError("the total must not be negative")
    if not weights or any(Decimal(weight) < 0 for weight in weights):
        raise ValueError("weights must be non-negative")
    weight_sum = sum(Fraction(Decimal(weight)) for weight in weights)
    if weight_sum == 0:
        raise ValueError("at least one weight must be positive")
    cents = int((total / CENT).to_integral_exact())
    if Decimal(cents) * CENT != total:
        raise ValueError("the total must be a whole number of cents")
    shares = [Fraction(cents) * Fraction(Decimal(weight)) / weight_sum for weight in weights]
    floors = [share.numerator // share.denominator for share in shares]
    left_over = cents - sum(floors)
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    for index in by_remainder[:left_over]:
        floors[index] += 1
    return [Decimal(part) * CENT for part in floors]


def split_month(
    month: dt.date, total: Decimal, weekday_weights: Sequence[Decimal | int] | None = None
) -> dict[dt.date, Decimal]:
    """The month's total per day: evenly, or by weekday weights (Monday first)."""
    days = month_days(month)
    if weekday_weights is None:
        weights: list[Decimal | int] = [1] * len(days)
    else:
        if len(weekday_weights) != WEEKDAYS:
            raise ValueError("weekday weights need one weight per weekday")
        weights = [weekday_weights[day.weekday()] for day in days]
    return dict(zip(days, split_by_weights(total, weights), strict=True))

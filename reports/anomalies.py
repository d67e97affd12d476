"""Unusual days: a figure far from its usual level, found with a robust score.

For the last day of a range each main figure is compared with two baselines:

* the same weekday over the past 4–8 weeks (the weekly rhythm: Saturdays
  against Saturdays), and
* the trailing 14 days (a recent shift in level).

Each baseline gives ``score = |x − median| / (1.4826 × MAD)``, the median
absolute deviation scaled to a standard deviation for normal data. A day is
flagged when *both* baselines score above 3.5 in the same direction and the
move is larger than a minimum size: the weekday baseline alone would miss a
slow change of level, the trailing one alone would flag every ordinary
weekend. The scale has a floor (a share of the median and an absolute
minimum) so that a flat series (MAD = 0) does not turn a tiny wobble into an
infinite score. Without four weeks of weekday history nothing is flagged.

`find_anomalies` is a pure function over summary rows (anything with the
figures as attributes); `anomalies_for` reads the rows in one query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from customers.models import SalesChannel
from reports.models import DailySummary

THRESHOLD = Decimal("3.5")
MAD_TO_SIGMA = Decimal("1.4826")
# The scale is at least this share of the median: a flat series still needs a real move.
RELATIVE_FLOOR = Decimal("0.10")
WEEKS_BACK = 8
MIN_WEEKS = 4
TRAILING_DAYS = 14
MIN_TRAILING_DAYS = 7
HISTORY_DAYS = 7 * WEEKS_BACK

MONEY, COUNT, RATIO = "money", "count", "ratio"


@dataclass(frozen=True)
class Figure:
    key: str
    label: str | Promise
    kind: str
    # The smallest move worth a flag, in the figure's unit (a ratio as a fraction).
    minimum_move: Decimal
    capability: str | None = None


FIGURES: tuple[Figure, ...] = (
    Figure("paid_sales", _("Paid sales"), MONEY, Decimal("100")),
    Figure("visitors", _("Visitors"), COUNT, Decimal("50")),
    Figure("conversion_rate", _("Conversion rate"), RATIO, Decimal("0.005")),
    Figure("paid_orders", _("Paid orders"), COUNT, Decimal("5")),
    Figure("spend_per_buyer", _("Spend per buyer"), MONEY, Decimal("10")),
    Figure("ad_spend", _("Ad spend"), MONEY, Decimal("100"), "view_ad_spend"),
    Figure(
        "affiliate_commission", _("Affiliate commission"), MONEY, Decimal("50"), "view_ad_spend"
    ),
    Figure("refunds", _("Refunds"), MONEY, Decimal("100")),
    Figure("refund_rate", _("Refund rate"), RATIO, Decimal("0.02")),
    Figure("net_profit", _("Net profit"), MONEY, Decimal("100"), "view_profit"),
)


@dataclass(frozen=True)
class Anomaly:
    key: str
    label: str | Promise
    kind: str
    day: dt.date
    value: Decimal
    usual: Decimal
    score: Decimal

    @property
    def is_rise(self) -> bool:
        return self.value > self.usual

    @property
    def change(self) -> Decimal | None:
        """% change against the usual level (money, counts) or percentage points (ratios)."""
        if self.kind == RATIO:
            return ((self.value - self.usual) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if not self.usual:
            return None
        return ((self.value - self.usual) / abs(self.usual) * 100).quantize(
            Decimal("1"), ROUND_HALF_UP
        )

    @property
    def text(self) -> str:
        """The move in words: "Affiliate commission +240 % against a usual 3.1k"."""
        change = self.change
        if self.kind == RATIO:
            return gettext("%(figure)s %(change)s pp against a usual %(usual)s %%") % {
                "figure": str(self.label),
                "change": _signed(change),
                "usual": (self.usual * 100).quantize(Decimal("0.01"), ROUND_HALF_UP),
            }
        if change is None:
            return gettext("%(figure)s %(value)s against a usual 0") % {
                "figure": str(self.label),
                "value": short_number(self.value),
            }
        return gettext("%(figure)s %(change)s %% against a usual %(usual)s") % {
            "figure": str(self.label),
            "change": _signed(change),
            "usual": short_number(self.usual),
        }


def _signed(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"+{value}" if value > 0 else f"{value}".replace("-", "−")


def short_number(value: Decimal | int) -> str:
    """3100 → "3.1k", 1250000 → "1.3m", 850 → "850", 12.5 → "12.5"."""
    number = Decimal(value)
    sign = "−" if number < 0 else ""
    number = abs(number)
    for size, suffix in ((Decimal("1000000"), "m"), (Decimal("1000"), "k")):
        if number >= size:
            scaled = (number / size).quantize(Decimal("0.1"), ROUND_HALF_UP)
            return f"{sign}{scaled.normalize():f}{suffix}"
    if number == number.to_integral_value():
        return f"{sign}{number.quantize(Decimal('1'))}"
    return f"{sign}{number.quantize(Decimal('0.01'), ROUND_HALF_UP).normalize():f}"


def robust_score(
    value: Decimal, history: Sequence[Decimal], figure: Figure
) -> tuple[Decimal, Decimal]:
    """(signed score, median) of `value` against `history`, with the scale's floor."""
    middle = Decimal(median(history))
    mad = Decimal(median([abs(point - middle) for point in history]))
    scale = max(MAD_TO_SIGMA * mad, RELATIVE_FLOOR * abs(middle), figure.minimum_move / 2)
    return (value - middle) / scale, middle


def _value(row: Any, key: str) -> Decimal | None:
    value = getattr(row, key, None)
    return None if value is None else Decimal(value)


def _series(by_day: dict[dt.date, Any], days: Sequence[dt.date], key: str) -> list[Decimal]:
    values = (_value(by_day[day], key) for day in days if day in by_day)
    return [value for value in values if value is not None]


def find_anomalies(
    rows: Iterable[Any], day: dt.date, *, figures: Sequence[Figure] = FIGURES
) -> list[Anomaly]:
    """The figures of `day` far from both their weekday and their trailing baseline.

    `rows` are the day's and earlier days' summary rows of one channel (or the
    store); days without a row, and None figures, are left out of a baseline.
    Biggest scores first.
    """
    by_day = {row.date: row for row in rows}
    today = by_day.get(day)
    if today is None:
        return []
    weekday_days = [day - dt.timedelta(weeks=week) for week in range(1, WEEKS_BACK + 1)]
    trailing_days = [day - dt.timedelta(days=offset) for offset in range(1, TRAILING_DAYS + 1)]
    found: list[Anomaly] = []
    for figure in figures:
        value = _value(today, figure.key)
        if value is None:
            continue
        weekly = _series(by_day, weekday_days, figure.key)
        trailing = _series(by_day, trailing_days, figure.key)
        if len(weekly) < MIN_WEEKS or len(trailing) < MIN_TRAILING_DAYS:
            continue
        weekly_score, usual = robust_score(value, weekly, figure)
        trailing_score, trailing_usual = robust_score(value, trailing, figure)
        same_direction = (weekly_score > 0) == (trailing_score > 0)
        big_enough = (
            abs(value - usual) >= figure.minimum_move
            and abs(value - trailing_usual) >= figure.minimum_move
        )
        if (
            same_direction
            and big_enough
            and abs(weekly_score) > THRESHOLD
            and abs(trailing_score) > THRESHOLD
        ):
            found.append(
                Anomaly(
                    key=figure.key,
                    label=figure.label,
                    kind=figure.kind,
                    day=day,
                    value=value,
                    usual=usual,
                    score=min(abs(weekly_score), abs(trailing_score)).quantize(
                        Decimal("0.1"), ROUND_HALF_UP
                    ),
                )
            )
    return sorted(found, key=lambda anomaly: -anomaly.score)


def history_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=HISTORY_DAYS)


def anomalies_for(
    day: dt.date, channel: SalesChannel | None = None, *, figures: Sequence[Figure] = FIGURES
) -> list[Anomaly]:
    """`find_anomalies` over the store's (or one channel's) rows of the last 8 weeks. One query."""
    rows = DailySummary.objects.filter(
        date__gte=history_start(day), date__lte=day, channel=channel
    ).order_by("date")
    return find_anomalies(rows, day, figures=figures)

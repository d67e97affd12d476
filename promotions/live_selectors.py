"""Reads of live-stream sessions: the filtered list, range totals and the chart series.

Ratios (click rate, conversion, sales per viewer, average order value) are
always computed from the summed parts of the sessions they cover, never
averaged from per-session ratios, and are None when their denominator is zero
(METRICS.md, "Ground rules").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from customers.models import SalesChannel
from promotions.models import LiveSession
from storeops import money

ZERO = Decimal("0.00")
PERCENT_PLACES = Decimal("0.01")
# The chart draws at most this many sessions (the latest ones) of a range.
CHART_LIMIT = 200

SUMMED_FIELDS = ("duration_minutes", "viewers", "product_clicks", "buyers", "orders", "sales")


def _percent(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(PERCENT_PLACES)


@dataclass
class LiveFigures:
    """Summed figures of some sessions (or of one), with the ratios derived from the sums."""

    sessions: int = 0
    duration_minutes: int = 0
    viewers: int = 0
    product_clicks: int = 0
    buyers: int = 0
    orders: int = 0
    sales: Decimal = ZERO

    @classmethod
    def of(cls, session: LiveSession) -> LiveFigures:
        return cls(
            sessions=1,
            **{name: getattr(session, name) for name in SUMMED_FIELDS},
        )

    @property
    def click_rate_percent(self) -> Decimal | None:
        """Product clicks per 100 viewers; above 100 when viewers click several items."""
        return _percent(self.product_clicks, self.viewers)

    @property
    def conversion_percent(self) -> Decimal | None:
        """Buyers per 100 viewers."""
        return _percent(self.buyers, self.viewers)

    @property
    def sales_per_viewer(self) -> Decimal | None:
        """UV value (UV价值): sales / viewers."""
        return money.quantize(self.sales / self.viewers) if self.viewers else None

    @property
    def average_order_value(self) -> Decimal | None:
        """笔单价: sales / orders."""
        return money.quantize(self.sales / self.orders) if self.orders else None


@dataclass
class SessionRow:
    session: LiveSession
    figures: LiveFigures


def live_sessions(
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    channel: SalesChannel | None = None,
) -> QuerySet[LiveSession]:
    """Sessions whose business day lies in the range (inclusive), latest first."""
    sessions = LiveSession.objects.select_related("channel")
    if date_from:
        sessions = sessions.filter(business_date__gte=date_from)
    if date_to:
        sessions = sessions.filter(business_date__lte=date_to)
    if channel:
        sessions = sessions.filter(channel=channel)
    return sessions.order_by("-started_at", "channel__position", "pk")


def session_rows(sessions: list[LiveSession]) -> list[SessionRow]:
    return [SessionRow(session, LiveFigures.of(session)) for session in sessions]


def live_totals(
    *, date_from: dt.date, date_to: dt.date, channel: SalesChannel | None = None
) -> LiveFigures:
    """The range's summed figures; the ratios follow from the sums. One query."""
    sums = (
        live_sessions(date_from=date_from, date_to=date_to, channel=channel)
        .order_by()
        .aggregate(sessions=Count("pk"), **{name: Sum(name) for name in SUMMED_FIELDS})
    )
    return LiveFigures(
        sessions=sums["sessions"],
        duration_minutes=sums["duration_minutes"] or 0,
        viewers=sums["viewers"] or 0,
        product_clicks=sums["product_clicks"] or 0,
        buyers=sums["buyers"] or 0,
        orders=sums["orders"] or 0,
        # SQLite's SUM drops the scale: back to two places.
        sales=money.quantize(sums["sales"]) if sums["sales"] is not None else ZERO,
    )


def chart_sessions(
    *, date_from: dt.date, date_to: dt.date, channel: SalesChannel | None = None
) -> list[LiveSession]:
    """The latest ``CHART_LIMIT`` sessions of the range, oldest first, for the chart. One query."""
    latest = list(
        live_sessions(date_from=date_from, date_to=date_to, channel=channel)[:CHART_LIMIT]
    )
    latest.reverse()
    return latest

"""Reads of paid traffic: per channel and campaign, daily series, the day's totals, pacing.

Ratios (ctr, cpc, conversion, roas, cost per order) are always computed from
the summed parts of the rows they cover, never averaged from daily ratios, and
are None when their denominator is zero (see METRICS.md, "Paid traffic").
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from promotions.models import (
    PER_ORDER_CAMPAIGN,
    AdBudget,
    AdChannel,
    AdSpendDay,
    AffiliateOrder,
    AffiliateOrderStatus,
)
from storeops import money

ZERO = Decimal("0.00")
# Spending more than this share of the expected amount so far is "over pace".
OVER_PACE_FACTOR = Decimal("1.1")
RATIO_PLACES = Decimal("0.0001")

SUMMED_FIELDS = ("impressions", "clicks", "spend", "attributed_orders", "attributed_sales")


def channel_key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def ad_channels() -> QuerySet[AdChannel]:
    return AdChannel.objects.order_by("position", "code")


def ad_channels_by_name() -> dict[str, AdChannel]:
    """Every ad channel under its code, English name and Chinese name (case and spaces ignored).

    A Chinese name listing two products ("直通车 / 万相台") is also found by each part.
    """
    found: dict[str, AdChannel] = {}
    for channel in ad_channels():
        spellings = {channel.code, channel.name, channel.name_zh}
        spellings.update(part for part in channel.name_zh.split("/"))
        for spelling in spellings:
            key = channel_key(spelling)
            if key:
                found.setdefault(key, channel)
    for channel in ad_channels():
        found[channel_key(channel.code)] = channel
    return found


def find_ad_channel(text: str, lookup: dict[str, AdChannel] | None = None) -> AdChannel | None:
    return (lookup if lookup is not None else ad_channels_by_name()).get(channel_key(text))


def _ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATIO_PLACES)


@dataclass
class AdFigures:
    """Summed paid-traffic figures of some rows, with the ratios derived from the sums."""

    impressions: int = 0
    clicks: int = 0
    spend: Decimal = ZERO
    attributed_orders: int = 0
    attributed_sales: Decimal = ZERO

    def add(self, other: AdFigures) -> None:
        for name in SUMMED_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def ctr(self) -> Decimal | None:
        return _ratio(self.clicks, self.impressions)

    @property
    def cpc(self) -> Decimal | None:
        return money.quantize(self.spend / self.clicks) if self.clicks else None

    @property
    def conversion(self) -> Decimal | None:
        return _ratio(self.attributed_orders, self.clicks)

    @property
    def roas(self) -> Decimal | None:
        return _ratio(self.attributed_sales, self.spend)

    @property
    def cost_per_order(self) -> Decimal | None:
        if not self.attributed_orders:
            return None
        return money.quantize(self.spend / self.attributed_orders)


def _amount(total: Decimal | None) -> Decimal:
    """A summed money column at its two places (SQLite's SUM drops the scale)."""
    return money.quantize(total) if total is not None else ZERO


def _figures(row: dict) -> AdFigures:
    return AdFigures(
        impressions=row["impressions"] or 0,
        clicks=row["clicks"] or 0,
        spend=_amount(row["spend"]),
        attributed_orders=row["attributed_orders"] or 0,
        attributed_sales=_amount(row["attributed_sales"]),
    )


def _sums() -> dict:
    return {name: Sum(name) for name in SUMMED_FIELDS}


def ad_spend_rows(
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    channel: AdChannel | None = None,
) -> QuerySet[AdSpendDay]:
    rows = AdSpendDay.objects.select_related("channel")
    if date_from:
        rows = rows.filter(date__gte=date_from)
    if date_to:
        rows = rows.filter(date__lte=date_to)
    if channel:
        rows = rows.filter(channel=channel)
    return rows.order_by("-date", "channel__position", "campaign")


@dataclass
class CampaignFigures:
    campaign: str
    figures: AdFigures


@dataclass
class ChannelFigures:
    channel: AdChannel
    figures: AdFigures
    campaigns: list[CampaignFigures] = field(default_factory=list)


@dataclass
class AdReport:
    channels: list[ChannelFigures]
    # Every channel, the commission-based ones included.
    total: AdFigures
    ad_spend: Decimal
    affiliate_commission: Decimal


def ad_report(
    *, date_from: dt.date, date_to: dt.date, channel: AdChannel | None = None
) -> AdReport:
    """Figures per channel (each with its campaigns) for the days from ``date_from`` to
    ``date_to`` inclusive; the totals are summed from the campaign rows. Two queries."""
    rows = (
        ad_spend_rows(date_from=date_from, date_to=date_to, channel=channel)
        .order_by()
        .values("channel_id", "campaign")
        .annotate(**_sums())
        .order_by("channel_id", "campaign")
    )
    by_channel: dict[int, list[CampaignFigures]] = {}
    for row in rows:
        by_channel.setdefault(row["channel_id"], []).append(
            CampaignFigures(row["campaign"], _figures(row))
        )
    channels = list(ad_channels().filter(pk__in=by_channel))
    report = AdReport([], AdFigures(), ZERO, ZERO)
    for ad_channel in channels:
        figures = AdFigures()
        for campaign in by_channel[ad_channel.pk]:
            figures.add(campaign.figures)
        report.channels.append(ChannelFigures(ad_channel, figures, by_channel[ad_channel.pk]))
        report.total.add(figures)
        if ad_channel.is_commission_based:
            report.affiliate_commission += figures.spend
        else:
            report.ad_spend += figures.spend
    return report


def daily_spend_by_channel(
    *, date_from: dt.date, date_to: dt.date, channel: AdChannel | None = None
) -> dict[int, dict[dt.date, AdFigures]]:
    """{channel id: {day: figures}} for charts; days without rows are absent. One query."""
    rows = (
        ad_spend_rows(date_from=date_from, date_to=date_to, channel=channel)
        .order_by()
        .values("channel_id", "date")
        .annotate(**_sums())
        .order_by("channel_id", "date")
    )
    series: dict[int, dict[dt.date, AdFigures]] = {}
    for row in rows:
        series.setdefault(row["channel_id"], {})[row["date"]] = _figures(row)
    return series


def ad_totals(day: dt.date) -> tuple[Decimal, Decimal]:
    """(ad_spend, affiliate_commission) of a business day, as METRICS.md defines them.

    ad_spend sums every channel that is not commission based; the commission of
    the commission-based ones (淘宝客) is returned apart. One query.
    """
    totals = {False: ZERO, True: ZERO}
    rows = (
        AdSpendDay.objects.filter(date=day)
        .order_by()
        .values("channel__is_commission_based")
        .annotate(spend=Sum("spend"))
    )
    for row in rows:
        totals[row["channel__is_commission_based"]] += _amount(row["spend"])
    return totals[False], totals[True]


def ad_totals_by_day(
    date_from: dt.date, date_to: dt.date
) -> dict[dt.date, tuple[Decimal, Decimal]]:
    """``ad_totals`` for every day of a range in one query; days without rows are absent."""
    found: dict[dt.date, list[Decimal]] = {}
    rows = (
        AdSpendDay.objects.filter(date__gte=date_from, date__lte=date_to)
        .order_by()
        .values("date", "channel__is_commission_based")
        .annotate(spend=Sum("spend"))
    )
    for row in rows:
        pair = found.setdefault(row["date"], [ZERO, ZERO])
        pair[1 if row["channel__is_commission_based"] else 0] += _amount(row["spend"])
    return {day: (pair[0], pair[1]) for day, pair in found.items()}


# -- budgets ---------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


@dataclass
class Pacing:
    channel: AdChannel
    budget: Decimal
    spent: Decimal
    expected: Decimal
    days_elapsed: int
    days_in_month: int

    @property
    def is_over_pace(self) -> bool:
        return self.spent > self.expected * OVER_PACE_FACTOR

    @property
    def share_spent(self) -> Decimal | None:
        return _ratio(self.spent, self.budget)


def budget_pacing(*, month: dt.date, today: dt.date) -> list[Pacing]:
    """Spent to date against the budget's straight-line share, per budgeted channel.

    Days elapsed counts ``today`` (a month still running), all days for a past
    month and none for a future one. Expected = budget × elapsed / days in month;
    over pace when spent > expected × 1.1. Two queries.
    """
    first = month_start(month)
    days_in_month = calendar.monthrange(first.year, first.month)[1]
    last = first.replace(day=days_in_month)
    if today < first:
        elapsed = 0
    elif today > last:
        elapsed = days_in_month
    else:
        elapsed = today.day
    budgets = list(
        AdBudget.objects.filter(month=first)
        .select_related("channel")
        .order_by("channel__position", "channel__code")
    )
    spent = dict(
        AdSpendDay.objects.filter(
            date__gte=first, date__lte=min(last, today), channel__in=[b.channel_id for b in budgets]
        )
        .order_by()
        .values("channel_id")
        .annotate(spend=Sum("spend"))
        .values_list("channel_id", "spend")
    )
    return [
        Pacing(
            channel=budget.channel,
            budget=budget.amount,
            spent=_amount(spent.get(budget.channel_id)),
            expected=money.quantize(budget.amount * elapsed / days_in_month),
            days_elapsed=elapsed,
            days_in_month=days_in_month,
        )
        for budget in budgets
    ]


def budgets(*, months: Iterable[dt.date]) -> QuerySet[AdBudget]:
    return (
        AdBudget.objects.filter(month__in=[month_start(m) for m in months])
        .select_related("channel")
        .order_by("-month", "channel__position")
    )


# -- affiliate (淘宝客) orders ----------------------------------------------------------------


def affiliate_orders(
    *,
    ad_channel: AdChannel | None,
    date_from: dt.date,
    date_to: dt.date,
    campaign: str = "",
    status: str = "",
) -> QuerySet[AffiliateOrder]:
    """An affiliate channel's orders paid from ``date_from`` to ``date_to`` (business days,
    inclusive), newest first, with their sales channel. ``campaign`` is a promotion slot
    (the day rows' "per-order commission" finds the orders without one)."""
    if ad_channel is None:
        return AffiliateOrder.objects.none()
    rows = AffiliateOrder.objects.filter(
        ad_channel=ad_channel, paid_on__gte=date_from, paid_on__lte=date_to
    ).select_related("channel")
    if campaign:
        rows = rows.filter(campaign="" if campaign == PER_ORDER_CAMPAIGN else campaign)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-paid_at", "-pk")


@dataclass
class AffiliateTotals:
    """Totals of some affiliate orders; void ones count apart and sold nothing."""

    orders: int = 0
    invalid_orders: int = 0
    order_amount: Decimal = ZERO
    commission: Decimal = ZERO

    @property
    def commission_percent(self) -> Decimal | None:
        """Commission per 100 yuan of (not void) order amount, from the sums."""
        if not self.order_amount:
            return None
        return (self.commission * 100 / self.order_amount).quantize(Decimal("0.01"))


def affiliate_totals(orders: QuerySet[AffiliateOrder]) -> AffiliateTotals:
    """Totals of ``orders`` (every page of them), summed in SQL. One query.

    The order amount counts orders that are not invalid, as the day rows do.
    """
    valid = ~Q(status=AffiliateOrderStatus.INVALID)
    sums = orders.order_by().aggregate(
        orders=Count("pk", filter=valid),
        invalid_orders=Count("pk", filter=~valid),
        order_amount=Sum("order_amount", filter=valid),
        commission=Sum("commission"),
    )
    return AffiliateTotals(
        orders=sums["orders"] or 0,
        invalid_orders=sums["invalid_orders"] or 0,
        order_amount=_amount(sums["order_amount"]),
        commission=_amount(sums["commission"]),
    )

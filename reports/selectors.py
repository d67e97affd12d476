"""Reads of the platform layer and the cost settings, shared by pages, API and reports."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum

from customers.models import SalesChannel
from orders.models import Order, OrderKind
from reports.models import (
    ChannelFeeRate,
    DailySkuSummary,
    DailySummary,
    DailyTarget,
    DailyTraffic,
    ExpensePeriod,
    MonthlyTarget,
    OperatingExpense,
    PackagingCost,
    StoreRating,
    SummaryFigures,
)
from reports.splitting import month_days, month_start, split_by_weights
from storeops.money import ZERO


def channel_key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def channels_by_name() -> dict[str, SalesChannel]:
    """Every channel under its code, English name and Chinese name (case and spaces ignored).

    A spelling shared by two channels is left out rather than guessed.
    """
    found: dict[str, SalesChannel] = {}
    ambiguous: set[str] = set()
    for channel in SalesChannel.objects.order_by("position", "code"):
        for spelling in {channel.code, channel.name, channel.name_zh}:
            key = channel_key(spelling)
            if not key:
                continue
            if key in found and found[key].pk != channel.pk:
                ambiguous.add(key)
            found.setdefault(key, channel)
    # A code always wins over another channel's name.
    for channel in SalesChannel.objects.all():
        found[channel_key(channel.code)] = channel
        ambiguous.discard(channel_key(channel.code))
    return {key: channel for key, channel in found.items() if key not in ambiguous}


def find_channel(text: str, lookup: dict[str, SalesChannel] | None = None) -> SalesChannel | None:
    """The channel named by its code or its name in either language, or None."""
    return (lookup if lookup is not None else channels_by_name()).get(channel_key(text))


# Platform layer


def traffic_rows(
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    channel: SalesChannel | None = None,
) -> QuerySet[DailyTraffic]:
    rows = DailyTraffic.objects.select_related("channel")
    if date_from:
        rows = rows.filter(date__gte=date_from)
    if date_to:
        rows = rows.filter(date__lte=date_to)
    if channel:
        rows = rows.filter(channel=channel)
    return rows.order_by("-date", "channel__position", "source")


def rating_rows(
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    channel: SalesChannel | None = None,
) -> QuerySet[StoreRating]:
    rows = StoreRating.objects.select_related("channel")
    if date_from:
        rows = rows.filter(date__gte=date_from)
    if date_to:
        rows = rows.filter(date__lte=date_to)
    if channel:
        rows = rows.filter(channel=channel)
    return rows.order_by("-date", "channel__position")


# Targets


def monthly_targets() -> QuerySet[MonthlyTarget]:
    return MonthlyTarget.objects.select_related("channel", "updated_by").order_by(
        "-month", "channel__position"
    )


def monthly_target(month: dt.date, channel: SalesChannel | None = None) -> MonthlyTarget | None:
    return (
        MonthlyTarget.objects.filter(month=month_start(month), channel=channel)
        .select_related("channel")
        .first()
    )


def daily_target(day: dt.date, channel: SalesChannel | None = None) -> Decimal | None:
    """The `sales_target` of a business day, or None when no target covers it.

    For a channel: that channel's target. For the store (no channel): the
    store-wide target when one is set for the month, else the sum of the
    channel targets of the day (None when there are none either).
    """
    if channel is not None:
        return (
            DailyTarget.objects.filter(date=day, target__channel=channel)
            .values_list("amount", flat=True)
            .first()
        )
    store = (
        DailyTarget.objects.filter(date=day, target__channel__isnull=True)
        .values_list("amount", flat=True)
        .first()
    )
    if store is not None:
        return store
    return DailyTarget.objects.filter(date=day, target__channel__isnull=False).aggregate(
        total=Sum("amount")
    )["total"]


def daily_targets_of(target: MonthlyTarget) -> dict[dt.date, Decimal]:
    return dict(target.days.order_by("date").values_list("date", "amount"))


# Costs


@dataclass(frozen=True)
class FeeRates:
    commission_rate: Decimal
    payment_fee_rate: Decimal
    effective_from: dt.date

    @property
    def total_rate(self) -> Decimal:
        return self.commission_rate + self.payment_fee_rate


def rate_for(channel: SalesChannel, day: dt.date) -> FeeRates | None:
    """The channel's fee rates in force on `day`: the latest set on or before it."""
    row = (
        ChannelFeeRate.objects.filter(channel=channel, effective_from__lte=day)
        .order_by("-effective_from")
        .values_list("commission_rate", "payment_fee_rate", "effective_from")
        .first()
    )
    return FeeRates(*row) if row else None


def fee_rates() -> QuerySet[ChannelFeeRate]:
    return ChannelFeeRate.objects.select_related("channel").order_by(
        "channel__position", "-effective_from"
    )


def packaging_cost_on(day: dt.date) -> Decimal:
    """The packaging cost per shipment in force on `day` (0.00 before the first is set)."""
    amount = (
        PackagingCost.objects.filter(effective_from__lte=day)
        .order_by("-effective_from")
        .values_list("amount", flat=True)
        .first()
    )
    return amount if amount is not None else ZERO


def operating_expense_on(day: dt.date) -> Decimal:
    """`other_costs` of a business day: its own expenses plus its share of the month's.

    Each monthly expense is spread evenly over the month's days in exact cents
    (largest remainder), so the month's days add up to the monthly amount.
    """
    daily = OperatingExpense.objects.filter(period=ExpensePeriod.DAY, date=day).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0")
    days = month_days(day)
    share = Decimal("0")
    for amount in OperatingExpense.objects.filter(
        period=ExpensePeriod.MONTH, date=month_start(day)
    ).values_list("amount", flat=True):
        share += split_by_weights(amount, [1] * len(days))[day.day - 1]
    return daily + share + ZERO


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every date from `first` to `last`, both included."""
    return [first + dt.timedelta(days=offset) for offset in range((last - first).days + 1)]


# The same settings for a run of days at once (the daily summary builds many days in a
# few queries): each gives, for every day, what the one-day selector above gives.


def daily_targets_between(
    first: dt.date, last: dt.date
) -> dict[tuple[dt.date, int | None], Decimal | None]:
    """{(day, channel id or None for the store): `daily_target(day, channel)`}. One query.

    Days and channels without a target are left out (their target is None).
    """
    channel_targets: dict[tuple[dt.date, int | None], Decimal | None] = {}
    store: dict[dt.date, Decimal] = {}
    summed: dict[dt.date, Decimal] = {}
    rows = (
        DailyTarget.objects.filter(date__gte=first, date__lte=last)
        .order_by("date", "pk")
        .values_list("date", "target__channel_id", "amount")
    )
    for day, channel_id, amount in rows:
        if channel_id is None:
            store.setdefault(day, amount)
        else:
            channel_targets.setdefault((day, channel_id), amount)
            summed[day] = summed[day] + amount if day in summed else amount
    for day in {*store, *summed}:
        channel_targets[(day, None)] = store.get(day, summed.get(day))
    return channel_targets


def fee_rates_between(first: dt.date, last: dt.date) -> dict[tuple[int, dt.date], FeeRates]:
    """{(channel id, day): `rate_for(channel, day)`} where a rate is in force. One query."""
    history: dict[int, list[FeeRates]] = {}
    for channel_id, *values in (
        ChannelFeeRate.objects.filter(effective_from__lte=last)
        .order_by("channel_id", "effective_from")
        .values_list("channel_id", "commission_rate", "payment_fee_rate", "effective_from")
    ):
        history.setdefault(channel_id, []).append(FeeRates(*values))
    rates: dict[tuple[int, dt.date], FeeRates] = {}
    for channel_id, entries in history.items():
        for day in days_between(first, last):
            in_force = [rate for rate in entries if rate.effective_from <= day]
            if in_force:
                rates[(channel_id, day)] = in_force[-1]
    return rates


def packaging_costs_between(first: dt.date, last: dt.date) -> dict[dt.date, Decimal]:
    """{day: `packaging_cost_on(day)`} for every day from `first` to `last`. One query."""
    entries = list(
        PackagingCost.objects.filter(effective_from__lte=last)
        .order_by("effective_from")
        .values_list("effective_from", "amount")
    )
    costs = {}
    for day in days_between(first, last):
        in_force = [amount for effective_from, amount in entries if effective_from <= day]
        costs[day] = in_force[-1] if in_force else ZERO
    return costs


def operating_expenses_between(first: dt.date, last: dt.date) -> dict[dt.date, Decimal]:
    """{day: `operating_expense_on(day)`} for every day from `first` to `last`. One query."""
    daily: dict[dt.date, Decimal] = {}
    monthly: dict[dt.date, list[Decimal]] = {}
    for period, day, amount in (
        OperatingExpense.objects.filter(date__gte=month_start(first), date__lte=last)
        .order_by("date", "pk")
        .values_list("period", "date", "amount")
    ):
        if period == ExpensePeriod.MONTH:
            monthly.setdefault(day, []).append(amount)
        elif day >= first:
            daily[day] = daily.get(day, ZERO) + amount
    shares: dict[dt.date, list[Decimal]] = {}
    for month, amounts in monthly.items():
        days = month_days(month)
        shares[month] = [Decimal("0")] * len(days)
        for amount in amounts:
            for index, share in enumerate(split_by_weights(amount, [1] * len(days))):
                shares[month][index] += share
    expenses = {}
    for day in days_between(first, last):
        share = shares.get(month_start(day))
        expenses[day] = (
            (daily.get(day) or Decimal("0"))
            + (share[day.day - 1] if share else Decimal("0"))
            + ZERO
        )
    return expenses


def operating_expenses() -> QuerySet[OperatingExpense]:
    return OperatingExpense.objects.order_by("-date", "period", "label")


# The daily summary


def daily_summaries(
    *,
    date_from: dt.date,
    date_to: dt.date,
    channel: SalesChannel | None = None,
) -> QuerySet[DailySummary]:
    """The summary rows of the store (no channel) or one channel over a range, oldest first."""
    return DailySummary.objects.filter(
        date__gte=date_from, date__lte=date_to, channel=channel
    ).order_by("date")


@dataclass
class SummaryTotals(SummaryFigures):
    """The parts of several `DailySummary` rows added up; ratios come from `SummaryFigures`."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    channel_id: int | None = None
    is_provisional: bool = False
    parts: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The parts become attributes, as on a DailySummary row (`totals.paid_sales`).
        for name, value in self.parts.items():
            setattr(self, name, value)


_SUMMED_MONEY = (
    "paid_sales",
    "goods_sales",
    "discounts",
    "refunds",
    "refunds_of_paid",
    "ad_spend",
    "affiliate_commission",
    "cogs",
    "shipping_cost",
    "platform_fees",
    "other_costs",
)
_SUMMED_COUNTS = (
    "paid_orders",
    "items_sold",
    "buyers_with_traffic",
    "new_buyers",
    "refunded_orders",
    "refunded_paid_orders",
    "shipped_orders",
    "shipped_within_24h",
)
_SUMMED_WHEN_KNOWN = (
    "visitors",
    "page_views",
    "sales_target",
    "inquiries",
    "inquiries_paid",
    "first_response_weighted",
)
_LATEST = ("dsr_description", "dsr_service", "dsr_logistics")


def totals(rows: Sequence[DailySummary]) -> SummaryTotals:
    """A period's figures from its daily rows (all of the store, or all of one channel).

    Money and counts are summed; visitors, page views and the target are
    summed over the days that have them (None when none has); the ratings
    are the latest day's snapshot. `paying_buyers` is distinct over the
    period, so it comes from one more query on the orders (a buyer paying on
    two days counts once), not from the rows. `new_buyers` is the sum of the
    days: a buyer is new on one day at most within 365 days. Ratios are then
    recomputed from these sums (METRICS.md), never averaged.
    """
    rows = sorted(rows, key=lambda row: row.date)
    channel_ids = {row.channel_id for row in rows}
    if len(channel_ids) > 1:
        raise ValueError("totals() adds up rows of one channel (or of the store) only")
    parts: dict[str, Any] = {
        name: sum((getattr(row, name) for row in rows), ZERO) for name in _SUMMED_MONEY
    }
    parts.update({name: sum(getattr(row, name) for row in rows) for name in _SUMMED_COUNTS})
    for name in _SUMMED_WHEN_KNOWN:
        known = [getattr(row, name) for row in rows if getattr(row, name) is not None]
        parts[name] = sum(known[1:], known[0]) if known else None
    for name in _LATEST:
        known = [getattr(row, name) for row in rows if getattr(row, name) is not None]
        parts[name] = known[-1] if known else None
    channel_id = next(iter(channel_ids), None)
    parts["paying_buyers"] = _period_buyers(rows, channel_id)
    return SummaryTotals(
        date_from=rows[0].date if rows else None,
        date_to=rows[-1].date if rows else None,
        channel_id=channel_id,
        is_provisional=any(row.is_provisional for row in rows),
        parts=parts,
    )


# A period's distinct buyers, remembered per process against its rows (see below).
_PERIOD_BUYERS_KEPT = 512
_period_buyers_seen: OrderedDict[tuple, int] = OrderedDict()
_period_buyers_lock = threading.Lock()


def forget_period_buyers() -> None:
    """Drop the remembered counts (tests; nothing else needs to)."""
    with _period_buyers_lock:
        _period_buyers_seen.clear()


def _period_buyers(rows: Sequence[DailySummary], channel_id: int | None) -> int:
    """`_distinct_buyers` of the rows' days, remembered against the rows themselves.

    Counting a month's distinct buyers reads every order of the month (about
    20 ms per period on a million orders), while the answer only changes when
    one of those days is rebuilt. The key holds each row's day, build time and
    buyer and order counts, so a rebuilt day (a late order, a moved payment)
    asks the orders again; until then the count agrees with the rows it sits
    beside. Each process keeps the last few hundred periods.
    """
    if not rows:
        return 0
    key = (
        channel_id,
        tuple((row.date, row.built_at, row.paying_buyers, row.paid_orders) for row in rows),
    )
    with _period_buyers_lock:
        buyers = _period_buyers_seen.get(key)
        if buyers is not None:
            _period_buyers_seen.move_to_end(key)
            return buyers
    buyers = _distinct_buyers({row.date for row in rows}, channel_id)
    with _period_buyers_lock:
        _period_buyers_seen[key] = buyers
        while len(_period_buyers_seen) > _PERIOD_BUYERS_KEPT:
            _period_buyers_seen.popitem(last=False)
    return buyers


# From this many days on, a period's distinct buyers are counted customer by customer.
BUYER_PROBE_DAYS = 90


def _distinct_buyers(days: set[dt.date], channel_id: int | None) -> int:
    """Distinct customers with a (non-replacement) order paid on any of `days`.

    A short period counts the distinct customers of its orders. A long one (a
    year's workbook) has more orders than the store has buyers: there, asking
    each customer whether they paid in it (an index-only probe of
    `order_customer_paid_day_idx`) reads fewer rows than sorting the orders.
    """
    if not days:
        return 0
    from django.db.models import Exists, OuterRef

    from customers.models import Customer

    orders = Order.objects.filter(
        business_date__gte=min(days),
        business_date__lte=max(days),
        paid_at__isnull=False,
        kind=OrderKind.NORMAL,
    )
    if len(days) != (max(days) - min(days)).days + 1:
        orders = orders.filter(business_date__in=days)
    if channel_id is not None:
        orders = orders.filter(channel_id=channel_id)
    if (max(days) - min(days)).days + 1 >= BUYER_PROBE_DAYS:
        return (
            Customer.objects.filter(Exists(orders.filter(customer=OuterRef("pk"))))
            .order_by()
            .count()
        )
    return orders.order_by().aggregate(buyers=Count("customer", distinct=True))["buyers"]


# The dashboard
# (Imports are local: this section was appended to a module another change owns.)


def summaries_on_ranges(
    ranges: Sequence[tuple[dt.date, dt.date]], channel: SalesChannel | None = None
) -> list[DailySummary]:
    """The rows of the store (or one channel) in any of `ranges`, oldest first. One query."""
    from django.db.models import Q

    condition = Q()
    for date_from, date_to in ranges:
        condition |= Q(date__gte=date_from, date__lte=date_to)
    return list(DailySummary.objects.filter(condition, channel=channel).order_by("date"))


def month_target_by_day(
    month: dt.date, channel: SalesChannel | None = None
) -> dict[dt.date, Decimal]:
    """{day: daily target} of a month, as `daily_target` picks it, in one query.

    For a channel: its own target. For the store: the store-wide target when
    one is set for the month, else the channel targets added up per day.
    """
    days = month_days(month)
    rows = DailyTarget.objects.filter(date__gte=days[0], date__lte=days[-1])
    rows = rows.filter(target__channel=channel) if channel else rows
    store: dict[dt.date, Decimal] = {}
    channels: dict[dt.date, Decimal] = {}
    for day, amount, channel_id in rows.values_list("date", "amount", "target__channel_id"):
        if channel is not None or channel_id is None:
            store[day] = store.get(day, ZERO) + amount
        else:
            channels[day] = channels.get(day, ZERO) + amount
    return store if store else channels


def refunds_by_reason(
    *, date_from: dt.date, date_to: dt.date, channel: SalesChannel | None = None
) -> list[dict[str, Any]]:
    """Completed refunds by their refund day in a range, per after-sales reason. One query.

    Each row: reason `code`, `name`, `name_zh` (blank for refunds without a case),
    `amount`, `count`; biggest amount first.
    """
    from django.db.models import F, Value
    from django.db.models.functions import Coalesce

    from orders.models import Refund, RefundStatus

    refunds = Refund.objects.filter(
        status=RefundStatus.COMPLETED, business_date__gte=date_from, business_date__lte=date_to
    )
    if channel is not None:
        refunds = refunds.filter(order__channel=channel)
    return list(
        refunds.order_by()
        .values(
            code=Coalesce(F("case__reason__code"), Value("")),
            name=Coalesce(F("case__reason__name"), Value("")),
            name_zh=Coalesce(F("case__reason__name_zh"), Value("")),
        )
        .annotate(amount=Sum("amount"), count=Count("pk"))
        .order_by("-amount", "code")
    )


def sku_sales_against(
    *,
    current: tuple[dt.date, dt.date],
    previous: tuple[dt.date, dt.date],
    channel: SalesChannel | None = None,
) -> list[dict[str, Any]]:
    """Paid amount and units per SKU in a range and in the range before it. One query.

    Read from the `DailySkuSummary` rows of the store (or the channel): the
    lines of (non-replacement) orders paid in either range, by payment day.
    Each row: `sku_code`, `title`, `sales`, `units`, `previous_sales`,
    `previous_units`.
    """
    from django.db.models import Max, Q
    from django.db.models.functions import Coalesce

    in_current = Q(date__gte=current[0], date__lte=current[1])
    in_previous = Q(date__gte=previous[0], date__lte=previous[1])
    return list(
        DailySkuSummary.objects.filter(in_current | in_previous, channel=channel)
        .order_by()
        .values("sku_code")
        .annotate(
            title=Max("title"),
            sales=Coalesce(Sum("paid_sales", filter=in_current), ZERO),
            units=Coalesce(Sum("units_sold", filter=in_current), 0),
            previous_sales=Coalesce(Sum("paid_sales", filter=in_previous), ZERO),
            previous_units=Coalesce(Sum("units_sold", filter=in_previous), 0),
        )
        .order_by("sku_code")
    )


def sku_refunds_of_paid(*, date_from: dt.date, date_to: dt.date) -> list[dict[str, Any]]:
    """Completed refund lines per SKU of the orders paid in a range (the store's). One query.

    From the `DailySkuSummary` store rows; each row: `sku_code`, `amount`,
    `quantity`; biggest amount first.
    """
    from django.db.models import Q

    return list(
        DailySkuSummary.objects.filter(
            Q(refunds_of_paid__gt=0) | Q(units_refunded__gt=0),
            date__gte=date_from,
            date__lte=date_to,
            channel__isnull=True,
        )
        .order_by()
        .values("sku_code")
        .annotate(amount=Sum("refunds_of_paid"), quantity=Sum("units_refunded"))
        .order_by("-amount", "sku_code")
    )


def refund_reasons_of_paid(*, date_from: dt.date, date_to: dt.date) -> list[dict[str, Any]]:
    """Completed refunds of the (non-replacement) orders paid in a range, per after-sales reason.

    Each row: reason `code` ("none" for refunds without a case), `amount`,
    `count`; biggest amount first. One query, joined to the orders by their key.
    """
    from django.db.models import F, Value
    from django.db.models.functions import Coalesce

    from orders.models import Refund, RefundStatus

    return list(
        Refund.objects.filter(
            status=RefundStatus.COMPLETED,
            order__business_date__gte=date_from,
            order__business_date__lte=date_to,
            order__kind=OrderKind.NORMAL,
        )
        .order_by()
        .values(code=Coalesce(F("case__reason__code"), Value("none")))
        .annotate(amount=Sum("amount"), count=Count("pk"))
        .order_by("-amount", "code")
    )

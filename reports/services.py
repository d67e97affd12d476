"""Writes of the platform layer (upserts on the natural key) and of the report settings.

Every service here is atomic and idempotent: writing the same values again
changes no row (and so leaves `updated_at`, which the freshness job watches,
alone).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import AgentDay, SalesChannel
from orders.models import (
    AfterSalesCase,
    AfterSalesLine,
    Order,
    OrderKind,
    OrderLine,
    Refund,
    RefundLine,
    RefundStatus,
    Shipment,
    ShipmentStatus,
)
from promotions.models import AdSpendDay
from reports.models import (
    MAX_SCORE,
    ChannelFeeRate,
    DailySkuSummary,
    DailySummary,
    DailyTarget,
    DailyTraffic,
    ExpensePeriod,
    MonthlyTarget,
    OperatingExpense,
    PackagingCost,
    ReportsError,
    SplitMethod,
    StoreRating,
    SummaryWatermark,
)
from reports.selectors import (
    daily_targets_between,
    days_between,
    fee_rates_between,
    operating_expenses_between,
    packaging_costs_between,
)
from reports.splitting import WEEKDAYS, month_days, month_start, split_month
from storeops import business_day, money
from storeops.compiled import CompiledQuery
from storeops.money import CENT, ZERO
from storeops.upsert import CREATED, UNCHANGED, UPDATED, save_by_key

TRAFFIC_FIELDS = ("visitors", "page_views")
RATING_FIELDS = ("description", "service", "logistics")


def _upsert(
    model: type, key_fields: Sequence[str], value_fields: Sequence[str], rows: list[dict[str, Any]]
) -> list[str]:
    """Create or update one row per natural key; rows whose values are already stored are left."""
    channel_ids = {row["channel"].pk for row in rows}
    dates = {row["date"] for row in rows}
    existing = {
        tuple(getattr(obj, field) for field in ("channel_id", *key_fields[1:])): obj
        # No ordering: the default one joins the channel, whose row must not be locked.
        for obj in model.objects.select_for_update()
        .filter(channel_id__in=channel_ids, date__in=dates)
        .order_by()
    }
    outcomes: list[str] = []
    for row in rows:
        key = (row["channel"].pk, *(row[field] for field in key_fields[1:]))
        existing[key], outcome = save_by_key(
            stored=existing.get(key),
            build=lambda row=row: model(
                **{field: row[field] for field in (*key_fields, *value_fields)}
            ),
            lookup={field: row[field] for field in key_fields},
            values={field: row[field] for field in value_fields},
        )
        outcomes.append(outcome)
    return outcomes


@transaction.atomic
def upsert_traffic(rows: list[dict[str, Any]], *, by: Any = None) -> list[str]:
    """Store traffic rows (channel, date, source, visitors, page_views); one outcome per row.

    Atomic; the natural key is (channel, date, source) with a blank source for
    the channel's total, so re-importing a day replaces its figures.
    """
    for index, row in enumerate(rows):
        row.setdefault("source", "")
        row["source"] = row["source"] or ""
        for field in TRAFFIC_FIELDS:
            if row[field] < 0:
                raise ReportsError(_("Must not be negative."), field=field, index=index)
    return _upsert(DailyTraffic, ("channel", "date", "source"), TRAFFIC_FIELDS, rows)


def check_score(value: Decimal) -> None:
    if not Decimal(0) <= value <= MAX_SCORE:
        raise ReportsError(_("%(value)s is outside the rating scale of 0 to 5.") % {"value": value})


@transaction.atomic
def upsert_store_ratings(rows: list[dict[str, Any]], *, by: Any = None) -> list[str]:
    """Store the day's rating snapshot per channel (description, service, logistics).

    Atomic; re-importing a channel and day replaces the snapshot.
    """
    for index, row in enumerate(rows):
        for field in RATING_FIELDS:
            try:
                check_score(row[field])
            except ReportsError as error:
                raise ReportsError(error.message, field=field, index=index) from None
    return _upsert(StoreRating, ("channel", "date"), RATING_FIELDS, rows)


# Targets


def _check_weights(weights: Sequence[Any] | None) -> list[Decimal]:
    if weights is None or len(weights) != WEEKDAYS:
        raise ReportsError(_("Give seven weekday weights, Monday first."), field="weekday_weights")
    try:
        parsed = [Decimal(str(weight)) for weight in weights]
    except ArithmeticError:
        raise ReportsError(_("Weekday weights must be numbers."), field="weekday_weights") from None
    if any(not weight.is_finite() or weight < 0 for weight in parsed):
        raise ReportsError(_("Weekday weights must not be negative."), field="weekday_weights")
    if sum(parsed) == 0:
        raise ReportsError(
            _("At least one weekday weight must be above zero."), field="weekday_weights"
        )
    return parsed


def plan_daily_split(
    *,
    month: dt.date,
    amount: Decimal | None,
    split_method: str,
    weekday_weights: Sequence[Any] | None = None,
    daily_amounts: dict[dt.date, Decimal] | None = None,
) -> tuple[Decimal, dict[dt.date, Decimal]]:
    """The month's amount and its daily targets, without writing anything (the preview).

    Even and weekday splits share `amount` in exact cents (largest remainder).
    By hand, `daily_amounts` gives the days (missing days get 0.00) and the
    month's amount is their sum; an `amount` given as well must equal it.
    """
    month = month_start(month)
    days = month_days(month)
    if split_method == SplitMethod.MANUAL:
        daily_amounts = daily_amounts or {}
        outside = sorted(day for day in daily_amounts if month_start(day) != month)
        if outside:
            raise ReportsError(
                _("%(day)s is not in %(month)s.") % {"day": outside[0], "month": f"{month:%Y-%m}"},
                field="daily_amounts",
            )
        if any(value < 0 for value in daily_amounts.values()):
            raise ReportsError(_("Daily targets must not be negative."), field="daily_amounts")
        split = {day: daily_amounts.get(day, Decimal("0.00")) for day in days}
        total = sum(split.values(), Decimal("0.00"))
        if amount is not None and amount != total:
            raise ReportsError(
                _("The days add up to %(total)s, not to the month's %(amount)s.")
                % {"total": total, "amount": amount},
                field="amount",
            )
        return total, split
    if amount is None or amount < 0:
        raise ReportsError(_("Enter a target of zero or more."), field="amount")
    if amount.as_tuple().exponent < -2:
        raise ReportsError(_("Use at most two decimal places."), field="amount")
    amount = amount.quantize(CENT)  # exact already (checked above): 100 -> 100.00
    if split_method == SplitMethod.WEEKDAY:
        return amount, split_month(month, amount, _check_weights(weekday_weights))
    if split_method == SplitMethod.EVEN:
        return amount, split_month(month, amount)
    raise ReportsError(_("Unknown split method."), field="split_method")


@transaction.atomic
def save_monthly_target(
    *,
    month: dt.date,
    channel: SalesChannel | None,
    amount: Decimal | None,
    split_method: str,
    weekday_weights: Sequence[Any] | None = None,
    daily_amounts: dict[dt.date, Decimal] | None = None,
    by: Any = None,
) -> tuple[MonthlyTarget, bool]:
    """Create or replace the month's target (store-wide when `channel` is None) and its days.

    Atomic and locking (the target row); idempotent: saving the same target
    again leaves every row as it was. Only days whose amount changed are
    rewritten. Returns the target and whether it was created.
    """
    month = month_start(month)
    total, split = plan_daily_split(
        month=month,
        amount=amount,
        split_method=split_method,
        weekday_weights=weekday_weights,
        daily_amounts=daily_amounts,
    )
    weights = (
        [str(weight) for weight in _check_weights(weekday_weights)]
        if split_method == SplitMethod.WEEKDAY
        else []
    )
    target = _locked_target(month, channel)
    created = target is None
    if created:
        target = MonthlyTarget.objects.create(
            month=month,
            channel=channel,
            amount=total,
            split_method=split_method,
            weekday_weights=weights,
            updated_by=by,
        )
    elif (target.amount, target.split_method, target.weekday_weights) != (
        total,
        split_method,
        weights,
    ):
        target.amount, target.split_method, target.weekday_weights = total, split_method, weights
        target.updated_by = by
        target.save(
            update_fields=["amount", "split_method", "weekday_weights", "updated_by", "updated_at"]
        )
    _store_days(target, split)
    return target, created


def _locked_target(month: dt.date, channel: SalesChannel | None) -> MonthlyTarget | None:
    # Ordered by pk: the default ordering outer-joins the (nullable) channel,
    # which PostgreSQL cannot lock FOR UPDATE.
    return (
        MonthlyTarget.objects.select_for_update()
        .filter(month=month, channel=channel)
        .order_by("pk")
        .first()
    )


def _store_days(target: MonthlyTarget, split: dict[dt.date, Decimal]) -> dict[dt.date, str]:
    existing = {row.date: row for row in target.days.all()}
    outcomes: dict[dt.date, str] = {}
    new_rows = []
    for day, amount in split.items():
        row = existing.get(day)
        if row is None:
            new_rows.append(DailyTarget(target=target, date=day, amount=amount))
            outcomes[day] = CREATED
        elif row.amount != amount:
            row.amount = amount
            row.save(update_fields=["amount", "updated_at"])
            outcomes[day] = UPDATED
        else:
            outcomes[day] = UNCHANGED
    DailyTarget.objects.bulk_create(new_rows)
    return outcomes


@transaction.atomic
def set_daily_targets(rows: list[dict[str, Any]], *, by: Any = None) -> list[str]:
    """Set daily targets by hand: rows of (date, channel or None, amount).

    The months touched become split by hand: their other days keep the amounts
    they had (from the earlier split, or 0.00 for a new month) and the month's
    amount becomes the sum of its days. Atomic; one outcome per row.
    """
    by_month: dict[tuple[dt.date, int | None], list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        if row["amount"] < 0:
            raise ReportsError(
                _("Daily targets must not be negative."), field="amount", index=index
            )
        channel = row.get("channel")
        by_month[(month_start(row["date"]), channel.pk if channel else None)].append(index)
    outcomes: list[str] = [UNCHANGED] * len(rows)
    for (month, _channel_id), indexes in by_month.items():
        channel = rows[indexes[0]].get("channel")
        target = _locked_target(month, channel)
        current = dict(target.days.values_list("date", "amount")) if target else {}
        days = dict(current)
        for index in indexes:
            days[rows[index]["date"]] = rows[index]["amount"]
        save_monthly_target(
            month=month,
            channel=channel,
            amount=None,
            split_method=SplitMethod.MANUAL,
            daily_amounts=days,
            by=by,
        )
        for index in indexes:
            day = rows[index]["date"]
            if day not in current:
                outcomes[index] = CREATED
            elif current[day] != rows[index]["amount"]:
                outcomes[index] = UPDATED
    return outcomes


# Cost settings


def _percent_to_rate(value: Decimal, field: str) -> Decimal:
    if not Decimal(0) <= value <= Decimal(100):
        raise ReportsError(_("Enter a percentage from 0 to 100."), field=field)
    return value / Decimal(100)


@transaction.atomic
def save_fee_rate(
    *,
    channel: SalesChannel,
    effective_from: dt.date,
    commission_percent: Decimal,
    payment_fee_percent: Decimal,
    by: Any = None,
) -> tuple[ChannelFeeRate, bool]:
    """Set a channel's fee rates from a date on (percent in, fractions stored).

    Earlier rates stay, so history is costed with the rates of its time;
    saving a second time for the same channel and date replaces that entry.
    """
    values = {
        "commission_rate": _percent_to_rate(commission_percent, "commission_percent"),
        "payment_fee_rate": _percent_to_rate(payment_fee_percent, "payment_fee_percent"),
    }
    return ChannelFeeRate.objects.update_or_create(
        channel=channel, effective_from=effective_from, defaults=values
    )


@transaction.atomic
def save_packaging_cost(
    *, effective_from: dt.date, amount: Decimal, by: Any = None
) -> tuple[PackagingCost, bool]:
    """Set the packaging cost per shipment from a date on; earlier costs stay for history."""
    if amount < 0:
        raise ReportsError(_("Enter an amount of zero or more."), field="amount")
    return PackagingCost.objects.update_or_create(
        effective_from=effective_from, defaults={"amount": amount}
    )


@transaction.atomic
def save_operating_expense(
    *, period: str, date: dt.date, label: str, amount: Decimal, by: Any = None
) -> tuple[OperatingExpense, bool]:
    """Record an operating expense of a day or of a whole month (`date` is then any day in it).

    Upserts on (period, day or month, description): entering the same
    expense again replaces its amount.
    """
    if amount < 0:
        raise ReportsError(_("Enter an amount of zero or more."), field="amount")
    if period not in ExpensePeriod.values:
        raise ReportsError(_("Unknown period."), field="period")
    if not label.strip():
        raise ReportsError(_("Describe the expense."), field="label")
    if period == ExpensePeriod.MONTH:
        date = month_start(date)
    return OperatingExpense.objects.update_or_create(
        period=period, date=date, label=label.strip(), defaults={"amount": amount}
    )


# The daily summary

SUMMARY_PARTS = (
    "paid_sales",
    "goods_sales",
    "paid_orders",
    "paying_buyers",
    "items_sold",
    "discounts",
    "visitors",
    "page_views",
    "buyers_with_traffic",
    "new_buyers",
    "refunds",
    "refunded_orders",
    "refunds_of_paid",
    "refunded_paid_orders",
    "ad_spend",
    "affiliate_commission",
    "cogs",
    "shipping_cost",
    "platform_fees",
    "other_costs",
    "dsr_description",
    "dsr_service",
    "dsr_logistics",
    "shipped_orders",
    "shipped_within_24h",
    "sales_target",
)
# Summed over the channel rows to make the store row (the rest are computed for the store).
ADDITIVE_PARTS = (
    "paid_sales",
    "goods_sales",
    "paid_orders",
    "items_sold",
    "discounts",
    "buyers_with_traffic",
    "refunds",
    "refunded_orders",
    "refunds_of_paid",
    "refunded_paid_orders",
    "cogs",
    "shipping_cost",
    "platform_fees",
    "shipped_orders",
    "shipped_within_24h",
)
NEW_BUYER_LOOKBACK_DAYS = 365
# Rows committed a little after the watermark was read may carry an earlier
# `updated_at` (it is set when the row is saved, not when the transaction
# commits): look back this far before the watermark so they are not missed.
WATERMARK_OVERLAP = dt.timedelta(minutes=5)
# Many days are built a run at a time: a handful of queries per run, not some forty per day.
BUILD_RUN_DAYS = 31
BULK_BATCH_ROWS = 100
# The name of the threads that build runs side by side or read a build's figures aside.
BUILD_THREADS = "summary-build"


def _by_day(rows: Any, day: str = "day", key: str | None = "channel") -> dict[Any, dict[str, Any]]:
    """{(day, channel id): the row's other values}, or {day: ...} without a `key`."""
    if key is None:
        return {row.pop(day): row for row in rows}
    return {(row.pop(day), row.pop(key)): row for row in rows}


def _in_store_days(field: str, first: dt.date, last: dt.date) -> tuple[Q, TruncDate]:
    """A moment field within the business days `first`..`last`, and its business day."""
    start, end = business_day.bounds(first)[0], business_day.bounds(last)[1]
    condition = Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return condition, TruncDate(field, tzinfo=business_day.store_zone())


def _line_sums(first: dt.date, last: dt.date) -> dict[Any, dict[str, Any]]:
    """{(day, channel id): items sold and cost of the lines of the days' paid orders}.

    Sold orders' lines are summed from the days' `DailySkuSummary` channel rows
    (built first, in the same transaction: `build_days`), so the lines are read
    once per build; replacements (whose goods cost as much, but sell no items)
    add the cost of their own few lines.
    """
    sums = _by_day(
        DailySkuSummary.objects.filter(date__gte=first, date__lte=last, channel__isnull=False)
        .values("date", "channel")
        .annotate(items_sold=Sum("units_sold"), cost=Sum("cost_of_goods"))
        .order_by(),
        day="date",
    )
    replacements = (
        OrderLine.objects.filter(
            order__business_date__gte=first,
            order__business_date__lte=last,
            order__paid_at__isnull=False,
            order__kind=OrderKind.REPLACEMENT,
        )
        .values(day=F("order__business_date"), channel=F("order__channel"))
        .annotate(cost=Sum(F("quantity") * Coalesce(F("unit_cost"), ZERO)))
        .order_by()
    )
    for key, row in _by_day(replacements).items():
        line_sums = sums.setdefault(key, {"items_sold": 0, "cost": ZERO})
        line_sums["cost"] = (line_sums["cost"] or ZERO) + row["cost"]
    return sums


def _lookback_from(column: str) -> str:
    """SQL for the first day of the new-buyer lookback before the day in `column`."""
    if connection.vendor == "postgresql":
        return f"{column} - {NEW_BUYER_LOOKBACK_DAYS}"
    if connection.vendor == "sqlite":
        return f"date({column}, '-{NEW_BUYER_LOOKBACK_DAYS} days')"
    raise NotImplementedError(connection.vendor)


def _buyers_between(
    first: dt.date, last: dt.date
) -> tuple[dict[tuple[dt.date, int], dict[str, int]], dict[dt.date, dict[str, int]]]:
    """Paying and new buyers of each day from `first` to `last`: (per channel, of the store).

    Set-based, in one query. Within a run (shorter than the 365-day lookback) a
    buyer can be new only on their first paying day of the run, and is new there
    when they paid for no order from 365 days before that day up to the run's
    first day: one probe of `order_customer_paid_day_idx` per order on a
    buyer's first day of the run, not one per order. A buyer new on D counts as
    new in every channel they bought from on D.
    """
    orders = Order._meta.db_table
    sold = "paid_at IS NOT NULL AND kind = %s"
    # No join: each row of the run carries its buyer's first paying day of the
    # run (a window), and only rows on that day ask whether the buyer paid in
    # the year before. A join of the run to its own buyers let the planner
    # re-run the probe per row on a table without statistics (a fresh or just
    # seeded database): minutes for a few thousand orders.
    sql = f"""
        WITH run AS (
            SELECT customer_id, channel_id, business_date,
                   MIN(business_date) OVER (PARTITION BY customer_id) AS first_day
            FROM {orders}
            WHERE business_date >= %s AND business_date <= %s AND {sold}
        ),
        marked AS (
            SELECT r.customer_id, r.channel_id, r.business_date,
                   CASE WHEN r.business_date = r.first_day AND NOT EXISTS (
                       SELECT 1 FROM {orders} e
                       WHERE e.customer_id = r.customer_id AND e.paid_at IS NOT NULL
                         AND e.kind = %s
                         AND e.business_date >= {_lookback_from("r.first_day")}
                         AND e.business_date < %s
                   ) THEN r.customer_id END AS new_customer
            FROM run r
        )
        SELECT business_date, channel_id, COUNT(DISTINCT customer_id),
               COUNT(DISTINCT new_customer)
        FROM marked GROUP BY business_date, channel_id
        UNION ALL
        SELECT business_date, NULL, COUNT(DISTINCT customer_id), COUNT(DISTINCT new_customer)
        FROM marked GROUP BY business_date
    """
    by_channel: dict[tuple[dt.date, int], dict[str, int]] = {}
    store: dict[dt.date, dict[str, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [first, last, OrderKind.NORMAL, OrderKind.NORMAL, first])
        for day, channel_id, paying, new in cursor.fetchall():
            # SQLite hands the day back as text.
            day = dt.date.fromisoformat(day) if isinstance(day, str) else day
            figures = {"paying_buyers": paying, "new_buyers": new}
            if channel_id is None:
                store[day] = figures
            else:
                by_channel[(day, channel_id)] = figures
    return by_channel, store


@dataclass(frozen=True)
class _OrderFigures:
    """The figures of a run of days read from orders, refunds and shipments (the big tables)."""

    sales: dict[Any, dict[str, Any]]
    buyers: dict[tuple[dt.date, int], dict[str, int]]
    store_buyers: dict[dt.date, dict[str, int]]
    restocked: dict[Any, dict[str, Any]]
    refunds: dict[Any, dict[str, Any]]
    shipments: dict[Any, dict[str, Any]]
    shipped: dict[Any, dict[str, Any]]


def _order_figures(first: dt.date, last: dt.date) -> _OrderFigures:
    """Sales, buyers, restocked cost, refunds, parcels and shipped orders of each day and channel.

    Reads only source rows (never the summaries), so it may run on another
    connection while the build's transaction writes the per-SKU rows.
    """
    # Sales count sold orders only; the cost of goods every paid order's lines (a
    # replacement's goods cost as much as sold ones), less the cost of units that
    # came back to sellable stock on D.
    paid = Order.objects.filter(
        business_date__gte=first, business_date__lte=last, paid_at__isnull=False
    ).order_by()
    sold = Q(kind=OrderKind.NORMAL)
    within_24h = sold & Q(
        shipped_at__isnull=False, shipped_at__lte=F("paid_at") + dt.timedelta(hours=24)
    )
    sales = _by_day(
        paid.values("business_date", "channel").annotate(
            paid_sales=Sum("paid_total", filter=sold),
            shipping_fees=Sum("shipping_fee", filter=sold),
            paid_orders=Count("pk", filter=sold),
            discounts=Sum(F("line_discount_total") + F("order_discount_total"), filter=sold),
            shipped_within_24h=Count("pk", filter=within_24h),
            # An order's `refunded_total` is the sum of its completed refunds (kept by
            # orders.services.refunds): no join of the day's orders to the refunds.
            refunds_of_paid=Sum("refunded_total", filter=sold),
            refunded_paid_orders=Count("pk", filter=sold & Q(refunded_total__gt=0)),
        ),
        day="business_date",
    )
    buyers, store_buyers = _buyers_between(first, last)
    received, received_day = _in_store_days("case__received_at", first, last)
    restocked = _by_day(
        AfterSalesLine.objects.filter(received, restocked_quantity__gt=0)
        .values(day=received_day, channel=F("case__order__channel"))
        .annotate(cost=Sum(F("restocked_quantity") * Coalesce(F("line__unit_cost"), ZERO)))
        .order_by()
    )
    completed = Refund.objects.filter(status=RefundStatus.COMPLETED).order_by()
    refunds = _by_day(
        completed.filter(business_date__gte=first, business_date__lte=last)
        .values("business_date", channel=F("order__channel"))
        .annotate(refunds=Sum("amount"), refunded_orders=Count("order", distinct=True)),
        day="business_date",
    )
    shipments = _by_day(
        Shipment.objects.filter(business_date__gte=first, business_date__lte=last)
        .exclude(status=ShipmentStatus.PLANNED)
        .values("business_date", channel=F("order__channel"))
        .annotate(cost=Sum("shipping_cost"), parcels=Count("pk"))
        .order_by(),
        day="business_date",
    )
    shipped_in_range, shipped_day = _in_store_days("shipped_at", first, last)
    shipped = _by_day(
        Order.objects.filter(shipped_in_range)
        .values("channel", day=shipped_day)
        .annotate(shipped_orders=Count("pk"))
        .order_by()
    )
    return _OrderFigures(sales, buyers, store_buyers, restocked, refunds, shipments, shipped)


def _figures_between(
    first: dt.date, last: dt.date, read_aside: Future[_OrderFigures] | None = None
) -> dict[dt.date, list[tuple[int | None, dict[str, Any]]]]:
    """Every figure of each day from `first` to `last`: [(None, the store's), (channel id, ...)].

    All in SQL, each figure grouped by day and channel, so a run of days costs
    the same few queries as one day. `read_aside`: the order figures being read
    on another connection (else they are read here).
    """
    line_sums = _line_sums(first, last)
    traffic = _traffic_between(first, last)
    ratings = {
        (row.date, row.channel_id): row
        for row in StoreRating.objects.filter(date__gte=first, date__lte=last).order_by()
    }
    agent_days = _service_figures(AgentDay.objects.filter(date__gte=first, date__lte=last))
    service = _by_day(_service_sums(agent_days.values("date", "channel")), day="date")
    store_service = _store_service(service)
    packaging = packaging_costs_between(first, last)
    rates = fee_rates_between(first, last)
    targets = daily_targets_between(first, last)
    expenses = operating_expenses_between(first, last)
    ad_spend = _ad_spend_between(first, last)
    channels = list(SalesChannel.objects.order_by("position", "code"))
    orders = read_aside.result() if read_aside is not None else _order_figures(first, last)

    built: dict[dt.date, list[tuple[int | None, dict[str, Any]]]] = {}
    for day in days_between(first, last):
        figures: dict[int, dict[str, Any]] = {}
        for channel in channels:
            key = (day, channel.pk)
            sale = orders.sales.get(key, {})
            paid_sales = sale.get("paid_sales") or ZERO
            parcels = orders.shipments.get(key, {})
            visits = traffic.get(key)
            rating = ratings.get(key)
            fee_rates = rates.get((channel.pk, day))
            paying_buyers = orders.buyers.get(key, {}).get("paying_buyers", 0)
            figures[channel.pk] = {
                "paid_sales": paid_sales,
                "goods_sales": paid_sales - (sale.get("shipping_fees") or ZERO),
                "paid_orders": sale.get("paid_orders", 0),
                "paying_buyers": paying_buyers,
                "items_sold": line_sums.get(key, {}).get("items_sold") or 0,
                "discounts": sale.get("discounts") or ZERO,
                "visitors": visits[0] if visits else None,
                "page_views": visits[1] if visits else None,
                "buyers_with_traffic": paying_buyers if visits else 0,
                "new_buyers": orders.buyers.get(key, {}).get("new_buyers", 0),
                "refunds": orders.refunds.get(key, {}).get("refunds") or ZERO,
                "refunded_orders": orders.refunds.get(key, {}).get("refunded_orders", 0),
                "refunds_of_paid": sale.get("refunds_of_paid") or ZERO,
                "refunded_paid_orders": sale.get("refunded_paid_orders", 0),
                "ad_spend": ZERO,
                "affiliate_commission": ZERO,
                "cogs": money.quantize(
                    (line_sums.get(key, {}).get("cost") or ZERO)
                    - (orders.restocked.get(key, {}).get("cost") or ZERO)
                ),
                "shipping_cost": (parcels.get("cost") or ZERO)
                + packaging[day] * parcels.get("parcels", 0),
                "platform_fees": (
                    money.quantize(paid_sales * fee_rates.total_rate) if fee_rates else ZERO
                ),
                "other_costs": ZERO,
                "dsr_description": rating.description if rating else None,
                "dsr_service": rating.service if rating else None,
                "dsr_logistics": rating.logistics if rating else None,
                "shipped_orders": orders.shipped.get(key, {}).get("shipped_orders", 0),
                "shipped_within_24h": sale.get("shipped_within_24h", 0),
                "sales_target": targets.get(key),
                **_service_part(service.get(key)),
            }
        store = _store_figures(
            figures, orders.store_buyers.get(day, {"paying_buyers": 0, "new_buyers": 0})
        )
        store.update(
            other_costs=expenses[day],
            **ad_spend[day],
            sales_target=targets.get((day, None)),
            **_service_part(store_service.get(day)),
        )
        built[day] = [(None, store), *figures.items()]
    return built


def _traffic_between(first: dt.date, last: dt.date) -> dict[tuple[dt.date, int], tuple[int, int]]:
    """{(day, channel id): (visitors, page views)} where traffic was imported. One query.

    A channel's total row (blank source) counts; a channel imported only per
    traffic source has the sum of its sources.
    """
    total, by_source = Q(source=""), ~Q(source="")
    rows = (
        DailyTraffic.objects.filter(date__gte=first, date__lte=last)
        .order_by()
        .values("date", "channel")
        .annotate(
            totals=Count("pk", filter=total),
            visitors_total=Sum("visitors", filter=total),
            page_views_total=Sum("page_views", filter=total),
            visitors_by_source=Sum("visitors", filter=by_source),
            page_views_by_source=Sum("page_views", filter=by_source),
        )
    )
    return {
        (row["date"], row["channel"]): (
            (row["visitors_total"], row["page_views_total"])
            if row["totals"]
            else (row["visitors_by_source"], row["page_views_by_source"])
        )
        for row in rows
    }


def _service_figures(rows: QuerySet) -> QuerySet:
    """Inquiries, paid inquirers and Σ(average first response × inquiries) of agent rows."""
    return rows.order_by().annotate(
        weighted=ExpressionWrapper(
            F("avg_first_response_seconds") * F("inquiries"),
            output_field=DecimalField(max_digits=18, decimal_places=2),
        )
    )


def _store_service(service: dict[tuple[dt.date, int | None], dict[str, Any]]) -> dict:
    """{day: the service sums of every agent row}, from the rows per (day, channel).

    Agents not tied to a channel (channel None) count for the store as a whole.
    As SQL's SUM: None values are skipped, and a sum of none is None.
    """
    store: dict[dt.date, dict[str, Any]] = {}
    for (day, _channel), row in service.items():
        sums = store.setdefault(day, dict.fromkeys(row))
        for name, value in row.items():
            if value is not None:
                sums[name] = value if sums[name] is None else sums[name] + value
    return store


def _service_part(row: dict[str, Any] | None) -> dict[str, Any]:
    if not row:
        return {"inquiries": None, "inquiries_paid": None, "first_response_weighted": None}
    return {
        "inquiries": row["inquiries"],
        "inquiries_paid": row["inquiries_paid"],
        "first_response_weighted": money.quantize(row["first_response_weighted"] or ZERO),
    }


def _service_sums(rows: QuerySet) -> QuerySet:
    return rows.annotate(
        inquiries=Sum("inquiries"),
        inquiries_paid=Sum("inquiries_paid"),
        first_response_weighted=Sum("weighted"),
    )


def _store_figures(
    channels: dict[int, dict[str, Any]], store_buyers: dict[str, Any]
) -> dict[str, Any]:
    """The store's figures that come from its channels' (the caller adds the store-wide ones)."""
    store: dict[str, Any] = {
        part: sum((row[part] for row in channels.values()), ZERO if part in MONEY_PARTS else 0)
        for part in ADDITIVE_PARTS
    }
    with_traffic = [row for row in channels.values() if row["visitors"] is not None]
    store.update(
        paying_buyers=store_buyers["paying_buyers"],
        new_buyers=store_buyers["new_buyers"],
        visitors=sum(row["visitors"] for row in with_traffic) if with_traffic else None,
        page_views=sum(row["page_views"] for row in with_traffic) if with_traffic else None,
        dsr_description=None,
        dsr_service=None,
        dsr_logistics=None,
    )
    return store


MONEY_PARTS = frozenset(
    {
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
        "sales_target",
    }
)


def _ad_spend_between(first: dt.date, last: dt.date) -> dict[dt.date, dict[str, Decimal]]:
    """{day: `ad_spend` and `affiliate_commission` of the store} (ad channels are store-wide).

    Per ad channel and day, a blank-campaign row is the channel's total;
    without one, the channel's campaigns are summed.
    """
    total, by_campaign = Q(campaign=""), ~Q(campaign="")
    rows = (
        AdSpendDay.objects.filter(date__gte=first, date__lte=last)
        .order_by()
        .values("date", "channel", "channel__is_commission_based")
        .annotate(
            totals=Count("pk", filter=total),
            total=Sum("spend", filter=total),
            campaigns=Sum("spend", filter=by_campaign),
        )
    )
    spend = {
        day: {"ad_spend": ZERO, "affiliate_commission": ZERO} for day in days_between(first, last)
    }
    for row in rows:
        part = "affiliate_commission" if row["channel__is_commission_based"] else "ad_spend"
        spend[row["date"]][part] += row["total"] if row["totals"] else row["campaigns"]
    return spend


def _is_provisional(day: dt.date, now: dt.datetime) -> bool:
    # Orders paid late on D may ship until 24 h later, on D + 1: until that day
    # has ended, `shipped_within_24h` (and the day itself) can still change.
    return now < business_day.bounds(day + dt.timedelta(days=1))[1]


# Everything build_days writes on a summary row besides its key.
_BUILT_FIELDS = tuple(
    field.name
    for field in DailySummary._meta.concrete_fields
    if field.name not in {"id", "date", "channel"}
)


def build_days(first: dt.date, last: dt.date) -> dict[dt.date, list[DailySummary]]:
    """Build (or rebuild) the summary rows of the business days `first`..`last` together.

    Aggregates in SQL, grouped by day and channel; never loads the orders.
    The days' `DailySkuSummary` rows are brought up to date first, in the same transaction
    (items sold and the cost of goods are summed from them). Atomic and locking
    (the range's summary rows); idempotent: an upsert on (date, channel), so
    building twice gives the same figures (only `built_at` moves). Returns each
    day's rows, the store's first.

    On PostgreSQL, outside a transaction, the figures of the orders are read on
    a second connection while this one writes the per-SKU rows: the two
    biggest parts of a day's build overlap (each statement of a build reads its
    own snapshot either way, at READ COMMITTED).
    """
    read_aside = _read_aside(first, last) if _may_read_aside() else None
    return _build_days(first, last, read_aside)


@transaction.atomic
def _build_days(
    first: dt.date, last: dt.date, read_aside: Future[_OrderFigures] | None = None
) -> dict[dt.date, list[DailySummary]]:
    now = timezone.now()
    if connection.vendor == "postgresql":
        # A big day's aggregates cost enough for PostgreSQL to JIT-compile them, which
        # takes longer (some 100 ms a query) than the few thousand rows take to sum.
        # The per-SKU rows of a run sort some 100,000 lines: in memory, not on disk.
        # The rows are derived and rebuilt at will, so the commit need not wait for the
        # WAL flush (tens of ms on a busy disk): a crash can lose at most the last
        # builds and the watermark after them (the WAL is flushed in order), never the
        # builds alone behind a watermark that survived.
        _set_local(jit="off", work_mem="64MB", synchronous_commit="off")
    _build_sku_days(first, last)
    wanted = _figures_between(first, last, read_aside)
    existing = {
        (row.date, row.channel_id): row
        for row in DailySummary.objects.select_for_update()
        .filter(date__gte=first, date__lte=last)
        .order_by()
    }
    built: dict[dt.date, list[DailySummary]] = {}
    new_rows: list[DailySummary] = []
    changed_rows: list[DailySummary] = []
    for day, rows in wanted.items():
        is_provisional = _is_provisional(day, now)
        for channel_id, values in rows:
            row = existing.pop((day, channel_id), None)
            if row is None:
                row = DailySummary(date=day, channel_id=channel_id)
                new_rows.append(row)
            else:
                changed_rows.append(row)
            for part, value in values.items():
                setattr(row, part, value)
            row.is_provisional = is_provisional
            row.built_at = now
            built.setdefault(day, []).append(row)
    # A channel deleted since the last build leaves no stale row behind.
    DailySummary.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
    _update_summary_rows(changed_rows)
    DailySummary.objects.bulk_create(new_rows, batch_size=BULK_BATCH_ROWS)
    return built


_aside_pool: ThreadPoolExecutor | None = None


def _may_read_aside() -> bool:
    """Whether to read the order figures aside: on PostgreSQL, outside a transaction (another
    connection would not see its rows)."""
    return (
        connection.vendor == "postgresql"
        and settings.SUMMARY_BUILD_WORKERS > 1
        and not connection.in_atomic_block
    )


def _read_aside(first: dt.date, last: dt.date) -> Future[_OrderFigures]:
    global _aside_pool
    if _aside_pool is None:
        _aside_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=BUILD_THREADS)
    return _aside_pool.submit(_order_figures_on_own_connection, first, last)


def _order_figures_on_own_connection(first: dt.date, last: dt.date) -> _OrderFigures:
    """`_order_figures` on a pool thread's connection, closed when done (none lingers)."""
    try:
        return _order_figures(first, last)
    finally:
        connections.close_all()


def _update_summary_rows(rows: list[DailySummary]) -> None:
    """Write the built fields of existing summary rows: one UPDATE … FROM (VALUES …) a batch.

    bulk_update's CASE expressions cost more in Python (some 50 ms a row) than
    the database takes; elsewhere than on PostgreSQL, a plain UPDATE per row.
    """
    if connection.vendor != "postgresql":
        for row in rows:
            row.save(update_fields=_BUILT_FIELDS)
        return
    fields = [DailySummary._meta.get_field(name) for name in _BUILT_FIELDS]
    quote = connection.ops.quote_name
    # Cast each value: a VALUES list would otherwise type its columns from text.
    placeholder = "(%s::bigint, {})".format(
        ", ".join(f"%s::{field.cast_db_type(connection)}" for field in fields)
    )
    assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in fields)
    names = ", ".join(quote(field.column) for field in fields)
    table = quote(DailySummary._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BULK_BATCH_ROWS):
            batch = rows[start : start + BULK_BATCH_ROWS]
            params: list[Any] = []
            for row in batch:
                params.append(row.pk)
                params += [
                    field.get_db_prep_save(getattr(row, field.attname), connection)
                    for field in fields
                ]
            cursor.execute(
                f"UPDATE {table} AS s SET {assignments} "
                f"FROM (VALUES {', '.join([placeholder] * len(batch))}) AS v(id, {names}) "
                "WHERE s.id = v.id",
                params,
            )


def _build_sku_days(first: dt.date, last: dt.date) -> None:
    """Bring the `DailySkuSummary` rows of the days `first`..`last` up to date, in SQL.

    The channel rows are summed from the lines of the days' paid (non-replacement)
    orders, with their completed refund lines; the store rows are the channel rows
    added up. Nothing passes through Python.
    """
    sku_table = DailySkuSummary._meta.db_table
    order_table = Order._meta.db_table
    line_table = OrderLine._meta.db_table
    refund_table = Refund._meta.db_table
    refund_line_table = RefundLine._meta.db_table
    in_days = "o.business_date >= %s AND o.business_date <= %s"
    line_columns = "l.id, l.variant_id, l.sku_code, l.title, l.quantity, l.paid_amount, l.unit_cost"
    if connection.vendor == "postgresql":
        # Each order's lines through the lines' order index. Left to itself, PostgreSQL
        # hashes the whole lines table for a big day (0.5 s for a sale day) although
        # the day's lines lie together; OFFSET 0 keeps the lateral subquery a loop.
        lines_of_each_order = (
            f"CROSS JOIN LATERAL (SELECT {line_columns} FROM {line_table} l "
            "WHERE l.order_id = o.id OFFSET 0) l"
        )
    else:
        lines_of_each_order = f"JOIN {line_table} l ON l.order_id = o.id"
    paid = f"{in_days} AND o.paid_at IS NOT NULL AND o.kind = %s"
    channel_rows = f"""
        SELECT o.business_date AS date, o.channel_id, l.variant_id,
               MAX(l.sku_code) AS sku_code, MAX(l.title) AS title,
               SUM(l.quantity) AS units_sold, SUM(l.paid_amount) AS paid_sales,
               SUM(l.quantity * COALESCE(l.unit_cost, 0)) AS cost_of_goods,
               COALESCE(SUM(r.quantity), 0) AS units_refunded,
               COALESCE(SUM(r.amount), 0) AS refunds_of_paid
        FROM {order_table} o
        {lines_of_each_order}
        LEFT JOIN (
            SELECT rl.line_id, SUM(rl.quantity) AS quantity, SUM(rl.amount) AS amount
            FROM {refund_line_table} rl
            JOIN {refund_table} rf ON rf.id = rl.refund_id
            JOIN {order_table} o ON o.id = rf.order_id
            WHERE rf.status = %s AND {paid}
            GROUP BY rl.line_id
        ) r ON r.line_id = l.id
        WHERE {paid}
        GROUP BY o.business_date, o.channel_id, l.variant_id
    """
    params = [RefundStatus.COMPLETED, first, last, OrderKind.NORMAL, first, last, OrderKind.NORMAL]
    store_rows = """
        SELECT date, CAST(NULL AS bigint) AS channel_id, variant_id, MAX(sku_code) AS sku_code,
               MAX(title) AS title, SUM(units_sold) AS units_sold, SUM(paid_sales) AS paid_sales,
               SUM(cost_of_goods) AS cost_of_goods, SUM(units_refunded) AS units_refunded,
               SUM(refunds_of_paid) AS refunds_of_paid
        FROM built GROUP BY date, variant_id
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""
                WITH built AS ({channel_rows}),
                store AS ({store_rows}),
                channel_upsert AS ({_sku_upsert("built", "channel_id IS NOT NULL")}),
                store_upsert AS ({_sku_upsert("store", "channel_id IS NULL")}),
                -- Rows no longer built go; each kind through its own partial index.
                stale_store AS (
                    DELETE FROM {sku_table} s
                    WHERE s.date >= %s AND s.date <= %s AND s.channel_id IS NULL
                      AND NOT EXISTS (
                          SELECT 1 FROM store b
                          WHERE b.date = s.date AND b.variant_id = s.variant_id
                      )
                )
                DELETE FROM {sku_table} s
                WHERE s.date >= %s AND s.date <= %s AND s.channel_id IS NOT NULL
                  AND NOT EXISTS (
                      SELECT 1 FROM built b
                      WHERE b.date = s.date AND b.channel_id = s.channel_id
                        AND b.variant_id = s.variant_id
                  )
                """,
                [*params, first, last, first, last, first, last, first, last],
            )
            return
        # Elsewhere (SQLite, the embedded default): the rows replaced, four statements.
        # One statement per kind of row: each uses its own (partial) unique index.
        for kind in ("channel_id IS NULL", "channel_id IS NOT NULL"):
            cursor.execute(
                f"DELETE FROM {sku_table} WHERE date >= %s AND date <= %s AND {kind}", [first, last]
            )
        cursor.execute(f"INSERT INTO {sku_table} ({SKU_COLUMNS}) {channel_rows}", params)
        cursor.execute(
            f"INSERT INTO {sku_table} ({SKU_COLUMNS}) "
            f"WITH built AS (SELECT * FROM {sku_table} "
            "WHERE date >= %s AND date <= %s AND channel_id IS NOT NULL) "
            f"{store_rows}",
            [first, last],
        )


SKU_COLUMNS = (
    "date, channel_id, variant_id, sku_code, title, "
    "units_sold, paid_sales, cost_of_goods, units_refunded, refunds_of_paid"
)
SKU_FIGURES = (
    "sku_code",
    "title",
    "units_sold",
    "paid_sales",
    "cost_of_goods",
    "units_refunded",
    "refunds_of_paid",
)


def _sku_upsert(source: str, kind: str) -> str:
    """PostgreSQL: insert the rows of CTE `source`, rewriting a stored row only if it changed.

    A rebuild after one order changed then writes the few rows that order
    touches instead of the day's thousands. The rows equal to a stored one are
    left out by an anti-join first (one hash join over the days' stored rows),
    so only new and changed rows take the insert's per-row conflict check; the
    partial unique index of the `kind` of row is the conflict target. Takes the
    first and last day as parameters.
    """
    table = DailySkuSummary._meta.db_table
    columns = ["date", "variant_id"] + (["channel_id"] if kind == "channel_id IS NOT NULL" else [])
    key = "date, channel_id, variant_id" if kind == "channel_id IS NOT NULL" else "date, variant_id"
    same_key = " AND ".join(f"s.{name} = b.{name}" for name in columns)
    stored = ", ".join(f"s.{name}" for name in SKU_FIGURES)
    built = ", ".join(f"b.{name}" for name in SKU_FIGURES)
    excluded = ", ".join(f"EXCLUDED.{name}" for name in SKU_FIGURES)
    assignments = ", ".join(f"{name} = EXCLUDED.{name}" for name in SKU_FIGURES)
    return (
        f"INSERT INTO {table} AS s ({SKU_COLUMNS}) SELECT {SKU_COLUMNS} FROM {source} b "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} s WHERE s.date >= %s AND s.date <= %s "
        f"AND s.{kind} AND {same_key} AND ({stored}) IS NOT DISTINCT FROM ({built})) "
        f"ON CONFLICT ({key}) WHERE {kind} DO UPDATE SET {assignments} "
        f"WHERE ({stored}) IS DISTINCT FROM ({excluded})"
    )


def build_day(day: dt.date) -> list[DailySummary]:
    """Build (or rebuild) the summary rows of a business day: the store's and each channel's.

    As `build_days` (atomic, idempotent). Returns the store row first.
    """
    return build_days(day, day)[day]


def _runs(days: Sequence[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted `days` as (first, last) runs of consecutive days, at most BUILD_RUN_DAYS long."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if runs:
            first, last = runs[-1]
            if day == last + dt.timedelta(days=1) and (day - first).days < BUILD_RUN_DAYS:
                runs[-1] = (first, day)
                continue
        runs.append((day, day))
    return runs


def build_range(
    start: dt.date, end: dt.date, progress: Callable[[int, int], None] | None = None
) -> int:
    """Build every business day from `start` to `end` (inclusive), a run of days per transaction.

    `progress(done, total)` is called after each run with the days built so far.
    Returns the number of days built.
    """
    total = max((end - start).days + 1, 0)
    _build_runs(_runs(days_between(start, end)), progress=progress, total=total)
    return total


def _build_runs(
    runs: Sequence[tuple[dt.date, dt.date]],
    *,
    progress: Callable[[int, int], None] | None = None,
    total: int = 0,
) -> None:
    """Build each run of days (`build_days`), several at once where the database allows.

    Runs share no row (each its own days), so on PostgreSQL they are built
    side by side on `SUMMARY_BUILD_WORKERS` connections: a year from scratch
    is a dozen runs, each almost all database time, and the database spreads
    them over its cores. Inside a transaction (a caller's, or a test's) the
    other connections would not see its rows, so the runs are built one after
    another on this connection, as everywhere else than on PostgreSQL.
    """
    workers = min(settings.SUMMARY_BUILD_WORKERS, len(runs))
    done = 0

    def report(run: tuple[dt.date, dt.date]) -> None:
        nonlocal done
        done += (run[1] - run[0]).days + 1
        if progress is not None:
            progress(done, total)

    if workers < 2 or connection.vendor != "postgresql" or connection.in_atomic_block:
        for run in runs:
            build_days(*run)
            report(run)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=BUILD_THREADS) as pool:
        futures = {pool.submit(_build_run_on_own_connection, run): run for run in runs}
        for future in as_completed(futures):
            future.result()  # a run that failed fails the build (its own transaction rolled back)
            report(futures[future])


def _build_run_on_own_connection(run: tuple[dt.date, dt.date]) -> None:
    """`build_days` on a worker thread, which has its own connection: closed when done."""
    try:
        _build_days(*run)  # reads on this connection alone: the other runs use the cores
    finally:
        connections.close_all()


def _days_from(first: dt.date, last: dt.date) -> set[dt.date]:
    return {first + dt.timedelta(days=offset) for offset in range((last - first).days + 1)}


# What a day found by `touched_days` means: that day, every day of its month, or
# every summarized day from it on.
DAY, MONTH, FROM = "day", "month", "from"


def _changed_days(*, since: dt.datetime) -> QuerySet:
    """(day, what the day means) of every source row changed after `since`: one UNION query.

    A change is looked for in some fifteen tables, and one round trip costs less
    than fifteen; compiled once (`_CHANGED_DAYS`), since compiling the UNION
    costs the ORM more than the database takes to answer it.
    """
    zone = business_day.store_zone()

    def changed(queryset: QuerySet, field: str, meaning: str, *, local: bool = False) -> QuerySet:
        rows = queryset.filter(updated_at__gt=since).order_by()
        if local:
            # A moment, counted on its store-local day.
            rows = rows.filter(**{f"{field}__isnull": False}).annotate(
                day=TruncDate(field, tzinfo=zone)
            )
        else:
            rows = rows.annotate(day=F(field))
        return rows.annotate(meaning=Value(meaning)).values_list("day", "meaning")

    month_expenses = OperatingExpense.objects.filter(period=ExpensePeriod.MONTH)
    sources = [
        changed(Order.objects, "business_date", DAY),
        changed(Refund.objects, "business_date", DAY),
        changed(Refund.objects, "order__business_date", DAY),
        changed(Shipment.objects, "business_date", DAY),
        changed(DailyTraffic.objects, "date", DAY),
        changed(AdSpendDay.objects, "date", DAY),
        changed(StoreRating.objects, "date", DAY),
        changed(AgentDay.objects, "date", DAY),
        changed(DailyTarget.objects, "date", DAY),
        changed(OperatingExpense.objects.filter(period=ExpensePeriod.DAY), "date", DAY),
        # Shipped orders, returns received: the day they happened.
        changed(Order.objects, "shipped_at", DAY, local=True),
        changed(AfterSalesCase.objects, "received_at", DAY, local=True),
        # A monthly expense: every day of its month.
        changed(month_expenses, "date", MONTH),
        # Fee rates and packaging costs: every summarized day from their start on.
        changed(ChannelFeeRate.objects, "effective_from", FROM),
        changed(PackagingCost.objects, "effective_from", FROM),
    ]
    return sources[0].union(*sources[1:])


_CHANGED_DAYS = CompiledQuery(_changed_days)


def touched_days(since: dt.datetime | None) -> set[dt.date]:
    """The business days whose summary a change after `since` may have altered (up to today).

    Orders: their payment day. Refunds: their completion day and the refunded
    order's payment day (`refunds_of_paid` restates). Shipments: their ship
    day. After-sales cases: the day their return arrived (the cost-of-goods
    credit). Traffic, ad spend, ratings, daily targets and expenses: their day (a
    monthly expense: every day of its month). Fee rates and packaging costs:
    every summarized day from their `effective_from` on. With no `since`,
    every day with a paid order or a summary row. Deleted rows leave no
    `updated_at` behind: rebuild the range by hand after deleting source rows.
    """
    today = business_day.today()
    if since is None:
        days = set(
            Order.objects.filter(business_date__isnull=False)
            .values_list("business_date", flat=True)
            .distinct()
        )
        days |= set(DailySummary.objects.values_list("date", flat=True).distinct())
        return {day for day in days if day <= today}

    days: set[dt.date] = set()
    rate_changes: set[dt.date] = set()
    for day, meaning in _CHANGED_DAYS.rows(key=str(business_day.store_zone()), since=since):
        if day is None:
            continue
        # SQLite hands the day back as text.
        day = dt.date.fromisoformat(day) if isinstance(day, str) else day
        if meaning == DAY:
            days.add(day)
        elif meaning == MONTH:
            days |= set(month_days(day))
        else:
            rate_changes.add(day)
    if rate_changes:
        first_summarized = (
            DailySummary.objects.order_by("date").values_list("date", flat=True).first()
        )
        for effective_from in rate_changes:
            if first_summarized is not None and effective_from <= today:
                days |= _days_from(max(effective_from, first_summarized), today)
    return {day for day in days if day <= today}


def rebuild_touched() -> list[dt.date]:
    """Rebuild the days touched since the watermark, then move the watermark on.

    The new watermark is the time read before looking for changes, and the
    search starts `WATERMARK_OVERLAP` before the old one: a change is picked
    up late or twice, never missed (building a day twice is harmless). The
    first run builds every day with a paid order. Returns the days rebuilt.
    """
    started_at = timezone.now()
    watermark = SummaryWatermark.objects.filter(pk=1).first()
    since = watermark.built_through - WATERMARK_OVERLAP if watermark else None
    days = sorted(touched_days(since))
    _build_runs(_runs(days))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Safe without waiting for the flush: the WAL is flushed in order, so a
            # watermark that survives a crash has the builds before it surviving too.
            _set_local(synchronous_commit="off")
        if not SummaryWatermark.objects.filter(pk=1).update(built_through=started_at):
            SummaryWatermark.objects.create(pk=1, built_through=started_at)
    return days


def _set_local(**settings: str) -> None:
    """PostgreSQL: set each setting for the rest of the transaction, in one round trip."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(settings)),
            [part for item in settings.items() for part in item],
        )

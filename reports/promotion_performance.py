"""Promotion performance: what each promotion and coupon batch brought in a date range.

A report, so it reads both orders and promotions (promotions sit below orders
and never read orders themselves). Figures follow METRICS.md: an order counts
on its payment day (``business_date``), paid and later refunded or cancelled
orders still count, ratios are recomputed from summed parts.

How an order is tied to a promotion:
- its ``promotion_text`` contains the promotion's name (imported orders carry
  the platform's text), or
- a ``PromotionUsage`` row names it by channel code + order number.

An order is tied to a coupon batch through a ``CouponRedemption`` of one of the
batch's codes, named the same way. The discount cost is the sum of those
usage / redemption amounts on the period's paid orders (an order matched by text
alone has no recorded discount).

Constant queries: one for the promotions and one for the batches, whatever
their number; each figure is a correlated subquery aggregated in SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from orders.models import Order
from promotions.models import (
    Coupon,
    CouponBatch,
    CouponRedemption,
    CouponStatus,
    Promotion,
    PromotionUsage,
)
from reports.dashboard import COUNT, MONEY, change
from storeops import business_day, money
from storeops.money import ZERO

MONEY_OUTPUT = DecimalField(max_digits=16, decimal_places=2)
MAX_SPAN_DAYS = 366


@dataclass(frozen=True)
class Period:
    """Business days ``start`` to ``end``, both included."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def before(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The UTC ``[start, end)`` of the whole period (from local midnights, DST-safe)."""
        return business_day.bounds(self.start)[0], business_day.bounds(self.end)[1]


@dataclass(frozen=True)
class Figures:
    orders: int = 0
    buyers: int = 0
    sales: Decimal = ZERO
    discount: Decimal = ZERO

    @property
    def avg_order_value(self) -> Decimal | None:
        """``sales / orders``, to the cent; empty without orders."""
        if not self.orders:
            return None
        return money.quantize(self.sales / self.orders)


@dataclass(frozen=True)
class Change:
    key: str
    label: str | Promise
    current: Any
    before: Any
    percent: Decimal | None
    kind: str


@dataclass
class PerformanceRow:
    kind: str  # "promotion" or "coupon_batch"
    pk: int
    name: str
    current: Figures
    before: Figures
    issued: int | None = None
    redeemed: int | None = None
    changes: list[Change] = field(default_factory=list)

    @property
    def redemption_rate(self) -> Decimal | None:
        """Codes redeemed / codes issued in the batch, as a percentage with two decimals."""
        if not self.issued or self.redeemed is None:
            return None
        return (Decimal(self.redeemed) * 100 / self.issued).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class PerformanceReport:
    period: Period
    before: Period
    promotions: list[PerformanceRow]
    coupon_batches: list[PerformanceRow]


# -- SQL building blocks ----------------------------------------------------------------------


def _sum(column: str) -> Func:
    # An aggregate the ORM does not see as one, so the subquery gets no GROUP BY:
    # one row over all its matches.
    return Func(F(column), function="SUM", output_field=MONEY_OUTPUT)


def _count(column: str, *, distinct: bool = False) -> Func:
    template = "COUNT(DISTINCT %(expressions)s)" if distinct else "COUNT(%(expressions)s)"
    return Func(F(column), function="COUNT", template=template, output_field=IntegerField())


def _scalar(queryset: QuerySet, expression: Func, default: Any) -> Coalesce:
    value = queryset.order_by().annotate(value=expression).values("value")[:1]
    return Coalesce(Subquery(value, output_field=expression.output_field), Value(default))


def _paid_orders(period: Period) -> QuerySet:
    return Order.objects.filter(
        paid_at__isnull=False, business_date__gte=period.start, business_date__lte=period.end
    )


def _order_named_by_outer_row() -> dict[str, Any]:
    """Filter kwargs matching the usage/redemption row of the outer query to an order."""
    return {"channel__code": OuterRef("channel_code"), "order_no": OuterRef("order_no")}


def _promotion_annotations(prefix: str, period: Period) -> dict[str, Any]:
    usage_of_order = PromotionUsage.objects.filter(
        promotion=OuterRef(OuterRef("pk")),
        channel_code=OuterRef("channel__code"),
        order_no=OuterRef("order_no"),
    )
    orders = _paid_orders(period).filter(
        Q(promotion_text__icontains=OuterRef("name")) | Q(Exists(usage_of_order))
    )
    usages = PromotionUsage.objects.filter(promotion=OuterRef("pk")).filter(
        Exists(_paid_orders(period).filter(**_order_named_by_outer_row()))
    )
    return _annotations(prefix, orders, usages)


def _batch_annotations(prefix: str, period: Period) -> dict[str, Any]:
    redemption_of_order = CouponRedemption.objects.filter(
        coupon__batch=OuterRef(OuterRef("pk")),
        channel_code=OuterRef("channel__code"),
        order_no=OuterRef("order_no"),
    )
    orders = _paid_orders(period).filter(Exists(redemption_of_order))
    redemptions = CouponRedemption.objects.filter(coupon__batch=OuterRef("pk")).filter(
        Exists(_paid_orders(period).filter(**_order_named_by_outer_row()))
    )
    return _annotations(prefix, orders, redemptions)


def _annotations(prefix: str, orders: QuerySet, uses: QuerySet) -> dict[str, Any]:
    return {
        f"{prefix}_orders": _scalar(orders, _count("pk"), 0),
        f"{prefix}_buyers": _scalar(orders, _count("customer_id", distinct=True), 0),
        f"{prefix}_sales": _scalar(orders, _sum("paid_total"), ZERO),
        f"{prefix}_discount": _scalar(uses, _sum("amount"), ZERO),
    }


def _figures(row: Any, prefix: str) -> Figures:
    return Figures(
        orders=getattr(row, f"{prefix}_orders"),
        buyers=getattr(row, f"{prefix}_buyers"),
        sales=money.quantize(Decimal(getattr(row, f"{prefix}_sales"))),
        discount=money.quantize(Decimal(getattr(row, f"{prefix}_discount"))),
    )


def _changes(current: Figures, before: Figures) -> list[Change]:
    pairs = [
        ("orders", _("Orders"), current.orders, before.orders, COUNT),
        ("buyers", _("Buyers"), current.buyers, before.buyers, COUNT),
        ("sales", _("Sales"), current.sales, before.sales, MONEY),
        ("discount", _("Discount cost"), current.discount, before.discount, MONEY),
        (
            "avg_order_value",
            _("Average order value"),
            current.avg_order_value,
            before.avg_order_value,
            MONEY,
        ),
    ]
    return [
        Change(key, label, now, then, change(kind, now, then), kind)
        for key, label, now, then, kind in pairs
    ]


# -- the report ----------------------------------------------------------------------------------


def promotion_performance(*, start: dt.date, end: dt.date) -> PerformanceReport:
    """Per promotion and per coupon batch: orders, buyers, sales, discount cost and
    average order value in ``start``–``end`` (business days, both included) and in the
    same-length period just before, plus each batch's redemption rate.

    Listed: promotions and batches whose time window overlaps either period.
    Two queries.
    """
    if end < start:
        raise ValueError("promotion_performance() needs start <= end")
    period = Period(start, end)
    before = period.before()
    window_start, window_end = before.bounds()[0], period.bounds()[1]

    promotions = (
        Promotion.objects.filter(starts_at__lt=window_end, ends_at__gt=window_start)
        .annotate(**_promotion_annotations("now", period))
        .annotate(**_promotion_annotations("then", before))
        .order_by("-starts_at", "-pk")
    )
    batches = (
        CouponBatch.objects.filter(valid_from__lt=window_end, valid_until__gt=window_start)
        .annotate(**_batch_annotations("now", period))
        .annotate(**_batch_annotations("then", before))
        .annotate(
            redeemed=_scalar(
                Coupon.objects.filter(batch=OuterRef("pk"), status=CouponStatus.REDEEMED),
                _count("pk"),
                0,
            )
        )
        .order_by("-valid_from", "-pk")
    )
    return PerformanceReport(
        period=period,
        before=before,
        promotions=[_row("promotion", promotion) for promotion in promotions],
        coupon_batches=[
            _row("coupon_batch", batch, issued=batch.count, redeemed=batch.redeemed)
            for batch in batches
        ],
    )


def _row(kind: str, obj: Any, **extra: Any) -> PerformanceRow:
    current, before = _figures(obj, "now"), _figures(obj, "then")
    return PerformanceRow(
        kind=kind,
        pk=obj.pk,
        name=obj.name,
        current=current,
        before=before,
        changes=_changes(current, before),
        **extra,
    )

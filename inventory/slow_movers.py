"""Slow movers and clearance candidates: per SKU, how long its stock will last.

Everything is aggregated in SQL (correlated subqueries on the stock levels and
the ledger), so a page of 50 SKUs costs the same few queries as a page of 5.
Figures per SKU, over all warehouses or one:

* ``on_hand_total``: units on hand now (SKUs with nothing on hand are left out).
* ``sold_units``: units shipped in the last ``days`` business days, today
  included (the ledger's shipment rows; returns are not netted).
* days of cover: on hand ÷ (sold ÷ days); none ("no sales") when nothing sold.
* ``last_sale_at``: the latest shipment, at any time.
* ``stock_since`` (stock age): the first stock increase (receipt, opening
  balance, transfer in, return, positive count) after the last ledger row
  that left on hand at zero, or the first increase ever when it never was
  zero. With FIFO picking the oldest unit on the shelf arrived no earlier than
  that, so it is a lower bound of the age of the oldest unconsumed receipt.
  Without a warehouse filter, "zero" is any warehouse's level reaching zero,
  which can make the age look younger than it is; filter by warehouse for a
  precise figure.
* ``value_at_cost``: on hand × current cost price, only when asked (VIEW_COSTS).

Clearance candidates: the product's season is over (a season other than the
current one; all-season products never are) and either the days of cover
exceed a threshold or nothing sold for ``NO_SALE_DAYS`` days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    DateTimeField,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from catalog.models import Season, Variant
from inventory.models import MovementKind, StockLevel, StockMovement, Warehouse
from storeops import business_day, money
from storeops.money import DECIMAL_PLACES, MAX_DIGITS

DEFAULT_DAYS = 28
DEFAULT_COVER_THRESHOLD = 90
NO_SALE_DAYS = 60
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# Months of each season in the store's (northern-hemisphere) calendar.
_SEASON_OF_MONTH = {
    **dict.fromkeys((3, 4, 5), Season.SPRING),
    **dict.fromkeys((6, 7, 8), Season.SUMMER),
    **dict.fromkeys((9, 10, 11), Season.AUTUMN),
    **dict.fromkeys((12, 1, 2), Season.WINTER),
}


def current_season(day: dt.date | None = None) -> Season:
    """The season a store-local day falls in (March–May is spring, and so on)."""
    day = day or business_day.today()
    return _SEASON_OF_MONTH[day.month]


def ended_seasons(day: dt.date | None = None) -> list[str]:
    """Seasons that are over on ``day``: every season but the current one and all-season."""
    current = current_season(day)
    return [season for season in Season.values if season not in (current, Season.ALL_SEASON)]


def _sum_per_variant(rows: QuerySet, expression) -> Subquery:
    return Subquery(
        rows.order_by().values("variant").annotate(total=Sum(expression)).values("total"),
        output_field=IntegerField(),
    )


def _latest(rows: QuerySet, *, first: bool = False) -> Subquery:
    order = "created_at" if first else "-created_at"
    return Subquery(rows.order_by(order).values("created_at")[:1], output_field=DateTimeField())


def slow_movers(
    *,
    warehouse: Warehouse | None = None,
    days: int = DEFAULT_DAYS,
    today: dt.date | None = None,
    with_costs: bool = False,
    clearance: bool = False,
    cover_threshold: int = DEFAULT_COVER_THRESHOLD,
    search: str = "",
) -> QuerySet[Variant]:
    """SKUs with stock on hand, slowest first (fewest sold, then most on hand).

    See the module docstring for the figures; ``clearance`` keeps only the
    clearance candidates. One query per page (plus the paginator's count).
    """
    today = today or business_day.today()
    since = today - dt.timedelta(days=days - 1)
    levels = StockLevel.objects.filter(variant=OuterRef("pk"))
    ledger = StockMovement.objects.filter(variant=OuterRef("pk"))
    if warehouse is not None:
        levels = levels.filter(warehouse=warehouse)
        ledger = ledger.filter(warehouse=warehouse)
    shipments = ledger.filter(kind=MovementKind.SHIPMENT)
    rows = (
        Variant.objects.select_related("product")
        .annotate(
            on_hand_total=Coalesce(_sum_per_variant(levels, "on_hand"), 0),
            sold_units=Coalesce(
                _sum_per_variant(
                    shipments.filter(business_date__gte=since, business_date__lte=today),
                    F("on_hand_change") * -1,
                ),
                0,
            ),
            last_sale_at=_latest(shipments),
            last_empty_at=Coalesce(
                _latest(ledger.filter(on_hand_after=0)),
                Value(_EPOCH, output_field=DateTimeField()),
            ),
        )
        .annotate(
            stock_since=_latest(
                ledger.filter(on_hand_change__gt=0, created_at__gt=OuterRef("last_empty_at")),
                first=True,
            )
        )
        .filter(on_hand_total__gt=0)
    )
    search = search.strip()
    if search:
        rows = rows.filter(Q(sku_code__istartswith=search) | Q(product__title__icontains=search))
    if clearance:
        start_of_today = business_day.bounds(today)[0]
        no_sale_since = start_of_today - dt.timedelta(days=NO_SALE_DAYS)
        rows = rows.alias(
            # on hand × days > threshold × sold  ⇔  days of cover > threshold (no division)
            cover_excess=ExpressionWrapper(
                F("on_hand_total") * days - F("sold_units") * cover_threshold,
                output_field=IntegerField(),
            )
        ).filter(
            Q(cover_excess__gt=0)
            | Q(last_sale_at__isnull=True)
            | Q(last_sale_at__lt=no_sale_since),
            product__season__in=ended_seasons(today),
        )
    if with_costs:
        rows = rows.annotate(
            value_at_cost=ExpressionWrapper(
                F("on_hand_total") * F("cost_price"),
                output_field=DecimalField(max_digits=MAX_DIGITS + 6, decimal_places=DECIMAL_PLACES),
            )
        )
    return rows.order_by("sold_units", "-on_hand_total", "sku_code")


@dataclass(frozen=True)
class SlowMover:
    """One row of the page and of its exports, with the figures worked out."""

    variant: Variant
    on_hand: int
    sold_units: int
    days_of_cover: Decimal | None  # None: no sales in the window
    days_since_last_sale: int | None  # None: never sold
    stock_age_days: int | None
    value_at_cost: Decimal | None
    daily_velocity: Decimal  # units sold per day in the window, to the hundredth


def days_of_cover(on_hand: int, sold_units: int, days: int) -> Decimal | None:
    """on hand ÷ (sold ÷ days), to one decimal (half up); None when nothing sold."""
    if sold_units <= 0:
        return None
    return (Decimal(on_hand) * days / sold_units).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _money(value: Decimal | None) -> Decimal | None:
    # SQLite hands back the product without its scale; show it as money.
    return None if value is None else money.quantize(Decimal(value))


def describe(
    variants, *, days: int = DEFAULT_DAYS, today: dt.date | None = None
) -> list[SlowMover]:
    """The annotated SKUs of :func:`slow_movers` as rows with day counts (no queries)."""
    today = today or business_day.today()

    def since(moment: dt.datetime | None) -> int | None:
        return None if moment is None else (today - business_day.of(moment)).days

    return [
        SlowMover(
            variant=variant,
            on_hand=variant.on_hand_total,
            sold_units=variant.sold_units,
            days_of_cover=days_of_cover(variant.on_hand_total, variant.sold_units, days),
            days_since_last_sale=since(variant.last_sale_at),
            stock_age_days=since(variant.stock_since),
            value_at_cost=_money(getattr(variant, "value_at_cost", None)),
            daily_velocity=(Decimal(variant.sold_units) / days).quantize(
                Decimal("0.01"), ROUND_HALF_UP
            ),
        )
        for variant in variants
    ]

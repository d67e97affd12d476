"""Named reads of stock, shared by pages, the API, orders and reports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Variant
from inventory.errors import UnknownSku
from inventory.models import StockLevel, StockMovement, Warehouse
from storeops.compiled import CompiledQuery
from storeops.money import DECIMAL_PLACES, MAX_DIGITS


class StockState:
    """Values of the stock list's "stock" filter."""

    LOW = "low"
    OUT = "out"
    CHOICES = [(LOW, _("Low stock")), (OUT, _("Out of stock"))]


def _default_warehouses() -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(is_default=True)[:1]


# Every paid order asks for it: compiled once (see storeops.compiled).
_DEFAULT_WAREHOUSE = CompiledQuery(_default_warehouses)


def default_warehouse() -> Warehouse | None:
    """The warehouse marked default (the first by code if several are), or None."""
    found = _DEFAULT_WAREHOUSE.instances()
    return found[0] if found else None


def active_warehouses() -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(is_active=True).order_by("-is_default", "code")


def variant_for_sku(sku_code: str) -> Variant:
    """The SKU with this code, or :class:`UnknownSku`."""
    variant = Variant.objects.select_related("product").filter(sku_code=sku_code).first()
    if variant is None:
        raise UnknownSku(sku=sku_code)
    return variant


def category_and_descendant_ids(category: Category | int) -> list[int]:
    """The id of a category and of every category below it, from one query."""
    root_id = category if isinstance(category, int) else category.pk
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, stack = [], [root_id]
    while stack:
        pk = stack.pop()
        found.append(pk)
        stack.extend(children.get(pk, []))
    return found


def with_available(levels: QuerySet[StockLevel]) -> QuerySet[StockLevel]:
    return levels.annotate(
        available_quantity=ExpressionWrapper(
            F("on_hand") - F("reserved"), output_field=IntegerField()
        )
    )


def with_value_at_cost(levels: QuerySet[StockLevel]) -> QuerySet[StockLevel]:
    """Adds ``value_at_cost`` (on hand × cost price). Only for VIEW_COSTS holders."""
    return levels.annotate(
        value_at_cost=ExpressionWrapper(
            F("on_hand") * F("variant__cost_price"),
            output_field=DecimalField(max_digits=MAX_DIGITS + 6, decimal_places=DECIMAL_PLACES),
        )
    )


def filter_stock_levels(
    levels: QuerySet[StockLevel],
    *,
    warehouse: Warehouse | None = None,
    category: Category | int | None = None,
    stock_state: str = "",
    search: str = "",
) -> QuerySet[StockLevel]:
    """Narrow stock levels by the stock list's filters.

    Low stock is available ≤ the SKU's reorder point; out of stock is
    available ≤ 0. ``category`` includes its sub-categories. ``search``
    matches the start of the SKU code or any part of the product title.
    """
    available = F("on_hand") - F("reserved")
    if warehouse is not None:
        levels = levels.filter(warehouse=warehouse)
    if category is not None:
        levels = levels.filter(
            variant__product__category_id__in=category_and_descendant_ids(category)
        )
    if stock_state == StockState.LOW:
        levels = levels.alias(stock_available=available).filter(
            stock_available__lte=F("variant__reorder_point")
        )
    elif stock_state == StockState.OUT:
        levels = levels.alias(stock_available=available).filter(stock_available__lte=0)
    search = search.strip()
    if search:
        levels = levels.filter(
            Q(variant__sku_code__istartswith=search) | Q(variant__product__title__icontains=search)
        )
    return levels


def stock_levels(
    *,
    warehouse: Warehouse | None = None,
    category: Category | int | None = None,
    stock_state: str = "",
    search: str = "",
    with_costs: bool = False,
) -> QuerySet[StockLevel]:
    """Stock levels for the stock list, its CSV export and the API, by SKU then warehouse."""
    levels = with_available(
        StockLevel.objects.select_related("variant__product__category", "warehouse")
    )
    levels = filter_stock_levels(
        levels, warehouse=warehouse, category=category, stock_state=stock_state, search=search
    )
    if with_costs:
        levels = with_value_at_cost(levels)
    return levels.order_by("variant__sku_code", "warehouse__code")


def levels_for_variant(variant: Variant, *, with_costs: bool = False) -> QuerySet[StockLevel]:
    """One SKU's level in every warehouse that has held it."""
    levels = with_available(
        StockLevel.objects.filter(variant=variant).select_related("warehouse")
    ).order_by("-warehouse__is_default", "warehouse__code")
    return with_value_at_cost(levels) if with_costs else levels


def available_by_variant(
    variant_ids: Iterable[int], *, warehouse: Warehouse | None = None
) -> dict[int, int]:
    """Available units per variant id (summed over warehouses unless one is named).

    Safe for customer service: quantities only, never cost or stock value.
    Every requested id is in the result; a SKU never stocked has 0.
    """
    ids = list(variant_ids)
    levels = StockLevel.objects.filter(variant_id__in=ids)
    if warehouse is not None:
        levels = levels.filter(warehouse=warehouse)
    rows = levels.values("variant_id").annotate(
        available=Coalesce(Sum(F("on_hand") - F("reserved")), 0)
    )
    available = dict.fromkeys(ids, 0)
    available.update({row["variant_id"]: row["available"] for row in rows})
    return available


def ledger_for(variant: Variant, *, warehouse: Warehouse | None = None) -> QuerySet[StockMovement]:
    """A SKU's stock movements, newest first (served by the ledger indexes)."""
    movements = StockMovement.objects.filter(variant=variant)
    if warehouse is not None:
        movements = movements.filter(warehouse=warehouse)
    return movements.select_related("warehouse", "created_by").order_by("-created_at", "-id")


def movements(
    *, variant: Variant | None = None, warehouse: Warehouse | None = None
) -> QuerySet[StockMovement]:
    """Stock movements for the API, newest first."""
    rows = StockMovement.objects.select_related("variant", "warehouse", "created_by")
    if variant is not None:
        rows = rows.filter(variant=variant)
    if warehouse is not None:
        rows = rows.filter(warehouse=warehouse)
    return rows.order_by("-created_at", "-id")


@dataclass(frozen=True)
class LevelDifference:
    """A stock level that does not equal the sum of its ledger rows."""

    variant_id: int
    warehouse_id: int
    level: tuple[int, int, int]
    ledger: tuple[int, int, int]


def ledger_differences() -> list[LevelDifference]:
    """Every (variant, warehouse) whose level differs from its ledger, in ONE query.

    Levels and ledger sums are stacked with UNION ALL and grouped once, so a
    level without ledger rows and ledger rows without a level both show up;
    it runs on SQLite and PostgreSQL alike and never loads rows into Python.
    """
    level_table = connection.ops.quote_name(StockLevel._meta.db_table)
    ledger_table = connection.ops.quote_name(StockMovement._meta.db_table)
    sql = f"""
        SELECT variant_id, warehouse_id,
               SUM(level_on_hand), SUM(level_reserved), SUM(level_on_order),
               SUM(ledger_on_hand), SUM(ledger_reserved), SUM(ledger_on_order)
        FROM (
            SELECT variant_id, warehouse_id,
                   on_hand AS level_on_hand, reserved AS level_reserved,
                   on_order AS level_on_order,
                   0 AS ledger_on_hand, 0 AS ledger_reserved, 0 AS ledger_on_order
            FROM {level_table}
            UNION ALL
            SELECT variant_id, warehouse_id, 0, 0, 0,
                   on_hand_change, reserved_change, on_order_change
            FROM {ledger_table}
        ) AS stacked
        GROUP BY variant_id, warehouse_id
        HAVING SUM(level_on_hand) <> SUM(ledger_on_hand)
            OR SUM(level_reserved) <> SUM(ledger_reserved)
            OR SUM(level_on_order) <> SUM(ledger_on_order)
        ORDER BY variant_id, warehouse_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [
            LevelDifference(
                variant_id=row[0],
                warehouse_id=row[1],
                level=(int(row[2]), int(row[3]), int(row[4])),
                ledger=(int(row[5]), int(row[6]), int(row[7])),
            )
            for row in cursor.fetchall()
        ]

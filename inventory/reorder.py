"""Reorder suggestions: how many units of each SKU to order from its supplier now.

For each active SKU that names a supplier::

    velocity  = units shipped in the window / window days
    suggested = max(0, ceil(velocity × (lead time + review period)
                             + safety stock − available − on order))

and a SKU is *low* when available ≤ its reorder point. The inputs are read
with three aggregate queries whatever the number of SKUs (shipments grouped by
SKU, stock levels grouped by SKU, the SKUs with their suppliers); nothing is
queried per SKU. The ceiling is taken on exact integer arithmetic, so a
velocity such as 10/28 never rounds the suggestion the wrong way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from catalog.models import Supplier, Variant
from inventory import purchasing
from inventory.errors import PurchasingError
from inventory.models import MovementKind, PurchaseOrder, StockLevel, StockMovement, Warehouse
from storeops import business_day

DEFAULT_WINDOW_DAYS = 28
DEFAULT_REVIEW_PERIOD_DAYS = 7
MAX_WINDOW_DAYS = 365
MAX_REVIEW_PERIOD_DAYS = 180


@dataclass(frozen=True)
class ReorderSuggestion:
    """One SKU's suggestion with every input, so a page can show the arithmetic."""

    variant_id: int
    sku_code: str
    product_title: str
    options_label: str
    supplier_id: int
    supplier_code: str
    supplier_name: str
    unit_cost: Decimal
    window_days: int
    window_start: dt.date
    window_end: dt.date
    units_shipped: int
    lead_time_days: int
    review_period_days: int
    safety_stock: int
    reorder_point: int
    on_hand: int
    reserved: int
    on_order: int
    suggested_quantity: int

    @property
    def velocity(self) -> Decimal:
        """Units shipped per day over the window, to 2 places (for display)."""
        return (Decimal(self.units_shipped) / Decimal(self.window_days)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )

    @property
    def cover_days(self) -> int:
        return self.lead_time_days + self.review_period_days

    @property
    def expected_demand(self) -> Decimal:
        """Units expected to ship during lead time plus review period, to 2 places."""
        return (Decimal(self.units_shipped * self.cover_days) / Decimal(self.window_days)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def is_low_stock(self) -> bool:
        return self.available <= self.reorder_point

    @property
    def needs_order(self) -> bool:
        return self.suggested_quantity > 0

    @property
    def formula(self) -> str:
        """The arithmetic behind ``suggested_quantity``, in one line."""
        return (
            f"max(0, ⌈{self.units_shipped}/{self.window_days} × "
            f"({self.lead_time_days} + {self.review_period_days}) + {self.safety_stock} "
            f"− {self.available} − {self.on_order}⌉) = {self.suggested_quantity}"
        )


def suggested_quantity(
    *,
    units_shipped: int,
    window_days: int,
    lead_time_days: int,
    review_period_days: int,
    safety_stock: int,
    available: int,
    on_order: int,
) -> int:
    """``max(0, ceil(units_shipped / window × cover + safety − available − on_order))``, exactly."""
    demand = units_shipped * (lead_time_days + review_period_days)
    # ceil(a / w + n) == ceil(a / w) + n for a whole number n; -(-a // w) is an exact ceil.
    needed = -(-demand // window_days) + safety_stock - available - on_order
    return max(0, needed)


def _check_days(value: Any, *, name: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise PurchasingError(
            _("%(name)s must be a whole number from %(minimum)s to %(maximum)s, not %(value)r."),
            code="invalid_days",
            name=name,
            minimum=minimum,
            maximum=maximum,
            value=value,
        )
    return value


def reorder_suggestions(
    *,
    supplier: Supplier | int | None = None,
    warehouse: Warehouse | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    review_period_days: int = DEFAULT_REVIEW_PERIOD_DAYS,
    as_of: dt.date | None = None,
    only_actionable: bool = False,
) -> list[ReorderSuggestion]:
    """A suggestion per active SKU with a supplier, by supplier then SKU code.

    The window is the ``window_days`` business days ending with ``as_of``
    (default today), counted by the shipments' ``business_date``. Stock is
    summed over every warehouse unless one is named. ``only_actionable`` keeps
    SKUs that need ordering or are low. Three queries in all.
    """
    window_days = _check_days(
        window_days, name=_("Window days"), minimum=1, maximum=MAX_WINDOW_DAYS
    )
    review_period_days = _check_days(
        review_period_days, name=_("Review period"), minimum=0, maximum=MAX_REVIEW_PERIOD_DAYS
    )
    window_end = as_of or business_day.today()
    window_start = window_end - dt.timedelta(days=window_days - 1)

    shipments = StockMovement.objects.filter(
        kind=MovementKind.SHIPMENT,
        business_date__gte=window_start,
        business_date__lte=window_end,
    )
    levels = StockLevel.objects.all()
    if warehouse is not None:
        shipments = shipments.filter(warehouse=warehouse)
        levels = levels.filter(warehouse=warehouse)
    variants = Variant.objects.filter(is_active=True, supplier__isnull=False)
    if supplier is not None:
        supplier_id = supplier.pk if isinstance(supplier, Supplier) else supplier
        variants = variants.filter(supplier_id=supplier_id)
        shipments = shipments.filter(variant__supplier_id=supplier_id)
        levels = levels.filter(variant__supplier_id=supplier_id)

    # Shipments are negative on-hand changes; one grouped query gives units shipped per SKU.
    shipped = dict(
        shipments.order_by()
        .values("variant_id")
        .annotate(units=Sum("on_hand_change"))
        .values_list("variant_id", "units")
    )
    stock = {
        row["variant_id"]: row
        for row in levels.order_by()
        .values("variant_id")
        .annotate(
            on_hand_sum=Sum("on_hand"),
            reserved_sum=Sum("reserved"),
            on_order_sum=Sum("on_order"),
        )
    }
    rows = variants.select_related("product", "supplier").order_by("supplier__code", "sku_code")

    suggestions = []
    for variant in rows:
        level = stock.get(variant.pk, {})
        on_hand = level.get("on_hand_sum") or 0
        reserved = level.get("reserved_sum") or 0
        on_order = level.get("on_order_sum") or 0
        units_shipped = -(shipped.get(variant.pk) or 0)
        lead_time = variant.supplier.lead_time_days
        suggestion = ReorderSuggestion(
            variant_id=variant.pk,
            sku_code=variant.sku_code,
            product_title=variant.product.title,
            options_label=variant.options_label,
            supplier_id=variant.supplier_id,
            supplier_code=variant.supplier.code,
            supplier_name=variant.supplier.name,
            unit_cost=variant.cost_price,
            window_days=window_days,
            window_start=window_start,
            window_end=window_end,
            units_shipped=units_shipped,
            lead_time_days=lead_time,
            review_period_days=review_period_days,
            safety_stock=variant.safety_stock,
            reorder_point=variant.reorder_point,
            on_hand=on_hand,
            reserved=reserved,
            on_order=on_order,
            suggested_quantity=suggested_quantity(
                units_shipped=units_shipped,
                window_days=window_days,
                lead_time_days=lead_time,
                review_period_days=review_period_days,
                safety_stock=variant.safety_stock,
                available=on_hand - reserved,
                on_order=on_order,
            ),
        )
        if only_actionable and not (suggestion.needs_order or suggestion.is_low_stock):
            continue
        suggestions.append(suggestion)
    return suggestions


def low_stock(
    *, supplier: Supplier | int | None = None, warehouse: Warehouse | None = None
) -> list[ReorderSuggestion]:
    """SKUs whose available stock is at or below their reorder point."""
    return [
        suggestion
        for suggestion in reorder_suggestions(supplier=supplier, warehouse=warehouse)
        if suggestion.is_low_stock
    ]


def create_draft_from_suggestions(
    *,
    supplier: Supplier,
    by: Any,
    warehouse: Warehouse | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    review_period_days: int = DEFAULT_REVIEW_PERIOD_DAYS,
    idempotency_key: str | None = None,
) -> PurchaseOrder:
    """Turn a supplier's positive suggestions into one draft purchase order.

    Each line orders the suggested quantity at the SKU's current cost price.
    Refused (``nothing_to_order``) when no SKU of the supplier needs ordering.
    """
    lines = [
        purchasing.PurchaseLineInput(
            variant=str(suggestion.sku_code),
            quantity=suggestion.suggested_quantity,
            unit_cost=suggestion.unit_cost,
        )
        for suggestion in reorder_suggestions(
            supplier=supplier,
            warehouse=warehouse,
            window_days=window_days,
            review_period_days=review_period_days,
        )
        if suggestion.needs_order
    ]
    if not lines:
        raise PurchasingError(
            _("No SKU of %(supplier)s needs ordering now."),
            code="nothing_to_order",
            supplier=supplier.code,
        )
    return purchasing.create_draft(
        supplier=supplier,
        warehouse=warehouse,
        lines=lines,
        by=by,
        note=str(
            _("From reorder suggestions: %(window)s-day window, %(review)s-day review period.")
            % {"window": window_days, "review": review_period_days}
        ),
        idempotency_key=idempotency_key,
    )

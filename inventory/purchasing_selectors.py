"""Named reads of purchase orders, shared by the pages and the API."""

from __future__ import annotations

from django.db.models import Count, DecimalField, F, Prefetch, QuerySet, Sum
from django.db.models.functions import Coalesce

from catalog.models import Supplier
from inventory.models import PurchaseOrder, PurchaseOrderLine, Receipt
from storeops.money import DECIMAL_PLACES, MAX_DIGITS


def purchase_orders(
    *, status: str = "", supplier: Supplier | int | None = None, with_costs: bool = False
) -> QuerySet[PurchaseOrder]:
    """Purchase orders newest first, with line count and units ordered and received.

    ``with_costs`` adds ``total_cost`` (Σ quantity × unit cost): only for VIEW_COSTS holders.
    """
    orders = PurchaseOrder.objects.select_related("supplier", "warehouse", "created_by")
    if status:
        orders = orders.filter(status=status)
    if supplier is not None:
        orders = orders.filter(supplier=supplier)
    orders = orders.annotate(
        line_count=Count("lines"),
        units_ordered=Coalesce(Sum("lines__quantity_ordered"), 0),
        units_received=Coalesce(Sum("lines__quantity_received"), 0),
    )
    if with_costs:
        orders = orders.annotate(
            total_cost=Sum(
                F("lines__quantity_ordered") * F("lines__unit_cost"),
                output_field=DecimalField(max_digits=MAX_DIGITS + 6, decimal_places=DECIMAL_PLACES),
            )
        )
    return orders.order_by("-created_at", "-id")


def purchase_order_detail(pk: int) -> QuerySet[PurchaseOrder]:
    """One purchase order with lines, deliveries and timeline prefetched."""
    return (
        PurchaseOrder.objects.filter(pk=pk)
        .select_related("supplier", "warehouse", "created_by", "ordered_by")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=PurchaseOrderLine.objects.select_related("variant__product").order_by(
                    "id"
                ),
            ),
            Prefetch(
                "receipts",
                queryset=Receipt.objects.select_related("received_by")
                .prefetch_related("lines__purchase_order_line__variant")
                .order_by("received_at", "id"),
            ),
            "events__created_by",
        )
    )

"""Stock for orders, always through ``inventory.services`` (never the stock tables)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from inventory import services as inventory
from inventory.errors import InsufficientStock, StockError
from orders.errors import OrderError
from orders.models import EventKind, Order, OrderLine
from orders.services.common import record_event


def reserve_missing(*, order: Order, by: Any) -> InsufficientStock | None:
    """Reserve what each line still lacks, all lines or none.

    Returns the shortage (and reserves nothing) when a line cannot be covered;
    the caller holds the order lock and the transaction.
    """
    lines = list(
        order.lines.select_for_update(of=("self",)).select_related("variant").order_by("pk")
    )
    needed = [(line, line.remaining_to_ship - line.reserved_quantity) for line in lines]
    needed = [(line, quantity) for line, quantity in needed if quantity > 0]
    if not needed:
        return None
    try:
        with transaction.atomic():
            for line, quantity in needed:
                inventory.reserve(
                    variant=line.variant,
                    warehouse=order.warehouse,
                    quantity=quantity,
                    by=by,
                    reason=str(_("Order %(order_no)s paid") % {"order_no": order.order_no}),
                    document_type="order",
                    document_id=str(order.pk),
                )
    except InsufficientStock as shortage:
        return shortage
    for line, quantity in needed:
        OrderLine.objects.filter(pk=line.pk).update(
            reserved_quantity=line.reserved_quantity + quantity
        )
    record_event(
        order=order,
        kind=EventKind.STOCK_RESERVED,
        by=by,
        message=", ".join(f"{line.sku_code} × {quantity}" for line, quantity in needed),
        after={line.sku_code: quantity for line, quantity in needed},
    )
    return None


def release_line(*, order: Order, line: OrderLine, quantity: int, by: Any, reason: Any) -> int:
    """Release up to ``quantity`` reserved units of a line; returns how many were released."""
    quantity = min(quantity, line.reserved_quantity)
    if quantity <= 0:
        return 0
    try:
        inventory.release(
            variant=line.variant,
            warehouse=order.warehouse,
            quantity=quantity,
            by=by,
            reason=str(reason)[:200],
            document_type="order",
            document_id=str(order.pk),
        )
    except StockError as error:
        raise OrderError(str(error), code="stock_error") from error
    line.reserved_quantity -= quantity
    OrderLine.objects.filter(pk=line.pk).update(reserved_quantity=line.reserved_quantity)
    return quantity


def release_all(*, order: Order, by: Any, reason: Any) -> dict[str, int]:
    """Release every reserved unit of the order; returns units released per SKU."""
    released: dict[str, int] = {}
    for line in order.lines.select_for_update().order_by("pk"):
        count = release_line(
            order=order, line=line, quantity=line.reserved_quantity, by=by, reason=reason
        )
        if count:
            released[line.sku_code] = released.get(line.sku_code, 0) + count
    if released:
        record_event(
            order=order,
            kind=EventKind.STOCK_RELEASED,
            by=by,
            message=", ".join(f"{sku} × {count}" for sku, count in released.items()),
            before=released,
        )
    return released

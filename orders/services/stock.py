"""Stock for orders, always through ``inventory.services`` (never the stock tables)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from inventory import services as inventory
from inventory.errors import InsufficientStock, StockError
from orders.errors import OrderError
from orders.models import EventKind, Order, OrderEvent, OrderLine
from orders.services.common import build_event, record_event


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
    shortage = _reserve(order=order, needed=needed, by=by)
    if shortage is not None:
        return shortage
    for line, quantity in needed:
        OrderLine.objects.filter(pk=line.pk).update(
            reserved_quantity=line.reserved_quantity + quantity
        )
    reserved_event(order=order, needed=needed, by=by).save(force_insert=True)
    return None


def reserve_new_lines(
    *, order: Order, lines: Sequence[OrderLine], by: Any
) -> InsufficientStock | None:
    """Reserve every unit of the lines of an order being created, all lines or none.

    The lines are not stored yet: their ``reserved_quantity`` is set here, so
    they go into the database with it (no UPDATE per line). Returns the
    shortage (and reserves nothing) when a line cannot be covered. The order
    row is stored, new in the caller's transaction; the caller writes the
    timeline row (see :func:`reserved_event`).

    One line costs an UPDATE and a ledger INSERT through ``inventory.reserve``.
    Several lines would cost a savepoint and two statements each there;
    :func:`inventory.services.plan_reservations` gives the same levels and
    ledger rows in three statements (levels locked in SKU order, one UPDATE,
    one INSERT). They are planned in the order ``_reserve`` takes them, so the
    ledger rows come out in the same order and a shortage names the same line.
    """
    if len(lines) == 1:
        shortage = _reserve(order=order, needed=[(lines[0], lines[0].quantity)], by=by)
    else:
        plan = inventory.plan_reservations(
            groups=[
                (
                    [
                        inventory.ReservationLine(line.variant, line.quantity)
                        for line in sorted(lines, key=lambda line: line.variant_id)
                    ],
                    _paid_reason(order),
                    "order",
                )
            ],
            warehouse=order.warehouse,
            by=by,
        )
        shortage = plan.shortages[0]
        if shortage is None:
            plan.write(document_ids=[str(order.pk)])
    if shortage is None:
        for line in lines:
            line.reserved_quantity = line.quantity
    return shortage


def _paid_reason(order: Order) -> str:
    """The ledger's reason for an order's reservations."""
    return str(_("Order %(order_no)s paid") % {"order_no": order.order_no})


def _reserve(
    *, order: Order, needed: Sequence[tuple[OrderLine, int]], by: Any
) -> InsufficientStock | None:
    """The stock side of a reservation: every ``(line, quantity)`` or none."""
    reason = _paid_reason(order)

    def reserve_each() -> None:
        # Stock rows are locked in SKU order (as the batch import locks them):
        # two orders holding the same SKUs in opposite order cannot deadlock.
        for line, quantity in sorted(
            needed, key=lambda item: (item[0].variant_id, item[0].pk or 0)
        ):
            inventory.reserve(
                variant=line.variant,
                warehouse=order.warehouse,
                quantity=quantity,
                by=by,
                reason=reason,
                document_type="order",
                document_id=str(order.pk),
                in_callers_transaction=True,
            )

    try:
        if len(needed) == 1:
            # A refused single reservation writes nothing: no rollback point needed.
            reserve_each()
        else:
            # A refusal on a later line must undo the earlier ones.
            with transaction.atomic():
                reserve_each()
    except InsufficientStock as shortage:
        return shortage
    return None


def reserved_event(*, order: Order, needed: Sequence[tuple[OrderLine, int]], by: Any) -> OrderEvent:
    """The timeline row of a reservation, not saved yet."""
    return build_event(
        order=order,
        kind=EventKind.STOCK_RESERVED,
        by=by,
        message=", ".join(f"{line.sku_code} × {quantity}" for line, quantity in needed),
        after={line.sku_code: quantity for line, quantity in needed},
    )


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

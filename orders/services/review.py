"""Order review (审单): automatic checks on payment, then approve, hold or edit.

Guarantees shared by the services below: each is atomic, locks the order
row(s) it changes (several orders in id order), writes a timeline row with
the before and after, and a refused call raises :class:`OrderError` and
changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from catalog.models import Variant
from customers.services import normalize_phone
from inventory import services as inventory
from inventory.errors import StockError
from orders.errors import OrderError
from orders.models import (
    EventKind,
    Order,
    OrderEvent,
    OrderLine,
    OrderSettings,
    OrderStatus,
    ReviewReason,
    ReviewState,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from orders.services.common import (
    build_event,
    check_quantity,
    check_user,
    lock_order,
    lock_orders,
    record_event,
    unit_cost_at,
)
from orders.services.stock import release_line, reserve_missing
from storeops.compiled import CompiledQuery

PAYABLE_REPEAT_STATUSES = frozenset(
    {
        OrderStatus.PAID,
        OrderStatus.PARTIALLY_SHIPPED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.COMPLETED,
    }
)
EDITABLE_STATUSES = (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID)
ADDRESS_FIELDS = ("recipient_name", "phone", "province", "city", "address")


def review_reasons(
    *,
    order: Order,
    is_new_buyer: bool,
    stock_short: bool,
    rules: OrderSettings | None = None,
    has_recent_duplicate: Callable[[Order], bool] | None = None,
) -> list[str]:
    """The review checks an order fails, as ``ReviewReason`` codes (empty: it passes).

    ``rules``: the settings row when the caller has read it already.
    ``has_recent_duplicate``: how to tell whether another order went to the same
    phone or address within the rules' window (default: ask the stored orders;
    a batch import answers from the orders it holds in memory).
    """
    rules = rules or OrderSettings.load()
    reasons = []
    if stock_short and rules.check_stock:
        reasons.append(ReviewReason.OUT_OF_STOCK)
    if rules.check_address and not all(getattr(order, field).strip() for field in ADDRESS_FIELDS):
        reasons.append(ReviewReason.INCOMPLETE_ADDRESS)
    if rules.check_buyer_note and order.buyer_note.strip():
        reasons.append(ReviewReason.BUYER_NOTE)
    if rules.amount_limit is not None and order.paid_total > rules.amount_limit:
        reasons.append(ReviewReason.AMOUNT_ABOVE_LIMIT)
    if (
        is_new_buyer
        and rules.new_buyer_amount_limit is not None
        and order.paid_total > rules.new_buyer_amount_limit
    ):
        reasons.append(ReviewReason.NEW_BUYER_HIGH_AMOUNT)
    if rules.duplicate_window_minutes:
        if has_recent_duplicate is None:
            is_duplicate = _has_recent_duplicate(order, minutes=rules.duplicate_window_minutes)
        else:
            is_duplicate = has_recent_duplicate(order)
        if is_duplicate:
            reasons.append(ReviewReason.DUPLICATE_RECIPIENT)
    return [str(reason) for reason in reasons]


def _recent_orders_to(
    *,
    start: dt.datetime,
    end: dt.datetime,
    phone: str | None = None,
    province: str | None = None,
    city: str | None = None,
    address: str | None = None,
    other_than: int | None = None,
) -> QuerySet[Order]:
    """Live orders placed from ``start`` to ``end`` to this phone or this address."""
    same_recipient = Q()
    if phone is not None:
        same_recipient |= Q(phone=phone)
    if address is not None:
        same_recipient |= Q(province=province, city=city, address=address)
    others = Order.objects.filter(same_recipient, placed_at__gte=start, placed_at__lte=end)
    if other_than is not None:
        others = others.exclude(pk=other_than)
    return (
        others.exclude(status__in=[OrderStatus.CANCELLED, OrderStatus.CLOSED])
        .order_by()
        .values_list("pk")[:1]
    )


# Every paid order asks this: compiled once (the ORM took more CPU building the
# query than the database takes to answer it on the (address, placed_at) index).
_RECENT_ORDERS_TO = CompiledQuery(_recent_orders_to)


def _has_recent_duplicate(order: Order, *, minutes: int) -> bool:
    """Whether another live order went to the same phone or address within ``minutes``."""
    window = dt.timedelta(minutes=minutes)
    recipient: dict[str, Any] = {}
    if order.phone:
        recipient["phone"] = order.phone
    if order.address.strip():
        recipient.update(province=order.province, city=order.city, address=order.address)
    if not recipient:
        return False
    if order.pk is not None:  # else checked before the new order is stored
        recipient["other_than"] = order.pk
    return bool(
        _RECENT_ORDERS_TO.rows(
            start=order.placed_at - window, end=order.placed_at + window, **recipient
        )
    )


def apply_review(*, order: Order, reasons: list[str], by: Any) -> None:
    """Release the order, or send it to the exception queue with its reasons."""
    set_review(order=order, reasons=reasons)
    order.save(update_fields=["review_state", "review_reasons", "updated_at"])
    reviewed_event(order=order, by=by).save(force_insert=True)


def set_review(*, order: Order, reasons: list[str]) -> None:
    """The outcome of the checks on the order in memory; the caller stores it."""
    order.review_state = ReviewState.EXCEPTION if reasons else ReviewState.RELEASED
    order.review_reasons = reasons


def reviewed_event(*, order: Order, by: Any) -> OrderEvent:
    """The timeline row of :func:`set_review`'s outcome, not saved yet."""
    labels = [str(ReviewReason(reason).label) for reason in order.review_reasons]
    return build_event(
        order=order,
        kind=EventKind.REVIEWED,
        by=by,
        message="; ".join(labels) if labels else _("All checks passed: released to the warehouse."),
        after={"review_state": order.review_state, "review_reasons": order.review_reasons},
    )


def _check_reviewable(order: Order) -> None:
    if order.status not in (OrderStatus.PAID, OrderStatus.PARTIALLY_SHIPPED):
        raise OrderError(
            _("Only paid, not fully shipped orders can be reviewed; %(order_no)s is %(status)s."),
            code="not_reviewable",
            order_no=order.order_no,
            status=order.get_status_display(),
        )


def approve_order(*, order: Order, by: Any, note: str = "") -> Order:
    """Release an order to the warehouse after review.

    Stock an imported order could not reserve is reserved now; when it still
    cannot be, the approval is refused and nothing changes. Atomic, locking;
    approving a released order changes nothing.
    """
    check_user(by)
    with transaction.atomic():
        order = lock_order(order)
        _check_reviewable(order)
        if order.review_state == ReviewState.RELEASED:
            return order
        shortage = reserve_missing(order=order, by=by)
        if shortage is not None:
            raise OrderError(str(shortage), code="insufficient_stock", **shortage.details)
        before = {"review_state": order.review_state, "review_reasons": order.review_reasons}
        order.review_state = ReviewState.RELEASED
        order.review_reasons = []
        order.review_note = note[:300]
        order.save(update_fields=["review_state", "review_reasons", "review_note", "updated_at"])
        record_event(
            order=order,
            kind=EventKind.APPROVED,
            by=by,
            message=note,
            before=before,
            after={"review_state": order.review_state},
        )
    return order


def hold_order(*, order: Order, by: Any, reason: str) -> Order:
    """Stop an order from shipping until someone approves it. Atomic, locking."""
    check_user(by)
    reason = (reason or "").strip()
    if not reason:
        raise OrderError(_("Say why the order is put on hold."), code="missing_reason")
    with transaction.atomic():
        order = lock_order(order)
        _check_reviewable(order)
        before = {"review_state": order.review_state, "review_note": order.review_note}
        order.review_state = ReviewState.ON_HOLD
        order.review_note = reason[:300]
        order.save(update_fields=["review_state", "review_note", "updated_at"])
        record_event(
            order=order,
            kind=EventKind.HELD,
            by=by,
            message=reason,
            before=before,
            after={"review_state": order.review_state, "review_note": order.review_note},
        )
    return order


def _check_not_shipped(order: Order) -> None:
    if (
        order.status not in EDITABLE_STATUSES
        or order.shipments.exclude(status=ShipmentStatus.PLANNED).exists()
    ):
        raise OrderError(
            _("Order %(order_no)s has shipped or is closed: it can no longer be edited."),
            code="not_editable",
            order_no=order.order_no,
        )


def update_address(
    *,
    order: Order,
    by: Any,
    recipient_name: str,
    phone: str,
    province: str,
    city: str,
    address: str,
) -> Order:
    """Change where an unshipped order goes; the old and new address are on the timeline.

    Atomic, locking; an unchanged address writes nothing.
    """
    check_user(by)
    new = {
        "recipient_name": recipient_name.strip()[:100],
        "phone": normalize_phone(phone),
        "province": province.strip()[:50],
        "city": city.strip()[:50],
        "address": address.strip()[:300],
    }
    with transaction.atomic():
        order = lock_order(order)
        _check_not_shipped(order)
        before = {field: getattr(order, field) for field in ADDRESS_FIELDS}
        if before == new:
            return order
        for field, value in new.items():
            setattr(order, field, value)
        order.save(update_fields=[*ADDRESS_FIELDS, "updated_at"])
        record_event(order=order, kind=EventKind.ADDRESS_CHANGED, by=by, before=before, after=new)
    return order


def change_line_variant(
    *, line: OrderLine, variant: Variant, by: Any, reason: str = ""
) -> OrderLine:
    """Swap the SKU of an unshipped line (the buyer wants another size or colour).

    The price stays what the buyer paid; the unit cost becomes the new SKU's
    cost at payment. Reserved units move from the old SKU to the new one;
    refused (nothing changes) when the new SKU lacks stock. Atomic, locking.
    """
    check_user(by)
    with transaction.atomic():
        order = lock_order(line.order)
        _check_not_shipped(order)
        line = OrderLine.objects.select_for_update().get(pk=line.pk)
        if line.variant_id == variant.pk:
            return line
        if line.shipment_lines.exists():
            raise OrderError(
                _("Line %(sku)s is in a planned shipment: cancel the split first."),
                code="line_in_shipment",
                sku=line.sku_code,
            )
        before = {"sku_code": line.sku_code, "unit_cost": str(line.unit_cost)}
        reserved = line.reserved_quantity
        release_line(order=order, line=line, quantity=reserved, by=by, reason=_("Line changed"))
        if reserved:
            try:
                inventory.reserve(
                    variant=variant,
                    warehouse=order.warehouse,
                    quantity=reserved,
                    by=by,
                    reason=str(_("Order %(order_no)s line changed") % {"order_no": order.order_no}),
                    document_type="order",
                    document_id=str(order.pk),
                )
            except StockError as error:
                raise OrderError(str(error), code="insufficient_stock") from error
        line.variant = variant
        line.sku_code = variant.sku_code
        line.title = variant.product.title[:200]
        line.reserved_quantity = reserved
        if order.paid_at is not None:
            line.unit_cost = unit_cost_at(variant, order.paid_at)
        line.save()
        record_event(
            order=order,
            kind=EventKind.LINE_CHANGED,
            by=by,
            message=reason,
            before=before,
            after={"sku_code": line.sku_code, "unit_cost": str(line.unit_cost)},
        )
    return line


def split_into_shipments(
    *, order: Order, parts: Sequence[Sequence[tuple[OrderLine, int]]], by: Any
) -> list[Shipment]:
    """Plan the order as several parcels; each is shipped later with its tracking number.

    Each part is a list of ``(line, quantity)``; together they may not plan
    more of a line than is left to ship. Atomic, locking.
    """
    check_user(by)
    if len(parts) < 2:
        raise OrderError(_("A split needs at least two parts."), code="split_too_small")
    with transaction.atomic():
        order = lock_order(order)
        _check_reviewable(order)
        lines = {line.pk: line for line in order.lines.all()}
        planned = dict(
            ShipmentLine.objects.filter(shipment__status=ShipmentStatus.PLANNED, line__order=order)
            .values_list("line_id")
            .annotate(total=Sum("quantity"))
        )
        wanted: dict[int, int] = {}
        for part in parts:
            if not part:
                raise OrderError(_("Every part of a split needs a line."), code="empty_part")
            for line, quantity in part:
                if line.pk not in lines:
                    raise OrderError(
                        _("Line %(sku)s is not on this order."),
                        code="foreign_line",
                        sku=line.sku_code,
                    )
                wanted[line.pk] = wanted.get(line.pk, 0) + check_quantity(quantity)
        for line_id, quantity in wanted.items():
            line = lines[line_id]
            if quantity + planned.get(line_id, 0) > line.remaining_to_ship:
                raise OrderError(
                    _("Only %(left)s of %(sku)s are left to ship."),
                    code="quantity_exceeds_remaining",
                    left=line.remaining_to_ship - planned.get(line_id, 0),
                    sku=line.sku_code,
                )
        shipments = []
        for part in parts:
            shipment = Shipment.objects.create(order=order, created_by=by)
            merged: dict[int, int] = {}
            for line, quantity in part:
                merged[line.pk] = merged.get(line.pk, 0) + quantity
            ShipmentLine.objects.bulk_create(
                ShipmentLine(shipment=shipment, line_id=line_id, quantity=quantity)
                for line_id, quantity in merged.items()
            )
            shipments.append(shipment)
        record_event(
            order=order,
            kind=EventKind.SPLIT,
            by=by,
            message=_("Split into %(count)s parcels") % {"count": len(shipments)},
            after={
                "shipments": [
                    {lines[line.pk].sku_code: quantity for line, quantity in part} for part in parts
                ]
            },
        )
    return shipments


def merge_orders(*, orders: Sequence[Order], by: Any) -> Order:
    """Ship several orders of one buyer to one address as one parcel.

    All must be paid and unshipped, of the same customer, recipient, phone,
    address and warehouse, and not merged already. The earliest paid order
    becomes the one that ships; the others point to it (``merged_into``).
    Atomic; locks every order in id order. Returns the shipping order.
    """
    check_user(by)
    if len({order.pk for order in orders}) < 2:
        raise OrderError(_("Merging needs at least two orders."), code="merge_too_small")
    with transaction.atomic():
        locked = lock_orders(orders)
        first = locked[0]
        for order in locked:
            if (
                order.status != OrderStatus.PAID
                or order.merged_into_id is not None
                or order.merged_orders.exists()
                or order.shipments.exists()
            ):
                raise OrderError(
                    _("Order %(order_no)s is not a paid, unshipped, unmerged order."),
                    code="not_mergeable",
                    order_no=order.order_no,
                )
            same = (order.customer_id, order.warehouse_id) == (
                first.customer_id,
                first.warehouse_id,
            )
            same = same and all(getattr(order, f) == getattr(first, f) for f in ADDRESS_FIELDS)
            if not same:
                raise OrderError(
                    _("Order %(order_no)s has another buyer, address or warehouse."),
                    code="not_same_recipient",
                    order_no=order.order_no,
                )
        primary = min(locked, key=lambda order: (order.paid_at, order.pk))
        others = [order for order in locked if order.pk != primary.pk]
        Order.objects.filter(pk__in=[order.pk for order in others]).update(merged_into=primary)
        numbers = [order.order_no for order in others]
        record_event(
            order=primary,
            kind=EventKind.MERGED,
            by=by,
            message=_("Ships together with %(orders)s") % {"orders": ", ".join(numbers)},
            after={"merged_orders": numbers},
        )
        for order in others:
            record_event(
                order=order,
                kind=EventKind.MERGED,
                by=by,
                message=_("Ships with %(order_no)s") % {"order_no": primary.order_no},
                after={"merged_into": primary.order_no},
            )
        primary.refresh_from_db()
    return primary

"""Orders and refunds reported by a channel's export file: facts, not requests.

An imported order is never refused for lack of stock: when it cannot be
reserved it is paid anyway and lands in the review exception queue (see
:func:`orders.services.intake.pay_order`). An order first seen already
completed, closed or cancelled is history: it is recorded with its payment
and parcel but moves no stock. A newer export only ever moves an order's
status forward; a status at or behind the stored one changes nothing. Every
move is written on the timeline with who imported it and from which file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from customers import services as customer_services
from customers.models import SalesChannel
from inventory import selectors as inventory_selectors
from orders.errors import OrderError
from orders.models import (
    AfterSalesCase,
    AfterSalesReason,
    Carrier,
    CaseState,
    CaseType,
    EventKind,
    Order,
    OrderKind,
    OrderLine,
    OrderStatus,
    ReviewState,
    Shipment,
    ShipmentStatus,
)
from orders.models.orders import FINAL_STATUSES, STATUS_RANK
from orders.services.after_sales import open_case, refund_case
from orders.services.common import check_user, lock_order, record_event, unit_cost_at
from orders.services.intake import LineInput, create_order, pay_order
from orders.services.lifecycle import complete_order
from orders.services.shipping import mark_delivered, ship_order
from orders.services.stock import release_all
from storeops import business_day
from storeops.upsert import CREATED, UNCHANGED, UPDATED

HISTORY_STATUSES = frozenset({OrderStatus.COMPLETED, OrderStatus.CLOSED, OrderStatus.CANCELLED})
SHIPPED_OR_LATER = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED})


@dataclass
class ImportedOrder:
    """One order as a channel's export states it (all rows of the order together)."""

    channel: SalesChannel
    order_no: str
    status: OrderStatus
    placed_at: dt.datetime
    lines: Sequence[LineInput]
    paid_total: Decimal
    paid_at: dt.datetime | None = None
    order_discount_total: Decimal = Decimal("0.00")
    shipping_fee: Decimal = Decimal("0.00")
    buyer_nickname: str = ""
    recipient_name: str = ""
    phone: str = ""
    province: str = ""
    city: str = ""
    address: str = ""
    buyer_note: str = ""
    coupon_code: str = ""
    promotion_text: str = ""
    carrier: Carrier | None = None
    tracking_number: str = ""
    shipped_at: dt.datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def is_forward(current: str, target: str) -> bool:
    """True when ``target`` is a later status than ``current`` (finals never move)."""
    if current in FINAL_STATUSES:
        return False
    return STATUS_RANK[OrderStatus(target)] > STATUS_RANK[OrderStatus(current)]


def import_order(*, data: ImportedOrder, by: Any, source: str) -> tuple[Order, str]:
    """Create the order or move it forward to ``data.status``; returns (order, outcome).

    ``outcome`` is ``created``, ``updated`` or ``unchanged``. Atomic; refused
    with :class:`OrderError` (nothing written) when the channel's facts cannot
    be recorded (amounts that do not add up, a tracking number of another
    order). Idempotent: the same data again is ``unchanged`` and writes nothing.
    """
    check_user(by)
    why = str(_("import %(file)s") % {"file": source or "-"})
    with transaction.atomic():
        order = Order.objects.filter(channel=data.channel, order_no=data.order_no).first()
        if order is not None:
            if not is_forward(order.status, data.status):
                return order, UNCHANGED
            order = lock_order(order)
            if not is_forward(order.status, data.status):
                return order, UNCHANGED
            before = order.status
            order = _advance(order=order, data=data, by=by, history=False)
            _record_import(order=order, by=by, why=why, before=before)
            return order, UPDATED
        order, created = create_order(
            channel=data.channel,
            order_no=data.order_no,
            lines=data.lines,
            paid_total=data.paid_total,
            placed_at=data.placed_at,
            by=by,
            order_discount_total=data.order_discount_total,
            shipping_fee=data.shipping_fee,
            buyer_nickname=data.buyer_nickname,
            recipient_name=data.recipient_name,
            phone=data.phone,
            province=data.province,
            city=data.city,
            address=data.address,
            buyer_note=data.buyer_note,
            coupon_code=data.coupon_code,
            promotion_text=data.promotion_text,
            is_imported=True,
        )
        if not created:  # stored by a concurrent intake a moment ago
            return order, UNCHANGED
        if data.status != OrderStatus.PENDING_PAYMENT:
            order = _advance(order=order, data=data, by=by, history=data.status in HISTORY_STATUSES)
        _record_import(order=order, by=by, why=why, before="")
        return order, CREATED


def _record_import(*, order: Order, by: Any, why: str, before: str) -> None:
    record_event(
        order=order,
        kind=EventKind.NOTE,
        by=by,
        message=why,
        before={"status": before} if before else {},
        after={"status": order.status},
    )


def _advance(*, order: Order, data: ImportedOrder, by: Any, history: bool) -> Order:
    """Walk the order forward to ``data.status`` through the lifecycle services."""
    target = data.status
    closing = target in (OrderStatus.CLOSED, OrderStatus.CANCELLED)
    if order.paid_at is None and (not closing or data.paid_at is not None):
        paid_at = data.paid_at or data.placed_at
        if history:
            order = _pay_history(order=order, by=by, paid_at=paid_at)
        else:
            order = pay_order(order=order, by=by, paid_at=paid_at)
    if target in SHIPPED_OR_LATER and order.status in (
        OrderStatus.PAID,
        OrderStatus.PARTIALLY_SHIPPED,
    ):
        if data.carrier is not None and data.tracking_number:
            order = _ship(order=order, data=data, by=by, moves_stock=not history)
        else:
            order = _set_status(order=order, status=OrderStatus.SHIPPED, by=by)
    elif target == OrderStatus.PARTIALLY_SHIPPED and order.status == OrderStatus.PAID:
        order = _set_status(order=order, status=OrderStatus.PARTIALLY_SHIPPED, by=by)
    if target in (OrderStatus.DELIVERED, OrderStatus.COMPLETED) and (
        order.status == OrderStatus.SHIPPED
    ):
        shipments = list(order.shipments.filter(status=ShipmentStatus.SHIPPED))
        for shipment in shipments:
            mark_delivered(shipment=shipment, by=by, delivered_at=shipment.shipped_at)
        order.refresh_from_db()
        if target == OrderStatus.DELIVERED and order.status != OrderStatus.DELIVERED:
            order = _set_status(order=order, status=OrderStatus.DELIVERED, by=by)
    if target == OrderStatus.COMPLETED and order.status in (
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    ):
        moments = [m for m in (data.shipped_at, order.delivered_at, data.paid_at) if m]
        order = complete_order(order=order, by=by, completed_at=max(moments, default=None))
    if closing and order.status not in FINAL_STATUSES:
        order = _close(order=order, status=target, by=by)
    return order


def _pay_history(*, order: Order, by: Any, paid_at: dt.datetime) -> Order:
    """Record the payment of a history order: counted as a sale, but no stock is reserved."""
    order = lock_order(order)
    order.warehouse = order.warehouse or inventory_selectors.default_warehouse()
    order.paid_at = paid_at
    order.business_date = business_day.of(paid_at)
    order.status = OrderStatus.PAID
    order.review_state = ReviewState.RELEASED
    order.save(
        update_fields=[
            "paid_at",
            "business_date",
            "status",
            "warehouse",
            "review_state",
            "updated_at",
        ]
    )
    for line in order.lines.select_related("variant"):
        OrderLine.objects.filter(pk=line.pk).update(unit_cost=unit_cost_at(line.variant, paid_at))
    record_event(
        order=order,
        kind=EventKind.PAID,
        by=by,
        at=paid_at,
        message=_("History from the channel: no stock reserved"),
        after={"paid_total": str(order.paid_total), "business_date": str(order.business_date)},
    )
    if order.kind == OrderKind.NORMAL:
        customer_services.record_order_paid(
            customer=order.customer, amount=order.paid_total, paid_at=paid_at
        )
    return order


def _ship(*, order: Order, data: ImportedOrder, by: Any, moves_stock: bool) -> Order:
    """The channel shipped the order: record its parcel.

    Stock leaves only for what was reserved; an order that could not be
    reserved (or history) records the parcel without moving stock, since
    the goods are already gone. Review is moot once the channel shipped it.
    """
    if order.review_state != ReviewState.RELEASED:
        Order.objects.filter(pk=order.pk).update(review_state=ReviewState.RELEASED)
        order.refresh_from_db()
    reserved = all(line.reserved_quantity >= line.remaining_to_ship for line in order.lines.all())
    ship_order(
        order=order,
        carrier=data.carrier,
        tracking_number=data.tracking_number,
        by=by,
        shipped_at=data.shipped_at or data.paid_at or data.placed_at,
        moves_stock=moves_stock and reserved,
    )
    order.refresh_from_db()
    return order


def _set_status(*, order: Order, status: OrderStatus, by: Any) -> Order:
    """The channel reports a status no service step can reproduce (no parcel data)."""
    order = lock_order(order)
    before = {"status": order.status}
    order.status = status
    fields = ["status", "updated_at"]
    if status == OrderStatus.DELIVERED:
        order.delivered_at = order.delivered_at or order.shipped_at
        fields.append("delivered_at")
    order.save(update_fields=fields)
    kind = {
        OrderStatus.SHIPPED: EventKind.SHIPPED,
        OrderStatus.PARTIALLY_SHIPPED: EventKind.SHIPPED,
        OrderStatus.DELIVERED: EventKind.DELIVERED,
    }[status]
    record_event(
        order=order,
        kind=kind,
        by=by,
        message=_("Reported by the channel without parcel details"),
        before=before,
        after={"status": order.status},
    )
    return order


def _close(*, order: Order, status: OrderStatus, by: Any) -> Order:
    """The channel closed or cancelled the trade; reserved stock goes back."""
    from django.utils import timezone

    order = lock_order(order)
    before = {"status": order.status}
    release_all(order=order, by=by, reason=_("Closed by the channel"))
    Shipment.objects.filter(order=order, status=ShipmentStatus.PLANNED).delete()
    order.status = status
    now = timezone.now()
    if status == OrderStatus.CANCELLED:
        order.cancelled_at = now
    else:
        order.closed_at = now
    order.save(update_fields=["status", "cancelled_at", "closed_at", "updated_at"])
    record_event(
        order=order,
        kind=EventKind.CANCELLED if status == OrderStatus.CANCELLED else EventKind.CLOSED,
        by=by,
        message=_("Closed by the channel"),
        before=before,
        after={"status": order.status},
    )
    return order


# Refunds


CASE_RANK = {
    CaseState.REQUESTED: 0,
    CaseState.APPROVED: 1,
    CaseState.AWAITING_RETURN: 2,
    CaseState.RECEIVED: 3,
    CaseState.REJECTED: 9,
    CaseState.REFUNDED: 9,
    CaseState.EXCHANGED: 9,
    CaseState.REISSUED: 9,
    CaseState.CLOSED: 9,
}
RESOLVING = frozenset(state for state, rank in CASE_RANK.items() if rank == 9)


@dataclass
class ImportedRefund:
    """One after-sales request as a channel's refund export states it."""

    order: Order
    refund_no: str
    kind: CaseType
    state: CaseState
    amount: Decimal
    requested_at: dt.datetime
    reason: str = ""
    line: OrderLine | None = None
    refunded_at: dt.datetime | None = None


def reason_for(text: str) -> AfterSalesReason:
    """The after-sales reason named by code, name or Chinese name; else "other"."""
    text = (text or "").strip()
    reasons = list(AfterSalesReason.objects.all())
    for reason in reasons:
        if text and text.casefold() in {
            reason.code.casefold(),
            reason.name.casefold(),
            reason.name_zh.casefold(),
        }:
            return reason
    fallback = next((reason for reason in reasons if reason.code == "other"), None)
    if fallback is None:
        raise OrderError(
            _("Unknown after-sales reason: %(reason)s."), code="unknown_reason", reason=text
        )
    return fallback


def import_refund(*, data: ImportedRefund, by: Any, source: str) -> tuple[AfterSalesCase, str]:
    """Create or move forward the after-sales case of a channel refund number.

    Only a refund in state ``refunded`` moves money, through
    :func:`refund_case` (so completed and pending refunds never exceed what
    was paid). Other states are recorded on the case as the channel reports
    them, forward only, without moving stock. Atomic; idempotent on the
    channel + refund number: the same data again is ``unchanged``.
    """
    check_user(by)
    why = str(_("import %(file)s") % {"file": source or "-"})
    order = data.order
    with transaction.atomic():
        case = AfterSalesCase.objects.filter(
            channel=order.channel, refund_no=data.refund_no
        ).first()
        outcome = UNCHANGED
        if case is None:
            lines = []
            if data.line is not None:
                left = data.line.quantity - data.line.refunded_quantity
                lines = [(data.line, left)] if left > 0 else []
            elif data.kind in (CaseType.RETURN_REFUND, CaseType.EXCHANGE):
                lines = [
                    (line, line.quantity - line.refunded_quantity)
                    for line in order.lines.all()
                    if line.quantity > line.refunded_quantity
                ]
            case = open_case(
                order=order,
                kind=data.kind,
                reason=reason_for(data.reason),
                by=by,
                lines=lines,
                requested_amount=data.amount
                if data.kind in (CaseType.REFUND_ONLY, CaseType.RETURN_REFUND)
                else None,
                description=data.reason,
                refund_no=data.refund_no,
                requested_at=data.requested_at,
            )
            record_event(order=order, case=case, kind=EventKind.NOTE, by=by, message=why)
            outcome = CREATED
        if CASE_RANK[CaseState(data.state)] <= CASE_RANK[CaseState(case.state)]:
            return case, outcome
        outcome = CREATED if outcome == CREATED else UPDATED
        if data.state == CaseState.REFUNDED:
            refund_case(
                case=case,
                by=by,
                amount=data.amount,
                refund_no=data.refund_no,
                refunded_at=data.refunded_at or data.requested_at,
                imported=True,
            )
            case.refresh_from_db()
            if case.state != CaseState.REFUNDED:
                _move_case(case=case, state=CaseState.REFUNDED, by=by, why=why)
        else:
            _move_case(case=case, state=CaseState(data.state), by=by, why=why)
        return case, outcome


def _move_case(*, case: AfterSalesCase, state: CaseState, by: Any, why: str) -> None:
    from django.utils import timezone

    case = AfterSalesCase.objects.select_for_update().get(pk=case.pk)
    before = {"state": case.state}
    now = timezone.now()
    case.state = state
    case.first_response_at = case.first_response_at or now
    if state in RESOLVING and case.resolved_at is None:
        case.resolved_at = now
    case.save()
    record_event(
        order=case.order,
        case=case,
        kind=EventKind.CASE_UPDATED,
        by=by,
        message=why,
        before=before,
        after={"state": case.state},
    )

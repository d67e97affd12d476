"""Order lifecycle after payment: complete, cancel, close; notes and assignment.

Each service is atomic, locks the order row, writes a timeline row, and a
refused call raises :class:`OrderError` and changes nothing. A status never
moves backwards (see ``check_transition``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.errors import OrderError
from orders.models import (
    EventKind,
    Order,
    OrderStatus,
    Refund,
    RefundStatus,
    Shipment,
    ShipmentStatus,
)
from orders.services.common import check_transition, check_user, lock_order, record_event
from orders.services.refunds import refund_order
from orders.services.stock import release_all
from promotions import coupons


def complete_order(*, order: Order, by: Any, completed_at: dt.datetime | None = None) -> Order:
    """The buyer confirmed receipt (or the channel did after its deadline)."""
    check_user(by)
    completed_at = completed_at or timezone.now()
    with transaction.atomic():
        order = lock_order(order)
        check_transition(
            order,
            to=OrderStatus.COMPLETED,
            allowed_from=[OrderStatus.SHIPPED, OrderStatus.DELIVERED],
        )
        before = {"status": order.status}
        order.status = OrderStatus.COMPLETED
        order.completed_at = completed_at
        order.save(update_fields=["status", "completed_at", "updated_at"])
        record_event(
            order=order,
            kind=EventKind.COMPLETED,
            by=by,
            at=completed_at,
            before=before,
            after={"status": order.status},
        )
    return order


def cancel_order(*, order: Order, by: Any, reason: str) -> Order:
    """Cancel an order that has not shipped; its reserved stock is released.

    A paid order's whole payment is refunded on the way (within the refund
    limit of ``by``: above it, ask a manager or open a refund-only case).
    Orders merged into it stay paid and ship on their own again.
    """
    check_user(by)
    reason = (reason or "").strip()
    if not reason:
        raise OrderError(_("Say why the order is cancelled."), code="missing_reason")
    with transaction.atomic():
        order = lock_order(order)
        check_transition(
            order,
            to=OrderStatus.CANCELLED,
            allowed_from=[OrderStatus.PENDING_PAYMENT, OrderStatus.PAID],
        )
        if order.shipments.exclude(status=ShipmentStatus.PLANNED).exists():
            raise OrderError(_("A shipped order cannot be cancelled."), code="already_shipped")
        before = {"status": order.status, "refunded_total": str(order.refunded_total)}
        if order.paid_at is not None:
            if Refund.objects.filter(order=order, status=RefundStatus.AWAITING_APPROVAL).exists():
                raise OrderError(
                    _("A refund on this order is waiting for approval: decide it first."),
                    code="refund_pending",
                )
            refundable = order.paid_total - order.refunded_total
            if refundable > 0:
                refund = refund_order(
                    order=order, by=by, amount=refundable, close_when_refunded=False
                )
                if refund.status != RefundStatus.COMPLETED:
                    raise OrderError(
                        _(
                            "Cancelling refunds %(amount)s, above your refund limit: ask a "
                            "manager or open a refund-only case."
                        ),
                        code="refund_needs_manager",
                        amount=refundable,
                    )
                order.refresh_from_db()
        release_all(order=order, by=by, reason=_("Order cancelled"))
        Shipment.objects.filter(order=order, status=ShipmentStatus.PLANNED).delete()
        Order.objects.filter(merged_into=order).update(merged_into=None)
        order.status = OrderStatus.CANCELLED
        order.cancelled_at = timezone.now()
        order.closed_at = None
        order.merged_into = None
        order.save(
            update_fields=["status", "cancelled_at", "closed_at", "merged_into", "updated_at"]
        )
        # Coupons of a batch that says so go back to the buyer.
        returned = coupons.return_coupon(
            channel_code=order.channel.code, order_no=order.order_no, at=order.cancelled_at
        )
        after = {"status": order.status, "refunded_total": str(order.refunded_total)}
        if returned:
            after["coupons_returned"] = [redemption.coupon.code for redemption in returned]
        record_event(
            order=order,
            kind=EventKind.CANCELLED,
            by=by,
            message=reason,
            before=before,
            after=after,
        )
    return order


def close_order(*, order: Order, by: Any, reason: str) -> Order:
    """The channel closed the trade: unpaid in time, or its whole payment refunded.

    Any reserved stock is released and planned parcels dropped.
    """
    check_user(by)
    with transaction.atomic():
        order = lock_order(order)
        unpaid = order.status == OrderStatus.PENDING_PAYMENT
        refunded = order.paid_at is not None and order.refunded_total == order.paid_total
        check_transition(
            order,
            to=OrderStatus.CLOSED,
            allowed_from=[
                OrderStatus.PENDING_PAYMENT,
                OrderStatus.PAID,
                OrderStatus.PARTIALLY_SHIPPED,
                OrderStatus.SHIPPED,
                OrderStatus.DELIVERED,
            ],
        )
        if not (unpaid or refunded):
            raise OrderError(
                _("Only an unpaid or fully refunded order can be closed; cancel or refund it."),
                code="not_closable",
            )
        before = {"status": order.status}
        release_all(order=order, by=by, reason=_("Order closed"))
        Shipment.objects.filter(order=order, status=ShipmentStatus.PLANNED).delete()
        order.status = OrderStatus.CLOSED
        order.closed_at = timezone.now()
        order.save(update_fields=["status", "closed_at", "updated_at"])
        record_event(
            order=order,
            kind=EventKind.CLOSED,
            by=by,
            message=reason,
            before=before,
            after={"status": order.status},
        )
    return order


def add_note(*, order: Order, by: Any, message: str) -> Order:
    """Add an internal note: appended to the order's notes and to its timeline."""
    check_user(by)
    message = (message or "").strip()
    if not message:
        raise OrderError(_("A note needs some text."), code="empty_note")
    with transaction.atomic():
        order = lock_order(order)
        stamp = timezone.now().strftime("%Y-%m-%d %H:%M")
        line = f"[{stamp} {by.get_username()}] {message}"
        order.internal_notes = f"{order.internal_notes}\n{line}".strip()
        order.save(update_fields=["internal_notes", "updated_at"])
        record_event(order=order, kind=EventKind.NOTE, by=by, message=message)
    return order


def assign_order(*, order: Order, agent: Any, by: Any) -> Order:
    """Make ``agent`` (or nobody) responsible for the order. Unchanged writes nothing."""
    check_user(by)
    with transaction.atomic():
        order = lock_order(order)
        if order.assigned_agent_id == getattr(agent, "pk", None):
            return order
        before = {
            "assigned_agent": order.assigned_agent.get_username() if order.assigned_agent else ""
        }
        order.assigned_agent = agent
        order.save(update_fields=["assigned_agent", "updated_at"])
        record_event(
            order=order,
            kind=EventKind.ASSIGNED,
            by=by,
            before=before,
            after={"assigned_agent": agent.get_username() if agent else ""},
        )
    return order

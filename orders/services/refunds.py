"""Refunds: money paid back on an order, never more than was paid.

Guarantees shared by the services below:

* **Atomic.** The refund row, the order and line totals, the case, the
  customer's totals, released stock and the timeline row commit together.
* **Locking.** The order row is locked (``SELECT ... FOR UPDATE``) before
  anything is summed, so two agents refunding the same order at once are
  served one after the other and the second sees the first's refund:
  completed and pending refunds together never exceed the amount paid
  (shipping fee included). ``order_refunds_within_paid`` is the last guard.
* **Limited.** A refund above the refund limit of the person asking waits for
  a manager (``approve_refund``); imported refunds are facts and complete.
* **Refused cleanly.** A refused call raises :class:`OrderError`; nothing changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers import services as customer_services
from orders.errors import OrderError
from orders.models import (
    AfterSalesCase,
    CaseState,
    CaseType,
    EventKind,
    Order,
    OrderKind,
    OrderLine,
    OrderSettings,
    OrderStatus,
    Refund,
    RefundLine,
    RefundStatus,
    Shipment,
    ShipmentStatus,
)
from orders.models.orders import FINAL_STATUSES, PAID_STATUSES
from orders.services.common import (
    allocate,
    check_amount,
    check_quantity,
    check_user,
    lock_order,
    record_event,
)
from orders.services.stock import release_all, release_line
from storeops import business_day, money
from storeops.roles import Role, roles_of


def refund_limit_for(user: Any) -> Decimal | None:
    """The largest refund ``user`` may complete alone; ``None`` means no limit.

    Operations managers (and superusers) have none; everyone else has the
    store's ``OrderSettings.refund_limit``.
    """
    if getattr(user, "is_superuser", False) or Role.OPERATIONS_MANAGER in roles_of(user):
        return None
    return OrderSettings.load().refund_limit


def _pending_by_line(order: Order) -> tuple[Decimal, dict[int, int]]:
    pending = Refund.objects.filter(order=order, status=RefundStatus.AWAITING_APPROVAL)
    amount = pending.aggregate(total=Sum("amount"))["total"] or money.ZERO
    quantities = dict(
        RefundLine.objects.filter(refund__in=pending)
        .values_list("line_id")
        .annotate(total=Sum("quantity"))
    )
    return amount, quantities


def line_refund_value(line: OrderLine, quantity: int) -> Decimal:
    """What ``quantity`` units of a line paid: the last units take the remainder."""
    left_units = line.quantity - line.refunded_quantity
    if quantity >= left_units:
        return line.paid_amount - line.refunded_amount
    return money.quantize(line.paid_amount * quantity / line.quantity)


def refund_order(
    *,
    order: Order,
    by: Any,
    lines: Sequence[tuple[OrderLine, int]] = (),
    amount: Decimal | None = None,
    shipping_amount: Decimal = Decimal("0.00"),
    case: AfterSalesCase | None = None,
    refund_no: str = "",
    refunded_at: dt.datetime | None = None,
    imported: bool = False,
    close_when_refunded: bool = True,
) -> Refund:
    """Pay money back: units of lines, a plain amount, and/or the shipping fee.

    With ``lines`` (``(line, quantity)``) the goods part is what those units
    paid, or ``amount`` when it is less (an agreed partial refund, spread over
    the lines by value). Without lines, ``amount`` is refunded as a whole.
    Units refunded before they shipped on a refund-only request are taken off
    the order and their reserved stock is released. Completes at once within
    the limit of ``by`` (or when ``imported``), else waits for a manager.
    An order whose whole payment is refunded is closed (unless completed).
    """
    check_user(by)
    shipping_amount = check_amount(shipping_amount, label=_("Shipping refund"))
    if amount is not None:
        amount = check_amount(amount, label=_("Refund amount"))
    with transaction.atomic():
        order = lock_order(order)
        if refund_no and (
            earlier := Refund.objects.filter(order=order, refund_no=refund_no).first()
        ):
            return earlier
        if order.status not in PAID_STATUSES and not (
            order.status == OrderStatus.CLOSED and order.paid_at is not None
        ):
            raise OrderError(
                _("Order %(order_no)s is %(status)s: there is no payment to refund."),
                code="not_refundable",
                order_no=order.order_no,
                status=order.get_status_display(),
            )
        pending_amount, pending_quantities = _pending_by_line(order)
        order_lines = {line.pk: line for line in order.lines.select_for_update().order_by("pk")}
        wanted: dict[int, int] = {}
        for line, quantity in lines:
            if line.pk not in order_lines:
                raise OrderError(_("That line is not on this order."), code="foreign_line")
            wanted[line.pk] = wanted.get(line.pk, 0) + check_quantity(quantity)
        line_values: list[tuple[OrderLine, int, Decimal]] = []
        for line_id, quantity in wanted.items():
            line = order_lines[line_id]
            left = line.quantity - line.refunded_quantity - pending_quantities.get(line_id, 0)
            if quantity > left:
                raise OrderError(
                    _("Only %(left)s of %(sku)s can still be refunded, not %(quantity)s."),
                    code="quantity_exceeds_refundable",
                    left=left,
                    sku=line.sku_code,
                    quantity=quantity,
                )
            line_values.append((line, quantity, line_refund_value(line, quantity)))
        goods = sum((value for _line, _quantity, value in line_values), money.ZERO)
        if line_values and amount is not None:
            if amount > goods:
                raise OrderError(
                    _("%(amount)s is more than those units paid (%(goods)s)."),
                    code="amount_exceeds_lines",
                    amount=amount,
                    goods=goods,
                )
            shares = allocate(amount, [value for _line, _quantity, value in line_values])
            line_values = [
                (line, quantity, share)
                for (line, quantity, _value), share in zip(line_values, shares, strict=True)
            ]
            goods = amount
        elif not line_values:
            goods = amount or money.ZERO
        total = goods + shipping_amount
        if total <= 0:
            raise OrderError(_("A refund needs an amount above zero."), code="empty_refund")
        refundable = order.paid_total - order.refunded_total - pending_amount
        if total > refundable:
            raise OrderError(
                _(
                    "A refund of %(amount)s is more than the %(refundable)s still refundable on "
                    "order %(order_no)s (paid %(paid)s, refunded or pending %(refunded)s)."
                ),
                code="refund_exceeds_paid",
                amount=total,
                refundable=refundable,
                order_no=order.order_no,
                paid=order.paid_total,
                refunded=order.refunded_total + pending_amount,
            )
        now = timezone.now()
        limit = None if imported else refund_limit_for(by)
        refund = Refund.objects.create(
            order=order,
            case=case,
            amount=total,
            shipping_amount=shipping_amount,
            status=RefundStatus.AWAITING_APPROVAL,
            refund_no=refund_no[:64],
            requested_by=by,
            requested_at=now,
        )
        RefundLine.objects.bulk_create(
            RefundLine(refund=refund, line=line, quantity=quantity, amount=value)
            for line, quantity, value in line_values
        )
        if limit is not None and total > limit:
            record_event(
                order=order,
                case=case,
                kind=EventKind.REFUND_REQUESTED,
                by=by,
                message=_(
                    "%(amount)s is above the refund limit of %(limit)s: waiting for a manager."
                )
                % {"amount": total, "limit": limit},
                after={"refund": refund.pk, "amount": str(total)},
            )
            return refund
        return _complete(
            order=order,
            refund=refund,
            by=by,
            refunded_at=refunded_at or now,
            close_when_refunded=close_when_refunded,
        )


def _complete(
    *,
    order: Order,
    refund: Refund,
    by: Any,
    refunded_at: dt.datetime,
    close_when_refunded: bool = True,
) -> Refund:
    """Book a refund as paid out; the caller holds the order lock."""
    refund.status = RefundStatus.COMPLETED
    refund.refunded_at = refunded_at
    refund.business_date = business_day.of(refunded_at)
    if refund.requested_by_id != getattr(by, "pk", None):
        refund.approved_by = by
    refund.save(
        update_fields=["status", "refunded_at", "business_date", "approved_by", "updated_at"]
    )
    case = refund.case
    cancels_units = order.status in (OrderStatus.PAID, OrderStatus.PARTIALLY_SHIPPED) and (
        case is None or case.kind == CaseType.REFUND_ONLY
    )
    cancelled: dict[str, int] = {}
    for refund_line in refund.lines.select_related("line__variant"):
        line = OrderLine.objects.select_for_update().get(pk=refund_line.line_id)
        line.refunded_quantity += refund_line.quantity
        line.refunded_amount += refund_line.amount
        if cancels_units and line.remaining_to_ship > 0:
            units = min(refund_line.quantity, line.remaining_to_ship)
            release_line(
                order=order,
                line=line,
                quantity=max(0, line.reserved_quantity - (line.remaining_to_ship - units)),
                by=by,
                reason=_("Refunded before shipping"),
            )
            line.cancelled_quantity += units
            cancelled[line.sku_code] = units
        line.save(
            update_fields=[
                "refunded_quantity",
                "refunded_amount",
                "cancelled_quantity",
                "reserved_quantity",
            ]
        )
    before = {"refunded_total": str(order.refunded_total), "status": order.status}
    order.refunded_total += refund.amount
    order.save(update_fields=["refunded_total", "updated_at"])
    if order.kind == OrderKind.NORMAL:
        customer_services.record_refund(customer=order.customer, amount=refund.amount)
    if case is not None:
        case.refunded_amount += refund.amount
        case.refunded_at = refunded_at
        case.refund_business_date = refund.business_date
        case.first_response_at = case.first_response_at or refunded_at
        if case.kind in (CaseType.REFUND_ONLY, CaseType.RETURN_REFUND) and case.is_open:
            case.state = CaseState.REFUNDED
            case.resolved_at = refunded_at
        case.save()
    record_event(
        order=order,
        case=case,
        kind=EventKind.REFUNDED,
        by=by,
        at=refunded_at,
        message=_("Refunded %(amount)s") % {"amount": refund.amount},
        before=before,
        after={
            "refunded_total": str(order.refunded_total),
            "refund": refund.pk,
            "cancelled": cancelled,
        },
    )
    lines = list(order.lines.all())
    nothing_left = all(line.remaining_to_ship == 0 for line in lines) and not any(
        line.shipped_quantity for line in lines
    )
    fully_refunded = order.refunded_total == order.paid_total
    if (
        close_when_refunded
        and order.status not in FINAL_STATUSES
        and (fully_refunded or nothing_left)
    ):
        _close_after_refund(order=order, by=by, at=refunded_at)
    return refund


def _close_after_refund(*, order: Order, by: Any, at: dt.datetime) -> None:
    release_all(order=order, by=by, reason=_("Order closed after refund"))
    Shipment.objects.filter(order=order, status=ShipmentStatus.PLANNED).delete()
    before = {"status": order.status}
    order.status = OrderStatus.CLOSED
    order.closed_at = at
    order.save(update_fields=["status", "closed_at", "updated_at"])
    record_event(
        order=order,
        kind=EventKind.CLOSED,
        by=by,
        at=at,
        message=_("Closed: the payment was refunded."),
        before=before,
        after={"status": order.status},
    )


def approve_refund(*, refund: Refund, by: Any) -> Refund:
    """A manager completes a refund that waited for approval.

    Refused unless ``by`` may refund this much. Atomic; locks the order; an
    already completed refund changes nothing.
    """
    check_user(by)
    with transaction.atomic():
        order = lock_order(refund.order)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status == RefundStatus.COMPLETED:
            return refund
        if refund.status != RefundStatus.AWAITING_APPROVAL:
            raise OrderError(_("This refund was rejected."), code="refund_rejected")
        limit = refund_limit_for(by)
        if limit is not None and refund.amount > limit:
            raise OrderError(
                _("A refund of %(amount)s needs a manager's approval."),
                code="refund_needs_manager",
                amount=refund.amount,
            )
        return _complete(order=order, refund=refund, by=by, refunded_at=timezone.now())


def reject_refund(*, refund: Refund, by: Any, reason: str) -> Refund:
    """A manager turns down a refund that waited for approval. Atomic, locking."""
    check_user(by)
    if not (reason or "").strip():
        raise OrderError(_("Say why the refund is rejected."), code="missing_reason")
    with transaction.atomic():
        order = lock_order(refund.order)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status != RefundStatus.AWAITING_APPROVAL:
            raise OrderError(
                _("Only a refund awaiting approval can be rejected."), code="not_pending"
            )
        limit = refund_limit_for(by)
        if limit is not None and refund.amount > limit:
            raise OrderError(
                _("A refund of %(amount)s needs a manager's decision."),
                code="refund_needs_manager",
                amount=refund.amount,
            )
        refund.status = RefundStatus.REJECTED
        refund.approved_by = by
        refund.save(update_fields=["status", "approved_by", "updated_at"])
        record_event(
            order=order,
            case=refund.case,
            kind=EventKind.NOTE,
            by=by,
            message=_("Refund of %(amount)s rejected: %(reason)s")
            % {"amount": refund.amount, "reason": reason},
            after={"refund": refund.pk, "status": refund.status},
        )
    return refund

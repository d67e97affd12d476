"""After-sales cases (售后): open, decide, take returns back, refund, replace, close.

Guarantees shared by the services below: each is atomic, locks the order
row (so a case and the order's refunds never race), writes a timeline row
linked to the case, and a refused call raises :class:`OrderError` and
changes nothing. The first staff action on a case stamps its first
response; a resolving action stamps ``resolved_at``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Variant
from inventory import services as inventory
from inventory.errors import StockError
from orders.errors import OrderError
from orders.models import (
    AfterSalesCase,
    AfterSalesLine,
    AfterSalesReason,
    CaseState,
    CaseType,
    EventKind,
    Order,
    OrderKind,
    OrderLine,
    OrderSettings,
    Refund,
)
from orders.models.orders import PAID_STATUSES, OrderStatus
from orders.services.common import check_quantity, check_user, lock_order, record_event
from orders.services.intake import LineInput, create_order
from orders.services.refunds import line_refund_value, refund_order
from storeops import money

REFUNDABLE_FROM = {
    CaseType.REFUND_ONLY: {CaseState.APPROVED},
    CaseType.RETURN_REFUND: {CaseState.RECEIVED},
}


def _illegal(case: AfterSalesCase, action: Any) -> OrderError:
    return OrderError(
        _("Case #%(case)s is %(state)s: it cannot be %(action)s."),
        code="illegal_case_transition",
        case=case.pk,
        state=case.get_state_display(),
        action=action,
    )


def _lock_case(case: AfterSalesCase) -> tuple[Order, AfterSalesCase]:
    order = lock_order(case.order)
    return order, AfterSalesCase.objects.select_for_update().get(pk=case.pk)


def _move(
    case: AfterSalesCase,
    *,
    to: CaseState,
    by: Any,
    message: Any = "",
    at: dt.datetime | None = None,
    resolves: bool = False,
) -> None:
    at = at or timezone.now()
    before = {"state": case.state}
    case.state = to
    case.first_response_at = case.first_response_at or at
    if resolves:
        case.resolved_at = at
    case.save()
    record_event(
        order=case.order,
        case=case,
        kind=EventKind.CASE_UPDATED,
        by=by,
        at=at,
        message=message,
        before=before,
        after={"state": case.state},
    )


def open_case(
    *,
    order: Order,
    kind: CaseType,
    reason: AfterSalesReason | str,
    by: Any,
    lines: Sequence[tuple[OrderLine, int]] = (),
    requested_amount: Decimal | None = None,
    description: str = "",
    refund_no: str = "",
    requested_at: dt.datetime | None = None,
    assigned_agent: Any = None,
) -> AfterSalesCase:
    """Open an after-sales case on a paid order; SLA deadlines start now.

    ``reason`` is an ``AfterSalesReason`` or its code. ``requested_amount``
    defaults to what the case's units paid (0 for exchange and reissue) and
    may not exceed what is still refundable. Idempotent on the channel's
    ``refund_no``: the same number returns the case already open.
    """
    check_user(by)
    if isinstance(reason, str):
        reason_row = AfterSalesReason.objects.filter(code=reason).first()
        if reason_row is None:
            raise OrderError(
                _("Unknown after-sales reason: %(reason)s."), code="unknown_reason", reason=reason
            )
        reason = reason_row
    kind = CaseType(kind)
    requested_at = requested_at or timezone.now()
    with transaction.atomic():
        order = lock_order(order)
        if refund_no and (
            earlier := AfterSalesCase.objects.filter(
                channel=order.channel, refund_no=refund_no
            ).first()
        ):
            return earlier
        if order.status not in PAID_STATUSES and order.status != OrderStatus.CLOSED:
            raise OrderError(
                _("Order %(order_no)s is %(status)s: after-sales needs a paid order."),
                code="not_paid",
                order_no=order.order_no,
                status=order.get_status_display(),
            )
        own_lines = {line.pk: line for line in order.lines.all()}
        wanted: dict[int, int] = {}
        for line, quantity in lines:
            if line.pk not in own_lines:
                raise OrderError(_("That line is not on this order."), code="foreign_line")
            wanted[line.pk] = wanted.get(line.pk, 0) + check_quantity(quantity)
        for line_id, quantity in wanted.items():
            line = own_lines[line_id]
            if quantity > line.quantity - line.refunded_quantity:
                raise OrderError(
                    _("Only %(left)s of %(sku)s can still be claimed."),
                    code="quantity_exceeds_refundable",
                    left=line.quantity - line.refunded_quantity,
                    sku=line.sku_code,
                )
        if kind in (CaseType.RETURN_REFUND, CaseType.EXCHANGE) and not wanted:
            raise OrderError(_("Say which items come back."), code="no_lines")
        refundable = order.paid_total - order.refunded_total
        if requested_amount is None:
            requested_amount = (
                sum((line_refund_value(own_lines[pk], q) for pk, q in wanted.items()), money.ZERO)
                if kind in (CaseType.REFUND_ONLY, CaseType.RETURN_REFUND)
                else money.ZERO
            )
        if requested_amount < 0 or requested_amount > refundable:
            raise OrderError(
                _("The requested %(amount)s is more than the %(refundable)s still refundable."),
                code="refund_exceeds_paid",
                amount=requested_amount,
                refundable=refundable,
            )
        rules = OrderSettings.load()
        try:
            with transaction.atomic():
                case = AfterSalesCase.objects.create(
                    order=order,
                    channel=order.channel,
                    kind=kind,
                    reason=reason,
                    description=description,
                    refund_no=refund_no[:64],
                    requested_amount=money.quantize(Decimal(requested_amount)),
                    requested_at=requested_at,
                    response_due_at=requested_at + dt.timedelta(hours=rules.first_response_hours),
                    resolve_due_at=requested_at + dt.timedelta(hours=rules.resolve_hours),
                    assigned_agent=assigned_agent or order.assigned_agent,
                    created_by=by,
                )
        except IntegrityError:
            return AfterSalesCase.objects.get(channel=order.channel, refund_no=refund_no)
        AfterSalesLine.objects.bulk_create(
            AfterSalesLine(case=case, line_id=line_id, quantity=quantity)
            for line_id, quantity in wanted.items()
        )
        record_event(
            order=order,
            case=case,
            kind=EventKind.CASE_OPENED,
            by=by,
            at=requested_at,
            message=f"{case.get_kind_display()}: {reason}",
            after={
                "case": case.pk,
                "kind": kind,
                "requested_amount": str(case.requested_amount),
                "lines": {own_lines[pk].sku_code: q for pk, q in wanted.items()},
            },
        )
    return case


def approve_case(*, case: AfterSalesCase, by: Any, note: str = "") -> AfterSalesCase:
    """Accept the buyer's request; returns wait for the parcel next."""
    check_user(by)
    with transaction.atomic():
        _order, case = _lock_case(case)
        if case.state != CaseState.REQUESTED:
            raise _illegal(case, _("approved"))
        _move(case, to=CaseState.APPROVED, by=by, message=note)
    return case


def reject_case(*, case: AfterSalesCase, by: Any, reason: str) -> AfterSalesCase:
    """Turn the request down, with the reason the buyer is told."""
    check_user(by)
    if not (reason or "").strip():
        raise OrderError(_("Say why the request is rejected."), code="missing_reason")
    with transaction.atomic():
        _order, case = _lock_case(case)
        if case.state not in (CaseState.REQUESTED, CaseState.APPROVED, CaseState.AWAITING_RETURN):
            raise _illegal(case, _("rejected"))
        _move(case, to=CaseState.REJECTED, by=by, message=reason, resolves=True)
    return case


def mark_awaiting_return(
    *,
    case: AfterSalesCase,
    by: Any,
    return_carrier: str = "",
    return_tracking_number: str = "",
) -> AfterSalesCase:
    """The buyer sends the items back (optionally with the parcel's tracking)."""
    check_user(by)
    with transaction.atomic():
        _order, case = _lock_case(case)
        if case.state != CaseState.APPROVED or case.kind not in (
            CaseType.RETURN_REFUND,
            CaseType.EXCHANGE,
        ):
            raise _illegal(case, _("marked as awaiting return"))
        case.return_carrier = return_carrier[:50]
        case.return_tracking_number = return_tracking_number[:64]
        _move(
            case,
            to=CaseState.AWAITING_RETURN,
            by=by,
            message=f"{return_carrier} {return_tracking_number}".strip(),
        )
    return case


def receive_return(
    *,
    case: AfterSalesCase,
    by: Any,
    damaged: Mapping[int, int] | None = None,
    received_at: dt.datetime | None = None,
) -> AfterSalesCase:
    """The returned items arrived: sellable units go back to stock, damaged ones are written off.

    ``damaged`` maps an order line id to how many of its returned units are
    damaged. Every unit is first booked back (``inventory.restock_return``);
    damaged units then leave again through ``inventory.write_off``, so the
    ledger shows both. ``AfterSalesLine.restocked_quantity`` is what really
    came back to sellable stock (the cost of goods credit).
    """
    check_user(by)
    damaged = dict(damaged or {})
    received_at = received_at or timezone.now()
    with transaction.atomic():
        order, case = _lock_case(case)
        if case.state not in (CaseState.APPROVED, CaseState.AWAITING_RETURN) or case.kind not in (
            CaseType.RETURN_REFUND,
            CaseType.EXCHANGE,
        ):
            raise _illegal(case, _("received"))
        case_lines = list(case.lines.select_related("line__variant"))
        unknown = set(damaged) - {case_line.line_id for case_line in case_lines}
        if unknown:
            raise OrderError(_("Damaged units name a line not in this case."), code="foreign_line")
        reason = str(_("Return for order %(order_no)s") % {"order_no": order.order_no})
        summary = {}
        for case_line in case_lines:
            broken = damaged.get(case_line.line_id, 0)
            if (
                isinstance(broken, bool)
                or not isinstance(broken, int)
                or not 0 <= broken <= case_line.quantity
            ):
                raise OrderError(
                    _("Damaged units of %(sku)s must be between 0 and %(quantity)s."),
                    code="invalid_quantity",
                    sku=case_line.line.sku_code,
                    quantity=case_line.quantity,
                )
            try:
                inventory.restock_return(
                    variant=case_line.line.variant,
                    warehouse=order.warehouse,
                    quantity=case_line.quantity,
                    by=by,
                    reason=reason,
                    document_type="after_sales",
                    document_id=str(case.pk),
                )
                if broken:
                    inventory.write_off(
                        variant=case_line.line.variant,
                        warehouse=order.warehouse,
                        quantity=broken,
                        by=by,
                        reason=str(_("Returned damaged (case #%(case)s)") % {"case": case.pk}),
                        document_type="after_sales",
                        document_id=str(case.pk),
                    )
            except StockError as error:
                raise OrderError(str(error), code="stock_error") from error
            case_line.restocked_quantity = case_line.quantity - broken
            case_line.written_off_quantity = broken
            case_line.save(update_fields=["restocked_quantity", "written_off_quantity"])
            summary[case_line.line.sku_code] = {
                "restocked": case_line.quantity - broken,
                "damaged": broken,
            }
        case.received_at = received_at
        _move(case, to=CaseState.RECEIVED, by=by, at=received_at)
        record_event(
            order=order,
            case=case,
            kind=EventKind.RETURN_RECEIVED,
            by=by,
            at=received_at,
            after=summary,
        )
    return case


def refund_case(
    *,
    case: AfterSalesCase,
    by: Any,
    amount: Decimal | None = None,
    shipping_amount: Decimal = Decimal("0.00"),
    refund_no: str = "",
    refunded_at: dt.datetime | None = None,
    imported: bool = False,
) -> Refund:
    """Refund a case: its units (or ``amount`` when less, or alone for a case without lines).

    Refund-only cases refund once approved, return-and-refund once the
    return is received (imported refunds are facts: any open state). Above
    the refund limit of ``by`` the refund waits for a manager and the case
    stays open. See :func:`orders.services.refunds.refund_order`.
    """
    check_user(by)
    with transaction.atomic():
        _order, case = _lock_case(case)
        allowed = REFUNDABLE_FROM.get(case.kind, set())
        if not (case.state in allowed or (imported and case.is_open)):
            raise _illegal(case, _("refunded"))
        lines = [
            (case_line.line, case_line.quantity) for case_line in case.lines.select_related("line")
        ]
        if not lines and amount is None:
            amount = case.requested_amount
        return refund_order(
            order=case.order,
            by=by,
            lines=lines,
            amount=amount,
            shipping_amount=shipping_amount,
            case=case,
            refund_no=refund_no or case.refund_no,
            refunded_at=refunded_at,
            imported=imported,
        )


def create_replacement_order(
    *,
    case: AfterSalesCase,
    by: Any,
    lines: Sequence[tuple[Variant, int]] | None = None,
) -> Order:
    """Send the buyer replacement goods for an exchange or reissue, as a linked free order.

    The replacement (kind ``replacement``, amount 0, same buyer and address)
    is paid at once, so its stock is reserved and it is reviewed like any
    order; refused when the stock is short. Default lines: the case's units
    of the same SKUs. The case becomes exchanged or reissued.
    """
    check_user(by)
    with transaction.atomic():
        order, case = _lock_case(case)
        if case.kind == CaseType.EXCHANGE:
            allowed, target = (
                (CaseState.APPROVED, CaseState.AWAITING_RETURN, CaseState.RECEIVED),
                CaseState.EXCHANGED,
            )
        elif case.kind == CaseType.REISSUE:
            allowed, target = (CaseState.APPROVED,), CaseState.REISSUED
        else:
            raise _illegal(case, _("replaced"))
        if case.state not in allowed:
            raise _illegal(case, _("replaced"))
        if lines is None:
            lines = [
                (case_line.line.variant, case_line.quantity)
                for case_line in case.lines.select_related("line__variant")
            ]
        if not lines:
            raise OrderError(_("Say what the replacement contains."), code="no_lines")
        inputs = []
        for variant, quantity in lines:
            value = money.quantize(variant.price * check_quantity(quantity))
            inputs.append(
                LineInput(
                    variant=variant,
                    quantity=quantity,
                    unit_price=variant.price,
                    line_discount=value,
                )
            )
        number = order.replacement_orders.count() + 1
        replacement, _created = create_order(
            channel=order.channel,
            order_no=f"{order.order_no}-R{number}",
            lines=inputs,
            paid_total=money.ZERO,
            placed_at=timezone.now(),
            paid_at=timezone.now(),
            by=by,
            customer=order.customer,
            buyer_nickname=order.buyer_nickname,
            recipient_name=order.recipient_name,
            phone=order.phone,
            province=order.province,
            city=order.city,
            address=order.address,
            warehouse=order.warehouse,
            kind=OrderKind.REPLACEMENT,
            replaces_order=order,
            internal_notes=str(_("Replacement for case #%(case)s") % {"case": case.pk}),
        )
        case.replacement_order = replacement
        _move(
            case,
            to=target,
            by=by,
            message=_("Replacement order %(order_no)s") % {"order_no": replacement.order_no},
            resolves=True,
        )
        record_event(
            order=order,
            case=case,
            kind=EventKind.REPLACEMENT,
            by=by,
            after={"replacement_order": replacement.order_no},
        )
    return replacement


def close_case(*, case: AfterSalesCase, by: Any, note: str = "") -> AfterSalesCase:
    """Close a case: the buyer withdrew it, or a resolved case is filed away."""
    check_user(by)
    with transaction.atomic():
        _order, case = _lock_case(case)
        if case.state == CaseState.CLOSED:
            return case
        if case.refunds.filter(status="awaiting_approval").exists():
            raise OrderError(
                _("A refund of this case waits for approval: decide it first."),
                code="refund_pending",
            )
        _move(case, to=CaseState.CLOSED, by=by, message=note, resolves=case.resolved_at is None)
    return case


def add_case_note(*, case: AfterSalesCase, by: Any, message: str) -> AfterSalesCase:
    """Note on the case's timeline; the first note counts as the first response."""
    check_user(by)
    message = (message or "").strip()
    if not message:
        raise OrderError(_("A note needs some text."), code="empty_note")
    with transaction.atomic():
        order, case = _lock_case(case)
        now = timezone.now()
        if case.first_response_at is None:
            case.first_response_at = now
            case.save(update_fields=["first_response_at", "updated_at"])
        record_event(order=order, case=case, kind=EventKind.NOTE, by=by, message=message, at=now)
    return case

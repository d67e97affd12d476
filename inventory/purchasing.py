"""Purchasing services: draft, place, receive and cancel purchase orders.

Guarantees shared by every service below:

* **Atomic and locked.** Each service runs in one transaction and first locks
  the purchase order (``select_for_update``), so two clerks booking deliveries
  of the same order, or a delivery racing a cancellation, are serialised.
* **Stock through the ledger.** Placing calls ``services.place_on_order`` (on
  order rises), a delivery calls ``services.receive`` (on hand rises, on order
  falls by what was still expected), cancelling calls
  ``services.cancel_on_order`` for what is still open. Every ledger row names
  the purchase order (``document_type="purchase_order"``, its number).
* **Timeline.** Every change writes a :class:`PurchaseOrderEvent` (who, when,
  what, status before and after).
* **Idempotent by key.** Given an ``idempotency_key``, a repeated call changes
  nothing and returns the result of the first one.
* **Validated.** A refused call raises :class:`PurchasingError` (or
  :class:`UnknownSku`) with a ``code`` and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Supplier, Variant
from inventory import services
from inventory.errors import PurchasingError, UnknownSku
from inventory.models import (
    PurchaseOrder,
    PurchaseOrderEvent,
    PurchaseOrderEventKind,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Receipt,
    ReceiptLine,
    Warehouse,
)
from inventory.models.purchasing import ALLOWED_TRANSITIONS
from storeops import business_day
from storeops.money import MAX_DIGITS

DOCUMENT_TYPE = "purchase_order"
KEY_MAX_LENGTH = 150
NOTE_MAX_LENGTH = ReceiptLine._meta.get_field("note").max_length

__all__ = [
    "PurchaseLineInput",
    "ReceiveLineInput",
    "cancel_purchase_order",
    "create_draft",
    "place_purchase_order",
    "receive_delivery",
    "update_draft",
]


@dataclass(frozen=True)
class PurchaseLineInput:
    """One line of a draft: a SKU (object or code), units, and optionally a unit cost.

    ``unit_cost=None`` takes the SKU's current cost price (or keeps the cost the
    line already had when a draft is edited).
    """

    variant: Variant | str
    quantity: int
    unit_cost: Decimal | str | int | None = None


@dataclass(frozen=True)
class ReceiveLineInput:
    """Units of one purchase order line in a delivery: the line, its id or its SKU code."""

    line: PurchaseOrderLine | int | str
    quantity: int
    note: str = ""


# -- input checks ---------------------------------------------------------------------------


def _check_quantity(quantity: Any, *, allow_zero: bool = False) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise PurchasingError(
            _("The quantity must be a whole number, not %(value)r."),
            code="invalid_quantity",
            value=quantity,
        )
    if quantity < 0 or (quantity == 0 and not allow_zero):
        raise PurchasingError(
            _("The quantity must be more than zero, not %(value)s."),
            code="invalid_quantity",
            value=quantity,
        )
    return quantity


def _check_user(by: Any) -> None:
    if by is None or getattr(by, "pk", None) is None:
        raise PurchasingError(
            _("A purchase order change must name who makes it."), code="missing_user"
        )


def _check_key(idempotency_key: str | None) -> None:
    if idempotency_key is not None and (
        not isinstance(idempotency_key, str)
        or not idempotency_key
        or len(idempotency_key) > KEY_MAX_LENGTH
    ):
        raise PurchasingError(
            _("The idempotency key must be a text of 1 to %(limit)s characters."),
            code="invalid_idempotency_key",
            limit=KEY_MAX_LENGTH,
        )


def _unit_cost(value: Any, *, default: Decimal) -> Decimal:
    if value is None or value == "":
        return default
    if isinstance(value, (float, bool)):
        raise PurchasingError(
            _("A unit cost must be an exact amount, not %(value)r."),
            code="invalid_unit_cost",
            value=value,
        )
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise PurchasingError(
            _("Not an amount: %(value)s."), code="invalid_unit_cost", value=value
        ) from error
    if not amount.is_finite() or amount < 0:
        raise PurchasingError(
            _("A unit cost must not be negative, not %(value)s."),
            code="invalid_unit_cost",
            value=value,
        )
    if amount.as_tuple().exponent < -2 or amount.adjusted() >= MAX_DIGITS - 2:
        raise PurchasingError(
            _("A unit cost has at most 2 decimal places and 12 digits: %(value)s."),
            code="invalid_unit_cost",
            value=value,
        )
    return amount.quantize(Decimal("0.01"))


def _resolve_variant(variant: Variant | str) -> Variant:
    if isinstance(variant, Variant):
        return variant
    if not isinstance(variant, str):
        raise UnknownSku(sku=repr(variant))
    found = Variant.objects.filter(sku_code=variant.strip()).first()
    if found is None:
        raise UnknownSku(sku=variant)
    return found


def _resolve_warehouse(warehouse: Warehouse | str | None) -> Warehouse:
    if isinstance(warehouse, Warehouse):
        found: Warehouse | None = warehouse
    elif warehouse is None:
        found = Warehouse.objects.filter(is_default=True).first()
    else:
        found = Warehouse.objects.filter(code=warehouse).first()
    if found is None:
        raise PurchasingError(
            _("Unknown warehouse: %(warehouse)s."),
            code="unknown_warehouse",
            warehouse=str(warehouse or ""),
        )
    if not found.is_active:
        raise PurchasingError(
            _("Warehouse %(warehouse)s is closed: it takes no purchase orders."),
            code="inactive_warehouse",
            warehouse=found.code,
        )
    return found


def _resolve_supplier(supplier: Supplier | str) -> Supplier:
    found = (
        supplier
        if isinstance(supplier, Supplier)
        else Supplier.objects.filter(code=supplier).first()
    )
    if found is None:
        raise PurchasingError(
            _("Unknown supplier: %(supplier)s."), code="unknown_supplier", supplier=supplier
        )
    if not found.is_active:
        raise PurchasingError(
            _("Supplier %(supplier)s is inactive: it takes no purchase orders."),
            code="inactive_supplier",
            supplier=found.code,
        )
    return found


def _clean_lines(
    lines: Sequence[PurchaseLineInput], *, earlier_costs: dict[int, Decimal] | None = None
) -> list[tuple[Variant, int, Decimal]]:
    if not lines:
        raise PurchasingError(_("A purchase order needs at least one line."), code="empty_order")
    earlier_costs = earlier_costs or {}
    cleaned: list[tuple[Variant, int, Decimal]] = []
    seen: set[int] = set()
    for line in lines:
        quantity = _check_quantity(line.quantity)
        variant = _resolve_variant(line.variant)
        if variant.pk in seen:
            raise PurchasingError(
                _("SKU %(sku)s is on the purchase order twice: merge the lines."),
                code="duplicate_line",
                sku=variant.sku_code,
            )
        seen.add(variant.pk)
        default = earlier_costs.get(variant.pk, variant.cost_price)
        cleaned.append((variant, quantity, _unit_cost(line.unit_cost, default=default)))
    return cleaned


# -- helpers --------------------------------------------------------------------------------

_NUMBER = re.compile(r"^PO-(\d{4})-(\d+)$")


def _next_number() -> str:
    year = business_day.today().year
    prefix = f"PO-{year}-"
    numbers = PurchaseOrder.objects.filter(number__startswith=prefix).values_list(
        "number", flat=True
    )
    highest = max(
        (int(match.group(2)) for number in numbers if (match := _NUMBER.match(number))),
        default=0,
    )
    return f"{prefix}{highest + 1:04d}"


def _record(
    purchase_order: PurchaseOrder,
    *,
    kind: PurchaseOrderEventKind,
    before: str,
    by: Any,
    message: str = "",
    details: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> PurchaseOrderEvent:
    return PurchaseOrderEvent.objects.create(
        purchase_order=purchase_order,
        kind=kind,
        status_before=before,
        status_after=purchase_order.status,
        created_by=by,
        message=message[:300],
        details=details or {},
        idempotency_key=idempotency_key,
    )


def _lock(purchase_order: PurchaseOrder | int) -> PurchaseOrder:
    pk = purchase_order.pk if isinstance(purchase_order, PurchaseOrder) else purchase_order
    return PurchaseOrder.objects.select_for_update().get(pk=pk)


def _refuse_move(purchase_order: PurchaseOrder, target: str) -> None:
    if target not in ALLOWED_TRANSITIONS[purchase_order.status]:
        raise PurchasingError(
            _("Purchase order %(number)s is %(status)s: it cannot become %(target)s."),
            code="illegal_transition",
            number=purchase_order.number,
            status=purchase_order.get_status_display(),
            target=PurchaseOrderStatus(target).label,
        )


def _earlier_event(key: str | None, purchase_order: PurchaseOrder) -> PurchaseOrderEvent | None:
    if key is None:
        return None
    event = PurchaseOrderEvent.objects.filter(idempotency_key=key).first()
    if event is not None and event.purchase_order_id != purchase_order.pk:
        raise PurchasingError(
            _("Idempotency key %(key)s was already used for another purchase order."),
            code="idempotency_key_reused",
            key=key,
        )
    return event


def _lines_summary(purchase_order: PurchaseOrder) -> list[dict[str, Any]]:
    return [
        {
            "sku": line.variant.sku_code,
            "quantity": line.quantity_ordered,
            "unit_cost": str(line.unit_cost),
        }
        for line in purchase_order.lines.select_related("variant").order_by("id")
    ]


# -- services -------------------------------------------------------------------------------


def create_draft(
    *,
    supplier: Supplier | str,
    lines: Sequence[PurchaseLineInput],
    by: Any,
    warehouse: Warehouse | str | None = None,
    expected_date: Any = None,
    note: str = "",
    idempotency_key: str | None = None,
) -> PurchaseOrder:
    """Create a draft purchase order with its lines; nothing is on order yet.

    Numbers run per year (PO-2026-0001). Atomic; idempotent by key (a repeat
    returns the first draft).
    """
    _check_user(by)
    _check_key(idempotency_key)
    if idempotency_key is not None:
        earlier = PurchaseOrder.objects.filter(idempotency_key=idempotency_key).first()
        if earlier is not None:
            return earlier
    supplier = _resolve_supplier(supplier)
    warehouse = _resolve_warehouse(warehouse)
    cleaned = _clean_lines(lines)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                purchase_order = PurchaseOrder.objects.create(
                    number=_next_number(),
                    supplier=supplier,
                    warehouse=warehouse,
                    expected_date=expected_date,
                    note=note or "",
                    created_by=by,
                    idempotency_key=idempotency_key,
                )
                PurchaseOrderLine.objects.bulk_create(
                    PurchaseOrderLine(
                        purchase_order=purchase_order,
                        variant=variant,
                        quantity_ordered=quantity,
                        unit_cost=cost,
                    )
                    for variant, quantity, cost in cleaned
                )
                _record(
                    purchase_order,
                    kind=PurchaseOrderEventKind.CREATED,
                    before="",
                    by=by,
                    details={"lines": _lines_summary(purchase_order)},
                )
                return purchase_order
        except IntegrityError:
            if idempotency_key is not None:
                earlier = PurchaseOrder.objects.filter(idempotency_key=idempotency_key).first()
                if earlier is not None:
                    return earlier
            # Another draft took the number we computed: compute the next one again.
            continue
    raise PurchasingError(
        _("Could not number the purchase order; try again."), code="numbering_conflict"
    )


def update_draft(
    *,
    purchase_order: PurchaseOrder | int,
    lines: Sequence[PurchaseLineInput],
    by: Any,
    supplier: Supplier | str | None = None,
    warehouse: Warehouse | str | None = None,
    expected_date: Any = None,
    note: str = "",
) -> PurchaseOrder:
    """Replace a draft's header fields and lines. Only drafts can be edited.

    A line given without unit cost keeps the cost it had on the draft (or takes
    the SKU's cost price when it is new). Atomic, locks the order.
    """
    _check_user(by)
    with transaction.atomic():
        locked = _lock(purchase_order)
        if not locked.is_editable:
            raise PurchasingError(
                _("Purchase order %(number)s is %(status)s: only drafts can be edited."),
                code="not_editable",
                number=locked.number,
                status=locked.get_status_display(),
            )
        earlier_costs = dict(locked.lines.values_list("variant_id", "unit_cost"))
        cleaned = _clean_lines(lines, earlier_costs=earlier_costs)
        before_lines = _lines_summary(locked)
        if supplier is not None:
            locked.supplier = _resolve_supplier(supplier)
        if warehouse is not None:
            locked.warehouse = _resolve_warehouse(warehouse)
        locked.expected_date = expected_date
        locked.note = note or ""
        locked.save()
        locked.lines.all().delete()
        PurchaseOrderLine.objects.bulk_create(
            PurchaseOrderLine(
                purchase_order=locked, variant=variant, quantity_ordered=quantity, unit_cost=cost
            )
            for variant, quantity, cost in cleaned
        )
        _record(
            locked,
            kind=PurchaseOrderEventKind.EDITED,
            before=locked.status,
            by=by,
            details={"lines_before": before_lines, "lines_after": _lines_summary(locked)},
        )
        return locked


def place_purchase_order(
    *, purchase_order: PurchaseOrder | int, by: Any, idempotency_key: str | None = None
) -> PurchaseOrder:
    """Send a draft to the supplier: status ordered, every line's units go on order.

    Refused unless the order is a draft with at least one line. Atomic, locks
    the order, idempotent by key.
    """
    _check_user(by)
    _check_key(idempotency_key)
    with transaction.atomic():
        locked = _lock(purchase_order)
        if _earlier_event(idempotency_key, locked) is not None:
            return locked
        _refuse_move(locked, PurchaseOrderStatus.ORDERED)
        lines = list(locked.lines.select_related("variant"))
        if not lines:
            raise PurchasingError(
                _("A purchase order needs at least one line."), code="empty_order"
            )
        reason = f"Purchase order {locked.number} placed"
        for line in lines:
            services.place_on_order(
                variant=line.variant,
                warehouse=locked.warehouse,
                quantity=line.quantity_ordered,
                by=by,
                reason=reason,
                document_type=DOCUMENT_TYPE,
                document_id=locked.number,
                idempotency_key=f"po:{locked.pk}:place:{line.pk}",
            )
        before = locked.status
        locked.status = PurchaseOrderStatus.ORDERED
        locked.ordered_at = timezone.now()
        locked.ordered_by = by
        locked.save(update_fields=["status", "ordered_at", "ordered_by", "updated_at"])
        _record(
            locked,
            kind=PurchaseOrderEventKind.PLACED,
            before=before,
            by=by,
            details={"units": sum(line.quantity_ordered for line in lines)},
            idempotency_key=idempotency_key,
        )
        return locked


def _resolve_line(
    wanted: PurchaseOrderLine | int | str,
    *,
    by_id: dict[int, PurchaseOrderLine],
    by_sku: dict[str, PurchaseOrderLine],
    number: str,
) -> PurchaseOrderLine:
    if isinstance(wanted, PurchaseOrderLine):
        found = by_id.get(wanted.pk)
    elif isinstance(wanted, int) and not isinstance(wanted, bool):
        found = by_id.get(wanted)
    elif isinstance(wanted, str):
        found = by_sku.get(wanted.strip())
        if found is None and not Variant.objects.filter(sku_code=wanted.strip()).exists():
            raise UnknownSku(sku=wanted)
    else:
        found = None
    if found is None:
        raise PurchasingError(
            _("%(line)s is not a line of purchase order %(number)s."),
            code="unknown_line",
            line=str(wanted),
            number=number,
        )
    return found


def receive_delivery(
    *,
    purchase_order: PurchaseOrder | int,
    lines: Sequence[ReceiveLineInput],
    by: Any,
    note: str = "",
    allow_over: bool = False,
    over_reason: str = "",
    idempotency_key: str | None = None,
) -> Receipt:
    """Book one delivery of an ordered purchase order in; several deliveries are allowed.

    Lines with quantity 0 are skipped; at least one unit must arrive. A line
    receiving more than it still expects is refused (``over_delivery``) unless
    ``allow_over`` is set with an ``over_reason``. On hand rises by what came,
    on order falls by what was still expected. The order becomes partially
    received, or received once every line is complete. Atomic, locks the
    order, idempotent by key (a repeat returns the first receipt).
    """
    _check_user(by)
    _check_key(idempotency_key)
    with transaction.atomic():
        locked = _lock(purchase_order)
        if idempotency_key is not None:
            earlier = Receipt.objects.filter(idempotency_key=idempotency_key).first()
            if earlier is not None:
                if earlier.purchase_order_id != locked.pk:
                    raise PurchasingError(
                        _("Idempotency key %(key)s was already used for another purchase order."),
                        code="idempotency_key_reused",
                        key=idempotency_key,
                    )
                return earlier
        if not locked.can_receive:
            raise PurchasingError(
                _("Purchase order %(number)s is %(status)s: it cannot take deliveries."),
                code="illegal_transition",
                number=locked.number,
                status=locked.get_status_display(),
            )
        order_lines = list(locked.lines.select_related("variant"))
        by_id = {line.pk: line for line in order_lines}
        by_sku = {line.variant.sku_code: line for line in order_lines}
        accepted: list[tuple[PurchaseOrderLine, int, str]] = []
        seen: set[int] = set()
        over_lines: list[str] = []
        for wanted in lines:
            quantity = _check_quantity(wanted.quantity, allow_zero=True)
            line = _resolve_line(wanted.line, by_id=by_id, by_sku=by_sku, number=locked.number)
            if line.pk in seen:
                raise PurchasingError(
                    _("SKU %(sku)s is in the delivery twice: merge the lines."),
                    code="duplicate_line",
                    sku=line.variant.sku_code,
                )
            seen.add(line.pk)
            if quantity == 0:
                continue
            if quantity > line.quantity_remaining:
                if not allow_over:
                    raise PurchasingError(
                        _(
                            "%(quantity)s units of %(sku)s arrived but only %(remaining)s are "
                            "still expected: confirm the over-delivery and give a reason."
                        ),
                        code="over_delivery",
                        sku=line.variant.sku_code,
                        quantity=quantity,
                        remaining=line.quantity_remaining,
                    )
                over_lines.append(line.variant.sku_code)
            accepted.append((line, quantity, (wanted.note or "").strip()[:NOTE_MAX_LENGTH]))
        if not accepted:
            raise PurchasingError(
                _("A delivery needs at least one unit received."), code="empty_receipt"
            )
        over_reason = (over_reason or "").strip()
        if over_lines and not over_reason:
            raise PurchasingError(
                _("Give a reason for accepting more units than were ordered."),
                code="over_delivery_reason_required",
            )
        receipt = Receipt.objects.create(
            purchase_order=locked, received_by=by, note=note or "", idempotency_key=idempotency_key
        )
        reason = f"Delivery for purchase order {locked.number}"
        received: list[dict[str, Any]] = []
        for line, quantity, line_note in accepted:
            expected = line.quantity_remaining
            if quantity > expected and not line_note:
                line_note = over_reason[:NOTE_MAX_LENGTH]
            ReceiptLine.objects.create(
                receipt=receipt,
                purchase_order_line=line,
                quantity=quantity,
                quantity_expected=expected,
                note=line_note,
            )
            services.receive(
                variant=line.variant,
                warehouse=locked.warehouse,
                quantity=quantity,
                on_order_cleared=min(quantity, expected),
                by=by,
                reason=reason,
                document_type=DOCUMENT_TYPE,
                document_id=locked.number,
                idempotency_key=f"po-receipt:{receipt.pk}:{line.pk}",
            )
            line.quantity_received += quantity
            line.save(update_fields=["quantity_received"])
            received.append(
                {"sku": line.variant.sku_code, "quantity": quantity, "expected": expected}
            )
        before = locked.status
        complete = all(line.quantity_received >= line.quantity_ordered for line in order_lines)
        locked.status = (
            PurchaseOrderStatus.RECEIVED if complete else PurchaseOrderStatus.PARTIALLY_RECEIVED
        )
        locked.save(update_fields=["status", "updated_at"])
        _record(
            locked,
            kind=PurchaseOrderEventKind.RECEIVED,
            before=before,
            by=by,
            message=over_reason if over_lines else (note or ""),
            details={"receipt": receipt.pk, "lines": received, "over_delivered": over_lines},
        )
        return receipt


def cancel_purchase_order(
    *,
    purchase_order: PurchaseOrder | int,
    by: Any,
    reason: str,
    idempotency_key: str | None = None,
) -> PurchaseOrder:
    """Cancel a draft or an open order; units still expected come off on order.

    Units already delivered stay received. Refused for received or cancelled
    orders and without a reason. Atomic, locks the order, idempotent by key.
    """
    _check_user(by)
    _check_key(idempotency_key)
    if not isinstance(reason, str) or not reason.strip():
        raise PurchasingError(
            _("Give a reason for cancelling the purchase order."), code="missing_reason"
        )
    with transaction.atomic():
        locked = _lock(purchase_order)
        if _earlier_event(idempotency_key, locked) is not None:
            return locked
        _refuse_move(locked, PurchaseOrderStatus.CANCELLED)
        released: list[dict[str, Any]] = []
        if locked.status != PurchaseOrderStatus.DRAFT:
            ledger_reason = f"Purchase order {locked.number} cancelled"
            for line in locked.lines.select_related("variant"):
                remaining = line.quantity_remaining
                if remaining == 0:
                    continue
                services.cancel_on_order(
                    variant=line.variant,
                    warehouse=locked.warehouse,
                    quantity=remaining,
                    by=by,
                    reason=ledger_reason,
                    document_type=DOCUMENT_TYPE,
                    document_id=locked.number,
                    idempotency_key=f"po:{locked.pk}:cancel:{line.pk}",
                )
                line.quantity_cancelled = remaining
                line.save(update_fields=["quantity_cancelled"])
                released.append({"sku": line.variant.sku_code, "quantity": remaining})
        before = locked.status
        locked.status = PurchaseOrderStatus.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
        _record(
            locked,
            kind=PurchaseOrderEventKind.CANCELLED,
            before=before,
            by=by,
            message=reason.strip(),
            details={"released": released},
            idempotency_key=idempotency_key,
        )
        return locked

"""Orders from a channel's export, a batch at a time: the set-based twin of ``imports``.

:func:`import_orders` gives every order of a batch the outcome and the rows
:func:`orders.services.imports.import_order` would give it when called for
each order in turn, but writes new orders (pending payment or paid, the bulk
of any export) with a handful of statements per batch instead of some fifty
per order: one look-up of the stored orders, customers matched and created in
bulk, orders, lines and timeline rows inserted in bulk, stock reserved through
:func:`inventory.services.plan_reservations` and the review checks run in memory.
Orders already stored are unchanged (nothing written) or moved forward, and
new orders with any other status (history, shipped ...) go through the
per-order service; the batch is cut into runs so that every order still sees
the orders before it (stock, a buyer's first order, duplicate recipients)
exactly as the per-order path would.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import PriceKind, Variant, VariantPriceChange
from customers import services as customer_services
from customers.models import Customer
from inventory import selectors as inventory_selectors
from inventory import services as inventory
from inventory.errors import InsufficientStock
from inventory.models import Warehouse
from orders.errors import OrderError
from orders.models import (
    EventKind,
    Order,
    OrderEvent,
    OrderKind,
    OrderLine,
    OrderSettings,
    OrderStatus,
    ReviewReason,
    ReviewState,
)
from orders.services import review
from orders.services.common import check_user
from orders.services.imports import (
    CREATED,
    UNCHANGED,
    ImportedOrder,
    import_order,
    is_forward,
)
from orders.services.intake import price_lines
from storeops import business_day
from storeops.copy_insert import insert_all, insert_rows

# A timeline row as insert_rows takes it: the order's id, then no case, then what
# _event keeps (kind, message, before, after, by, at).
EVENT_FIELDS = ("order_id", "case_id", "kind", "message", "before", "after", "by_id", "created_at")

# New orders in these statuses are written set-based; any other goes order by order.
BULK_STATUSES = frozenset({OrderStatus.PENDING_PAYMENT, OrderStatus.PAID})


class BatchOrderError(OrderError):
    """An order of the batch was refused; ``position`` is its index in the batch."""

    def __init__(self, error: OrderError, position: int) -> None:
        super().__init__(error.message, code=error.code, **error.details)
        self.position = position


def import_orders(*, orders: Sequence[ImportedOrder], by: Any, source: str) -> list[str]:
    """Import each order as :func:`import_order` would; one outcome per order, in order.

    Atomic (all orders or none); refused with :class:`BatchOrderError` naming
    the refused order. Idempotent: the same batch again is all ``unchanged``
    and costs one read.
    """
    check_user(by)
    why = str(_("import %(file)s") % {"file": source or "-"})
    outcomes: list[str] = [UNCHANGED] * len(orders)
    with transaction.atomic():
        stored = _stored_statuses(orders)
        run: list[tuple[int, ImportedOrder]] = []
        for position, data in enumerate(orders):
            status = stored.get((data.channel.pk, data.order_no.strip()))
            if status is not None and not is_forward(status, data.status):
                continue
            if status is None and data.status in BULK_STATUSES:
                run.append((position, data))
                continue
            _write_run(run, outcomes, by=by, source=source, why=why)
            run = []
            outcomes[position] = _import_one(position, data, by=by, source=source)
        _write_run(run, outcomes, by=by, source=source, why=why)
    return outcomes


def _import_one(position: int, data: ImportedOrder, *, by: Any, source: str) -> str:
    try:
        _order, outcome = import_order(data=data, by=by, source=source)
    except OrderError as error:
        raise BatchOrderError(error, position) from error
    return outcome


def _stored_statuses(orders: Sequence[ImportedOrder]) -> dict[tuple[int, str], str]:
    """Status of the orders already stored, by (channel id, order number): one query."""
    numbers: dict[int, set[str]] = defaultdict(set)
    for data in orders:
        numbers[data.channel.pk].add(data.order_no.strip())
    if not numbers:
        return {}
    condition = Q()
    for channel_id, order_numbers in numbers.items():
        condition |= Q(channel_id=channel_id, order_no__in=sorted(order_numbers))
    return {
        (channel_id, order_no): status
        for channel_id, order_no, status in Order.objects.filter(condition).values_list(
            "channel_id", "order_no", "status"
        )
    }


def _write_run(
    run: list[tuple[int, ImportedOrder]], outcomes: list[str], *, by: Any, source: str, why: str
) -> None:
    """Create the new orders of ``run`` set-based (per order if a concurrent intake interferes)."""
    if not run:
        return
    try:
        with transaction.atomic():
            _create_orders(run, by=by, why=why)
    except IntegrityError:
        # Another intake stored one of these order numbers (or buyers) a moment ago:
        # the per-order service copes with that order by order.
        for position, data in run:
            outcomes[position] = _import_one(position, data, by=by, source=source)
        return
    for position, _data in run:
        outcomes[position] = CREATED


class _NewOrder:
    """One order of a run while it is being built."""

    __slots__ = ("data", "events", "lines", "order", "position", "shortage")

    def __init__(self, position: int, data: ImportedOrder) -> None:
        self.position = position
        self.data = data
        self.order: Order | None = None
        self.lines: list[OrderLine] = []
        self.events: list[tuple] = []
        self.shortage: InsufficientStock | None = None


def _create_orders(run: list[tuple[int, ImportedOrder]], *, by: Any, why: str) -> None:
    new = [_NewOrder(position, data) for position, data in run]
    for item in new:
        try:
            item.order, item.lines = _build_order(item.data, by=by)
        except OrderError as error:
            raise BatchOrderError(error, item.position) from error
    paid = [item for item in new if item.data.status == OrderStatus.PAID]
    # Translated once per run, not once per order.
    paid_reason = str(_("Order %(order_no)s paid"))
    imported = str(_("Imported from the channel"))
    released = str(_("All checks passed: released to the warehouse."))
    reason_labels = {reason.value: str(reason.label) for reason in ReviewReason}
    warehouse = _warehouse(paid)
    customers = customer_services.match_or_create_customers(
        buyers=[
            (item.data.channel, item.data.buyer_nickname, item.data.phone, item.data.recipient_name)
            for item in new
        ]
    )
    for item, customer in zip(new, customers, strict=True):
        item.order.customer = customer
    now = timezone.now()
    for item in paid:
        _pay(item, warehouse=warehouse)
    _set_unit_costs(paid)
    rules = OrderSettings.load()
    duplicates = _DuplicateFinder(new, minutes=rules.duplicate_window_minutes)

    # Stock is checked (and its levels locked) before the orders are inserted, so
    # that each order goes in with its review outcome; the ledger names the order.
    reservations = (
        inventory.plan_reservations(
            groups=[
                (
                    [inventory.ReservationLine(line.variant, line.quantity) for line in item.lines],
                    paid_reason % {"order_no": item.order.order_no},
                    "order",
                )
                for item in paid
            ],
            warehouse=warehouse,
            by=by,
        )
        if paid
        else None
    )
    for item, shortage in zip(paid, reservations.shortages if paid else [], strict=True):
        item.shortage = shortage
        if shortage is None:
            for line in item.lines:
                line.reserved_quantity = line.quantity

    order_counts: dict[int, int] = {}
    payments: list[tuple[Customer, Decimal, dt.datetime]] = []
    for item in new:
        order = item.order
        _event(
            item,
            EventKind.CREATED,
            by=by,
            at=order.placed_at,
            now=now,
            message=imported,
            after={"paid_total": str(order.paid_total), "lines": len(item.lines)},
        )
        is_paid = item.data.status == OrderStatus.PAID
        if is_paid:
            customer = order.customer
            count = order_counts.get(customer.pk, customer.order_count)
            _event(
                item,
                EventKind.PAID,
                by=by,
                at=order.paid_at,
                now=now,
                after={
                    "paid_total": str(order.paid_total),
                    "business_date": str(order.business_date),
                },
            )
            if item.shortage is None:
                reserved = [(line.sku_code, line.quantity) for line in item.lines]
                _event(
                    item,
                    EventKind.STOCK_RESERVED,
                    by=by,
                    now=now,
                    message=", ".join(f"{sku} × {quantity}" for sku, quantity in reserved),
                    after=dict(reserved),
                )
            else:
                _event(item, EventKind.STOCK_SHORT, by=by, now=now, message=str(item.shortage))
            order_counts[customer.pk] = count + 1
            payments.append((customer, order.paid_total, order.paid_at))
            reasons = review.review_reasons(
                order=order,
                rules=rules,
                is_new_buyer=count == 0,
                stock_short=item.shortage is not None,
                has_recent_duplicate=duplicates.has_recent,
            )
            order.review_reasons = reasons
            order.review_state = ReviewState.EXCEPTION if reasons else ReviewState.RELEASED
            labels = [reason_labels[reason] for reason in reasons]
            _event(
                item,
                EventKind.REVIEWED,
                by=by,
                now=now,
                message="; ".join(labels) if labels else released,
                after={"review_state": order.review_state, "review_reasons": reasons},
            )
        duplicates.add(order)
        _event(item, EventKind.NOTE, by=by, now=now, message=why, after={"status": order.status})
    insert_all([item.order for item in new])
    for item in new:
        for line in item.lines:
            line.order = item.order
    if reservations is not None:
        reservations.write(document_ids=[str(item.order.pk) for item in paid])
    insert_all([line for item in new for line in item.lines])
    customer_services.record_orders_paid(payments=payments)
    insert_rows(
        OrderEvent,
        fields=EVENT_FIELDS,
        rows=[(item.order.pk, None, *event) for item in new for event in item.events],
    )


def _build_order(data: ImportedOrder, *, by: Any) -> tuple[Order, list[OrderLine]]:
    """The unsaved order and lines, checked exactly as ``create_order`` checks them."""
    order_no = (data.order_no or "").strip()
    if not order_no:
        raise OrderError(_("An order needs an order number."), code="missing_order_no")
    priced = price_lines(
        data.lines,
        order_discount_total=data.order_discount_total,
        shipping_fee=data.shipping_fee,
        paid_total=data.paid_total,
        placed_at=data.placed_at,
    )
    if not (data.buyer_nickname or "").strip() and not customer_services.normalize_phone(
        data.phone
    ):
        raise OrderError(
            str(_("A customer needs a buyer ID or a phone number.")), code="unknown_buyer"
        )
    order = Order(
        channel=data.channel,
        order_no=order_no,
        kind=OrderKind.NORMAL,
        is_imported=True,
        buyer_nickname=data.buyer_nickname[:100],
        recipient_name=data.recipient_name[:100],
        phone=customer_services.normalize_phone(data.phone),
        province=data.province[:50],
        city=data.city[:50],
        address=data.address[:300],
        buyer_note=data.buyer_note,
        placed_at=data.placed_at,
        goods_total=priced.goods_total,
        line_discount_total=priced.line_discount_total,
        order_discount_total=priced.order_discount_total,
        shipping_fee=priced.shipping_fee,
        paid_total=priced.paid_total,
        coupon_code=data.coupon_code[:64],
        promotion_text=data.promotion_text[:200],
        created_by=by if getattr(by, "pk", None) else None,
    )
    return order, priced.lines


def _warehouse(paid: list[_NewOrder]) -> Warehouse | None:
    if not paid:
        return None
    warehouse = inventory_selectors.default_warehouse()
    if warehouse is None:
        raise BatchOrderError(
            OrderError(
                _("No default warehouse is set up to ship this order from."), code="no_warehouse"
            ),
            paid[0].position,
        )
    return warehouse


def _pay(item: _NewOrder, *, warehouse: Warehouse) -> None:
    """What ``pay_order`` sets on the order before its stock and review."""
    paid_at = item.data.paid_at or item.data.placed_at
    if timezone.is_naive(paid_at):
        raise BatchOrderError(
            OrderError(_("The payment time must carry a time zone."), code="naive_datetime"),
            item.position,
        )
    order = item.order
    order.warehouse = warehouse
    order.paid_at = paid_at
    order.business_date = business_day.of(paid_at)
    order.status = OrderStatus.PAID


def _set_unit_costs(paid: list[_NewOrder]) -> None:
    """Each line's cost in force at payment (``unit_cost_at``), from one query."""
    variants: dict[int, Variant] = {}
    for item in paid:
        for line in item.lines:
            variants[line.variant.pk] = line.variant
    if not variants:
        return
    history: dict[int, tuple[list, list]] = {}
    changes = (
        VariantPriceChange.objects.filter(variant_id__in=sorted(variants), kind=PriceKind.COST)
        .order_by("variant_id", "effective_at", "pk")
        .values_list("variant_id", "effective_at", "new_amount")
    )
    for variant_id, effective_at, amount in changes:
        moments, amounts = history.setdefault(variant_id, ([], []))
        moments.append(effective_at)
        amounts.append(amount)
    for item in paid:
        paid_at = item.order.paid_at
        for line in item.lines:
            moments, amounts = history.get(line.variant.pk, ((), ()))
            # The latest change at or before payment (the last of equal moments wins).
            index = bisect.bisect_right(moments, paid_at)
            line.unit_cost = amounts[index - 1] if index else line.variant.cost_price


class _DuplicateFinder:
    """Orders to the same phone or address near in time, as ``review`` looks for them.

    Knows the stored orders that could match (one query, before the run is
    inserted) and learns the run's orders as they are reviewed, so each
    order sees exactly the orders stored before it.
    """

    def __init__(self, new: list[_NewOrder], *, minutes: int) -> None:
        self.window = dt.timedelta(minutes=minutes)
        self.by_phone: dict[str, list[dt.datetime]] = defaultdict(list)
        self.by_address: dict[tuple[str, str, str], list[dt.datetime]] = defaultdict(list)
        if not minutes:
            return
        phones = {item.order.phone for item in new if item.order.phone}
        addresses = {item.order.address for item in new if item.order.address.strip()}
        placed = [item.order.placed_at for item in new]
        stored = (
            Order.objects.filter(Q(phone__in=phones) | Q(address__in=addresses))
            .filter(
                placed_at__gte=min(placed) - self.window, placed_at__lte=max(placed) + self.window
            )
            .exclude(status__in=[OrderStatus.CANCELLED, OrderStatus.CLOSED])
            .values_list("phone", "province", "city", "address", "placed_at")
        )
        for phone, province, city, address, placed_at in stored:
            self._learn(phone, (province, city, address), placed_at)

    def _learn(self, phone: str, address: tuple[str, str, str], placed_at: dt.datetime) -> None:
        if not self.window:
            return
        self.by_phone[phone].append(placed_at)
        self.by_address[address].append(placed_at)

    def add(self, order: Order) -> None:
        self._learn(order.phone, (order.province, order.city, order.address), order.placed_at)

    def has_recent(self, order: Order) -> bool:
        moments: list[dt.datetime] = []
        if order.phone:
            moments += self.by_phone.get(order.phone, [])
        if order.address.strip():
            moments += self.by_address.get((order.province, order.city, order.address), [])
        return any(abs(moment - order.placed_at) <= self.window for moment in moments)


def _event(
    item: _NewOrder,
    kind: EventKind,
    *,
    by: Any,
    now: dt.datetime,
    message: Any = "",
    after: dict | None = None,
    at: dt.datetime | None = None,
) -> None:
    """A timeline row as ``record_event`` writes it, kept for one insert (see EVENT_FIELDS)."""
    item.events.append(
        (kind, str(message), {}, after or {}, getattr(by, "pk", None) or None, at or now)
    )

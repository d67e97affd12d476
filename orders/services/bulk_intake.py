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
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connections, router, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
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
from orders.services.intake import EVENT_FIELDS, LineValues, price_lines
from storeops import business_day
from storeops.copy_insert import insert_new_rows, insert_rows

# What a new order and its lines are written with (insert_new_rows); every other
# field keeps the default ``Order()`` and ``OrderLine()`` would give it.
ORDER_FIELDS = (
    "channel_id",
    "order_no",
    "kind",
    "is_imported",
    "customer_id",
    "buyer_nickname",
    "recipient_name",
    "phone",
    "province",
    "city",
    "address",
    "buyer_note",
    "warehouse_id",
    "status",
    "review_state",
    "review_reasons",
    "placed_at",
    "paid_at",
    "business_date",
    "goods_total",
    "line_discount_total",
    "order_discount_total",
    "shipping_fee",
    "paid_total",
    "coupon_code",
    "promotion_text",
    "created_by_id",
)
LINE_FIELDS = (
    "order_id",
    "variant_id",
    "sku_code",
    "title",
    "quantity",
    "unit_price",
    "line_discount",
    "order_discount_share",
    "paid_amount",
    "unit_cost",
    "reserved_quantity",
)

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
    return stored_statuses(keys=[(data.channel.pk, data.order_no.strip()) for data in orders])


def stored_statuses(*, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], str]:
    """Status of the stored orders among ``keys`` (channel id, order number): one query."""
    numbers: dict[int, set[str]] = defaultdict(set)
    for channel_id, order_no in keys:
        numbers[channel_id].add(order_no)
    if not numbers:
        return {}
    condition = Q()
    connection = connections[router.db_for_read(Order)]
    column = f"{connection.ops.quote_name(Order._meta.db_table)}.order_no"
    for channel_id, order_numbers in numbers.items():
        if connection.vendor == "postgresql":
            # One array parameter: an IN list of a thousand numbers costs Django
            # far more to build than the database to read (the plan is the same).
            condition |= Q(channel_id=channel_id) & Q(
                RawSQL(f"{column} = ANY(%s)", [sorted(order_numbers)], output_field=BooleanField())
            )
        else:
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
    """One order of a run while it is being built: the values its row is written with.

    Plain attributes rather than an unsaved ``Order``: building tens of thousands
    of model instances cost more than writing them. It has the attributes
    :func:`review.review_reasons` and :class:`_DuplicateFinder` read.
    """

    __slots__ = (
        "address",
        "business_date",
        "buyer_nickname",
        "buyer_note",
        "city",
        "customer",
        "data",
        "events",
        "goods_total",
        "line_discount_total",
        "lines",
        "order_discount_total",
        "order_no",
        "paid_at",
        "paid_total",
        "phone",
        "placed_at",
        "position",
        "province",
        "recipient_name",
        "review_reasons",
        "review_state",
        "shipping_fee",
        "shortage",
        "status",
        "warehouse",
    )

    def __init__(self, position: int, data: ImportedOrder) -> None:
        self.position = position
        self.data = data
        self.lines: list[OrderLine] = []
        self.events: list[tuple] = []
        self.shortage: InsufficientStock | None = None
        self.customer: Customer | None = None
        self.warehouse: Warehouse | None = None
        self.status = OrderStatus.PENDING_PAYMENT
        self.paid_at: dt.datetime | None = None
        self.business_date: dt.date | None = None
        self.review_state = ReviewState.PENDING
        self.review_reasons: list[str] = []

    def row(self, *, created_by_id: int | None) -> tuple:
        """The order's values in the order of ORDER_FIELDS."""
        data = self.data
        return (
            data.channel.pk,
            self.order_no,
            OrderKind.NORMAL,
            True,
            self.customer.pk,
            self.buyer_nickname,
            self.recipient_name,
            self.phone,
            self.province,
            self.city,
            self.address,
            self.buyer_note,
            self.warehouse.pk if self.warehouse is not None else None,
            self.status,
            self.review_state,
            self.review_reasons,
            self.placed_at,
            self.paid_at,
            self.business_date,
            self.goods_total,
            self.line_discount_total,
            self.order_discount_total,
            self.shipping_fee,
            self.paid_total,
            data.coupon_code[:64],
            data.promotion_text[:200],
            created_by_id,
        )


def _create_orders(run: list[tuple[int, ImportedOrder]], *, by: Any, why: str) -> None:
    new = [_NewOrder(position, data) for position, data in run]
    for item in new:
        try:
            _build_order(item)
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
        item.customer = customer
    now = timezone.now()
    by_id = getattr(by, "pk", None) or None
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
                    paid_reason % {"order_no": item.order_no},
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

    # Most timeline values repeat from order to order: one object per distinct value
    # lets insert_rows encode each once (it knows them by identity).
    nothing: dict = {}
    passed = {"review_state": ReviewState.RELEASED, "review_reasons": []}
    shared: dict[tuple, dict] = {}

    def once(**values: Any) -> dict:
        return shared.setdefault(tuple(values.items()), values)

    order_counts: dict[int, int] = {}
    payments: list[tuple[Customer, Decimal, dt.datetime]] = []
    for item in new:
        events = item.events
        events.append(
            (
                EventKind.CREATED,
                imported,
                nothing,
                once(paid_total=str(item.paid_total), lines=len(item.lines)),
                by_id,
                item.placed_at,
            )
        )
        if item.status == OrderStatus.PAID:
            customer = item.customer
            count = order_counts.get(customer.pk, customer.order_count)
            events.append(
                (
                    EventKind.PAID,
                    "",
                    nothing,
                    once(paid_total=str(item.paid_total), business_date=str(item.business_date)),
                    by_id,
                    item.paid_at,
                )
            )
            if item.shortage is None:
                reserved = [(line.sku_code, line.quantity) for line in item.lines]
                events.append(
                    (
                        EventKind.STOCK_RESERVED,
                        ", ".join(f"{sku} × {quantity}" for sku, quantity in reserved),
                        nothing,
                        dict(reserved),
                        by_id,
                        now,
                    )
                )
            else:
                events.append(
                    (EventKind.STOCK_SHORT, str(item.shortage), nothing, nothing, by_id, now)
                )
            order_counts[customer.pk] = count + 1
            payments.append((customer, item.paid_total, item.paid_at))
            reasons = review.review_reasons(
                order=item,
                rules=rules,
                is_new_buyer=count == 0,
                stock_short=item.shortage is not None,
                has_recent_duplicate=duplicates.has_recent,
            )
            item.review_reasons = reasons
            item.review_state = ReviewState.EXCEPTION if reasons else ReviewState.RELEASED
            labels = [reason_labels[reason] for reason in reasons]
            events.append(
                (
                    EventKind.REVIEWED,
                    "; ".join(labels) if labels else released,
                    nothing,
                    {"review_state": item.review_state, "review_reasons": reasons}
                    if reasons
                    else passed,
                    by_id,
                    now,
                )
            )
        duplicates.add(item)
        events.append((EventKind.NOTE, why, nothing, once(status=item.status), by_id, now))
    order_ids = insert_new_rows(
        Order, fields=ORDER_FIELDS, rows=[item.row(created_by_id=by_id) for item in new]
    )
    if reservations is not None:
        reservations.write(
            document_ids=[
                str(order_id)
                for item, order_id in zip(new, order_ids, strict=True)
                if item.status == OrderStatus.PAID
            ]
        )
    insert_new_rows(
        OrderLine,
        with_ids=False,
        fields=LINE_FIELDS,
        rows=[
            (
                order_id,
                line.variant_id,
                line.sku_code,
                line.title,
                line.quantity,
                line.unit_price,
                line.line_discount,
                line.order_discount_share,
                line.paid_amount,
                line.unit_cost,
                line.reserved_quantity,
            )
            for item, order_id in zip(new, order_ids, strict=True)
            for line in item.lines
        ],
    )
    customer_services.record_orders_paid(payments=payments)
    insert_rows(
        OrderEvent,
        fields=EVENT_FIELDS,
        rows=[
            (order_id, None, *event)
            for item, order_id in zip(new, order_ids, strict=True)
            for event in item.events
        ],
    )


def _build_order(item: _NewOrder) -> None:
    """The order's values and unsaved lines, checked exactly as ``create_order`` checks them."""
    data = item.data
    order_no = (data.order_no or "").strip()
    if not order_no:
        raise OrderError(_("An order needs an order number."), code="missing_order_no")
    priced = price_lines(
        data.lines,
        order_discount_total=data.order_discount_total,
        shipping_fee=data.shipping_fee,
        paid_total=data.paid_total,
        placed_at=data.placed_at,
        line_class=LineValues,
    )
    phone = customer_services.normalize_phone(data.phone)
    if not (data.buyer_nickname or "").strip() and not phone:
        raise OrderError(
            str(_("A customer needs a buyer ID or a phone number.")), code="unknown_buyer"
        )
    item.order_no = order_no
    item.buyer_nickname = data.buyer_nickname[:100]
    item.recipient_name = data.recipient_name[:100]
    item.phone = phone
    item.province = data.province[:50]
    item.city = data.city[:50]
    item.address = data.address[:300]
    item.buyer_note = data.buyer_note
    item.placed_at = data.placed_at
    item.goods_total = priced.goods_total
    item.line_discount_total = priced.line_discount_total
    item.order_discount_total = priced.order_discount_total
    item.shipping_fee = priced.shipping_fee
    item.paid_total = priced.paid_total
    item.lines = priced.lines


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
    item.warehouse = warehouse
    item.paid_at = paid_at
    item.business_date = business_day.of(paid_at)
    item.status = OrderStatus.PAID


def _set_unit_costs(paid: list[_NewOrder]) -> None:
    """Each line's cost in force at payment (``unit_cost_at``), from one query."""
    variants: dict[int, Variant] = {}
    for item in paid:
        for line in item.lines:
            variants[line.variant_id] = line.variant
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
        paid_at = item.paid_at
        for line in item.lines:
            moments, amounts = history.get(line.variant_id, ((), ()))
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
        phones = {item.phone for item in new if item.phone}
        addresses = {item.address for item in new if item.address.strip()}
        placed = [item.placed_at for item in new]
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

    def add(self, order: _NewOrder) -> None:
        self._learn(order.phone, (order.province, order.city, order.address), order.placed_at)

    def has_recent(self, order: _NewOrder) -> bool:
        moments: list[dt.datetime] = []
        if order.phone:
            moments += self.by_phone.get(order.phone, [])
        if order.address.strip():
            moments += self.by_address.get((order.province, order.city, order.address), [])
        return any(abs(moment - order.placed_at) <= self.window for moment in moments)

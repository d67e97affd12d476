"""Orders coming in: create (idempotent on channel + order number) and pay."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Variant
from customers import services as customer_services
from customers.models import Customer, SalesChannel
from customers.services import CustomerError
from inventory import selectors as inventory_selectors
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
)
from orders.services import review
from orders.services.common import (
    allocate,
    attach_lines,
    build_event,
    check_amount,
    check_quantity,
    check_transition,
    check_user,
    lock_order,
    record_event,
    unit_costs_at,
)
from orders.services.stock import reserve_missing, reserve_new_lines, reserved_event
from storeops import business_day, money
from storeops.compiled import CompiledQuery
from storeops.copy_insert import insert_returning_pks, insert_rows


@dataclass(frozen=True)
class LineInput:
    """One line of a new order: what was bought, at what unit price, less its own discount."""

    variant: Variant
    quantity: int
    unit_price: Decimal
    line_discount: Decimal = Decimal("0.00")
    title: str = ""


class LineValues:
    """A new line's values, for an intake that writes plain rows instead of saving models.

    Takes what ``OrderLine`` is built with in ``_build_lines`` and has the same
    attributes for them; building one costs a tenth of a model instance, which
    counts when a file of 100,000 lines is imported.
    """

    __slots__ = (
        "line_discount",
        "order_discount_share",
        "paid_amount",
        "quantity",
        "reserved_quantity",
        "sku_code",
        "title",
        "unit_cost",
        "unit_price",
        "variant",
        "variant_id",
    )

    def __init__(
        self,
        *,
        variant: Variant,
        sku_code: str,
        title: str,
        quantity: int,
        unit_price: Decimal,
        line_discount: Decimal,
        paid_amount: Decimal,
    ) -> None:
        self.variant = variant
        self.variant_id = variant.pk
        self.sku_code = sku_code
        self.title = title
        self.quantity = quantity
        self.unit_price = unit_price
        self.line_discount = line_discount
        self.paid_amount = paid_amount
        # OrderLine's defaults.
        self.order_discount_share = money.ZERO
        self.unit_cost: Decimal | None = None
        self.reserved_quantity = 0


def _build_lines(
    lines: Sequence[LineInput], line_class: type = OrderLine
) -> tuple[list[Any], Decimal, Decimal]:
    if not lines:
        raise OrderError(_("An order needs at least one line."), code="no_lines")
    built, goods_total, discount_total = [], money.ZERO, money.ZERO
    for item in lines:
        quantity = check_quantity(item.quantity)
        unit_price = check_amount(item.unit_price, label=_("Unit price"))
        line_discount = check_amount(item.line_discount, label=_("Line discount"))
        line_value = money.quantize(unit_price * quantity)
        if line_discount > line_value:
            raise OrderError(
                _("The discount on %(sku)s (%(discount)s) is more than the line (%(value)s)."),
                code="discount_exceeds_line",
                sku=item.variant.sku_code,
                discount=line_discount,
                value=line_value,
            )
        goods_total += line_value
        discount_total += line_discount
        built.append(
            line_class(
                variant=item.variant,
                sku_code=item.variant.sku_code,
                title=(item.title or item.variant.product.title)[:200],
                quantity=quantity,
                unit_price=unit_price,
                line_discount=line_discount,
                paid_amount=line_value - line_discount,
            )
        )
    return built, goods_total, discount_total


@dataclass
class PricedLines:
    """An order's lines, checked, with the order discount spread over them."""

    lines: list[Any]  # OrderLine, or LineValues (price_lines' line_class)
    goods_total: Decimal
    line_discount_total: Decimal
    order_discount_total: Decimal
    shipping_fee: Decimal
    paid_total: Decimal


def price_lines(
    lines: Sequence[LineInput],
    *,
    order_discount_total: Any,
    shipping_fee: Any,
    paid_total: Any,
    placed_at: dt.datetime,
    line_class: type = OrderLine,
) -> PricedLines:
    """The unsaved lines of a new order and its amounts, checked as every intake checks them.

    Refused with :class:`OrderError` unless ``paid_total == goods − line
    discounts − order discounts + shipping`` and ``placed_at`` is aware. The
    order discount is allocated over the lines by their value. The lines are
    ``OrderLine`` instances, or ``LineValues`` for an intake that writes rows.
    """
    built, goods_total, line_discount_total = _build_lines(lines, line_class)
    order_discount_total = check_amount(order_discount_total, label=_("Order discounts"))
    shipping_fee = check_amount(shipping_fee, label=_("Shipping fee"))
    paid_total = check_amount(paid_total, label=_("Amount paid"))
    if order_discount_total > goods_total - line_discount_total:
        raise OrderError(
            _("Order discounts (%(discount)s) are more than the goods after line discounts."),
            code="discount_exceeds_goods",
            discount=order_discount_total,
        )
    expected = goods_total - line_discount_total - order_discount_total + shipping_fee
    if paid_total != expected:
        raise OrderError(
            _(
                "The amount paid %(paid)s does not add up: goods %(goods)s − line discounts "
                "%(line_discounts)s − order discounts %(order_discounts)s + shipping "
                "%(shipping)s = %(expected)s."
            ),
            code="amount_mismatch",
            paid=paid_total,
            goods=goods_total,
            line_discounts=line_discount_total,
            order_discounts=order_discount_total,
            shipping=shipping_fee,
            expected=expected,
        )
    if timezone.is_naive(placed_at):
        raise OrderError(_("The order time must carry a time zone."), code="naive_datetime")
    shares = allocate(order_discount_total, [line.paid_amount for line in built])
    for line, share in zip(built, shares, strict=True):
        line.order_discount_share = share
        line.paid_amount -= share
    return PricedLines(
        lines=built,
        goods_total=goods_total,
        line_discount_total=line_discount_total,
        order_discount_total=order_discount_total,
        shipping_fee=shipping_fee,
        paid_total=paid_total,
    )


# Whether a channel order number is stored already: every create asks first.
_STORED_ORDER = CompiledQuery(
    lambda channel_id, order_no: Order.objects.filter(
        channel_id=channel_id, order_no=order_no
    ).values_list("pk")
)


def create_order(
    *,
    channel: SalesChannel,
    order_no: str,
    lines: Sequence[LineInput],
    paid_total: Decimal,
    placed_at: dt.datetime,
    by: Any,
    order_discount_total: Decimal = Decimal("0.00"),
    shipping_fee: Decimal = Decimal("0.00"),
    buyer_nickname: str = "",
    recipient_name: str = "",
    phone: str = "",
    province: str = "",
    city: str = "",
    address: str = "",
    buyer_note: str = "",
    internal_notes: str = "",
    coupon_code: str = "",
    promotion_text: str = "",
    is_imported: bool = False,
    customer: Customer | None = None,
    warehouse: Warehouse | None = None,
    paid_at: dt.datetime | None = None,
    kind: OrderKind = OrderKind.NORMAL,
    replaces_order: Order | None = None,
    in_callers_transaction: bool = False,
) -> tuple[Order, bool]:
    """Create an order, or return the one already stored under ``channel`` + ``order_no``.

    Returns ``(order, created)``. Refused with :class:`OrderError` (nothing
    written) unless ``paid_total == goods − line discounts − order discounts +
    shipping``. The order discount is allocated over the lines by their value.
    With ``paid_at`` the order is paid in the same transaction (see
    :func:`pay_order`). The buyer is matched to a customer (never duplicated).
    Atomic; idempotent on the natural key, also when two intakes race.

    ``in_callers_transaction`` (an order paid on arrival): the caller holds the
    transaction (required) and rolls it back when this raises; no savepoint
    is taken here (two statements fewer). An order number stored meanwhile by
    another intake is then recognised by the INSERT itself, which skips it,
    instead of by a refused INSERT that needs a savepoint to roll back to.
    """
    own_savepoint = not (in_callers_transaction and paid_at is not None)
    if not own_savepoint and not transaction.get_connection().in_atomic_block:
        raise OrderError(
            _("This order must be created inside a transaction."), code="no_transaction"
        )
    order_no = (order_no or "").strip()
    if not order_no:
        raise OrderError(_("An order needs an order number."), code="missing_order_no")
    stored = _STORED_ORDER.rows(channel_id=channel.pk, order_no=order_no)
    if stored:
        return Order.objects.get(pk=stored[0][0]), False
    priced = price_lines(
        lines,
        order_discount_total=order_discount_total,
        shipping_fee=shipping_fee,
        paid_total=paid_total,
        placed_at=placed_at,
    )
    built = priced.lines
    if paid_at is not None:
        check_user(by)
        if timezone.is_naive(paid_at):
            raise OrderError(_("The payment time must carry a time zone."), code="naive_datetime")
        # Paid on arrival: the cost snapshot goes in with the lines (no UPDATE per line).
        costs = unit_costs_at([line.variant for line in built], paid_at)
        for line in built:
            line.unit_cost = costs[line.variant.pk]
    number_taken = False
    try:
        with transaction.atomic(savepoint=own_savepoint):
            if customer is None:
                customer = customer_services.match_or_create_customer(
                    channel=channel, buyer_id=buyer_nickname, phone=phone, name=recipient_name
                )
            order = Order(
                channel=channel,
                order_no=order_no,
                kind=kind,
                is_imported=is_imported,
                customer=customer,
                buyer_nickname=buyer_nickname[:100],
                recipient_name=recipient_name[:100],
                phone=customer_services.normalize_phone(phone),
                province=province[:50],
                city=city[:50],
                address=address[:300],
                buyer_note=buyer_note,
                internal_notes=internal_notes,
                warehouse=warehouse,
                placed_at=placed_at,
                goods_total=priced.goods_total,
                line_discount_total=priced.line_discount_total,
                order_discount_total=priced.order_discount_total,
                shipping_fee=priced.shipping_fee,
                paid_total=priced.paid_total,
                coupon_code=coupon_code[:64],
                promotion_text=promotion_text[:200],
                replaces_order=replaces_order,
                created_by=by if getattr(by, "pk", None) else None,
            )
            created_event = build_event(
                order=order,
                kind=EventKind.CREATED,
                by=by,
                at=placed_at,
                message=_("Imported from the channel") if is_imported else "",
                after={"paid_total": str(priced.paid_total), "lines": len(built)},
            )
            if paid_at is None:
                order.save(force_insert=True)
                for line in built:
                    line.order = order
                OrderLine.objects.bulk_create(built)
                created_event.save(force_insert=True)
            else:
                number_taken = not _store_paid_order(
                    order=order,
                    lines=built,
                    created_event=created_event,
                    by=by,
                    paid_at=paid_at,
                    skip_taken_number=not own_savepoint,
                )
            if number_taken:
                # Another intake stored the same channel order number first; nothing
                # of this order was written.
                return Order.objects.get(channel=channel, order_no=order_no), False
            attach_lines(order, built)
    except CustomerError as error:
        raise OrderError(str(error), code="unknown_buyer") from error
    except IntegrityError:
        if not own_savepoint:  # the caller's transaction is aborted: the caller answers
            raise
        # Another intake stored the same channel order number first.
        existing = Order.objects.filter(channel=channel, order_no=order_no).first()
        if existing is None:
            raise
        return existing, False
    return order, True


def _store_paid_order(
    *,
    order: Order,
    lines: list[OrderLine],
    created_event: OrderEvent,
    by: Any,
    paid_at: dt.datetime,
    skip_taken_number: bool = False,
) -> bool:
    """Store a new order paid on arrival: :func:`pay_order`'s outcome, fewest statements.

    The same rows as storing the order and then paying it, but the status,
    warehouse, business date and review outcome go into the order's INSERT,
    the reservations onto the lines before their INSERT, and the timeline in
    one INSERT. The review checks run before the order is stored, so the
    duplicate check cannot see the order itself. The caller holds the
    transaction; the new row is visible to no one else, so it needs no lock.

    ``skip_taken_number``: when the channel order number is stored already,
    the order's INSERT skips it and nothing is written (returns False) instead
    of raising ``IntegrityError``. Returns True when the order was stored.
    """
    check_transition(order, to=OrderStatus.PAID, allowed_from=[OrderStatus.PENDING_PAYMENT])
    rules = OrderSettings.load()
    _set_paid(order=order, paid_at=paid_at)
    is_new_buyer = order.customer.order_count == 0
    review.set_review(
        order=order,
        reasons=review.review_reasons(
            order=order, is_new_buyer=is_new_buyer, stock_short=False, rules=rules
        ),
    )
    insert_returning_pks(
        [order], skip_conflicts_on=("channel", "order_no") if skip_taken_number else ()
    )
    if order.pk is None:
        return False
    for line in lines:
        line.order = order
    paid_event = _paid_event(order=order, by=by, paid_at=paid_at)
    shortage = reserve_new_lines(order=order, lines=lines, by=by)
    if shortage is None:
        stock_event = reserved_event(
            order=order, needed=[(line, line.quantity) for line in lines], by=by
        )
    elif not order.is_imported:
        raise OrderError(str(shortage), code="insufficient_stock", **shortage.details)
    else:
        stock_event = build_event(
            order=order, kind=EventKind.STOCK_SHORT, by=by, message=str(shortage)
        )
        if rules.check_stock:
            review.set_review(
                order=order, reasons=[str(ReviewReason.OUT_OF_STOCK), *order.review_reasons]
            )
            order.save(update_fields=["review_state", "review_reasons", "updated_at"])
    insert_returning_pks(lines)
    if order.kind == OrderKind.NORMAL:
        customer_services.record_order_paid(
            customer=order.customer, amount=order.paid_total, paid_at=paid_at
        )
    _insert_events(
        [created_event, paid_event, stock_event, review.reviewed_event(order=order, by=by)]
    )
    return True


# A timeline row as storeops.copy_insert.insert_rows takes it (bulk_intake too).
EVENT_FIELDS = ("order_id", "case_id", "kind", "message", "before", "after", "by_id", "created_at")


def _insert_events(events: list[OrderEvent]) -> None:
    """Insert a new order's timeline rows as ``bulk_create`` would, with less CPU.

    Nobody reads the rows back in this request, so they go in as plain rows
    (one ``COPY`` on PostgreSQL) and the table gives their ids: ``bulk_create``
    spent more CPU preparing four rows than the database spent storing them.
    """
    insert_rows(
        OrderEvent,
        fields=EVENT_FIELDS,
        rows=[
            (
                event.order.pk,
                event.case_id,
                event.kind,
                event.message,
                event.before,
                event.after,
                event.by_id,
                event.created_at,
            )
            for event in events
        ],
    )


def _set_paid(*, order: Order, paid_at: dt.datetime) -> None:
    if order.warehouse is None:
        order.warehouse = inventory_selectors.default_warehouse()
        if order.warehouse is None:
            raise OrderError(
                _("No default warehouse is set up to ship this order from."),
                code="no_warehouse",
            )
    order.paid_at = paid_at
    order.business_date = business_day.of(paid_at)
    order.status = OrderStatus.PAID


def _paid_event(*, order: Order, by: Any, paid_at: dt.datetime) -> OrderEvent:
    return build_event(
        order=order,
        kind=EventKind.PAID,
        by=by,
        at=paid_at,
        after={"paid_total": str(order.paid_total), "business_date": str(order.business_date)},
    )


def pay_order(*, order: Order, by: Any, paid_at: dt.datetime | None = None) -> Order:
    """Record the payment: snapshot unit costs, reserve stock, run the review checks.

    The business date is the store-local day of ``paid_at``. Stock is reserved
    for every line or none. When it cannot be, a store order is refused
    (:class:`OrderError`, nothing written), while an imported order is paid
    anyway (it is a fact) and lands in the exception queue as out of stock.
    Atomic; locks the order row; a repeated call on a paid order changes nothing.
    """
    check_user(by)
    paid_at = paid_at or timezone.now()
    if timezone.is_naive(paid_at):
        raise OrderError(_("The payment time must carry a time zone."), code="naive_datetime")
    with transaction.atomic():
        order = lock_order(order)
        if order.paid_at is not None and order.status in review.PAYABLE_REPEAT_STATUSES:
            return order
        check_transition(order, to=OrderStatus.PAID, allowed_from=[OrderStatus.PENDING_PAYMENT])
        _record_payment(order=order, by=by, paid_at=paid_at)
    return order


def _record_payment(*, order: Order, by: Any, paid_at: dt.datetime) -> None:
    """The writes of :func:`pay_order` on an order the caller has locked."""
    _set_paid(order=order, paid_at=paid_at)
    order.save(update_fields=["paid_at", "business_date", "status", "warehouse", "updated_at"])
    lines = list(order.lines.select_related("variant"))
    costs = unit_costs_at([line.variant for line in lines], paid_at)
    for line in lines:
        OrderLine.objects.filter(pk=line.pk).update(unit_cost=costs[line.variant.pk])
    _paid_event(order=order, by=by, paid_at=paid_at).save(force_insert=True)
    is_new_buyer = order.customer.order_count == 0
    shortage = reserve_missing(order=order, by=by)
    if shortage is not None:
        if not order.is_imported:
            raise OrderError(str(shortage), code="insufficient_stock", **shortage.details)
        record_event(order=order, kind=EventKind.STOCK_SHORT, by=by, message=str(shortage))
    if order.kind == OrderKind.NORMAL:
        customer_services.record_order_paid(
            customer=order.customer, amount=order.paid_total, paid_at=paid_at
        )
    reasons = review.review_reasons(
        order=order, is_new_buyer=is_new_buyer, stock_short=shortage is not None
    )
    review.apply_review(order=order, reasons=reasons, by=by)


__all__ = ["LineInput", "ReviewReason", "create_order", "pay_order"]

"""Helpers shared by the order services: the timeline, locks, checks and costs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import PriceKind, Variant, VariantPriceChange
from orders.errors import OrderError
from orders.models import AfterSalesCase, EventKind, Order, OrderEvent, OrderLine, OrderStatus
from orders.models.orders import STATUS_RANK
from storeops import money
from storeops.compiled import CompiledQuery


def record_event(
    *,
    order: Order,
    kind: EventKind,
    by: Any,
    message: Any = "",
    before: dict | None = None,
    after: dict | None = None,
    case: AfterSalesCase | None = None,
    at: dt.datetime | None = None,
) -> OrderEvent:
    """Append one timeline row; the caller holds the transaction."""
    event = build_event(
        order=order, kind=kind, by=by, message=message, before=before, after=after, case=case, at=at
    )
    event.save(force_insert=True)
    return event


def build_event(
    *,
    order: Order,
    kind: EventKind,
    by: Any,
    message: Any = "",
    before: dict | None = None,
    after: dict | None = None,
    case: AfterSalesCase | None = None,
    at: dt.datetime | None = None,
) -> OrderEvent:
    """One timeline row as :func:`record_event` writes it, not saved: for ``bulk_create``."""
    return OrderEvent(
        order=order,
        case=case,
        kind=kind,
        message=str(message),
        before=before or {},
        after=after or {},
        by=by if getattr(by, "pk", None) else None,
        created_at=at or timezone.now(),
    )


def attach_lines(order: Order, lines: list[OrderLine]) -> None:
    """Give ``order.lines.all()`` the lines just inserted, so that showing the order reads no row.

    Only when every line has its id back from the INSERT (PostgreSQL, SQLite
    3.35+); otherwise the lines are read as usual.
    """
    if any(line.pk is None for line in lines):
        return
    stored = order.lines.all()
    stored._result_cache = sorted(lines, key=lambda line: line.pk)
    stored._prefetch_done = True
    order._prefetched_objects_cache = {"lines": stored}


def lock_order(order: Order) -> Order:
    """Re-read the order under a row lock (``SELECT ... FOR UPDATE``)."""
    return Order.objects.select_for_update().get(pk=order.pk)


def lock_orders(orders: Iterable[Order]) -> list[Order]:
    """Lock several orders in id order, so that two callers cannot deadlock."""
    ids = sorted({order.pk for order in orders})
    return list(Order.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


def check_user(by: Any) -> None:
    if by is None or getattr(by, "pk", None) is None:
        raise OrderError(_("An order change must name who makes it."), code="missing_user")


def check_quantity(quantity: Any) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise OrderError(
            _("A quantity must be a whole number above zero, not %(value)s."),
            code="invalid_quantity",
            value=quantity,
        )
    return quantity


def check_amount(amount: Any, *, label: Any, allow_zero: bool = True) -> Decimal:
    try:
        value = money.to_decimal(amount)
    except (TypeError, ValueError) as error:
        raise OrderError(
            _("%(label)s is not an amount: %(value)s."),
            code="invalid_amount",
            label=label,
            value=amount,
        ) from error
    if value != money.quantize(value) or value < 0 or (value == 0 and not allow_zero):
        raise OrderError(
            _("%(label)s must be an amount in cents of at least %(minimum)s, not %(value)s."),
            code="invalid_amount",
            label=label,
            minimum="0.00" if allow_zero else "0.01",
            value=amount,
        )
    return value


def check_transition(order: Order, *, to: OrderStatus, allowed_from: Iterable[str]) -> None:
    """Refuse a move that is not in ``allowed_from`` or that would go backwards."""
    current = OrderStatus(order.status)
    if current not in set(allowed_from) or STATUS_RANK[to] < STATUS_RANK[current]:
        raise OrderError(
            _("Order %(order_no)s is %(current)s; it cannot become %(target)s."),
            code="illegal_transition",
            order_no=order.order_no,
            current=current.label,
            target=to.label,
        )


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` over ``weights`` in proportion, rounded once per share.

    The last non-zero weight takes the remainder, so the shares add up to
    ``total`` exactly.
    """
    shares = [money.ZERO for _weight in weights]
    weight_sum = sum(weights, Decimal(0))
    if not weights or total == 0:
        return [money.ZERO for _weight in weights]
    if weight_sum == 0:
        shares[-1] = total
        return shares
    last = max(index for index, weight in enumerate(weights) if weight)
    running = money.ZERO
    for index, weight in enumerate(weights):
        if index == last:
            shares[index] = total - running
            break
        shares[index] = money.quantize(total * weight / weight_sum)
        running += shares[index]
    return shares


def unit_cost_at(variant: Variant, moment: dt.datetime) -> Decimal:
    """The SKU's cost price in force at ``moment``: the latest cost change at or before it.

    Falls back to the variant's current cost when its history has no change
    that early (SKUs created before cost history was kept).
    """
    # Reads VariantPriceChange directly until catalog.selectors.products.cost_at
    # lands (being written by the catalog helper); switch to it then.
    change = (
        VariantPriceChange.objects.filter(
            variant=variant, kind=PriceKind.COST, effective_at__lte=moment
        )
        .order_by("-effective_at", "-pk")
        .values_list("new_amount", flat=True)
        .first()
    )
    return change if change is not None else variant.cost_price


def _latest_costs(*, variant_ids: list[int], moment: dt.datetime) -> QuerySet[Variant]:
    """(variant id, its latest cost change at or before ``moment``, or None) of each SKU."""
    latest = (
        VariantPriceChange.objects.filter(
            variant=OuterRef("pk"), kind=PriceKind.COST, effective_at__lte=moment
        )
        .order_by("-effective_at", "-pk")
        .values("new_amount")[:1]
    )
    return (
        Variant.objects.filter(pk__in=variant_ids)
        .order_by()
        .annotate(cost=Subquery(latest))
        .values_list("pk", "cost")
    )


# Every paid order reads its lines' costs: compiled once per number of SKUs.
_LATEST_COSTS = CompiledQuery(_latest_costs)


def unit_costs_at(variants: Iterable[Variant], moment: dt.datetime) -> dict[int, Decimal]:
    """:func:`unit_cost_at` for several SKUs at one moment, by variant id, in one query."""
    by_pk = {variant.pk: variant for variant in variants}
    if not by_pk:
        return {}
    changes = dict(_LATEST_COSTS.rows(variant_ids=sorted(by_pk), moment=moment))
    return {
        pk: changes[pk] if changes.get(pk) is not None else variant.cost_price
        for pk, variant in by_pk.items()
    }

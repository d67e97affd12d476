"""Helpers shared by the order services: the timeline, locks, checks and costs."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connections, models, router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import PriceKind, Variant, VariantPriceChange
from orders.errors import OrderError
from orders.models import AfterSalesCase, EventKind, Order, OrderEvent, OrderLine, OrderStatus
from orders.models.orders import STATUS_RANK
from storeops import money


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


def unit_costs_at(variants: Iterable[Variant], moment: dt.datetime) -> dict[int, Decimal]:
    """:func:`unit_cost_at` for several SKUs at one moment, by variant id, in one query.

    Plain SQL, as the ORM would write it: every paid order runs this, and
    building the correlated subquery through the ORM cost more CPU than the
    database spends answering it.
    """
    by_pk = {variant.pk: variant for variant in variants}
    if not by_pk:
        return {}
    connection = connections[router.db_for_read(VariantPriceChange)]
    quote = connection.ops.quote_name
    change_meta, variant_meta = VariantPriceChange._meta, Variant._meta
    amount = change_meta.get_field("new_amount")

    def column(meta: Any, name: str) -> str:
        return quote(meta.get_field(name).column)

    effective_at = column(change_meta, "effective_at")
    sql = (
        f"SELECT v.{column(variant_meta, 'id')}, (SELECT c.{quote(amount.column)} "
        f"FROM {quote(change_meta.db_table)} c "
        f"WHERE c.{column(change_meta, 'variant')} = v.{column(variant_meta, 'id')} "
        f"AND c.{column(change_meta, 'kind')} = %s AND c.{effective_at} <= %s "
        f"ORDER BY c.{effective_at} DESC, c.{column(change_meta, 'id')} DESC "
        f"LIMIT 1) FROM {quote(variant_meta.db_table)} v "
        f"WHERE v.{column(variant_meta, 'id')} IN ({', '.join(['%s'] * len(by_pk))})"
    )
    params = [
        str(PriceKind.COST),
        connection.ops.adapt_datetimefield_value(moment),
        *sorted(by_pk),
    ]
    # The converters the ORM applies to this column (SQLite hands back a float).
    amount_column = amount.get_col(change_meta.db_table)
    converters = connection.ops.get_db_converters(amount_column) + amount.get_db_converters(
        connection
    )
    changes = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for pk, cost in cursor.fetchall():
            for converter in converters:
                cost = converter(cost, amount_column, connection)
            changes[pk] = cost
    return {
        pk: changes[pk] if changes.get(pk) is not None else variant.cost_price
        for pk, variant in by_pk.items()
    }


def stored_pk(model: type[models.Model], **values: Any) -> Any:
    """The primary key of the row of ``model`` whose columns equal ``values``, or None.

    Plain SQL on a unique key, for a check every create makes first ("is this
    order number stored already?"), whose answer is nearly always no: the ORM's
    full-row query cost more CPU than the database's answer.
    ``values`` name fields (a foreign key by its ``_id`` attribute).
    """
    connection = connections[router.db_for_read(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    where = " AND ".join(f"{quote(meta.get_field(name).column)} = %s" for name in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(meta.pk.column)} FROM {quote(meta.db_table)} WHERE {where}",
            list(values.values()),
        )
        row = cursor.fetchone()
    return row[0] if row else None


class RowReader:
    """The columns of a model (concrete fields in order) and how to make instances of its rows."""

    def __init__(self, model: type[models.Model], alias: str) -> None:
        connection = connections[alias]
        quote = connection.ops.quote_name
        fields = model._meta.concrete_fields
        self.model = model
        self.alias = alias
        self.columns = [quote(field.column) for field in fields]
        self.attnames = [field.attname for field in fields]
        self.converters = []
        for index, field in enumerate(fields):
            column = field.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if found:
                self.converters.append((index, found, column))

    def instance(self, connection: Any, row: Sequence[Any]) -> models.Model:
        """The instance of ``row`` (the values of :attr:`columns`), as the ORM makes it."""
        values = list(row)
        for index, found, column in self.converters:
            for converter in found:
                values[index] = converter(values[index], column, connection)
        return self.model.from_db(self.alias, self.attnames, values)


@functools.cache
def row_reader(model: type[models.Model], alias: str) -> RowReader:
    """The :class:`RowReader` of ``model`` on the database ``alias``, made once."""
    return RowReader(model, alias)


def stored_instances(
    model: type[models.Model],
    *,
    where: str,
    params: Sequence[Any],
    order_by: str = "",
    limit: int | None = None,
) -> list[models.Model]:
    """Instances of ``model`` whose rows meet ``where`` (SQL on the table's quoted columns).

    What ``model.objects.filter(...)`` would give, read with plain SQL: a few
    reads on every order create cost more CPU building their queries through
    the ORM than the database spends answering them.
    """
    alias = router.db_for_read(model)
    connection = connections[alias]
    reader = row_reader(model, alias)
    sql = (
        f"SELECT {', '.join(reader.columns)} "
        f"FROM {connection.ops.quote_name(model._meta.db_table)} WHERE {where}"
    )
    if order_by:
        sql += f" ORDER BY {order_by}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    return [reader.instance(connection, row) for row in rows]


def column_of(model: type[models.Model], name: str) -> str:
    """The quoted column of the field ``name`` of ``model``, for :func:`stored_instances`."""
    connection = connections[router.db_for_read(model)]
    return connection.ops.quote_name(model._meta.get_field(name).column)


def variants_by_sku(codes: Iterable[str]) -> dict[str, Variant]:
    """The SKUs with these codes, each with its product, by SKU code; unknown codes left out.

    ``Variant.objects.filter(sku_code__in=codes).select_related("product")`` in
    plain SQL: every order create reads its SKUs, and building the joined query
    through the ORM cost more CPU than the database spends answering it.
    """
    codes = sorted(set(codes))
    if not codes:
        return {}
    alias = router.db_for_read(Variant)
    connection = connections[alias]
    quote = connection.ops.quote_name
    product_model = Variant._meta.get_field("product").related_model
    variants, products = row_reader(Variant, alias), row_reader(product_model, alias)
    sql = (
        "SELECT "
        + ", ".join(
            [f"v.{column}" for column in variants.columns]
            + [f"p.{column}" for column in products.columns]
        )
        + f" FROM {quote(Variant._meta.db_table)} v"
        f" JOIN {quote(product_model._meta.db_table)} p"
        f" ON p.{quote(product_model._meta.pk.column)} = v.{column_of(Variant, 'product')}"
        f" WHERE v.{column_of(Variant, 'sku_code')} IN ({', '.join(['%s'] * len(codes))})"
    )
    width = len(variants.columns)
    with connection.cursor() as cursor:
        cursor.execute(sql, codes)
        rows = cursor.fetchall()
    found = {}
    for row in rows:
        variant = variants.instance(connection, row[:width])
        variant.product = products.instance(connection, row[width:])
        found[variant.sku_code] = variant
    return found

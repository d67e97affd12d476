"""Reads of orders and after-sales that the console, the API and reports share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Now, Right
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from orders.models import (
    AfterSalesCase,
    Carrier,
    EventKind,
    Order,
    OrderEvent,
    OrderKind,
    OrderStatus,
    RateCard,
    Refund,
    RefundLine,
    RefundStatus,
    ReviewState,
    Shipment,
)
from orders.models.after_sales import OPEN_CASE_STATES
from storeops import money
from storeops.compiled import CompiledQuery

ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))


def orders_list() -> QuerySet[Order]:
    """Orders with what a list row shows (channel, customer, agent), newest first."""
    return Order.objects.select_related("channel", "customer", "assigned_agent", "warehouse")


def order_detail(pk: int) -> Order:
    """One order with its lines, shipments, cases, refunds and timeline.

    A constant number of queries however many lines, parcels, cases and
    events the order has: every relation the order page shows is prefetched.
    """
    return (
        orders_list()
        .prefetch_related(
            "lines",
            "shipments__lines__line",
            "shipments__carrier",
            Prefetch(
                "after_sales_cases",
                queryset=AfterSalesCase.objects.select_related("reason").prefetch_related(
                    "lines__line"
                ),
            ),
            Prefetch("refunds", queryset=Refund.objects.select_related("requested_by")),
            Prefetch("events", queryset=OrderEvent.objects.select_related("by", "case")),
        )
        .get(pk=pk)
    )


def orders_awaiting_shipment(*, now: dt.datetime | None = None) -> QuerySet[Order]:
    """Paid, released orders not fully shipped (merged ones ship with another), oldest first.

    Each has ``age`` (a timedelta since payment) for the warehouse queue.
    """
    now = now or timezone.now()
    return (
        orders_list()
        .filter(
            status__in=[OrderStatus.PAID, OrderStatus.PARTIALLY_SHIPPED],
            review_state=ReviewState.RELEASED,
            merged_into__isnull=True,
        )
        .annotate(age=ExpressionWrapper(Value(now) - F("paid_at"), output_field=DurationField()))
        .order_by("paid_at", "pk")
    )


def exception_queue() -> QuerySet[Order]:
    """Paid orders that review stopped (exception or on hold), oldest payment first."""
    return (
        orders_list()
        .filter(
            status__in=[OrderStatus.PAID, OrderStatus.PARTIALLY_SHIPPED],
            review_state__in=[ReviewState.EXCEPTION, ReviewState.ON_HOLD],
        )
        .order_by("paid_at", "pk")
    )


def cases_list() -> QuerySet[AfterSalesCase]:
    return AfterSalesCase.objects.select_related(
        "order", "order__channel", "reason", "assigned_agent"
    )


def with_sla(cases: QuerySet[AfterSalesCase], *, now: dt.datetime | None = None):
    """Annotate ``is_response_overdue`` and ``is_resolution_overdue``.

    Overdue: the deadline passed before the response (or resolution) came,
    or passed already while it is still missing.
    """
    moment = Value(now) if now is not None else Now()
    return cases.annotate(
        is_response_overdue=Case(
            When(first_response_at__isnull=True, response_due_at__lt=moment, then=Value(True)),
            When(first_response_at__gt=F("response_due_at"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        is_resolution_overdue=Case(
            When(resolved_at__isnull=True, resolve_due_at__lt=moment, then=Value(True)),
            When(resolved_at__gt=F("resolve_due_at"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def cases_awaiting_action(*, now: dt.datetime | None = None) -> QuerySet[AfterSalesCase]:
    """Open cases: requested, approved, awaiting return or received; oldest first."""
    return with_sla(cases_list().filter(state__in=OPEN_CASE_STATES), now=now).order_by(
        "requested_at", "pk"
    )


def overdue_cases(*, now: dt.datetime | None = None) -> QuerySet[AfterSalesCase]:
    """Open cases past their first-response or resolution deadline."""
    return cases_awaiting_action(now=now).filter(
        Q(is_response_overdue=True) | Q(is_resolution_overdue=True)
    )


def pending_refunds() -> QuerySet[Refund]:
    """Refunds above an agent's limit, waiting for a manager."""
    return Refund.objects.filter(status=RefundStatus.AWAITING_APPROVAL).select_related(
        "order", "case", "requested_by"
    )


def customer_history(customer: Customer) -> QuerySet[Order]:
    """A customer's orders, newest first, with their after-sales cases."""
    return (
        orders_list()
        .filter(customer=customer)
        .prefetch_related("lines", "after_sales_cases")
        .order_by("-placed_at", "-pk")
    )


def other_orders_of_customer(order: Order, *, limit: int = 10) -> list[Order]:
    """The customer's newest ``limit`` other orders, for the side of the order page.

    One query, and only the order rows: the page shows number, date, status
    and amounts, so nothing is joined or prefetched (the page once loaded the
    lines and cases of all ten).
    """
    if not order.customer_id:
        return []
    return list(
        Order.objects.filter(customer_id=order.customer_id)
        .exclude(pk=order.pk)
        .order_by("-placed_at", "-pk")[:limit]
    )


@dataclass(frozen=True)
class RefundStats:
    paid_sales: Decimal
    paid_orders: int
    refunds_of_paid: Decimal
    refunded_orders: int
    refund_rate: Decimal | None
    refund_order_rate: Decimal | None
    by_reason: list[dict]
    by_sku: list[dict]
    by_channel: list[dict]


def _ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    return None if not whole else (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


def refund_stats(*, start: dt.date, end: dt.date) -> RefundStats:
    """Refunds of the orders paid on business days ``start``..``end`` (inclusive).

    As METRICS.md: ``refund_rate`` = refunds (whenever completed) of those
    orders / their paid sales; ``refund_order_rate`` = those orders with a
    completed refund / paid orders. Empty when nothing was paid. Breakdowns
    by after-sales reason, SKU (line refunds) and channel. Aggregated in SQL.
    """
    orders = Order.objects.filter(
        business_date__gte=start, business_date__lte=end, kind=OrderKind.NORMAL
    )
    paid = orders.aggregate(total=Coalesce(Sum("paid_total"), ZERO), count=Count("pk"))
    refunds = Refund.objects.filter(status=RefundStatus.COMPLETED, order__in=orders)
    refunded = refunds.aggregate(
        total=Coalesce(Sum("amount"), ZERO), orders=Count("order", distinct=True)
    )
    by_reason = list(
        refunds.values(code=Coalesce(F("case__reason__code"), Value("none")))
        .annotate(amount=Sum("amount"), count=Count("pk"))
        .order_by("-amount", "code")
    )
    by_sku = list(
        RefundLine.objects.filter(refund__in=refunds)
        .values(sku_code=F("line__sku_code"))
        .annotate(amount=Sum("amount"), quantity=Sum("quantity"))
        .order_by("-amount", "sku_code")
    )
    paid_by_channel = {
        row["channel__code"]: row["paid"]
        for row in orders.values("channel__code").annotate(paid=Sum("paid_total"))
    }
    by_channel = [
        {
            "channel": row["order__channel__code"],
            "amount": row["amount"],
            "refund_rate": _ratio(row["amount"], paid_by_channel.get(row["order__channel__code"])),
        }
        for row in refunds.values("order__channel__code")
        .annotate(amount=Sum("amount"))
        .order_by("-amount", "order__channel__code")
    ]
    return RefundStats(
        paid_sales=money.quantize(paid["total"]),
        paid_orders=paid["count"],
        refunds_of_paid=money.quantize(refunded["total"]),
        refunded_orders=refunded["orders"],
        refund_rate=_ratio(refunded["total"], paid["total"]),
        refund_order_rate=_ratio(refunded["orders"], paid["count"]),
        by_reason=by_reason,
        by_sku=by_sku,
        by_channel=by_channel,
    )


def refunds_completed_on(day: dt.date) -> QuerySet[Refund]:
    """Refunds completed on a business day (the ``refunds`` figure of METRICS.md)."""
    return Refund.objects.filter(status=RefundStatus.COMPLETED, business_date=day)


__all__ = [
    "cases_awaiting_action",
    "customer_history",
    "exception_queue",
    "order_detail",
    "orders_awaiting_shipment",
    "other_orders_of_customer",
    "overdue_cases",
    "pending_refunds",
    "refund_stats",
]


# --- The order console -------------------------------------------------------

SEARCH_LIMIT = 20


def _phone_digits(query: str) -> str:
    digits = query.replace(" ", "").replace("-", "").removeprefix("+86")
    return digits if digits.isdigit() else ""


def search_results() -> QuerySet[Order]:
    """Orders with what a search result row shows (the channel), nothing more.

    The rows show the order's own fields and its channel's name; joining the
    customer, agent and warehouse as :func:`orders_list` does would triple
    the work of building up to 20 rows while the agent types.
    """
    return Order.objects.select_related("channel")


def _search_shape(text: str) -> tuple[str, ...]:
    """The kinds of search the text can be, best kind first."""
    digits = _phone_digits(text)
    kinds = ["order number", "tracking number"]
    if len(digits) == 4:
        kinds.append("phone last 4")
    elif len(digits) >= 7:
        kinds.append("phone")
    kinds.append("name")
    if len(text) >= 2:
        kinds.append("name prefix")
    return tuple(kinds)


def _search_condition(kind: str, *, text: str, digits: str) -> Q:
    if kind == "order number":
        return Q(order_no=text)
    if kind == "tracking number":
        return Q(pk__in=Shipment.objects.filter(tracking_number=text).values("order_id"))
    if kind == "phone last 4":
        # Same rows as phone__endswith, written as the expression order_phone_last4_idx
        # indexes (a LIKE '%1234' can use no index).
        return Q(Exact(Right("phone", 4), digits))
    if kind == "phone":
        return Q(phone=digits)
    if kind == "name":
        return Q(buyer_nickname=text) | Q(recipient_name=text)
    if kind == "name prefix":
        return Q(buyer_nickname__startswith=text) | Q(recipient_name__startswith=text)
    raise KeyError(kind)


def search_orders(query: str, *, limit: int = SEARCH_LIMIT) -> list[Order]:
    """Orders matching what an agent typed, best matches first.

    One box for every way a buyer identifies an order: the channel's order
    number, a tracking number, the phone (in full, or its last 4 digits), the
    buyer's nickname or the recipient's name. Each kind is its own indexed
    query (cheap and predictable) and the answers are merged in that order:
    an exact order number first, names last, newest first within a kind.
    The orders come from :func:`search_results`.
    """
    text = " ".join(query.split())
    if not text:
        return []
    if connection.features.supports_slicing_ordering_in_compound:
        return _search_in_two_queries(text, limit)
    digits = _phone_digits(text)
    found: dict[int, Order] = {}
    for kind in _search_shape(text):
        if len(found) >= limit:
            break
        condition = _search_condition(kind, text=text, digits=digits)
        rows = search_results().filter(condition).exclude(pk__in=list(found))
        for order in rows.order_by("-placed_at", "-pk")[: limit - len(found)]:
            found[order.pk] = order
    return list(found.values())


# Stand-ins for the typed text and its digits while a search shape is compiled.
_TEXT = "\x00search-text\x00"
_DIGITS = "\x00search-digits\x00"
_compiled_unions: dict[tuple[tuple[str, ...], int], tuple[str, tuple[Any, ...]]] = {}


def _union_of_kinds(text: str, limit: int) -> tuple[str, list[Any]]:
    """SQL and params of the UNION ALL of every kind's newest ``limit`` (id, rank) rows.

    Compiling the six querysets costs ten times the CPU of running them (about
    2.5 ms against 0.2 ms on 1M orders), so each shape (the kinds that apply,
    the limit) is compiled once with stand-ins, which later searches replace
    with the typed text, its digits and its LIKE pattern.
    """
    shape = _search_shape(text)
    if (shape, limit) not in _compiled_unions:
        parts = [
            Order.objects.filter(_search_condition(kind, text=_TEXT, digits=_DIGITS))
            .order_by("-placed_at", "-pk")
            .values_list("pk", Value(rank, output_field=IntegerField()))[:limit]
            for rank, kind in enumerate(shape)
        ]
        union = parts[0].union(*parts[1:], all=True)
        sql, params = union.query.get_compiler(using=union.db).as_sql()
        _compiled_unions[shape, limit] = (sql, tuple(params))
    sql, params = _compiled_unions[shape, limit]
    values = {
        _TEXT: text,
        _DIGITS: _phone_digits(text),
        _TEXT + "%": connection.ops.prep_for_like_query(text) + "%",
    }
    return sql, [values.get(param, param) if isinstance(param, str) else param for param in params]


def _search_in_two_queries(text: str, limit: int) -> list[Order]:
    """The merge of :func:`search_orders` in two round trips instead of one per kind.

    One UNION ALL of every kind's newest ``limit`` ids (each part on its own
    index), then the orders themselves. The same answer as the kind-by-kind
    loop: a kind's newest ``limit`` rows hold its newest ones not already found.
    """
    sql, params = _union_of_kinds(text, limit)
    first_rank: dict[int, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for pk, rank in cursor.fetchall():
            first_rank[pk] = min(rank, first_rank.get(pk, rank))
    if not first_rank:
        return []
    orders = search_results().filter(pk__in=list(first_rank))
    ranked = sorted(orders, key=lambda o: (first_rank[o.pk], -o.placed_at.timestamp(), -o.pk))
    return ranked[:limit]


@dataclass(frozen=True)
class ConsoleQueue:
    key: str
    label: str
    count: int


def buyer_notes_to_read() -> QuerySet[Order]:
    """Open orders whose buyer left a note that no one has answered with a note yet."""
    answered = OrderEvent.objects.filter(order=OuterRef("pk"), kind=EventKind.NOTE)
    return (
        orders_list()
        .filter(status__in=[OrderStatus.PAID, OrderStatus.PARTIALLY_SHIPPED])
        .exclude(buyer_note="")
        .exclude(Exists(answered))
        .order_by("paid_at", "pk")
    )


def console_queue(key: str, *, user: Any, now: dt.datetime | None = None) -> QuerySet:
    """The orders (or cases) behind one queue of the console."""
    now = now or timezone.now()
    if key == "awaiting":
        return orders_awaiting_shipment(now=now)
    if key == "late24":
        return orders_awaiting_shipment(now=now).filter(paid_at__lt=now - dt.timedelta(hours=24))
    if key == "late48":
        return orders_awaiting_shipment(now=now).filter(paid_at__lt=now - dt.timedelta(hours=48))
    if key == "exceptions":
        return exception_queue()
    if key == "notes":
        return buyer_notes_to_read()
    if key == "cases":
        return cases_awaiting_action(now=now)
    if key == "overdue":
        return overdue_cases(now=now)
    if key == "mine":
        return cases_awaiting_action(now=now).filter(assigned_agent=user)
    raise KeyError(key)


QUEUE_LABELS = {
    "awaiting": _("Awaiting shipment"),
    "late24": _("Unshipped after 24 h"),
    "late48": _("Unshipped after 48 h"),
    "exceptions": _("Review exceptions"),
    "notes": _("Buyer notes to read"),
    "cases": _("After-sales awaiting action"),
    "overdue": _("After-sales overdue"),
    "mine": _("My cases"),
}
CASE_QUEUES = frozenset({"cases", "overdue", "mine"})


def _order_counts(*, day_ago: dt.datetime, two_days_ago: dt.datetime):
    """The orders' queue counts: one row (a constant "group", zeros included)."""
    released = Q(review_state=ReviewState.RELEASED, merged_into__isnull=True)
    answered = OrderEvent.objects.filter(order=OuterRef("pk"), kind=EventKind.NOTE)
    return (
        Order.objects.filter(status__in=[OrderStatus.PAID, OrderStatus.PARTIALLY_SHIPPED])
        .order_by()
        .values(one=Value(1, output_field=IntegerField()))
        .annotate(
            awaiting=Count("pk", filter=released),
            late24=Count("pk", filter=released & Q(paid_at__lt=day_ago)),
            late48=Count("pk", filter=released & Q(paid_at__lt=two_days_ago)),
            exceptions=Count(
                "pk", filter=Q(review_state__in=[ReviewState.EXCEPTION, ReviewState.ON_HOLD])
            ),
            notes=Count("pk", filter=~Q(buyer_note="") & ~Exists(answered)),
        )
    )


def _case_counts(*, now: dt.datetime, user_id: int):
    """The after-sales queue counts: one row."""
    overdue = Q(is_response_overdue=True) | Q(is_resolution_overdue=True)
    return (
        with_sla(AfterSalesCase.objects.filter(state__in=OPEN_CASE_STATES), now=now)
        .order_by()
        .values(one=Value(1, output_field=IntegerField()))
        .annotate(
            cases=Count("pk"),
            overdue=Count("pk", filter=overdue),
            mine=Count("pk", filter=Q(assigned_agent_id=user_id)),
        )
    )


# Compiling the two querysets costs three times the CPU of running them (some
# 12 ms against 4 ms on 1M orders): compiled once, bound per call.
_ORDER_COUNTS = CompiledQuery(_order_counts)
_CASE_COUNTS = CompiledQuery(_case_counts)
# Every queue's count in one row: the orders' from `o`, the cases' from `c`.
_COUNT_COLUMNS = ", ".join(f"{'c' if key in CASE_QUEUES else 'o'}.{key}" for key in QUEUE_LABELS)


def console_queues(*, user: Any, now: dt.datetime | None = None) -> list[ConsoleQueue]:
    """Every queue with its count, in one query (the orders' and the cases' counts side by side).

    The same orders and cases as :func:`console_queue` of each key (a test
    holds them together).
    """
    now = now or timezone.now()
    orders_sql, orders_params = _ORDER_COUNTS.sql(
        day_ago=now - dt.timedelta(hours=24),
        two_days_ago=now - dt.timedelta(hours=48),
    )
    # A signed-out user has no cases: no id matches -1.
    cases_sql, cases_params = _CASE_COUNTS.sql(now=now, user_id=user.pk or -1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_COUNT_COLUMNS} FROM ({orders_sql}) o CROSS JOIN ({cases_sql}) c",
            [*orders_params, *cases_params],
        )
        counts = dict(zip(QUEUE_LABELS, cursor.fetchone(), strict=True))
    return [ConsoleQueue(key, str(label), counts[key]) for key, label in QUEUE_LABELS.items()]


# --- Warehouse work: pick lists, packing slips, batch shipping -----------------

WAREHOUSE_LIST_LIMIT = 200


def warehouse_queue(
    *,
    channel: Any = None,
    paid_before: dt.datetime | None = None,
    warehouse: Any = None,
    now: dt.datetime | None = None,
) -> QuerySet[Order]:
    """Released orders awaiting shipment for the warehouse page, oldest payment first."""
    orders = orders_awaiting_shipment(now=now)
    if channel is not None:
        orders = orders.filter(channel=channel)
    if paid_before is not None:
        orders = orders.filter(paid_at__lt=paid_before)
    if warehouse is not None:
        orders = orders.filter(warehouse=warehouse)
    return orders


def orders_to_pick(order_ids: list[int]) -> list[Order]:
    """The selected orders still awaiting shipment, with their lines and the lines of
    orders merged into them (they travel in the same parcel), oldest payment first.

    A constant number of queries, whatever the size of the batch.
    """
    return list(
        orders_awaiting_shipment()
        .filter(pk__in=order_ids)
        .prefetch_related(
            "lines",
            Prefetch("merged_orders", queryset=Order.objects.prefetch_related("lines")),
        )
    )


def lines_to_pack(order: Order) -> list:
    """What goes into the order's parcel: its lines and its merged orders' lines, still to ship.

    Reads only what :func:`orders_to_pick` prefetched.
    """
    lines = list(order.lines.all())
    for merged in order.merged_orders.all():
        lines.extend(merged.lines.all())
    return [line for line in lines if line.remaining_to_ship > 0]


@dataclass(frozen=True)
class PickRow:
    """One SKU of a pick list: how many to take off the shelf and for which orders."""

    sku_code: str
    title: str
    quantity: int
    orders: list[tuple[str, int]]


def pick_list(orders: list[Order]) -> list[PickRow]:
    """The units to pick for a batch of orders, one row per SKU in SKU code order.

    Grouped by SKU only: stock has no shelf location yet. Each row lists the
    orders needing the SKU (order number, units). Reads only prefetched lines.
    """
    rows: dict[str, dict[str, Any]] = {}
    for order in orders:
        for line in lines_to_pack(order):
            row = rows.setdefault(line.sku_code, {"title": line.title, "quantity": 0, "orders": {}})
            row["quantity"] += line.remaining_to_ship
            row["orders"][order.order_no] = (
                row["orders"].get(order.order_no, 0) + line.remaining_to_ship
            )
    return [
        PickRow(
            sku_code=sku_code,
            title=row["title"],
            quantity=row["quantity"],
            orders=list(row["orders"].items()),
        )
        for sku_code, row in sorted(rows.items())
    ]


def next_manual_order_no(channel: Any, day: dt.date) -> str:
    """The next free number for an order typed in by hand: M + yyyymmdd + a 3-digit sequence."""
    prefix = f"M{day:%Y%m%d}"
    taken = Order.objects.filter(channel=channel, order_no__startswith=prefix).values_list(
        "order_no", flat=True
    )
    sequence = max(
        (int(number[len(prefix) :]) for number in taken if number[len(prefix) :].isdigit()),
        default=0,
    )
    return f"{prefix}{sequence + 1:03d}"


# -- rate cards -------------------------------------------------------------------------------

RATE_CARD_CHANGES_LIMIT = 30


def carriers_with_rate_cards() -> QuerySet[Carrier]:
    """Every carrier (active first), each with its cards: the default first, then by province."""
    return Carrier.objects.order_by("-is_active", "code").prefetch_related(
        Prefetch("rates", queryset=RateCard.objects.order_by("province"))
    )


def rate_card_changes(limit: int = RATE_CARD_CHANGES_LIMIT) -> list:
    """The latest saved versions of rate cards (deletions included), newest first,
    with who saved them."""
    return list(
        RateCard.history.select_related("history_user", "carrier").order_by(
            "-history_date", "-history_id"
        )[:limit]
    )

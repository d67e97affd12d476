"""Customer services: match a buyer on intake and keep their order totals.

Guarantees shared by the services below:

* **Atomic.** Each call is one transaction (or a savepoint inside the caller's).
* **Race-safe.** Matching relies on the unique constraints of ``Customer``
  (``get_or_create`` re-reads the winner's row when two intakes race), and
  totals change with one ``UPDATE ... SET x = x + n``, never read-modify-write.
* **Idempotent matching.** The same identity always yields the same customer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, F, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils.translation import gettext_lazy as _

from customers.models import AgentDay, Customer, SalesChannel
from storeops import business_day, money
from storeops.compiled import CompiledQuery
from storeops.copy_insert import insert_all

_NOT_DIGITS = re.compile(r"[^\d+]")


class CustomerError(ValueError):
    """A refused customer change; nothing was written."""


def normalize_phone(phone: str) -> str:
    """Digits only (a leading ``+`` kept): ``138 0013-8000`` → ``13800138000``."""
    phone = _NOT_DIGITS.sub("", phone or "")
    if phone.startswith("+86") and len(phone) == 14:
        phone = phone[3:]
    return phone


_CUSTOMER_OF_BUYER = CompiledQuery(
    lambda channel_id, buyer_id: Customer.objects.filter(channel_id=channel_id, buyer_id=buyer_id)
)


def match_or_create_customer(
    *, channel: SalesChannel, buyer_id: str = "", phone: str = "", name: str = ""
) -> Customer:
    """The customer for a buyer identity, created on first sight; never a duplicate.

    A buyer ID (nickname) on the channel wins; without one, the phone number
    matches any customer with that phone (a phone-only customer first). The
    name and phone fill in blanks of an existing customer but never overwrite.
    Atomic and race-safe: two intakes of a new buyer at once make one row.
    """
    buyer_id = (buyer_id or "").strip()
    phone = normalize_phone(phone)
    name = (name or "").strip()[:100]
    if not buyer_id and not phone:
        raise CustomerError(_("A customer needs a buyer ID or a phone number."))
    if buyer_id:
        # A buyer seen before (nearly every order): the one read, compiled once.
        known = _CUSTOMER_OF_BUYER.instances(channel_id=channel.pk, buyer_id=buyer_id)
        if known:
            _fill_blanks(known[0], phone=phone, name=name)
            return known[0]
        lookup = {"channel": channel, "buyer_id": buyer_id}
    else:
        # A phone-only customer first, else the oldest customer with that phone.
        existing = (
            Customer.objects.filter(phone=phone, buyer_id="").first()
            or Customer.objects.filter(phone=phone).order_by("pk").first()
        )
        if existing is not None:
            _fill_blanks(existing, phone=phone, name=name)
            return existing
        lookup = {"buyer_id": "", "phone": phone}
    # get_or_create inserts under a savepoint of its own, so a lost race leaves the
    # caller's transaction usable without a second savepoint around it.
    try:
        customer, created = Customer.objects.get_or_create(
            **lookup, defaults={"channel": channel, "phone": phone, "name": name}
        )
    except IntegrityError:
        # Lost a race on the unique constraint: the other intake's row is committed.
        customer, created = Customer.objects.get(**lookup), False
    if not created:
        _fill_blanks(customer, phone=phone, name=name)
    return customer


def _fill_blanks(customer: Customer, *, phone: str, name: str) -> None:
    changes = {}
    if phone and not customer.phone:
        changes["phone"] = phone
    if name and not customer.name:
        changes["name"] = name
    if changes:
        Customer.objects.filter(pk=customer.pk).update(**changes)
        for field, value in changes.items():
            setattr(customer, field, value)


def record_order_paid(*, customer: Customer, amount: Decimal, paid_at: dt.datetime) -> None:
    """Count one paid order of ``amount`` paid at ``paid_at`` in the customer's totals.

    One conditional UPDATE: atomic and safe against concurrent orders of the
    same buyer. First/last order times move only outward.
    """
    Customer.objects.filter(pk=customer.pk).update(
        order_count=F("order_count") + 1,
        amount_spent=F("amount_spent") + money.quantize(amount),
        first_order_at=Least(Coalesce(F("first_order_at"), Value(paid_at)), Value(paid_at)),
        last_order_at=Greatest(Coalesce(F("last_order_at"), Value(paid_at)), Value(paid_at)),
    )


def record_refund(*, customer: Customer, amount: Decimal) -> None:
    """Count one completed refund of ``amount``. One UPDATE: atomic and race-safe."""
    Customer.objects.filter(pk=customer.pk).update(
        refund_count=F("refund_count") + 1,
        refunded_amount=F("refunded_amount") + money.quantize(amount),
    )


def set_order_totals(
    *,
    customer: Customer,
    first_order_at: dt.datetime | None,
    last_order_at: dt.datetime | None,
    order_count: int,
    amount_spent: Decimal,
    refund_count: int,
    refunded_amount: Decimal,
) -> None:
    """Overwrite the totals with a recount (data repair, bulk-seeded history)."""
    Customer.objects.filter(pk=customer.pk).update(
        first_order_at=first_order_at,
        last_order_at=last_order_at,
        order_count=order_count,
        amount_spent=money.quantize(amount_spent),
        refund_count=refund_count,
        refunded_amount=money.quantize(refunded_amount),
    )


class AgentDayError(CustomerError):
    """A refused row of agent figures; ``index`` is its position in the rows given."""

    def __init__(self, message: str, *, index: int | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.index = index
        self.field = field


def upsert_agent_days(
    *, rows: Iterable[dict[str, Any]], by: Any = None, imported_on: dt.date | None = None
) -> list[str]:
    """Store per-agent daily figures; one outcome per row: created, updated or unchanged.

    Each row holds ``date``, ``channel`` (a SalesChannel or None), ``agent_name``,
    ``agent`` (a user or None), ``inquiries``, ``inquiries_paid``,
    ``avg_first_response_seconds`` and ``agent_sales`` (optional). The row of the same
    (date, channel, agent name) is replaced, never added to, so importing an
    export twice changes nothing. A row dated on or after ``imported_on`` (the
    business day of the import, today by default) is provisional: the platform
    settles conversion a day late. Atomic: a refused row leaves every row unwritten.
    """
    imported_on = imported_on or business_day.today()
    outcomes: list[str] = []
    with transaction.atomic():
        for index, row in enumerate(rows):
            inquiries, paid = int(row["inquiries"]), int(row["inquiries_paid"])
            if paid > inquiries:
                raise AgentDayError(
                    _("%(paid)d inquirers paid, more than the %(inquiries)d who inquired.")
                    % {"paid": paid, "inquiries": inquiries},
                    index=index,
                    field="inquiries_paid",
                )
            agent = row.get("agent")
            figures = {
                "agent_id": agent.pk if agent is not None else None,
                "inquiries": inquiries,
                "inquiries_paid": paid,
                "avg_first_response_seconds": Decimal(row["avg_first_response_seconds"]),
                "is_provisional": row["date"] >= imported_on,
            }
            # A file without a sales column leaves the stored sales alone.
            if row.get("agent_sales") is not None:
                figures["agent_sales"] = money.quantize(Decimal(row["agent_sales"]))
            lookup = {
                "date": row["date"],
                "channel": row.get("channel"),
                "agent_name": row["agent_name"].strip(),
            }
            outcomes.append(_upsert_agent_day(lookup, figures))
    return outcomes


def _upsert_agent_day(lookup: dict[str, Any], figures: dict[str, Any]) -> str:
    existing = AgentDay.objects.select_for_update().filter(**lookup).first()
    if existing is None:
        try:
            with transaction.atomic():
                AgentDay.objects.create(**lookup, **figures)
            return "created"
        except IntegrityError:
            # Another import of the same export won the race: replace its row.
            existing = AgentDay.objects.select_for_update().get(**lookup)
    if all(getattr(existing, name) == value for name, value in figures.items()):
        return "unchanged"
    for name, value in figures.items():
        setattr(existing, name, value)
    existing.save(update_fields=[*figures, "updated_at"])
    return "updated"


def match_or_create_customers(
    *, buyers: list[tuple[SalesChannel, str, str, str]]
) -> list[Customer]:
    """:func:`match_or_create_customer` for each ``(channel, buyer_id, phone, name)``, in bulk.

    Returns the same customers, with the same blanks filled, as calling it
    for each buyer in turn. Buyers with a buyer ID are matched in one query
    and the new ones inserted in one statement; a list with a phone-only
    buyer (whose match depends on the others' phones), or one that loses a
    race on the unique constraint, is matched one buyer at a time instead.
    Atomic.
    """
    wanted = [
        (channel, (buyer_id or "").strip(), normalize_phone(phone), (name or "").strip()[:100])
        for channel, buyer_id, phone, name in buyers
    ]
    if any(not buyer_id for _channel, buyer_id, _phone, _name in wanted):
        return [
            match_or_create_customer(channel=channel, buyer_id=buyer_id, phone=phone, name=name)
            for channel, buyer_id, phone, name in buyers
        ]
    by_key: dict[tuple[int, str], Customer] = {}
    channel_ids = {channel.pk for channel, *_rest in wanted}
    buyer_ids = {buyer_id for _channel, buyer_id, *_rest in wanted}
    for customer in Customer.objects.filter(
        _buyer_id_in(sorted(buyer_ids)), channel_id__in=channel_ids
    ):
        by_key[(customer.channel_id, customer.buyer_id)] = customer
    new: list[Customer] = []
    filled: dict[int, Customer] = {}
    found: list[Customer] = []
    for channel, buyer_id, phone, name in wanted:
        customer = by_key.get((channel.pk, buyer_id))
        if customer is None:
            customer = Customer(channel=channel, buyer_id=buyer_id, phone=phone, name=name)
            by_key[(channel.pk, buyer_id)] = customer
            new.append(customer)
        elif (phone and not customer.phone) or (name and not customer.name):
            customer.phone = customer.phone or phone
            customer.name = customer.name or name
            if customer.pk is not None:
                filled[customer.pk] = customer
        found.append(customer)
    try:
        with transaction.atomic():
            insert_all(new)
    except IntegrityError:
        # Another intake created one of these buyers a moment ago.
        return [
            match_or_create_customer(channel=channel, buyer_id=buyer_id, phone=phone, name=name)
            for channel, buyer_id, phone, name in buyers
        ]
    if filled:
        Customer.objects.bulk_update(list(filled.values()), ["phone", "name"])
    return found


def _buyer_id_in(buyer_ids: list[str]) -> Q:
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        # One array parameter: an IN list of a thousand buyer IDs costs Django far
        # more to build than the database to read (the plan is the same).
        column = f"{connection.ops.quote_name(Customer._meta.db_table)}.buyer_id"
        return Q(RawSQL(f"{column} = ANY(%s)", [buyer_ids], output_field=BooleanField()))
    return Q(buyer_id__in=buyer_ids)


def record_orders_paid(*, payments: list[tuple[Customer, Decimal, dt.datetime]]) -> None:
    """:func:`record_order_paid` for each ``(customer, amount, paid_at)``, in bulk.

    The payments are summed per customer and added with one ``UPDATE`` on
    PostgreSQL (one per customer elsewhere), never read-modify-write.
    """
    totals: dict[int, list] = {}
    for customer, amount, paid_at in payments:
        total = totals.setdefault(customer.pk, [0, money.ZERO, paid_at, paid_at])
        total[0] += 1
        total[1] += money.quantize(amount)
        total[2] = min(total[2], paid_at)
        total[3] = max(total[3], paid_at)
    if not totals:
        return
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        for pk, (count, amount, first_at, last_at) in totals.items():
            Customer.objects.filter(pk=pk).update(
                order_count=F("order_count") + count,
                amount_spent=F("amount_spent") + amount,
                first_order_at=Least(
                    Coalesce(F("first_order_at"), Value(first_at)), Value(first_at)
                ),
                last_order_at=Greatest(
                    Coalesce(F("last_order_at"), Value(last_at)), Value(last_at)
                ),
            )
        return
    table = connection.ops.quote_name(Customer._meta.db_table)
    # One array per column (five parameters, whatever the number of customers).
    columns = [
        list(column)
        for column in zip(*((pk, *total) for pk, total in sorted(totals.items())), strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS c SET order_count = c.order_count + v.n, "
            "amount_spent = c.amount_spent + v.amount, "
            "first_order_at = LEAST(COALESCE(c.first_order_at, v.first_at), v.first_at), "
            "last_order_at = GREATEST(COALESCE(c.last_order_at, v.last_at), v.last_at) "
            "FROM unnest(%s::bigint[], %s::integer[], %s::numeric[], %s::timestamptz[], "
            "%s::timestamptz[]) AS v (id, n, amount, first_at, last_at) WHERE c.id = v.id",
            columns,
        )

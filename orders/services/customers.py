"""The customer of an order: matching the buyer, and recounting totals (repair, seeded history)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum

from customers import services as customer_services
from customers.models import Customer, SalesChannel
from orders.models import OrderKind, Refund, RefundStatus
from orders.services.common import column_of, stored_instances
from storeops import money


def match_customer(
    *, channel: SalesChannel, buyer_id: str = "", phone: str = "", name: str = ""
) -> Customer:
    """:func:`customers.services.match_or_create_customer`, with a known buyer read by plain SQL.

    A buyer ID already stored on the channel whose customer has a phone and a
    name when these are given (nothing to fill in) is the customer the service
    would answer, without a write: it is read here with one plain statement
    (building the ORM's query cost more CPU than the database's answer on every
    order create). Any other case (a new buyer, blanks to fill, no buyer ID)
    is the service's.
    """
    buyer = (buyer_id or "").strip()
    if buyer:
        where = f"{column_of(Customer, 'channel')} = %s AND {column_of(Customer, 'buyer_id')} = %s"
        found = stored_instances(Customer, where=where, params=[channel.pk, buyer])
        if len(found) == 1:
            customer = found[0]
            fills_phone = customer_services.normalize_phone(phone) and not customer.phone
            fills_name = (name or "").strip()[:100] and not customer.name
            if not fills_phone and not fills_name:
                return customer
    return customer_services.match_or_create_customer(
        channel=channel, buyer_id=buyer_id, phone=phone, name=name
    )


def rebuild_customer_totals(*, customers: Iterable[Customer] | None = None) -> int:
    """Overwrite first/last order, order count, spend and refunds with a recount.

    Counts normal (not replacement) paid orders and completed refunds.
    Atomic; returns how many customers were rewritten.
    """
    queryset = (
        Customer.objects.all()
        if customers is None
        else Customer.objects.filter(pk__in=[customer.pk for customer in customers])
    )
    paid = Q(orders__paid_at__isnull=False, orders__kind=OrderKind.NORMAL)
    totals = queryset.annotate(
        paid_count=Count("orders", filter=paid),
        spent=Sum("orders__paid_total", filter=paid),
        first_paid=Min("orders__paid_at", filter=paid),
        last_paid=Max("orders__paid_at", filter=paid),
    )
    refunds = {
        row["order__customer"]: row
        for row in Refund.objects.filter(
            status=RefundStatus.COMPLETED,
            order__kind=OrderKind.NORMAL,
            order__customer__in=queryset,
        )
        .values("order__customer")
        .annotate(count=Count("pk"), amount=Sum("amount"))
    }
    count = 0
    with transaction.atomic():
        for customer in totals:
            refund = refunds.get(customer.pk, {})
            customer_services.set_order_totals(
                customer=customer,
                first_order_at=customer.first_paid,
                last_order_at=customer.last_paid,
                order_count=customer.paid_count,
                amount_spent=customer.spent or money.ZERO,
                refund_count=refund.get("count", 0),
                refunded_amount=refund.get("amount") or money.ZERO,
            )
            count += 1
    return count


__all__ = ["match_customer", "rebuild_customer_totals"]

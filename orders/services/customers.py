"""Recount customers' order totals from the orders themselves (repair, seeded history)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum

from customers import services as customer_services
from customers.models import Customer
from orders.models import OrderKind, Refund, RefundStatus
from storeops import money


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


__all__ = ["rebuild_customer_totals"]

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Customer
from orders import selectors, services
from orders.models import CaseType
from tests.orders.factories import build_order

pytestmark = pytest.mark.django_db


def test_the_shipping_queue_holds_released_unshipped_orders_oldest_first(tee, manager, sf):
    now = timezone.now()
    newer = build_order(by=manager, items=[(tee, 1)], placed_at=now - dt.timedelta(hours=2))
    older = build_order(by=manager, items=[(tee, 1)], placed_at=now - dt.timedelta(hours=5))
    build_order(by=manager, items=[(tee, 1)], buyer_note="call me")  # exception queue
    shipped = build_order(by=manager, items=[(tee, 1)])
    services.ship_order(order=shipped, carrier=sf, tracking_number="SF1", by=manager)

    queue = list(selectors.orders_awaiting_shipment(now=now))

    assert queue == [older, newer]
    assert queue[0].age == dt.timedelta(hours=5)


def test_the_exception_queue_holds_orders_review_stopped(tee, manager):
    flagged = build_order(by=manager, items=[(tee, 1)], buyer_note="call me")
    build_order(by=manager, items=[(tee, 1)])

    assert list(selectors.exception_queue()) == [flagged]


def test_refund_stats_divide_refunds_of_the_days_orders_by_their_paid_sales(tee, cap, manager):
    day = dt.datetime(2025, 6, 1, 4, 0, tzinfo=dt.UTC)
    first = build_order(by=manager, items=[(tee, 2)], placed_at=day)  # 178.00
    build_order(by=manager, items=[(cap, 1)], placed_at=day, channel="jd")  # 45.00
    case = services.open_case(
        order=first,
        kind=CaseType.REFUND_ONLY,
        reason="size",
        lines=[(first.lines.get(), 1)],
        by=manager,
    )
    services.approve_case(case=case, by=manager)
    services.refund_case(case=case, by=manager)

    stats = selectors.refund_stats(start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 1))

    assert (stats.paid_sales, stats.paid_orders) == (Decimal("223.00"), 2)
    assert (stats.refunds_of_paid, stats.refunded_orders) == (Decimal("89.00"), 1)
    assert stats.refund_rate == Decimal("0.3991")
    assert stats.refund_order_rate == Decimal("0.5000")
    assert stats.by_reason == [{"code": "size", "amount": Decimal("89.00"), "count": 1}]
    assert stats.by_sku == [{"sku_code": "TEE-RED-M", "amount": Decimal("89.00"), "quantity": 1}]
    assert stats.by_channel[0]["refund_rate"] == Decimal("0.5000")


def test_refund_stats_of_a_day_without_orders_have_empty_ratios(db):
    stats = selectors.refund_stats(start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 2))

    assert (stats.refund_rate, stats.refund_order_rate, stats.paid_orders) == (None, None, 0)


def test_recounting_customer_totals_restores_drifted_figures(tee, manager):
    build_order(by=manager, items=[(tee, 1)])
    build_order(by=manager, items=[(tee, 1)])
    Customer.objects.update(order_count=7, amount_spent=Decimal("1.00"))

    services.rebuild_customer_totals()

    customer = Customer.objects.get()
    assert (customer.order_count, customer.amount_spent) == (2, Decimal("178.00"))


def test_a_customers_history_lists_their_orders_newest_first(tee, manager):
    now = timezone.now()
    old = build_order(by=manager, items=[(tee, 1)], placed_at=now - dt.timedelta(days=3))
    new = build_order(by=manager, items=[(tee, 1)], placed_at=now)
    build_order(by=manager, items=[(tee, 1)], buyer_nickname="someone_else")

    assert list(selectors.customer_history(old.customer)) == [new, old]


def test_each_console_queue_count_is_the_number_of_its_orders_or_cases(
    tee, manager, service_agent, sf
):
    now = timezone.now()
    build_order(by=manager, items=[(tee, 1)], placed_at=now - dt.timedelta(hours=50))
    build_order(by=manager, items=[(tee, 1)], placed_at=now - dt.timedelta(hours=30))
    build_order(by=manager, items=[(tee, 1)])
    build_order(by=manager, items=[(tee, 1)], buyer_note="请发顺丰")
    answered = build_order(by=manager, items=[(tee, 1)], buyer_note="送货前电话")
    services.add_note(order=answered, by=service_agent, message="已备注, 会电话联系")
    held = build_order(by=manager, items=[(tee, 1)])
    services.hold_order(order=held, by=manager, reason="Buyer asked to wait")
    shipped = build_order(by=manager, items=[(tee, 2)])
    services.ship_order(order=shipped, carrier=sf, tracking_number="SF9", by=manager)
    shipped.refresh_from_db()
    for requested_at, agent in (
        (now - dt.timedelta(hours=30), service_agent),  # past its first-response deadline
        (now, service_agent),
        (now, manager),
    ):
        services.open_case(
            order=shipped,
            kind=CaseType.REFUND_ONLY,
            reason="quality",
            requested_amount=Decimal("1.00"),
            requested_at=requested_at,
            assigned_agent=agent,
            by=manager,
        )

    counts = {queue.key: queue.count for queue in selectors.console_queues(user=service_agent)}

    assert counts == {
        "awaiting": 3,
        "late24": 2,
        "late48": 1,
        "exceptions": 3,  # the two notes wait for review, and the held order
        "notes": 1,
        "cases": 3,
        "overdue": 1,
        "mine": 2,
    }
    for key, count in counts.items():
        queue = selectors.console_queue(key, user=service_agent, now=now)
        assert queue.count() == count, key
    # A later moment: the compiled counts take the new time, and another user's cases.
    later = {
        queue.key: queue.count
        for queue in selectors.console_queues(user=manager, now=now + dt.timedelta(hours=30))
    }
    assert later["late24"] == 3 and later["late48"] == 2 and later["mine"] == 1

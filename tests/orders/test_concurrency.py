"""Two agents refunding one order at once, each on its own PostgreSQL connection."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from inventory import services as inventory
from orders import services
from orders.errors import OrderError
from orders.models import Order, OrderSettings, Refund
from tests.orders.factories import VariantFactory, WarehouseFactory, build_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(worker_count: int, work) -> list[str]:
    start = threading.Barrier(worker_count)
    outcomes = [""] * worker_count

    def run(index: int) -> None:
        try:
            start.wait()
            work(index)
            outcomes[index] = "ok"
        except OrderError as error:
            outcomes[index] = error.code
        except Exception as error:  # reported in the assertion, not swallowed
            outcomes[index] = f"{type(error).__name__}: {error}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(worker_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_agents_refunding_at_once_never_refund_more_than_was_paid(postgres_only, manager):
    WarehouseFactory(code="WH-MAIN", is_default=True)
    rules = OrderSettings.load()
    rules.duplicate_window_minutes = 0
    rules.save()
    variant = VariantFactory(sku_code="RACE-1", price=Decimal("100.00"))
    inventory.receive(variant=variant, quantity=5, by=manager, reason="Delivery")
    order = build_order(by=manager, items=[(variant, 1)], shipping_fee="10.00")  # 110.00 paid

    outcomes = race(
        2, lambda index: services.refund_order(order=order, amount=Decimal("60.00"), by=manager)
    )

    order = Order.objects.get(pk=order.pk)
    assert sorted(outcomes) == ["ok", "refund_exceeds_paid"]
    assert order.refunded_total == Decimal("60.00")
    assert Refund.objects.filter(order=order).count() == 1

"""Races with real threads, each on its own database connection (PostgreSQL row locks)."""

import threading
from collections import Counter

import pytest
from django.db import connection

from inventory import services
from inventory.errors import InsufficientStock
from inventory.models import StockLevel, StockMovement
from inventory.selectors import ledger_differences
from tests.inventory.factories import VariantFactory, WarehouseFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(worker_count: int, work) -> list[str]:
    """Run ``work(index)`` in ``worker_count`` threads released at the same moment."""
    start = threading.Barrier(worker_count)
    outcomes: list[str] = [""] * worker_count

    def run(index: int) -> None:
        try:
            start.wait()
            work(index)
            outcomes[index] = "ok"
        except InsufficientStock:
            outcomes[index] = "insufficient"
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


@pytest.fixture
def racer(django_user_model):
    return django_user_model.objects.create_user(username="racer")


@pytest.fixture
def warehouse():
    return WarehouseFactory(code="WH-MAIN", is_default=True)


def test_twenty_workers_racing_for_the_last_five_units_leave_exactly_five_reserved(
    postgres_only, warehouse, racer
):
    variant = VariantFactory(sku_code="LAST-FIVE")
    services.receive(variant=variant, quantity=5, by=racer, reason="Delivery")

    outcomes = race(
        20,
        lambda index: services.reserve(
            variant=variant, quantity=1, by=racer, reason="Order paid", document_id=str(index)
        ),
    )

    assert Counter(outcomes) == {"ok": 5, "insufficient": 15}
    level = StockLevel.objects.get(variant=variant, warehouse=warehouse)
    assert (level.on_hand, level.reserved) == (5, 5)
    assert StockMovement.objects.filter(variant=variant, kind="reservation").count() == 5
    assert ledger_differences() == []


def test_racing_calls_with_one_idempotency_key_reserve_once(postgres_only, warehouse, racer):
    variant = VariantFactory(sku_code="ONE-KEY")
    services.receive(variant=variant, quantity=50, by=racer, reason="Delivery")

    outcomes = race(
        10,
        lambda index: services.reserve(
            variant=variant,
            quantity=2,
            by=racer,
            reason="Order paid",
            idempotency_key="order-line:77:reserve",
        ),
    )

    assert Counter(outcomes) == {"ok": 10}
    level = StockLevel.objects.get(variant=variant, warehouse=warehouse)
    assert (level.on_hand, level.reserved) == (50, 2)
    assert StockMovement.objects.filter(variant=variant, kind="reservation").count() == 1


def test_mixed_concurrent_changes_lose_no_update_and_never_go_negative(
    postgres_only, warehouse, racer
):
    variant = VariantFactory(sku_code="BUSY")
    south = WarehouseFactory(code="WH-SOUTH")
    services.receive(variant=variant, quantity=30, by=racer, reason="Delivery")
    services.receive(variant=variant, warehouse=south, quantity=30, by=racer, reason="Delivery")

    def work(index: int) -> None:
        step = index % 4
        if step == 0:
            services.reserve(variant=variant, quantity=3, by=racer, reason="Paid")
        elif step == 1:
            services.restock_return(variant=variant, quantity=1, by=racer, reason="Return")
        elif step == 2:
            services.transfer(
                variant=variant,
                from_warehouse=warehouse,
                to_warehouse=south,
                quantity=2,
                by=racer,
                reason="Rebalance",
            )
        else:
            services.transfer(
                variant=variant,
                from_warehouse=south,
                to_warehouse=warehouse,
                quantity=2,
                by=racer,
                reason="Rebalance",
            )

    outcomes = race(24, work)

    assert set(outcomes) <= {"ok", "insufficient"}, outcomes
    assert ledger_differences() == []
    totals = StockLevel.objects.filter(variant=variant).values_list("on_hand", "reserved")
    on_hand = sum(row[0] for row in totals)
    reserved = sum(row[1] for row in totals)
    reservations = outcomes[0::4].count("ok")
    returns = outcomes[1::4].count("ok")
    assert on_hand == 60 + returns
    assert reserved == 3 * reservations

"""Stocktake races with real threads on PostgreSQL: posting is done exactly once."""

from collections import Counter

import pytest

from inventory import services, stocktake
from inventory.errors import StocktakeError
from inventory.models import MovementKind, StockLevel, StockMovement
from inventory.selectors import ledger_differences
from tests.inventory.factories import VariantFactory, WarehouseFactory
from tests.inventory.test_concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_five_clerks_posting_one_stocktake_at_once_post_it_once(postgres_only, django_user_model):
    clerk = django_user_model.objects.create_user(username="counter")
    warehouse = WarehouseFactory(code="WH-MAIN", is_default=True)
    variant = VariantFactory(sku_code="RACE-1")
    services.receive(variant=variant, quantity=10, by=clerk, reason="Delivery")
    opened = stocktake.open_stocktake(warehouse=warehouse, by=clerk)
    stocktake.record_counts(stocktake=opened, counts={"RACE-1": 7}, by=clerk)
    stocktake.finish_counting(stocktake=opened, by=clerk)
    refused: list[str] = []

    def post(_index: int) -> None:
        try:
            stocktake.post_stocktake(stocktake=opened.pk, by=clerk, reason="Count")
        except StocktakeError as error:
            refused.append(error.code)
            raise

    outcomes = race(5, post)

    assert Counter(outcomes)["ok"] == 1
    assert refused == ["already_posted"] * 4
    assert StockLevel.objects.get(variant=variant, warehouse=warehouse).on_hand == 7
    assert StockMovement.objects.filter(kind=MovementKind.STOCKTAKE_ADJUSTMENT).count() == 1
    assert ledger_differences() == []

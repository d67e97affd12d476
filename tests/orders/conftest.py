from decimal import Decimal

import pytest

from inventory import services as inventory
from inventory.models import StockLevel
from orders.models import OrderSettings
from tests.orders.factories import CarrierFactory, VariantFactory, WarehouseFactory


@pytest.fixture
def warehouse(db):
    return WarehouseFactory(code="WH-MAIN", name="主仓", is_default=True)


@pytest.fixture
def review_off_for_duplicates(db):
    """Most tests place several orders to one address; the duplicate check is tested alone."""
    rules = OrderSettings.load()
    rules.duplicate_window_minutes = 0
    rules.save()
    return rules


@pytest.fixture
def tee(warehouse, manager, review_off_for_duplicates):
    """TEE-RED-M at 89.00 (cost 35.50) with 10 units on hand."""
    variant = VariantFactory(
        sku_code="TEE-RED-M", price=Decimal("89.00"), cost_price=Decimal("35.50")
    )
    inventory.receive(variant=variant, quantity=10, by=manager, reason="Delivery")
    return variant


@pytest.fixture
def cap(warehouse, manager, review_off_for_duplicates):
    """CAP-BLUE at 45.00 (cost 12.00) with 5 units on hand."""
    variant = VariantFactory(
        sku_code="CAP-BLUE", price=Decimal("45.00"), cost_price=Decimal("12.00")
    )
    inventory.receive(variant=variant, quantity=5, by=manager, reason="Delivery")
    return variant


@pytest.fixture
def sf(db):
    return CarrierFactory(code="sf", name="SF Express")


def stock_of(variant):
    """(on hand, reserved) of the variant in the default warehouse."""
    level = StockLevel.objects.get(variant=variant, warehouse__is_default=True)
    return level.on_hand, level.reserved

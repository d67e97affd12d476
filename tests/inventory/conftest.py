import pytest

from inventory import services
from tests.inventory.factories import VariantFactory, WarehouseFactory


@pytest.fixture
def main_warehouse(db):
    return WarehouseFactory(code="WH-MAIN", name="主仓", is_default=True)


@pytest.fixture
def second_warehouse(db):
    return WarehouseFactory(code="WH-SOUTH", name="South")


@pytest.fixture
def variant(db):
    return VariantFactory(sku_code="TEE-RED-M")


@pytest.fixture
def stocked(main_warehouse, variant, warehouse_clerk):
    """TEE-RED-M with 10 units on hand in the default warehouse."""
    services.receive(variant=variant, quantity=10, by=warehouse_clerk, reason="Opening delivery")
    return variant

"""The stock counts import: opening balances and adjustments through the ledger,
every refused row named, and the same file twice changing nothing."""

from __future__ import annotations

import io

import pytest

from inventory import services
from inventory.importers import StockCountImport
from inventory.models import MovementKind, StockLevel, StockMovement
from storeops.imports import registry
from storeops.imports.runner import run_import
from tests.inventory.factories import VariantFactory

STOCK = StockCountImport


def csv_bytes(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def problems(result) -> list[tuple]:
    return [(p.row, p.column, p.message) for p in result.problems]


def on_hand(sku: str, warehouse: str) -> int:
    return StockLevel.objects.get(variant__sku_code=sku, warehouse__code=warehouse).on_hand


@pytest.fixture
def blue(db):
    return VariantFactory(sku_code="TEE-BLUE-M")


@pytest.mark.django_db
def test_a_count_of_a_never_stocked_sku_books_an_opening_balance(manager, main_warehouse, blue):
    result = run_import(
        STOCK, csv_bytes("sku_code,warehouse,quantity\nTEE-BLUE-M,WH-MAIN,12\n"), user=manager
    )

    assert result.ok and (result.created, result.updated) == (1, 0)
    [movement] = StockMovement.objects.filter(variant=blue)
    assert (movement.kind, movement.on_hand_change, movement.created_by) == (
        MovementKind.OPENING_BALANCE,
        12,
        manager,
    )
    assert on_hand("TEE-BLUE-M", "WH-MAIN") == 12


@pytest.mark.django_db
def test_a_count_of_a_stocked_sku_posts_the_difference(manager, stocked, second_warehouse):
    text = "sku_code,warehouse,quantity,reason\nTEE-RED-M,WH-MAIN,7,Spring stocktake\n"

    result = run_import(STOCK, csv_bytes(text), user=manager)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    latest = StockMovement.objects.filter(variant=stocked).order_by("-id").first()
    assert (latest.kind, latest.on_hand_change, latest.on_hand_after, latest.reason) == (
        MovementKind.STOCKTAKE_ADJUSTMENT,
        -3,
        7,
        "Spring stocktake",
    )


@pytest.mark.django_db
def test_the_same_file_twice_writes_no_ledger_rows(manager, stocked, blue):
    text = "商家编码,仓库,盘点数量,备注\nTEE-RED-M,WH-MAIN,8,盘点\nTEE-BLUE-M,,5,盘点\n"
    run_import(STOCK, csv_bytes(text), user=manager)
    movements = StockMovement.objects.count()

    result = run_import(STOCK, csv_bytes(text), user=manager)

    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert StockMovement.objects.count() == movements
    assert (on_hand("TEE-RED-M", "WH-MAIN"), on_hand("TEE-BLUE-M", "WH-MAIN")) == (8, 5)


@pytest.mark.django_db
def test_bad_quantities_unknown_skus_and_warehouses_are_row_errors(manager, stocked):
    text = (
        "sku_code,warehouse,quantity\n"
        "TEE-RED-M,WH-MAIN,-2\n"
        "TEE-RED-M,WH-MAIN,2.5\n"
        "NOPE-1,WH-MAIN,3\n"
        "TEE-RED-M,WH-MOON,3\n"
    )

    result = run_import(STOCK, csv_bytes(text), user=manager)

    assert problems(result) == [
        (2, "Counted quantity", "-2 is below the minimum of 0"),
        (3, "Counted quantity", "“2.5” is not a whole number"),
        (
            3,
            "SKU code, Warehouse",
            "Repeats row 2 (same sku_code, warehouse “TEE-RED-M / WH-MAIN”); each may appear once.",
        ),
        (4, "SKU code", "Unknown SKU code: NOPE-1."),
        (5, "Warehouse", "Unknown warehouse: WH-MOON."),
    ]
    assert on_hand("TEE-RED-M", "WH-MAIN") == 10
    assert StockMovement.objects.count() == 1


@pytest.mark.django_db
def test_a_blank_warehouse_and_the_default_code_are_the_same_row(manager, stocked):
    text = "sku_code,warehouse,quantity\nTEE-RED-M,,4\nTEE-RED-M,WH-MAIN,5\n"

    result = run_import(STOCK, csv_bytes(text), user=manager)

    [(row, _column, message)] = problems(result)
    assert row == 3 and "Repeats row 2" in message


@pytest.mark.django_db
def test_a_count_below_what_is_reserved_is_refused_with_its_row(manager, stocked):
    services.reserve(variant=stocked, quantity=6, by=manager, reason="Order 1")
    text = "sku_code,warehouse,quantity\nTEE-RED-M,WH-MAIN,4\n"

    result = run_import(STOCK, csv_bytes(text), user=manager)

    [(row, column, message)] = problems(result)
    assert (row, column) == (2, "Counted quantity") and "reserved" in message
    assert on_hand("TEE-RED-M", "WH-MAIN") == 10


@pytest.mark.django_db
def test_a_gb18030_file_with_chinese_headers_is_read(manager, stocked):
    text = "商家编码,仓库,数量,原因\nTEE-RED-M,WH-MAIN,9,月末盘点\n"

    result = run_import(STOCK, csv_bytes(text, "gb18030"), user=manager)

    assert result.ok, problems(result)
    assert StockMovement.objects.order_by("-id").first().reason == "月末盘点"


@pytest.mark.django_db
def test_only_inventory_roles_may_import_stock_counts(warehouse_clerk, service_agent, marketer):
    assert "stock_levels" in registry.kinds_for(warehouse_clerk)
    assert "stock_levels" not in registry.kinds_for(service_agent)
    assert "stock_levels" not in registry.kinds_for(marketer)

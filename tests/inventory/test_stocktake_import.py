"""The stocktake counts import: the filled-in count sheet records counts, never stock."""

from __future__ import annotations

import io

import pytest

from inventory import stocktake
from inventory.importers_stocktake import StocktakeCountImport
from inventory.models import StockLevel
from storeops.imports import registry
from storeops.imports.runner import run_import

KIND = StocktakeCountImport


def csv_bytes(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8"))


@pytest.fixture
def counting(stocked, main_warehouse, manager):
    return stocktake.open_stocktake(warehouse=main_warehouse, by=manager)


@pytest.mark.django_db
def test_chinese_headers_record_counts_without_touching_stock(counting, stocked, manager):
    text = f"盘点单号,商家编码,实盘数量\n{counting.number},TEE-RED-M,7\n"

    result = run_import(KIND, csv_bytes(text), user=manager)

    line = counting.lines.get(variant=stocked)
    assert result.ok and (result.updated, result.unchanged) == (1, 0)
    assert (line.counted, line.counted_by) == (7, manager)
    assert StockLevel.objects.get(variant=stocked).on_hand == 10


@pytest.mark.django_db
def test_the_exported_count_sheet_imports_back_and_twice_changes_nothing(
    client, counting, stocked, manager
):
    client.force_login(manager)
    sheet = b"".join(
        client.get(f"/inventory/stocktakes/{counting.pk}/sheet/?format=csv").streaming_content
    ).decode("utf-8-sig")
    filled = sheet.replace("\r\n", "\n").rstrip("\n") + "5\n"

    first = run_import(KIND, csv_bytes(filled), user=manager)
    second = run_import(KIND, csv_bytes(filled), user=manager)

    assert first.ok and first.updated == 1
    assert second.ok and (second.updated, second.unchanged) == (0, 1)
    assert counting.lines.get(variant=stocked).counted == 5


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["-1", "2.5"])
def test_negative_or_fractional_counts_are_refused(counting, stocked, manager, bad):
    text = f"stocktake,sku_code,counted\n{counting.number},TEE-RED-M,{bad}\n"

    result = run_import(KIND, csv_bytes(text), user=manager)

    assert not result.ok
    assert [p.row for p in result.problems] == [2]
    assert counting.lines.get(variant=stocked).counted is None


@pytest.mark.django_db
def test_counts_for_a_stocktake_in_review_are_refused(counting, stocked, manager):
    stocktake.record_counts(stocktake=counting, counts={"TEE-RED-M": 3}, by=manager)
    stocktake.finish_counting(stocktake=counting, by=manager)
    text = f"stocktake,sku_code,counted\n{counting.number},TEE-RED-M,9\n"

    result = run_import(KIND, csv_bytes(text), user=manager)

    assert not result.ok
    assert counting.lines.get(variant=stocked).counted == 3


@pytest.mark.django_db
def test_only_inventory_roles_see_the_stocktake_import(warehouse_clerk, service_agent):
    assert "stocktake_counts" in registry.kinds_for(warehouse_clerk)
    assert "stocktake_counts" not in registry.kinds_for(service_agent)

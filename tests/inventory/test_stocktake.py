"""Stocktake services: opening, blind counts, movements during the count, posting once."""

import pytest

from inventory import services, stocktake
from inventory.errors import StocktakeError
from inventory.models import MovementKind, StockLevel, StockMovement, Stocktake, StocktakeStatus
from tests.inventory.factories import CategoryFactory, ProductFactory, VariantFactory


def _on_hand(variant, warehouse) -> int:
    return StockLevel.objects.get(variant=variant, warehouse=warehouse).on_hand


@pytest.fixture
def shirts(main_warehouse, warehouse_clerk):
    """Two shirts in stock (10 and 4) and a mug (7) of another category."""
    tops = CategoryFactory(name="Tops")
    red = VariantFactory(sku_code="TEE-RED", product=ProductFactory(category=tops))
    blue = VariantFactory(sku_code="TEE-BLUE", product=ProductFactory(category=tops))
    mug = VariantFactory(sku_code="MUG-1")
    for variant, quantity in ((red, 10), (blue, 4), (mug, 7)):
        services.receive(variant=variant, quantity=quantity, by=warehouse_clerk, reason="Delivery")
    return red, blue, mug


@pytest.mark.django_db
def test_opening_snapshots_on_hand_for_every_sku_in_scope(shirts, main_warehouse, manager):
    opened = stocktake.open_stocktake(warehouse=main_warehouse, by=manager)

    lines = {line.variant.sku_code: line.on_hand_at_open for line in opened.lines.all()}
    assert opened.number.startswith("ST-") and len(opened.number) == 12
    assert opened.status == StocktakeStatus.OPEN
    assert lines == {"MUG-1": 7, "TEE-BLUE": 4, "TEE-RED": 10}


@pytest.mark.django_db
def test_opening_with_category_and_prefix_filters_the_skus(shirts, main_warehouse, manager):
    red, _blue, _mug = shirts

    opened = stocktake.open_stocktake(
        warehouse=main_warehouse, by=manager, category=red.product.category, sku_prefix="TEE-R"
    )

    assert [line.variant.sku_code for line in opened.lines.all()] == ["TEE-RED"]


@pytest.mark.django_db
def test_a_second_stocktake_of_the_same_warehouse_is_refused(shirts, main_warehouse, manager):
    stocktake.open_stocktake(warehouse=main_warehouse, by=manager)

    with pytest.raises(StocktakeError) as refused:
        stocktake.open_stocktake(warehouse=main_warehouse, by=manager)

    assert refused.value.code == "stocktake_in_progress"
    assert Stocktake.objects.count() == 1


@pytest.mark.django_db
def test_open_count_post_books_the_variances_in_the_ledger(shirts, main_warehouse, manager):
    red, blue, mug = shirts
    opened = stocktake.open_stocktake(warehouse=main_warehouse, by=manager)
    stocktake.record_counts(stocktake=opened, counts={"TEE-RED": 8, "TEE-BLUE": 4}, by=manager)
    stocktake.finish_counting(stocktake=opened, by=manager)

    posted = stocktake.post_stocktake(stocktake=opened, by=manager, reason="Year-end count")

    movements = StockMovement.objects.filter(kind=MovementKind.STOCKTAKE_ADJUSTMENT)
    assert posted.status == StocktakeStatus.POSTED
    assert sorted(
        (m.variant.sku_code, m.on_hand_change, m.on_hand_after, m.document_id) for m in movements
    ) == [
        ("TEE-BLUE", 0, 4, opened.number),
        ("TEE-RED", -2, 8, opened.number),
    ]
    assert movements.first().document_type == "stocktake"
    assert (_on_hand(red, main_warehouse), _on_hand(blue, main_warehouse)) == (8, 4)
    # The mug was not counted: it is not adjusted.
    assert _on_hand(mug, main_warehouse) == 7


@pytest.mark.django_db
def test_a_shipment_before_the_shelf_is_counted_gives_no_false_variance(
    shirts, main_warehouse, manager
):
    red, _blue, _mug = shirts
    opened = stocktake.open_stocktake(warehouse=main_warehouse, by=manager)
    services.ship(variant=red, quantity=2, by=manager, reason="Order 1", from_reserved=False)
    # The counter finds the 8 left on the shelf after the shipment.
    stocktake.record_counts(stocktake=opened, counts={"TEE-RED": 8}, by=manager)
    stocktake.finish_counting(stocktake=opened, by=manager)

    review = {row.line.variant.sku_code: row for row in stocktake.review_lines(opened)}
    stocktake.post_stocktake(stocktake=opened, by=manager, reason="Count")

    assert (review["TEE-RED"].expected, review["TEE-RED"].variance) == (8, 0)
    assert _on_hand(red, main_warehouse) == 8
    adjustment = StockMovement.objects.get(kind=MovementKind.STOCKTAKE_ADJUSTMENT)
    assert adjustment.on_hand_change == 0


@pytest.mark.django_db
def test_a_shipment_after_the_count_is_carried_on_top_of_the_count(shirts, main_warehouse, manager):
    red, _blue, _mug = shirts
    opened = stocktake.open_stocktake(warehouse=main_warehouse, by=manager)
    stocktake.record_counts(stocktake=opened, counts={"TEE-RED": 9}, by=manager)
    services.ship(variant=red, quantity=2, by=manager, reason="Order 1", from_reserved=False)
    stocktake.finish_counting(stocktake=opened, by=manager)

    stocktake.post_stocktake(stocktake=opened, by=manager, reason="Count")

    # One unit was missing at the count; the two shipped later still left.
    assert _on_hand(red, main_warehouse) == 7
    line = opened.lines.get(variant=red)
    assert (line.expected_at_post, line.adjustment) == (10, -1)


@pytest.mark.django_db
def test_posting_twice_is_refused_and_changes_nothing(shirts, main_warehouse, manager):
    red, _blue, _mug = shirts
    opened = stocktake.open_stocktake(warehouse=main_warehouse, by=manager)
    stocktake.record_counts(stocktake=opened, counts={"TEE-RED": 6}, by=manager)
    stocktake.finish_counting(stocktake=opened, by=manager)
    stocktake.post_stocktake(stocktake=opened, by=manager, reason="Count")
    ledger_rows = StockMovement.objects.count()

    with pytest.raises(StocktakeError) as refused:
        stocktake.post_stocktake(stocktake=opened, by=manager, reason="Again")

    assert refused.value.code == "already_posted"
    assert StockMovement.objects.count() == ledger_rows
    assert _on_hand(red, main_warehouse) == 6
    opened.refresh_from_db()
    assert opened.post_reason == "Count"


@pytest.mark.django_db
@pytest.mark.parametrize("bad", [-1, 2.5, "3", True])
def test_negative_or_fractional_counts_are_refused(shirts, main_warehouse, manager, bad):
    opened = stocktake.open_stocktake(warehouse=main_warehouse, by=manager)

    with pytest.raises(StocktakeError) as refused:
        stocktake.record_counts(
            stocktake=opened, counts={"TEE-BLUE": 3, "TEE-RED": bad}, by=manager
        )

    assert refused.value.code == "invalid_count"
    assert opened.lines.filter(counted__isnull=False).count() == 0


@pytest.mark.django_db
def test_recording_the_same_count_again_changes_nothing(shirts, main_warehouse, manager):
    opened = stocktake.open_stocktake(warehouse=main_warehouse, by=manager)
    stocktake.record_counts(stocktake=opened, counts={"TEE-RED": 3}, by=manager)
    first_time = opened.lines.get(variant__sku_code="TEE-RED").counted_at

    changed = stocktake.record_counts(stocktake=opened, counts={"TEE-RED": 3}, by=manager)

    assert changed == 0
    assert opened.lines.get(variant__sku_code="TEE-RED").counted_at == first_time


@pytest.mark.django_db
def test_a_sku_outside_the_stocktake_is_refused(shirts, main_warehouse, manager):
    opened = stocktake.open_stocktake(warehouse=main_warehouse, by=manager, sku_prefix="TEE-")

    with pytest.raises(StocktakeError) as refused:
        stocktake.record_counts(stocktake=opened, counts={"TEE-RED": 1, "MUG-1": 1}, by=manager)

    assert refused.value.code == "sku_not_in_stocktake"
    assert opened.lines.filter(counted__isnull=False).count() == 0


@pytest.mark.django_db
def test_counting_after_review_started_is_refused(shirts, main_warehouse, manager):
    opened = stocktake.open_stocktake(warehouse=main_warehouse, by=manager)
    stocktake.record_counts(stocktake=opened, counts={"TEE-RED": 3}, by=manager)
    stocktake.finish_counting(stocktake=opened, by=manager)

    with pytest.raises(StocktakeError) as refused:
        stocktake.record_counts(stocktake=opened, counts={"TEE-RED": 4}, by=manager)

    assert refused.value.code == "illegal_transition"
    assert opened.lines.get(variant__sku_code="TEE-RED").counted == 3


@pytest.mark.django_db
def test_a_count_below_reserved_refuses_the_whole_post(shirts, main_warehouse, manager):
    red, blue, _mug = shirts
    services.reserve(variant=red, quantity=5, by=manager, reason="Order 2")
    opened = stocktake.open_stocktake(warehouse=main_warehouse, by=manager)
    stocktake.record_counts(stocktake=opened, counts={"TEE-BLUE": 1, "TEE-RED": 2}, by=manager)
    stocktake.finish_counting(stocktake=opened, by=manager)

    with pytest.raises(StocktakeError) as refused:
        stocktake.post_stocktake(stocktake=opened, by=manager, reason="Count")

    assert refused.value.code == "count_below_reserved"
    assert (_on_hand(red, main_warehouse), _on_hand(blue, main_warehouse)) == (10, 4)
    assert not StockMovement.objects.filter(kind=MovementKind.STOCKTAKE_ADJUSTMENT).exists()
    opened.refresh_from_db()
    assert opened.status == StocktakeStatus.REVIEW


@pytest.mark.django_db
def test_cancelling_leaves_stock_alone_and_frees_the_warehouse(shirts, main_warehouse, manager):
    opened = stocktake.open_stocktake(warehouse=main_warehouse, by=manager)
    stocktake.record_counts(stocktake=opened, counts={"TEE-RED": 1}, by=manager)

    stocktake.cancel_stocktake(stocktake=opened, by=manager)
    second = stocktake.open_stocktake(warehouse=main_warehouse, by=manager)

    opened.refresh_from_db()
    assert opened.status == StocktakeStatus.CANCELLED
    assert _on_hand(shirts[0], main_warehouse) == 10
    assert second.number != opened.number
    with pytest.raises(StocktakeError):
        stocktake.post_stocktake(stocktake=opened, by=manager, reason="Count")

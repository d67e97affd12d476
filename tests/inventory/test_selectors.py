import pytest

from inventory import selectors, services
from inventory.errors import UnknownSku
from tests.inventory.factories import CategoryFactory, ProductFactory, VariantFactory


@pytest.mark.django_db
def test_available_by_variant_sums_warehouses_and_gives_zero_for_never_stocked(
    stocked, second_warehouse, warehouse_clerk
):
    never_stocked = VariantFactory(sku_code="NEW")
    services.receive(
        variant=stocked,
        warehouse=second_warehouse,
        quantity=6,
        by=warehouse_clerk,
        reason="Delivery",
    )
    services.reserve(variant=stocked, quantity=3, by=warehouse_clerk, reason="Paid")

    available = selectors.available_by_variant([stocked.pk, never_stocked.pk])

    assert available == {stocked.pk: 13, never_stocked.pk: 0}


@pytest.mark.django_db
def test_available_by_variant_can_be_limited_to_one_warehouse(
    stocked, second_warehouse, warehouse_clerk
):
    services.receive(
        variant=stocked,
        warehouse=second_warehouse,
        quantity=6,
        by=warehouse_clerk,
        reason="Delivery",
    )

    assert selectors.available_by_variant([stocked.pk], warehouse=second_warehouse) == {
        stocked.pk: 6
    }


@pytest.mark.django_db
def test_low_stock_is_at_or_below_the_reorder_point_and_out_of_stock_at_zero(
    main_warehouse, warehouse_clerk
):
    for sku, quantity in [("PLENTY", 20), ("LOW", 5), ("OUT", 1)]:
        variant = VariantFactory(sku_code=sku, reorder_point=5)
        services.receive(variant=variant, quantity=quantity, by=warehouse_clerk, reason="In")
    services.reserve(variant="OUT", quantity=1, by=warehouse_clerk, reason="Paid")

    low = selectors.stock_levels(stock_state="low").values_list("variant__sku_code", flat=True)
    out = selectors.stock_levels(stock_state="out").values_list("variant__sku_code", flat=True)

    assert list(low) == ["LOW", "OUT"]
    assert list(out) == ["OUT"]


@pytest.mark.django_db
def test_a_category_filter_includes_its_sub_categories(main_warehouse, warehouse_clerk):
    women = CategoryFactory(name="Women")
    dresses = CategoryFactory(name="Dresses", parent=women)
    men = CategoryFactory(name="Men")
    for sku, category in [("W-1", women), ("D-1", dresses), ("M-1", men)]:
        variant = VariantFactory(sku_code=sku, product=ProductFactory(category=category))
        services.receive(variant=variant, quantity=1, by=warehouse_clerk, reason="In")

    levels = selectors.stock_levels(category=women)

    assert list(levels.values_list("variant__sku_code", flat=True)) == ["D-1", "W-1"]


@pytest.mark.django_db
def test_ledger_for_lists_a_skus_movements_newest_first(stocked, warehouse_clerk):
    services.reserve(variant=stocked, quantity=1, by=warehouse_clerk, reason="Paid")
    services.ship(variant=stocked, quantity=1, by=warehouse_clerk, reason="Shipped")

    kinds = [movement.kind for movement in selectors.ledger_for(stocked)]

    assert kinds == ["shipment", "reservation", "receipt"]


@pytest.mark.django_db
def test_variant_for_sku_names_an_unknown_code():
    with pytest.raises(UnknownSku) as refused:
        selectors.variant_for_sku("GHOST")

    assert refused.value.sku == "GHOST"

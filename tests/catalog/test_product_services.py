import datetime as dt
from decimal import Decimal

import pytest
from freezegun import freeze_time

from catalog.models import (
    CatalogError,
    PriceKind,
    Product,
    ProductStatus,
    Variant,
    VariantPriceChange,
    parse_options,
)
from catalog.services import products
from inventory import services as stock
from tests.catalog.product_factories import CategoryFactory, ProductFactory, VariantFactory
from tests.inventory.factories import WarehouseFactory


@freeze_time("2025-03-01 02:30:00")
def test_a_status_change_records_who_and_when(manager):
    product = ProductFactory(status=ProductStatus.DRAFT)
    VariantFactory(product=product)

    changed = products.change_status(products=[product], status=ProductStatus.ON_SALE, by=manager)

    product.refresh_from_db()
    assert changed == [product]
    assert (product.status, product.status_changed_by, product.status_changed_at) == (
        ProductStatus.ON_SALE,
        manager,
        dt.datetime(2025, 3, 1, 2, 30, tzinfo=dt.UTC),
    )
    assert product.history.first().history_user == manager


def test_a_product_already_in_the_status_keeps_its_who_and_when(manager, service_agent):
    product = ProductFactory(status=ProductStatus.OFF_SALE)
    products.change_status(products=[product], status=ProductStatus.DRAFT, by=service_agent)
    products.change_status(products=[product], status=ProductStatus.OFF_SALE, by=service_agent)
    first_changed_at = Product.objects.get(pk=product.pk).status_changed_at

    changed = products.change_status(products=[product], status=ProductStatus.OFF_SALE, by=manager)

    product.refresh_from_db()
    assert changed == []
    assert (product.status_changed_by, product.status_changed_at) == (
        service_agent,
        first_changed_at,
    )


def test_putting_on_sale_without_an_active_sku_refuses_the_whole_batch(manager):
    sellable = ProductFactory(code="P-OK", status=ProductStatus.DRAFT)
    VariantFactory(product=sellable)
    empty = ProductFactory(code="P-EMPTY", status=ProductStatus.DRAFT)
    inactive = ProductFactory(code="P-INACTIVE", status=ProductStatus.DRAFT)
    VariantFactory(product=inactive, is_active=False)

    with pytest.raises(CatalogError) as refused:
        products.change_status(
            products=[sellable, empty, inactive], status=ProductStatus.ON_SALE, by=manager
        )

    assert refused.value.code == "nothing_to_sell"
    assert refused.value.params["codes"] == "P-EMPTY, P-INACTIVE"
    assert set(Product.objects.values_list("status", flat=True)) == {ProductStatus.DRAFT}


def test_changing_the_category_of_many_products(manager):
    target = CategoryFactory(name="Sale")
    moved = ProductFactory.create_batch(2)
    already_there = ProductFactory(category=target)

    changed = products.change_category(
        products=[*moved, already_there], category=target, by=manager
    )

    assert sorted(product.pk for product in changed) == sorted(product.pk for product in moved)
    assert set(Product.objects.values_list("category_id", flat=True)) == {target.pk}


def test_creating_a_product_with_skus_writes_their_first_price_and_cost(manager):
    category = CategoryFactory()

    product = products.create_product(
        fields={
            "code": "P-NEW",
            "title": "Linen dress",
            "category": category,
            "list_price": Decimal("299.00"),
        },
        variants=[
            {
                "sku_code": "P-NEW-M",
                "options": {"size": "M"},
                "price": Decimal("259.00"),
                "cost_price": Decimal("98.40"),
            }
        ],
        by=manager,
    )

    assert product.status == ProductStatus.DRAFT
    assert list(
        VariantPriceChange.objects.filter(variant__sku_code="P-NEW-M")
        .order_by("kind")
        .values_list("kind", "old_amount", "new_amount", "changed_by")
    ) == [
        (PriceKind.COST, None, Decimal("98.40"), manager.pk),
        (PriceKind.PRICE, None, Decimal("259.00"), manager.pk),
    ]


def test_a_taken_sku_code_is_refused_with_a_clear_error(manager):
    VariantFactory(sku_code="TEE-RED-M")
    product = ProductFactory()

    with pytest.raises(CatalogError) as refused:
        products.create_variant(
            product=product, fields={"sku_code": "TEE-RED-M", "price": Decimal("10.00")}, by=manager
        )

    assert str(refused.value) == "SKU code TEE-RED-M is already used."
    assert product.variants.count() == 0


def test_a_taken_barcode_is_refused(manager):
    VariantFactory(barcode="6920000000017")
    product = ProductFactory()

    with pytest.raises(CatalogError) as refused:
        products.create_variant(
            product=product,
            fields={"sku_code": "NEW-1", "barcode": "6920000000017", "price": Decimal("10.00")},
            by=manager,
        )

    assert refused.value.code == "barcode_taken"


def test_editing_a_product_page_updates_skus_and_writes_price_history(manager):
    product = ProductFactory(title="Old title")
    kept = VariantFactory(product=product, sku_code="KEEP", price=Decimal("50.00"))
    dropped = VariantFactory(product=product, sku_code="DROP")

    products.update_product(
        product=product,
        fields={"title": "New title"},
        variant_changes=[
            products.VariantChange(kept, {"price": Decimal("45.00"), "weight_kg": Decimal("0.3")}),
            products.VariantChange(dropped, delete=True),
            products.VariantChange(None, {"sku_code": "ADDED", "price": Decimal("60.00")}),
        ],
        by=manager,
        reason="Spring repricing",
    )

    assert Product.objects.get(pk=product.pk).title == "New title"
    assert sorted(product.variants.values_list("sku_code", "price", "weight_kg")) == [
        ("ADDED", Decimal("60.00"), Decimal("0.000")),
        ("KEEP", Decimal("45.00"), Decimal("0.300")),
    ]
    change = VariantPriceChange.objects.get(variant=kept)
    assert (change.old_amount, change.new_amount, change.reason, change.changed_by) == (
        Decimal("50.00"),
        Decimal("45.00"),
        "Spring repricing",
        manager,
    )


def test_a_failing_sku_row_leaves_the_whole_product_page_unchanged(manager):
    VariantFactory(sku_code="TAKEN")
    product = ProductFactory(title="Old title")
    variant = VariantFactory(product=product, price=Decimal("50.00"))

    with pytest.raises(CatalogError):
        products.update_product(
            product=product,
            fields={"title": "New title"},
            variant_changes=[
                products.VariantChange(variant, {"price": Decimal("40.00")}),
                products.VariantChange(None, {"sku_code": "TAKEN", "price": Decimal("1.00")}),
            ],
            by=manager,
            reason="Edit",
        )

    assert Product.objects.get(pk=product.pk).title == "Old title"
    assert Variant.objects.get(pk=variant.pk).price == Decimal("50.00")
    assert not VariantPriceChange.objects.exists()


@pytest.fixture
def stocked_variant(warehouse_clerk):
    WarehouseFactory(code="WH-MAIN", is_default=True)
    variant = VariantFactory(sku_code="IN-STOCK")
    stock.receive(variant=variant, quantity=3, by=warehouse_clerk, reason="Delivery")
    return variant


def test_deleting_a_sku_with_stock_ledger_rows_is_refused(stocked_variant, manager):
    with pytest.raises(CatalogError) as refused:
        products.delete_variant(variant=stocked_variant, by=manager)

    assert refused.value.code == "variant_in_use"
    assert str(refused.value) == (
        "SKU IN-STOCK cannot be deleted: stock levels, stock movements still refer to it. "
        "Deactivate it instead."
    )
    assert Variant.objects.filter(pk=stocked_variant.pk).exists()


def test_deleting_a_product_whose_sku_has_stock_is_refused(stocked_variant, manager):
    product = stocked_variant.product
    VariantFactory(product=product, sku_code="NO-STOCK")

    with pytest.raises(CatalogError) as refused:
        products.delete_product(product=product, by=manager)

    assert refused.value.code == "product_in_use"
    assert sorted(product.variants.values_list("sku_code", flat=True)) == ["IN-STOCK", "NO-STOCK"]


def test_a_product_without_stock_can_be_deleted(manager):
    variant = VariantFactory()

    products.delete_product(product=variant.product, by=manager)

    assert not Product.objects.exists()
    assert not Variant.objects.exists()


@freeze_time("2025-06-30 20:00:00")  # 1 July, 04:00 in Shanghai
@pytest.mark.parametrize(
    ("launch_date", "is_new"),
    [
        (dt.date(2025, 6, 2), True),  # the 30th day, counting launch day
        (dt.date(2025, 6, 1), False),
        (dt.date(2025, 7, 1), True),
        (dt.date(2025, 7, 2), False),  # not launched yet
        (None, False),
    ],
)
def test_a_new_arrival_is_launched_within_the_configured_days_of_the_store_day(
    db, launch_date, is_new
):
    product = ProductFactory(launch_date=launch_date)

    assert product.is_new_arrival is is_new


@freeze_time("2025-07-01 04:00:00")
def test_the_new_arrival_window_follows_the_setting(db, settings):
    settings.NEW_ARRIVAL_DAYS = 7
    product = ProductFactory(launch_date=dt.date(2025, 6, 24))

    assert product.is_new_arrival is False


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("colour=red;size=M", {"colour": "red", "size": "M"}),
        (" 颜色 = 红色 ；尺码=M ", {"颜色": "红色", "尺码": "M"}),
        ("", {}),
    ],
)
def test_options_are_read_from_name_value_pairs(text, options):
    assert parse_options(text) == options


@pytest.mark.parametrize("text", ["colour", "=red", "size=M;size=L"])
def test_malformed_options_are_refused(text):
    with pytest.raises(ValueError):
        parse_options(text)


def test_options_are_written_and_labelled_in_name_order_on_every_database(db):
    variant = VariantFactory(options={"size": "M", "colour": "red"})
    variant.refresh_from_db()

    assert (variant.options_text, variant.options_label) == ("colour=red;size=M", "red / M")

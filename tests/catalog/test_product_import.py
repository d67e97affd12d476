"""The products import kind and the catalog export: every failure mode, upserts
with history, Chinese headers and encodings, and export → re-import round trips."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from catalog.importers.products import ProductImport
from catalog.models import (
    Category,
    PriceKind,
    Product,
    ProductStatus,
    Season,
    Supplier,
    Variant,
    VariantPriceChange,
)
from storeops.imports import registry
from storeops.imports.runner import run_import
from storeops.roles import Capability
from tests.catalog.product_factories import CategoryFactory, ProductFactory, VariantFactory

PRODUCTS = ProductImport

HEADER = (
    "product_code,product_title,category,brand,season,status,sku_code,options,barcode,"
    "price,cost_price,weight_kg,supplier,supplier_item_code,reorder_point,safety_stock\n"
)


def csv_bytes(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def problems(result) -> list[tuple]:
    return [(p.row, p.column, p.message) for p in result.problems]


@pytest.fixture
def supplier(db):
    return Supplier.objects.create(code="GYS01", name="杭州织造")


def two_sku_file() -> str:
    return HEADER + (
        "DR-01,Linen dress,Women/Dresses,Lino,summer,on_sale,DR-01-S,colour=red;size=S,"
        "6920000000011,199.00,80.00,0.350,GYS01,L-88-S,5,2\n"
        "DR-01,Linen dress,Women/Dresses,Lino,summer,on_sale,DR-01-M,colour=red;size=M,"
        "6920000000012,199.00,80.00,0.360,GYS01,L-88-M,6,3\n"
    )


# Creating and updating


@pytest.mark.django_db
def test_a_new_product_with_two_skus_is_created_with_its_category_path(manager, supplier):
    result = run_import(PRODUCTS, csv_bytes(two_sku_file()), user=manager)

    assert result.ok, problems(result)
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    product = Product.objects.get(code="DR-01")
    assert (product.title, product.brand, product.season, product.status) == (
        "Linen dress",
        "Lino",
        Season.SUMMER,
        ProductStatus.ON_SALE,
    )
    assert product.status_changed_by == manager
    assert product.category.name == "Dresses" and product.category.parent.name == "Women"
    small = Variant.objects.get(sku_code="DR-01-S")
    assert small.options == {"colour": "red", "size": "S"}
    assert (small.price, small.cost_price, small.weight_kg) == (
        Decimal("199.00"),
        Decimal("80.00"),
        Decimal("0.350"),
    )
    assert (small.supplier, small.supplier_item_code, small.reorder_point, small.safety_stock) == (
        supplier,
        "L-88-S",
        5,
        2,
    )
    assert [h.history_user for h in product.history.all()] == [manager]


@pytest.mark.django_db
def test_an_existing_category_path_is_reused(manager, supplier):
    women = Category.objects.create(name="Women")
    dresses = Category.objects.create(name="Dresses", parent=women)

    run_import(PRODUCTS, csv_bytes(two_sku_file()), user=manager)

    assert Product.objects.get(code="DR-01").category == dresses
    assert Category.objects.count() == 2


@pytest.mark.django_db
def test_new_skus_write_their_first_price_and_cost_to_the_history(manager, supplier):
    run_import(PRODUCTS, csv_bytes(two_sku_file()), user=manager)

    rows = VariantPriceChange.objects.filter(variant__sku_code="DR-01-S")
    assert sorted((r.kind, r.old_amount, r.new_amount, r.changed_by) for r in rows) == [
        (PriceKind.COST, None, Decimal("80.00"), manager),
        (PriceKind.PRICE, None, Decimal("199.00"), manager),
    ]


@pytest.mark.django_db
def test_a_changed_price_and_cost_go_through_the_price_history(manager, supplier):
    run_import(PRODUCTS, csv_bytes(two_sku_file()), user=manager)
    changed = two_sku_file().replace(
        "DR-01-M,colour=red;size=M,6920000000012,199.00,80.00",
        "DR-01-M,colour=red;size=M,6920000000012,179.00,75.50",
    )

    result = run_import(PRODUCTS, csv_bytes(changed), user=manager)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    medium = Variant.objects.get(sku_code="DR-01-M")
    assert (medium.price, medium.cost_price) == (Decimal("179.00"), Decimal("75.50"))
    latest = VariantPriceChange.objects.filter(variant=medium, old_amount__isnull=False)
    assert sorted((r.kind, r.old_amount, r.new_amount, r.reason) for r in latest) == [
        (PriceKind.COST, Decimal("80.00"), Decimal("75.50"), "Product import"),
        (PriceKind.PRICE, Decimal("199.00"), Decimal("179.00"), "Product import"),
    ]


@pytest.mark.django_db
def test_reimporting_the_same_file_is_all_unchanged_and_writes_nothing(manager, supplier):
    run_import(PRODUCTS, csv_bytes(two_sku_file()), user=manager)
    history_before = Product.history.count()
    prices_before = VariantPriceChange.objects.count()
    updated_at = Variant.objects.get(sku_code="DR-01-S").updated_at

    result = run_import(PRODUCTS, csv_bytes(two_sku_file()), user=manager)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert Product.history.count() == history_before
    assert VariantPriceChange.objects.count() == prices_before
    assert Variant.objects.get(sku_code="DR-01-S").updated_at == updated_at


@pytest.mark.django_db
def test_a_product_field_change_updates_the_product_with_history(manager, supplier):
    run_import(PRODUCTS, csv_bytes(two_sku_file()), user=manager)

    result = run_import(
        PRODUCTS, csv_bytes(two_sku_file().replace("Linen dress", "Linen midi dress")), user=manager
    )

    assert (result.updated, result.unchanged) == (2, 0)
    product = Product.objects.get(code="DR-01")
    assert product.title == "Linen midi dress"
    assert [h.title for h in product.history.order_by("history_date")] == [
        "Linen dress",
        "Linen midi dress",
    ]


@pytest.mark.django_db
def test_absent_columns_leave_existing_values_alone(manager, supplier):
    run_import(PRODUCTS, csv_bytes(two_sku_file()), user=manager)

    result = run_import(
        PRODUCTS, csv_bytes("product_code,sku_code,price\nDR-01,DR-01-S,189\n"), user=manager
    )

    assert (result.updated, result.unchanged) == (1, 0)
    small = Variant.objects.get(sku_code="DR-01-S")
    assert (small.price, small.cost_price, small.supplier, small.barcode) == (
        Decimal("189.00"),
        Decimal("80.00"),
        supplier,
        "6920000000011",
    )


@pytest.mark.django_db
def test_a_dry_run_reports_counts_and_writes_nothing(manager, supplier):
    result = run_import(PRODUCTS, csv_bytes(two_sku_file()), user=manager, dry_run=True)

    assert result.ok and result.created == 2 and not result.written
    assert not Product.objects.exists() and not Category.objects.exists()


# Failure modes


@pytest.mark.django_db
def test_rows_of_one_product_that_disagree_are_errors_with_row_numbers(manager, supplier):
    text = two_sku_file() + (
        "DR-01,Cotton dress,Women/Dresses,,,,DR-01-L,size=L,,199,,,,,,\n"
        "DR-01,,Women/Skirts,,,,DR-01-XL,size=XL,,199,,,,,,\n"
    )

    result = run_import(PRODUCTS, csv_bytes(text), user=manager)

    assert [(row, column) for row, column, _message in problems(result)] == [
        (4, "Product title"),
        (5, "Category"),
    ]
    assert "“Linen dress” on an earlier row but “Cotton dress” here" in problems(result)[0][2]
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_an_unknown_supplier_is_an_error(manager, supplier):
    text = two_sku_file().replace(",GYS01,L-88-M", ",GYS99,L-88-M")

    result = run_import(PRODUCTS, csv_bytes(text), user=manager)

    assert problems(result) == [(3, "Supplier code", "Unknown supplier: GYS99.")]
    assert not Variant.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad, message",
    [
        ("19x", "“19x” is not a number"),
        ("-1", "-1 is below the minimum of 0"),
        ("1.999", "“1.999” has more than 2 decimal places"),
    ],
)
def test_a_bad_price_is_an_error(manager, supplier, bad, message):
    text = two_sku_file().replace("6920000000012,199.00", f"6920000000012,{bad}")

    result = run_import(PRODUCTS, csv_bytes(text), user=manager)

    assert problems(result) == [(3, "Sale price", message)]
    assert not Variant.objects.exists()


@pytest.mark.django_db
def test_a_duplicate_sku_in_the_file_is_an_error(manager, supplier):
    text = two_sku_file().replace("DR-01-M,", "DR-01-S,").replace("6920000000012", "")

    result = run_import(PRODUCTS, csv_bytes(text), user=manager)

    [(row, column, message)] = problems(result)
    assert (row, column) == (3, "SKU code")
    assert "Repeats row 2" in message


@pytest.mark.django_db
def test_a_new_product_without_a_category_is_refused(manager):
    text = "product_code,product_title,sku_code,price\nP-9,Scarf,P-9-1,59\n"

    result = run_import(PRODUCTS, csv_bytes(text), user=manager)

    assert problems(result) == [(2, "Category", "Product P-9 is new: its category is required.")]
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_unknown_season_status_and_bad_options_are_errors(manager):
    text = (
        "product_code,product_title,category,season,status,sku_code,options,price\n"
        "P-1,Scarf,Acc,monsoon,在售,P-1-1,red,59\n"
        "P-2,Hat,Acc,冬,sold,P-2-1,size=M,59\n"
    )

    result = run_import(PRODUCTS, csv_bytes(text), user=manager)

    assert [(row, column) for row, column, _m in problems(result)] == [
        (2, "Season"),
        (2, "Options"),
        (3, "Status"),
    ]


@pytest.mark.django_db
def test_a_barcode_used_by_another_sku_is_refused(manager):
    VariantFactory(sku_code="OLD-1", barcode="6920000000099")
    text = (
        "product_code,product_title,category,sku_code,barcode,price\n"
        "P-1,Scarf,Acc,P-1-1,6920000000099,59\n"
    )

    result = run_import(PRODUCTS, csv_bytes(text), user=manager)

    assert problems(result) == [
        (2, "Barcode", "Barcode 6920000000099 is already used by SKU OLD-1.")
    ]
    assert not Variant.objects.filter(sku_code="P-1-1").exists()


@pytest.mark.django_db
def test_going_on_sale_without_a_priced_sku_is_refused(manager):
    text = (
        "product_code,product_title,category,status,sku_code,price\nP-1,Scarf,Acc,on_sale,P-1-1,0\n"
    )

    result = run_import(PRODUCTS, csv_bytes(text), user=manager)

    [(row, column, message)] = problems(result)
    assert (row, column) == (2, "Status") and "cannot go on sale" in message
    assert not Product.objects.exists()


# Headers and encodings


CHINESE_FILE = (
    "商品编码,宝贝标题,类目,品牌,季节,状态,商家编码,销售属性,条形码,售价,成本价,重量,供应商,供应商货号,补货点,安全库存\n"
    "QZ-01,真丝半身裙,女装/半身裙,丝语,夏,在售,QZ-01-M,颜色=黑;尺码=M,6920000000201,¥299.00,120,0.2,GYS01,S-1,3,1\n"
    "QZ-01,真丝半身裙,女装/半身裙,丝语,夏,在售,QZ-01-L,颜色=黑;尺码=L,6920000000202,¥299.00,120,0.2,GYS01,S-2,3,1\n"
)


@pytest.mark.django_db
def test_chinese_headers_and_words_are_read(manager, supplier):
    result = run_import(PRODUCTS, csv_bytes(CHINESE_FILE), user=manager)

    assert result.ok, problems(result)
    product = Product.objects.get(code="QZ-01")
    assert (product.title, product.season, product.status) == (
        "真丝半身裙",
        Season.SUMMER,
        ProductStatus.ON_SALE,
    )
    assert product.category.name == "半身裙" and product.category.parent.name == "女装"
    assert Variant.objects.get(sku_code="QZ-01-L").options == {"颜色": "黑", "尺码": "L"}


@pytest.mark.django_db
def test_a_gb18030_file_is_read(manager, supplier):
    result = run_import(PRODUCTS, csv_bytes(CHINESE_FILE, "gb18030"), user=manager)

    assert result.ok, problems(result)
    assert result.encoding.lower().replace("-", "") == "gb18030"
    assert Product.objects.get(code="QZ-01").title == "真丝半身裙"


# Who may import


@pytest.mark.django_db
def test_customer_service_cannot_import_products(manager, service_agent):
    assert "products" not in registry.kinds_for(service_agent)
    assert "products" in registry.kinds_for(manager)
    assert PRODUCTS.capability == Capability.CHANGE_CATALOG


# Export


@pytest.fixture
def catalog(supplier):
    dresses = CategoryFactory(name="Dresses", parent=CategoryFactory(name="Women"))
    product = ProductFactory(
        code="DR-01",
        title="=Linen dress",
        category=dresses,
        brand="Lino",
        season=Season.SUMMER,
    )
    VariantFactory(
        sku_code="DR-01-S",
        product=product,
        options={"colour": "red", "size": "S"},
        barcode="6920000000011",
        price=Decimal("199.00"),
        cost_price=Decimal("80.50"),
        weight_kg=Decimal("0.350"),
        supplier=supplier,
        supplier_item_code="L-88",
    )
    VariantFactory(sku_code="DR-01-M", product=product, barcode="", cost_price=Decimal("81.00"))
    VariantFactory(sku_code="TEE-1", options={}, barcode="6920000000013")
    return product


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.django_db
def test_the_csv_export_has_the_import_columns(client, manager, catalog):
    client.force_login(manager)

    rows = read_csv(client.get(reverse("catalog:product-export"), {"format": "csv"}))

    assert rows[0] == PRODUCTS.template_headers()
    assert rows[1] == [
        "DR-01",
        "'=Linen dress",
        "Women/Dresses",
        "Lino",
        "summer",
        "on_sale",
        "DR-01-M",
        "colour=red;size=M",
        "",
        "89.00",
        "81.00",
        "0.000",
        "",
        "",
        "5",
        "2",
    ]
    assert len(rows) == 4


@pytest.mark.django_db
def test_the_export_without_view_costs_has_no_cost_column(client, marketer, catalog):
    client.force_login(marketer)

    rows = read_csv(client.get(reverse("catalog:product-export"), {"format": "csv"}))

    assert "cost_price" not in rows[0]
    assert "80.50" not in {cell for row in rows for cell in row}


@pytest.mark.django_db
@pytest.mark.parametrize("user_fixture", ["manager", "marketer"])
def test_csv_export_reimports_as_all_unchanged(client, request, catalog, user_fixture):
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)
    data = b"".join(
        client.get(reverse("catalog:product-export"), {"format": "csv"}).streaming_content
    )
    manager = request.getfixturevalue("manager")
    prices_before = VariantPriceChange.objects.count()

    result = run_import(PRODUCTS, io.BytesIO(data), name="products.csv", user=manager)

    assert result.ok, problems(result)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert VariantPriceChange.objects.count() == prices_before
    assert Variant.objects.get(sku_code="DR-01-S").cost_price == Decimal("80.50")
    assert Product.objects.get(code="DR-01").title == "=Linen dress"


@pytest.mark.django_db
def test_xlsx_export_reimports_as_all_unchanged(client, manager, catalog):
    client.force_login(manager)
    response = client.get(reverse("catalog:product-export"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == PRODUCTS.template_headers()

    result = run_import(PRODUCTS, io.BytesIO(response.content), name="p.xlsx", user=manager)

    assert result.ok, problems(result)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)


@pytest.mark.django_db
def test_customer_service_may_export_without_costs_but_not_anonymous(
    client, service_agent, catalog
):
    assert client.get(reverse("catalog:product-export")).status_code == 302
    client.force_login(service_agent)

    rows = read_csv(client.get(reverse("catalog:product-export"), {"format": "csv"}))

    assert "cost_price" not in rows[0] and len(rows) == 4


@pytest.mark.django_db
def test_the_product_list_links_to_both_exports(client, manager, catalog):
    client.force_login(manager)

    page = client.get(reverse("catalog:product-list"), {"q": "DR"}).content.decode()

    assert reverse("catalog:product-export") + "?format=csv" in page
    assert reverse("catalog:product-export") + "?format=xlsx" in page

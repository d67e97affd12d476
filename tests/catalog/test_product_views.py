import datetime as dt
from decimal import Decimal

import pytest
from freezegun import freeze_time

from catalog.models import Product, ProductStatus, Season, Variant, VariantPriceChange
from catalog.services import categories
from inventory import services as stock
from tests.catalog.product_factories import (
    CategoryFactory,
    ProductFactory,
    TagFactory,
    VariantFactory,
)
from tests.inventory.factories import WarehouseFactory

PRODUCT_LIST = "/catalog/products/"
BULK = "/catalog/products/bulk/"


def listed_codes(response) -> list[str]:
    return [product.code for product in response.context["page"]]


@pytest.mark.django_db
def test_the_product_list_needs_view_catalog(client, make_user):
    client.force_login(make_user(None, username="nobody"))

    assert client.get(PRODUCT_LIST).status_code == 403


@pytest.mark.django_db
def test_the_product_list_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(PRODUCT_LIST)

    assert (response.status_code, response["Location"]) == (
        302,
        "/accounts/login/?next=/catalog/products/",
    )


@pytest.mark.django_db
def test_customer_service_sees_no_cost_or_margin_column(client, service_agent):
    VariantFactory(
        product=ProductFactory(code="P-1"), price=Decimal("89.00"), cost_price=Decimal("35.50")
    )
    client.force_login(service_agent)

    response = client.get(PRODUCT_LIST)

    page = response.content.decode()
    assert listed_codes(response) == ["P-1"]
    assert "Cost price" not in page
    assert "Margin" not in page
    assert "35.50" not in page
    assert not hasattr(response.context["page"][0], "cost_min")


@pytest.mark.django_db
def test_the_manager_sees_cost_range_and_margin(client, manager):
    product = ProductFactory(code="P-1")
    VariantFactory(product=product, price=Decimal("100.00"), cost_price=Decimal("40.00"))
    VariantFactory(product=product, price=Decimal("100.00"), cost_price=Decimal("20.00"))
    client.force_login(manager)

    row = client.get(PRODUCT_LIST).context["page"][0]

    assert (row.cost_min, row.cost_max, row.price_min, row.price_max, row.variant_count) == (
        Decimal("20.00"),
        Decimal("40.00"),
        Decimal("100.00"),
        Decimal("100.00"),
        2,
    )
    assert Decimal(row.margin_percent).quantize(Decimal("0.1")) == Decimal("70.0")


@pytest.mark.django_db
@pytest.mark.parametrize("search", ["6920000012345", "TEE-RED", "tee-red-m"])
def test_the_product_list_finds_a_product_by_barcode_or_sku_code(client, service_agent, search):
    VariantFactory(
        product=ProductFactory(code="P-WANTED"), sku_code="TEE-RED-M", barcode="6920000012345"
    )
    VariantFactory(
        product=ProductFactory(code="P-OTHER"), sku_code="CAP-BLUE", barcode="6920000099999"
    )
    client.force_login(service_agent)

    response = client.get(PRODUCT_LIST, {"q": search})

    assert listed_codes(response) == ["P-WANTED"]


@pytest.mark.django_db
def test_a_partial_barcode_does_not_match(client, service_agent):
    VariantFactory(barcode="6920000012345")
    client.force_login(service_agent)

    assert listed_codes(client.get(PRODUCT_LIST, {"q": "692000001"})) == []


@pytest.mark.django_db
def test_a_product_with_many_matching_skus_is_listed_once(client, service_agent):
    product = ProductFactory(code="P-1")
    VariantFactory.create_batch(3, product=product)
    client.force_login(service_agent)

    assert listed_codes(client.get(PRODUCT_LIST, {"q": "SKU-"})) == ["P-1"]


@pytest.mark.django_db
def test_the_category_filter_includes_sub_categories(client, service_agent):
    women = categories.create_category(name="Women")
    dresses = categories.create_category(name="Dresses", parent=women)
    ProductFactory(code="P-WOMEN", category=women)
    ProductFactory(code="P-DRESS", category=dresses)
    ProductFactory(code="P-MEN", category=categories.create_category(name="Men"))
    client.force_login(service_agent)

    response = client.get(PRODUCT_LIST, {"category": women.pk})

    assert listed_codes(response) == ["P-DRESS", "P-WOMEN"]
    assert "Women/Dresses" in response.content.decode()


@pytest.mark.django_db
def test_status_season_and_tag_filters(client, service_agent):
    sale = TagFactory(name="Clearance")
    wanted = ProductFactory(code="P-WANTED", status=ProductStatus.OFF_SALE, season=Season.WINTER)
    wanted.tags.add(sale)
    ProductFactory(code="P-ON-SALE", status=ProductStatus.ON_SALE, season=Season.WINTER).tags.add(
        sale
    )
    ProductFactory(code="P-SUMMER", status=ProductStatus.OFF_SALE, season=Season.SUMMER).tags.add(
        sale
    )
    ProductFactory(code="P-UNTAGGED", status=ProductStatus.OFF_SALE, season=Season.WINTER)
    client.force_login(service_agent)

    response = client.get(PRODUCT_LIST, {"status": "off_sale", "season": "winter", "tag": sale.pk})

    assert listed_codes(response) == ["P-WANTED"]


@pytest.mark.django_db
@freeze_time("2025-07-01 04:00:00")
def test_the_new_arrival_filter_uses_the_launch_date(client, service_agent):
    ProductFactory(code="P-NEW", launch_date=dt.date(2025, 6, 20))
    ProductFactory(code="P-OLD", launch_date=dt.date(2025, 1, 20))
    ProductFactory(code="P-UNDATED", launch_date=None)
    client.force_login(service_agent)

    new = client.get(PRODUCT_LIST, {"new_arrival": "true"})
    not_new = client.get(PRODUCT_LIST, {"new_arrival": "false"})

    assert listed_codes(new) == ["P-NEW"]
    assert listed_codes(not_new) == ["P-OLD", "P-UNDATED"]


@pytest.fixture
def stock_states(warehouse_clerk):
    """P-IN has 20 available (reorder 5), P-LOW 3, P-OUT 2 reserved of 2, P-NONE never stocked."""
    WarehouseFactory(code="WH-MAIN", is_default=True)
    for code, quantity, reserved in (("P-IN", 20, 0), ("P-LOW", 3, 0), ("P-OUT", 2, 2)):
        variant = VariantFactory(product=ProductFactory(code=code), reorder_point=5)
        stock.receive(variant=variant, quantity=quantity, by=warehouse_clerk, reason="Delivery")
        if reserved:
            stock.reserve(variant=variant, quantity=reserved, by=warehouse_clerk, reason="Paid")
    VariantFactory(product=ProductFactory(code="P-NONE"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "codes"),
    [("in", ["P-IN"]), ("low", ["P-LOW"]), ("out", ["P-NONE", "P-OUT"])],
)
def test_the_stock_filter_sums_available_stock_of_active_skus(
    client, service_agent, stock_states, state, codes
):
    client.force_login(service_agent)

    assert listed_codes(client.get(PRODUCT_LIST, {"stock": state})) == codes


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 50])
def test_the_product_list_takes_the_same_number_of_queries_for_3_or_50_rows(
    client, manager, django_assert_num_queries, rows
):
    tag = TagFactory(name="Hot")
    for number in range(rows):
        product = ProductFactory(code=f"P-{number:03d}")
        product.tags.add(tag)
        VariantFactory.create_batch(2, product=product)
    client.force_login(manager)
    client.get(PRODUCT_LIST)  # warm the session and permission caches of this client
    category_id = Product.objects.first().category_id

    # session, user, permissions and roles (one statement), category paths, category
    # (validating the filter), its subtree, count, page, tags, category and tag
    # choices (rendering the filter)
    with django_assert_num_queries(11):
        response = client.get(PRODUCT_LIST, {"category": category_id, "page": 1})

    assert response.status_code == 200


@pytest.mark.django_db
def test_the_product_list_pages_by_50(client, service_agent):
    category = CategoryFactory()
    ProductFactory.create_batch(51, category=category)
    client.force_login(service_agent)

    first = client.get(PRODUCT_LIST)
    second = client.get(PRODUCT_LIST, {"page": 2})

    assert (len(first.context["page"]), len(second.context["page"])) == (50, 1)


@pytest.mark.django_db
def test_customer_service_cannot_use_bulk_actions(client, service_agent):
    product = ProductFactory(status=ProductStatus.DRAFT)
    VariantFactory(product=product)
    client.force_login(service_agent)

    response = client.post(BULK, {"products": [product.pk], "action": "put_on_sale"})

    assert response.status_code == 403
    assert Product.objects.get(pk=product.pk).status == ProductStatus.DRAFT


@pytest.mark.django_db
def test_taking_selected_products_off_sale(client, manager):
    chosen = [ProductFactory(code="P-1"), ProductFactory(code="P-2")]
    untouched = ProductFactory(code="P-3")
    client.force_login(manager)

    response = client.post(
        BULK,
        {
            "products": [product.pk for product in chosen],
            "action": "take_off_sale",
            "query": "status=on_sale",
        },
    )

    assert (response.status_code, response["Location"]) == (
        302,
        "/catalog/products/?status=on_sale",
    )
    assert dict(Product.objects.values_list("code", "status")) == {
        "P-1": "off_sale",
        "P-2": "off_sale",
        "P-3": untouched.status,
    }
    assert set(
        Product.objects.filter(code__in=["P-1", "P-2"]).values_list("status_changed_by", flat=True)
    ) == {manager.pk}


@pytest.mark.django_db
def test_moving_selected_products_to_another_category(client, manager):
    target = CategoryFactory(name="Outlet")
    chosen = ProductFactory()
    client.force_login(manager)

    client.post(BULK, {"products": [chosen.pk], "action": "change_category", "category": target.pk})

    assert Product.objects.get(pk=chosen.pk).category == target


@pytest.fixture
def priced(db):
    product = ProductFactory(code="P-1")
    return [
        VariantFactory(product=product, sku_code="A", price=Decimal("99.00")),
        VariantFactory(product=product, sku_code="B", price=Decimal("19.99")),
    ]


def adjust(**extra):
    return {
        "action": "adjust_price",
        "mode": "percent",
        "value": "-15",
        "reason": "618 sale",
    } | extra


@pytest.mark.django_db
def test_a_price_adjustment_is_previewed_before_anything_changes(client, manager, priced):
    client.force_login(manager)

    response = client.post(
        BULK, adjust(products=[priced[0].product_id]), headers={"HX-Request": "true"}
    )

    assert response.templates[0].name == "catalog/partials/price_preview.html"
    assert [
        (row.variant.sku_code, row.old_price, row.new_price) for row in response.context["rows"]
    ] == [
        ("A", Decimal("99.00"), Decimal("84.15")),
        ("B", Decimal("19.99"), Decimal("16.99")),
    ]
    assert list(Variant.objects.order_by("sku_code").values_list("price", flat=True)) == [
        Decimal("99.00"),
        Decimal("19.99"),
    ]
    assert not VariantPriceChange.objects.exists()


@pytest.mark.django_db
def test_confirming_the_preview_applies_the_prices_and_writes_history(client, manager, priced):
    client.force_login(manager)
    preview = client.post(BULK, adjust(products=[priced[0].product_id]))

    response = client.post(
        BULK,
        adjust(
            products=[priced[0].product_id],
            confirm="on",
            fingerprint=preview.context["fingerprint"],
        ),
    )

    assert response.status_code == 302
    assert list(Variant.objects.order_by("sku_code").values_list("price", flat=True)) == [
        Decimal("84.15"),
        Decimal("16.99"),
    ]
    assert sorted(VariantPriceChange.objects.values_list("reason", "changed_by", "new_amount")) == [
        ("618 sale", manager.pk, Decimal("16.99")),
        ("618 sale", manager.pk, Decimal("84.15")),
    ]


@pytest.mark.django_db
def test_a_confirmation_after_prices_moved_shows_a_fresh_preview_instead(client, manager, priced):
    client.force_login(manager)
    preview = client.post(BULK, adjust(products=[priced[0].product_id]))
    Variant.objects.filter(sku_code="A").update(price=Decimal("120.00"))

    response = client.post(
        BULK,
        adjust(
            products=[priced[0].product_id],
            confirm="on",
            fingerprint=preview.context["fingerprint"],
        ),
    )

    assert response.status_code == 200
    assert response.context["is_stale"] is True
    assert Variant.objects.get(sku_code="A").price == Decimal("120.00")
    assert not VariantPriceChange.objects.exists()


@pytest.mark.django_db
def test_a_price_adjustment_without_a_reason_is_refused(client, manager, priced):
    client.force_login(manager)

    response = client.post(BULK, adjust(products=[priced[0].product_id], reason=""))

    assert response.status_code == 302
    assert Variant.objects.get(sku_code="A").price == Decimal("99.00")

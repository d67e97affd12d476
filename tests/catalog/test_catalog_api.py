from decimal import Decimal

import pytest

from catalog.models import Category, PriceKind, Product, ProductStatus, Variant, VariantPriceChange
from catalog.services import categories
from tests.catalog.product_factories import CategoryFactory, ProductFactory, VariantFactory


@pytest.fixture
def tee(db):
    product = ProductFactory(code="P-TEE", title="Cotton tee")
    VariantFactory(
        product=product,
        sku_code="TEE-RED-M",
        barcode="6920000012345",
        price=Decimal("89.00"),
        cost_price=Decimal("35.50"),
    )
    return product


@pytest.mark.django_db
def test_the_variants_endpoint_hides_cost_from_customer_service(client, tee, service_agent):
    client.force_login(service_agent)

    row = client.get("/api/v1/variants/", {"sku": "TEE-RED-M"}).json()["results"][0]

    assert "cost_price" not in row
    assert (row["sku_code"], row["product"], row["price"], row["options"]) == (
        "TEE-RED-M",
        "P-TEE",
        "89.00",
        {"colour": "red", "size": "M"},
    )


@pytest.mark.django_db
def test_the_variants_endpoint_sends_cost_as_a_string_to_the_manager(client, tee, manager):
    client.force_login(manager)

    row = client.get("/api/v1/variants/", {"barcode": "6920000012345"}).json()["results"][0]

    assert row["cost_price"] == "35.50"


@pytest.mark.django_db
def test_the_products_endpoint_hides_cost_and_margin_from_customer_service(
    client, tee, service_agent
):
    client.force_login(service_agent)

    row = client.get("/api/v1/products/", {"q": "6920000012345"}).json()["results"][0]

    assert {"cost_min", "cost_max", "margin_percent"}.isdisjoint(row)
    assert (row["code"], row["price_min"], row["variant_count"], row["available_quantity"]) == (
        "P-TEE",
        "89.00",
        1,
        0,
    )


@pytest.mark.django_db
def test_the_products_endpoint_shows_margin_to_the_manager(client, tee, manager):
    client.force_login(manager)

    row = client.get("/api/v1/products/").json()["results"][0]

    assert (row["cost_min"], row["margin_percent"]) == ("35.50", "60.1")


@pytest.mark.django_db
def test_customer_service_cannot_write_products(client, tee, service_agent):
    client.force_login(service_agent)

    response = client.patch(
        f"/api/v1/products/{tee.pk}/", {"title": "Hacked"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert Product.objects.get(pk=tee.pk).title == "Cotton tee"


@pytest.mark.django_db
def test_a_price_change_through_the_api_writes_history(client, tee, manager):
    variant = Variant.objects.get(sku_code="TEE-RED-M")
    client.force_login(manager)

    response = client.patch(
        f"/api/v1/variants/{variant.pk}/",
        {"price": "79.00", "cost_price": "33.00", "reason": "Supplier deal"},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert (response.json()["price"], response.json()["cost_price"]) == ("79.00", "33.00")
    assert sorted(
        VariantPriceChange.objects.values_list("kind", "old_amount", "new_amount", "reason")
    ) == [
        (PriceKind.COST, Decimal("35.50"), Decimal("33.00"), "Supplier deal"),
        (PriceKind.PRICE, Decimal("89.00"), Decimal("79.00"), "Supplier deal"),
    ]


@pytest.mark.django_db
def test_setting_the_status_through_the_api_records_who(client, tee, manager):
    Product.objects.filter(pk=tee.pk).update(status=ProductStatus.DRAFT)
    client.force_login(manager)

    response = client.patch(
        f"/api/v1/products/{tee.pk}/", {"status": "on_sale"}, content_type="application/json"
    )

    assert (response.status_code, response.json()["status_changed_by"]) == (
        200,
        "operations_manager",
    )


@pytest.mark.django_db
def test_creating_a_variant_with_a_taken_sku_code_is_a_400_with_the_reason(client, tee, manager):
    client.force_login(manager)

    response = client.post(
        "/api/v1/variants/",
        {"sku_code": "TEE-RED-M", "product": "P-TEE", "price": "10.00"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "SKU code TEE-RED-M is already used."
    assert Variant.objects.count() == 1


@pytest.mark.django_db
def test_moving_a_category_under_its_descendant_through_the_api_is_refused(client, manager):
    women = categories.create_category(name="Women")
    dresses = categories.create_category(name="Dresses", parent=women)
    client.force_login(manager)

    response = client.patch(
        f"/api/v1/categories/{women.pk}/", {"parent": dresses.pk}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "category_cycle"
    assert Category.objects.get(pk=women.pk).parent_id is None


@pytest.mark.django_db
def test_the_categories_endpoint_lists_paths_and_product_counts(client, service_agent):
    women = categories.create_category(name="Women")
    dresses = categories.create_category(name="Dresses", parent=women)
    ProductFactory(category=dresses)
    client.force_login(service_agent)

    rows = client.get("/api/v1/categories/").json()["results"]

    assert [(row["path"], row["parent"], row["product_count"]) for row in rows] == [
        ("Women", None, 0),
        ("Women/Dresses", women.pk, 1),
    ]


@pytest.mark.django_db
def test_the_products_endpoint_filters_by_category_subtree(client, service_agent):
    women = CategoryFactory(name="Women")
    ProductFactory(code="P-IN", category=CategoryFactory(name="Dresses", parent=women))
    ProductFactory(code="P-OUT")
    client.force_login(service_agent)

    rows = client.get("/api/v1/products/", {"category": women.pk}).json()["results"]

    assert [row["code"] for row in rows] == ["P-IN"]

from decimal import Decimal

import pytest

from catalog.models import Category, PriceKind, Product, Variant, VariantPriceChange
from catalog.services import categories, prices
from inventory import services as stock
from tests.catalog.product_factories import CategoryFactory, ProductFactory, VariantFactory
from tests.inventory.factories import WarehouseFactory


@pytest.fixture
def tee(db):
    product = ProductFactory(code="P-TEE", title="Cotton tee")
    VariantFactory(
        product=product,
        sku_code="TEE-RED-M",
        price=Decimal("89.00"),
        cost_price=Decimal("35.50"),
        options={"colour": "red", "size": "M"},
    )
    return product


def formset_data(product: Product, **changes) -> dict:
    """The edit page's POST for ``product`` as it stands, with ``changes`` applied."""
    variants = list(product.variants.order_by("sku_code"))
    data = {
        "code": product.code,
        "title": product.title,
        "category": product.category_id,
        "season": product.season,
        "list_price": str(product.list_price),
        "variants-TOTAL_FORMS": str(len(variants)),
        "variants-INITIAL_FORMS": str(len(variants)),
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
    }
    for index, variant in enumerate(variants):
        prefix = f"variants-{index}-"
        data |= {
            prefix + "id": variant.pk,
            prefix + "sku_code": variant.sku_code,
            prefix + "options_text": variant.options_text,
            prefix + "barcode": variant.barcode,
            prefix + "price": str(variant.price),
            prefix + "cost_price": str(variant.cost_price),
            prefix + "weight_kg": str(variant.weight_kg),
            prefix + "reorder_point": "5",
            prefix + "safety_stock": "2",
            prefix + "is_active": "on",
        }
    return data | changes


@pytest.mark.django_db
def test_customer_service_sees_the_product_without_cost(client, tee, service_agent):
    client.force_login(service_agent)

    page = client.get(f"/catalog/products/{tee.pk}/").content.decode()

    assert "TEE-RED-M" in page
    assert "red / M" in page
    assert "35.50" not in page
    assert "Edit product and SKUs" not in page


@pytest.mark.django_db
def test_the_manager_sees_cost_and_margin_per_sku(client, tee, manager):
    client.force_login(manager)

    response = client.get(f"/catalog/products/{tee.pk}/")

    variant = response.context["variants"][0]
    assert (variant.cost_price, round(variant.margin_percent, 1)) == (
        Decimal("35.50"),
        Decimal("60.1"),
    )
    assert "35.50" in response.content.decode()


@pytest.mark.django_db
def test_customer_service_cannot_open_the_edit_page(client, tee, service_agent):
    client.force_login(service_agent)

    assert client.get(f"/catalog/products/{tee.pk}/edit/").status_code == 403


@pytest.mark.django_db
def test_editing_a_sku_price_on_the_product_page_writes_history(client, tee, manager):
    client.force_login(manager)

    response = client.post(
        f"/catalog/products/{tee.pk}/edit/",
        formset_data(tee, **{"variants-0-price": "79.00", "title": "Tee"}),
    )

    assert response.status_code == 302
    assert Product.objects.get(pk=tee.pk).title == "Tee"
    change = VariantPriceChange.objects.get()
    assert (change.kind, change.old_amount, change.new_amount, change.changed_by) == (
        PriceKind.PRICE,
        Decimal("89.00"),
        Decimal("79.00"),
        manager,
    )


@pytest.mark.django_db
def test_deleting_a_sku_with_stock_on_the_edit_page_shows_the_reason(
    client, tee, manager, warehouse_clerk
):
    WarehouseFactory(code="WH-MAIN", is_default=True)
    stock.receive(variant="TEE-RED-M", quantity=2, by=warehouse_clerk, reason="Delivery")
    client.force_login(manager)

    response = client.post(
        f"/catalog/products/{tee.pk}/edit/", formset_data(tee, **{"variants-0-DELETE": "on"})
    )

    assert response.status_code == 200
    assert "SKU TEE-RED-M cannot be deleted" in response.content.decode()
    assert Variant.objects.filter(sku_code="TEE-RED-M").exists()


@pytest.mark.django_db
def test_adding_a_sku_records_its_first_prices(client, tee, manager):
    client.force_login(manager)

    response = client.post(
        f"/catalog/products/{tee.pk}/variants/new/",
        {
            "sku_code": "TEE-RED-L",
            "options_text": "colour=red;size=L",
            "price": "89.00",
            "cost_price": "36.00",
            "weight_kg": "0.2",
            "reorder_point": "5",
            "safety_stock": "2",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    variant = Variant.objects.get(sku_code="TEE-RED-L")
    assert variant.options == {"colour": "red", "size": "L"}
    assert sorted(variant.price_changes.values_list("kind", "new_amount")) == [
        (PriceKind.COST, Decimal("36.00")),
        (PriceKind.PRICE, Decimal("89.00")),
    ]


@pytest.mark.django_db
def test_badly_written_options_are_refused(client, tee, manager):
    client.force_login(manager)

    response = client.post(
        f"/catalog/products/{tee.pk}/variants/new/",
        {
            "sku_code": "TEE-X",
            "options_text": "colour red",
            "price": "1.00",
            "weight_kg": "0",
            "reorder_point": "0",
            "safety_stock": "0",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["options_text"] == [
        "Write options as name=value pairs separated by “;”, not “colour red”."
    ]
    assert not Variant.objects.filter(sku_code="TEE-X").exists()


@pytest.mark.django_db
def test_the_history_page_hides_cost_changes_from_customer_service(
    client, tee, manager, service_agent
):
    variant = Variant.objects.get(sku_code="TEE-RED-M")
    prices.set_variant_prices(
        variant=variant,
        price=Decimal("79.00"),
        cost_price=Decimal("30.00"),
        by=manager,
        reason="Deal",
    )

    client.force_login(service_agent)
    agent_view = client.get("/catalog/sku/TEE-RED-M/prices/")
    client.force_login(manager)
    manager_view = client.get("/catalog/sku/TEE-RED-M/prices/")

    assert [change.kind for change in agent_view.context["page"]] == [PriceKind.PRICE]
    assert "30.00" not in agent_view.content.decode()
    assert sorted(change.kind for change in manager_view.context["page"]) == [
        PriceKind.COST,
        PriceKind.PRICE,
    ]


@pytest.mark.django_db
def test_putting_a_product_on_sale_from_its_page(client, tee, manager):
    Product.objects.filter(pk=tee.pk).update(status="draft")
    client.force_login(manager)

    client.post(f"/catalog/products/{tee.pk}/status/", {"status": "on_sale"})

    product = Product.objects.get(pk=tee.pk)
    assert (product.status, product.status_changed_by) == ("on_sale", manager)


@pytest.mark.django_db
def test_the_category_page_shows_the_tree_with_counts(client, service_agent):
    women = categories.create_category(name="Women")
    ProductFactory(category=categories.create_category(name="Dresses", parent=women))
    client.force_login(service_agent)

    response = client.get("/catalog/categories/")

    assert [(node.path, node.total_product_count) for node in response.context["nodes"]] == [
        ("Women", 1),
        ("Women/Dresses", 1),
    ]
    assert "Add a category" not in response.content.decode()


@pytest.mark.django_db
def test_moving_a_category_under_its_child_on_the_page_shows_the_error(client, manager):
    women = categories.create_category(name="Women")
    dresses = categories.create_category(name="Dresses", parent=women)
    client.force_login(manager)

    response = client.post(
        f"/catalog/categories/{women.pk}/edit/", {"name": "Women", "parent": dresses.pk}
    )

    assert response.status_code == 200
    assert "cannot be moved under itself" in response.content.decode()
    assert Category.objects.get(pk=women.pk).parent_id is None


@pytest.mark.django_db
def test_adding_a_category_on_the_page(client, manager):
    parent = CategoryFactory(name="Women")
    client.force_login(manager)

    response = client.post(
        "/catalog/categories/new/", {"new-name": "Skirts", "new-parent": parent.pk}
    )

    assert response.status_code == 302
    assert Category.objects.get(name="Skirts").parent == parent


@pytest.mark.django_db
def test_customer_service_cannot_add_categories(client, service_agent):
    client.force_login(service_agent)

    response = client.post("/catalog/categories/new/", {"new-name": "Skirts"})

    assert response.status_code == 403
    assert not Category.objects.exists()


@pytest.mark.django_db
def test_creating_a_product_with_its_first_sku_on_the_page(client, manager):
    category = CategoryFactory(name="Dresses")
    client.force_login(manager)
    assert client.get("/catalog/products/new/").status_code == 200

    response = client.post(
        "/catalog/products/new/",
        {
            "code": "P-NEW",
            "title": "Linen dress",
            "category": category.pk,
            "season": "summer",
            "list_price": "299.00",
            "main_image_url": "https://img.example.cn/p-new.jpg",
            "variants-TOTAL_FORMS": "1",
            "variants-INITIAL_FORMS": "0",
            "variants-MIN_NUM_FORMS": "0",
            "variants-MAX_NUM_FORMS": "1000",
            "variants-0-sku_code": "P-NEW-M",
            "variants-0-options_text": "size=M",
            "variants-0-price": "259.00",
            "variants-0-cost_price": "98.40",
            "variants-0-weight_kg": "0.3",
            "variants-0-reorder_point": "5",
            "variants-0-safety_stock": "2",
            "variants-0-is_active": "on",
        },
    )

    product = Product.objects.get(code="P-NEW")
    assert response["Location"] == f"/catalog/products/{product.pk}/"
    assert (product.status, product.image_src) == ("draft", "https://img.example.cn/p-new.jpg")
    assert list(product.variants.values_list("sku_code", "options", "price")) == [
        ("P-NEW-M", {"size": "M"}, Decimal("259.00"))
    ]
    assert client.get(f"/catalog/products/{product.pk}/edit/").status_code == 200

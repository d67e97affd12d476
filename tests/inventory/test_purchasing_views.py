"""Purchasing pages and API: permissions, hidden costs, the receive form, exports, queries."""

import io

import pytest
from django.contrib.auth.models import Permission
from openpyxl import load_workbook

from inventory import purchasing, services
from inventory.models import PurchaseOrder, PurchaseOrderStatus, StockLevel
from inventory.purchasing import PurchaseLineInput
from tests.inventory.purchasing_factories import SuppliedVariantFactory, SupplierFactory

LIST = "/inventory/purchase-orders/"


@pytest.fixture
def supplier(db):
    return SupplierFactory(code="SUP-X", name="=HYPERLINK(evil)", lead_time_days=5)


@pytest.fixture
def shirt(supplier):
    return SuppliedVariantFactory(sku_code="SHIRT-M", supplier=supplier, cost_price="12.40")


@pytest.fixture
def ordered(main_warehouse, supplier, shirt, warehouse_clerk):
    order = purchasing.create_draft(
        supplier=supplier, lines=[PurchaseLineInput("SHIRT-M", 10)], by=warehouse_clerk
    )
    return purchasing.place_purchase_order(purchase_order=order, by=warehouse_clerk)


@pytest.fixture
def stock_only_user(make_user):
    user = make_user(None, username="stock-only")
    user.user_permissions.add(Permission.objects.get(codename="manage_inventory"))
    return user


@pytest.mark.django_db
def test_purchasing_pages_and_api_are_refused_to_customer_service(client, ordered, service_agent):
    client.force_login(service_agent)
    urls = [
        LIST,
        f"{LIST}new/",
        f"{LIST}{ordered.pk}/",
        "/inventory/reorder/",
        "/api/v1/purchase-orders/",
    ]

    statuses = [client.get(url).status_code for url in urls]
    posted = client.post(f"{LIST}{ordered.pk}/cancel/", {"reason": "no"}).status_code

    assert statuses == [403] * len(urls)
    assert posted == 403
    ordered.refresh_from_db()
    assert ordered.status == PurchaseOrderStatus.ORDERED


@pytest.mark.django_db
def test_the_warehouse_sees_unit_costs_and_totals(client, ordered, warehouse_clerk):
    client.force_login(warehouse_clerk)

    listing = client.get(LIST)
    detail = client.get(f"{LIST}{ordered.pk}/")

    assert listing.context["page"].object_list[0].total_cost == 124
    assert "124.00" in detail.content.decode()
    assert "Unit cost" in detail.content.decode()


@pytest.mark.django_db
def test_costs_are_hidden_without_view_costs(client, ordered, stock_only_user):
    client.force_login(stock_only_user)

    listing = client.get(LIST)
    detail = client.get(f"{LIST}{ordered.pk}/")
    reorder_page = client.get("/inventory/reorder/?show_all=on")
    api = client.get(f"/api/v1/purchase-orders/{ordered.pk}/").json()
    api_list = client.get("/api/v1/purchase-orders/").json()
    csv_text = b"".join(client.get(LIST + "?export=csv").streaming_content).decode("utf-8-sig")

    assert listing.status_code == detail.status_code == reorder_page.status_code == 200
    for page in (listing, detail, reorder_page):
        assert "Unit cost" not in page.content.decode()
        assert "Total cost" not in page.content.decode()
    assert "12.40" not in detail.content.decode()
    assert "unit_cost" not in api["lines"][0]
    assert "total_cost" not in api_list["results"][0]
    assert "Total cost" not in csv_text


@pytest.mark.django_db
def test_the_list_filters_by_status_and_supplier(client, ordered, supplier, warehouse_clerk):
    other = SupplierFactory(code="SUP-Y")
    purchasing.create_draft(
        supplier=other, lines=[PurchaseLineInput("SHIRT-M", 1)], by=warehouse_clerk
    )
    client.force_login(warehouse_clerk)

    by_status = client.get(LIST, {"status": "draft"}).context["page"].object_list
    by_supplier = client.get(LIST, {"supplier": supplier.pk}).context["page"].object_list

    assert [order.supplier.code for order in by_status] == ["SUP-Y"]
    assert [order.number for order in by_supplier] == [ordered.number]


@pytest.mark.django_db
def test_the_list_exports_csv_and_xlsx_with_formulas_escaped(client, ordered, warehouse_clerk):
    client.force_login(warehouse_clerk)

    csv_text = b"".join(client.get(LIST + "?export=csv").streaming_content).decode("utf-8-sig")
    workbook = load_workbook(io.BytesIO(client.get(LIST + "?export=xlsx").content))

    assert csv_text.splitlines()[1].startswith(f"{ordered.number},'=HYPERLINK(evil),WH-MAIN,")
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[1][0] == ordered.number
    assert rows[1][1] == "'=HYPERLINK(evil)"
    assert rows[1][-1] == 124


@pytest.mark.django_db
def test_the_list_query_count_does_not_grow_with_the_page(
    client, main_warehouse, supplier, shirt, warehouse_clerk, django_assert_max_num_queries
):
    def add_orders(count: int) -> None:
        for _number in range(count):
            purchasing.create_draft(
                supplier=supplier, lines=[PurchaseLineInput("SHIRT-M", 2)], by=warehouse_clerk
            )

    client.force_login(warehouse_clerk)
    add_orders(2)
    with django_assert_max_num_queries(12) as few:
        client.get(LIST)
    add_orders(30)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)

    assert len(response.context["page"].object_list) == 32


@pytest.mark.django_db
def test_a_draft_is_created_from_the_form_and_placed(
    client, main_warehouse, supplier, shirt, warehouse_clerk
):
    client.force_login(warehouse_clerk)
    form = {
        "supplier": supplier.pk,
        "warehouse": main_warehouse.pk,
        "expected_date": "2026-05-01",
        "note": "spring",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-sku_code": "SHIRT-M",
        "lines-0-quantity": "6",
        "lines-0-unit_cost": "11.00",
        "lines-1-sku_code": "",
        "lines-1-quantity": "",
    }

    created = client.post(f"{LIST}new/", form)
    order = PurchaseOrder.objects.get()
    placed = client.post(f"{LIST}{order.pk}/place/")

    assert created.status_code == 302
    assert [(line.quantity_ordered, str(line.unit_cost)) for line in order.lines.all()] == [
        (6, "11.00")
    ]
    assert placed.status_code == 302
    assert StockLevel.objects.get(variant=shirt).on_order == 6


@pytest.mark.django_db
def test_an_unknown_sku_in_the_form_is_reported_and_nothing_is_saved(
    client, main_warehouse, supplier, warehouse_clerk
):
    client.force_login(warehouse_clerk)

    response = client.post(
        f"{LIST}new/",
        {
            "supplier": supplier.pk,
            "warehouse": main_warehouse.pk,
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-sku_code": "NOPE",
            "lines-0-quantity": "1",
        },
    )

    assert response.status_code == 400
    assert "Unknown SKU code: NOPE." in response.content.decode()
    assert not PurchaseOrder.objects.exists()


@pytest.mark.django_db
def test_the_receive_form_refuses_an_over_delivery_then_accepts_it_with_a_reason(
    client, ordered, shirt, warehouse_clerk
):
    client.force_login(warehouse_clerk)
    line = ordered.lines.get()
    url = f"{LIST}{ordered.pk}/receive/"

    refused = client.post(url, {f"quantity_{line.pk}": "12", "idempotency_key": "k1"})
    level_after_refusal = StockLevel.objects.get(variant=shirt).on_hand
    accepted = client.post(
        url,
        {
            f"quantity_{line.pk}": "12",
            "allow_over": "on",
            "over_reason": "Full carton",
            "idempotency_key": "k2",
        },
    )
    repeated = client.post(
        url,
        {
            f"quantity_{line.pk}": "12",
            "allow_over": "on",
            "over_reason": "Full carton",
            "idempotency_key": "k2",
        },
    )

    assert refused.status_code == 400
    assert "still expected" in refused.content.decode()
    assert level_after_refusal == 0
    assert accepted.status_code == 302
    assert repeated.status_code in (302, 400)
    level = StockLevel.objects.get(variant=shirt)
    assert (level.on_hand, level.on_order) == (12, 0)
    ordered.refresh_from_db()
    assert ordered.status == PurchaseOrderStatus.RECEIVED


@pytest.mark.django_db
def test_the_reorder_page_shows_the_arithmetic_and_drafts_a_po(
    client, main_warehouse, supplier, shirt, warehouse_clerk
):
    services.receive(variant=shirt, quantity=30, by=warehouse_clerk, reason="In")
    services.ship(variant=shirt, quantity=28, by=warehouse_clerk, reason="Out", from_reserved=False)
    client.force_login(warehouse_clerk)

    page = client.get("/inventory/reorder/")
    row = page.context["groups"][0]["rows"][0]
    created = client.post(
        "/inventory/reorder/draft/",
        {"supplier": supplier.pk, "window_days": "28", "review_period_days": "7"},
    )

    # 28 shipped / 28 days × (5 + 7) + safety 2 − available 2 − on order 0 = 12
    assert (row.units_shipped, row.available, row.suggested_quantity) == (28, 2, 12)
    assert row.formula in page.content.decode()
    assert created.status_code == 302
    line = PurchaseOrder.objects.get().lines.get()
    assert (line.quantity_ordered, str(line.unit_cost)) == (12, "12.40")


@pytest.mark.django_db
def test_the_api_runs_the_purchase_order_lifecycle(
    client, main_warehouse, supplier, shirt, warehouse_clerk
):
    client.force_login(warehouse_clerk)

    created = client.post(
        "/api/v1/purchase-orders/",
        {"supplier": "SUP-X", "lines": [{"sku_code": "SHIRT-M", "quantity": 5}]},
        content_type="application/json",
    )
    pk = created.json()["id"]
    placed = client.post(
        f"/api/v1/purchase-orders/{pk}/place/", {}, content_type="application/json"
    )
    over = client.post(
        f"/api/v1/purchase-orders/{pk}/receive/",
        {"lines": [{"sku_code": "SHIRT-M", "quantity": 6}]},
        content_type="application/json",
    )
    partial = client.post(
        f"/api/v1/purchase-orders/{pk}/receive/",
        {"lines": [{"sku_code": "SHIRT-M", "quantity": 3}]},
        content_type="application/json",
    )
    cancelled = client.post(
        f"/api/v1/purchase-orders/{pk}/cancel/",
        {"reason": "Rest discontinued"},
        content_type="application/json",
    )

    assert created.status_code == 201
    assert created.json()["lines"][0]["unit_cost"] == "12.40"
    assert placed.json()["status"] == "ordered"
    assert over.status_code == 400
    assert over.json()["error"]["code"] == "over_delivery"
    assert partial.json()["status"] == "partially_received"
    assert cancelled.json()["status"] == "cancelled"
    level = StockLevel.objects.get(variant=shirt)
    assert (level.on_hand, level.on_order) == (3, 0)

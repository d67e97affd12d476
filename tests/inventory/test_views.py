import csv
import io

import pytest
from django.urls import reverse

from inventory import services
from tests.inventory.factories import VariantFactory

STOCK_LIST = "/inventory/"


def stock_skus(count: int, *, by) -> None:
    for number in range(count):
        variant = VariantFactory(sku_code=f"BULK-{number:03d}")
        services.receive(variant=variant, quantity=number + 1, by=by, reason="Delivery")


@pytest.mark.django_db
def test_the_stock_list_lives_at_inventory():
    assert reverse("inventory:stock-list") == STOCK_LIST
    assert reverse("inventory:sku-detail", args=["TEE-RED-M"]) == "/inventory/sku/TEE-RED-M/"


@pytest.mark.django_db
@pytest.mark.parametrize("url", [STOCK_LIST, "/inventory/sku/TEE-RED-M/", "/inventory/?export=csv"])
def test_stock_pages_are_refused_to_customer_service_and_marketing(
    client, stocked, service_agent, marketer, url
):
    for user in (service_agent, marketer):
        client.force_login(user)

        assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_stock_pages_send_anonymous_visitors_to_sign_in(client, stocked):
    response = client.get(STOCK_LIST)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/inventory/"


@pytest.mark.django_db
def test_the_stock_list_shows_levels_and_value_at_cost_to_the_warehouse(
    client, stocked, warehouse_clerk
):
    services.reserve(variant=stocked, quantity=4, by=warehouse_clerk, reason="Paid")
    client.force_login(warehouse_clerk)

    response = client.get(STOCK_LIST)

    level = response.context["page"].object_list[0]
    assert (level.variant.sku_code, level.on_hand, level.reserved, level.available_quantity) == (
        "TEE-RED-M",
        10,
        4,
        6,
    )
    assert response.context["total_value"] == pytest.approx(355)
    assert "Value at cost" in response.content.decode()


@pytest.mark.django_db
def test_value_at_cost_is_hidden_from_a_role_without_view_costs(client, stocked, make_user):
    from django.contrib.auth.models import Permission

    clerk = make_user(None, username="stock-only")
    clerk.user_permissions.add(Permission.objects.get(codename="manage_inventory"))
    client.force_login(clerk)

    response = client.get(STOCK_LIST)
    csv_response = client.get(STOCK_LIST + "?export=csv")

    assert response.status_code == 200
    assert "Value at cost" not in response.content.decode()
    assert response.context["total_value"] is None
    header = b"".join(csv_response.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert (
        header
        == "SKU code,Product,Category,Warehouse,On hand,Reserved,Available,On order,Reorder point"
    )


@pytest.mark.django_db
def test_the_stock_list_filters_out_of_stock(client, main_warehouse, warehouse_clerk):
    stock_skus(3, by=warehouse_clerk)
    services.write_off(variant="BULK-001", quantity=2, by=warehouse_clerk, reason="Damaged")
    client.force_login(warehouse_clerk)

    response = client.get(STOCK_LIST, {"stock": "out", "warehouse": "WH-MAIN"})

    assert [level.variant.sku_code for level in response.context["page"]] == ["BULK-001"]


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [5, 50])
def test_the_stock_list_takes_the_same_number_of_queries_for_5_or_50_rows(
    client, main_warehouse, warehouse_clerk, django_assert_num_queries, rows
):
    stock_skus(rows, by=warehouse_clerk)
    client.force_login(warehouse_clerk)
    client.get(STOCK_LIST)  # warm the session and permission caches of this client

    # session, user, permissions and roles (one statement), warehouse (validating the
    # filter), warehouses and categories (rendering it), count, stock value, page
    with django_assert_num_queries(9):
        response = client.get(STOCK_LIST, {"warehouse": "WH-MAIN"})

    assert len(response.context["page"]) == rows


@pytest.mark.django_db
def test_the_csv_export_has_every_filtered_row(client, main_warehouse, warehouse_clerk):
    stock_skus(60, by=warehouse_clerk)
    client.force_login(warehouse_clerk)

    response = client.get(STOCK_LIST, {"export": "csv", "q": "BULK-05"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][-2:] == ["Cost price", "Value at cost"]
    assert [row[0] for row in rows[1:]] == [f"BULK-05{digit}" for digit in range(10)]
    assert rows[1][4:7] == ["51", "0", "51"]


@pytest.mark.django_db
def test_the_sku_page_shows_levels_and_the_ledger(client, stocked, warehouse_clerk):
    services.reserve(
        variant=stocked,
        quantity=2,
        by=warehouse_clerk,
        reason="Order paid",
        document_type="order",
        document_id="SO-1",
    )
    client.force_login(warehouse_clerk)

    response = client.get("/inventory/sku/TEE-RED-M/")

    assert [
        (level.warehouse.code, level.on_hand, level.reserved)
        for level in response.context["levels"]
    ] == [("WH-MAIN", 10, 2)]
    assert [(movement.kind, movement.reason) for movement in response.context["page"]] == [
        ("reservation", "Order paid"),
        ("receipt", "Opening delivery"),
    ]
    assert "SO-1" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("movements", [3, 30])
def test_the_sku_page_takes_the_same_number_of_queries_for_any_ledger_length(
    client, stocked, warehouse_clerk, django_assert_num_queries, movements
):
    for _ in range(movements):
        services.restock_return(variant=stocked, quantity=1, by=warehouse_clerk, reason="Return")
    client.force_login(warehouse_clerk)
    client.get("/inventory/sku/TEE-RED-M/")

    # session, user, permissions and roles (one statement), variant, levels,
    # ledger count, ledger page
    with django_assert_num_queries(7):
        client.get("/inventory/sku/TEE-RED-M/")


@pytest.mark.django_db
def test_an_unknown_sku_page_is_not_found(client, main_warehouse, warehouse_clerk):
    client.force_login(warehouse_clerk)

    assert client.get("/inventory/sku/GHOST/").status_code == 404


@pytest.mark.django_db
def test_the_navigation_offers_stock_only_to_inventory_roles(
    client, main_warehouse, warehouse_clerk, service_agent
):
    client.force_login(warehouse_clerk)
    clerk_keys = [item.key for item in client.get("/inventory/").context["navigation"]]
    client.force_login(service_agent)
    agent_keys = [item.key for item in client.get("/").context["navigation"]]

    assert "stock" in clerk_keys
    assert "stock" not in agent_keys


@pytest.mark.django_db
def test_the_excel_export_has_the_filtered_rows_with_money_formats(
    client, main_warehouse, warehouse_clerk
):
    from openpyxl import load_workbook

    stock_skus(12, by=warehouse_clerk)
    client.force_login(warehouse_clerk)

    response = client.get(STOCK_LIST, {"export": "xlsx", "q": "BULK-01"})

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("SKU code", "Product")
    assert [row[0] for row in rows[1:]] == ["BULK-010", "BULK-011"]
    assert sheet.cell(row=2, column=11).number_format == "#,##0.00"

import pytest

from inventory import services


@pytest.mark.django_db
def test_the_stock_levels_endpoint_lists_levels_with_value_for_cost_viewers(
    client, stocked, warehouse_clerk
):
    services.reserve(variant=stocked, quantity=3, by=warehouse_clerk, reason="Paid")
    client.force_login(warehouse_clerk)

    response = client.get("/api/v1/stock-levels/", {"warehouse": "WH-MAIN"})

    assert response.status_code == 200
    row = response.json()["results"][0]
    assert {
        key: row[key]
        for key in (
            "sku_code",
            "warehouse",
            "on_hand",
            "reserved",
            "available",
            "on_order",
            "value_at_cost",
        )
    } == {
        "sku_code": "TEE-RED-M",
        "warehouse": "WH-MAIN",
        "on_hand": 10,
        "reserved": 3,
        "available": 7,
        "on_order": 0,
        "value_at_cost": "355.00",
    }


@pytest.mark.django_db
def test_the_stock_levels_endpoint_hides_value_without_view_costs(client, stocked, make_user):
    from django.contrib.auth.models import Permission

    user = make_user(None, username="stock-only")
    user.user_permissions.add(Permission.objects.get(codename="manage_inventory"))
    client.force_login(user)

    row = client.get("/api/v1/stock-levels/").json()["results"][0]

    assert "value_at_cost" not in row
    assert row["on_hand"] == 10


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/stock-levels/", "/api/v1/stock-movements/"])
def test_stock_endpoints_refuse_customer_service(client, stocked, service_agent, url):
    client.force_login(service_agent)

    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_the_stock_movements_endpoint_filters_by_sku_and_kind(client, stocked, warehouse_clerk):
    services.reserve(
        variant=stocked,
        quantity=3,
        by=warehouse_clerk,
        reason="Paid",
        document_type="order",
        document_id="SO-9",
    )
    client.force_login(warehouse_clerk)

    response = client.get("/api/v1/stock-movements/", {"sku": "TEE-RED-M", "kind": "reservation"})

    rows = response.json()["results"]
    assert [
        (
            row["kind"],
            row["reserved_change"],
            row["reserved_after"],
            row["document_id"],
            row["created_by"],
        )
        for row in rows
    ] == [("reservation", 3, 3, "SO-9", "warehouse")]


@pytest.mark.django_db
def test_the_stock_endpoints_are_read_only(client, stocked, warehouse_clerk):
    client.force_login(warehouse_clerk)

    response = client.post("/api/v1/stock-levels/", {}, content_type="application/json")

    assert response.status_code == 405

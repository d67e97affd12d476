"""The carrier bill import: billed amounts become the parcels' shipping costs."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.errors import OrderError
from orders.models import EventKind, OrderEvent, Shipment
from orders.services import split_into_shipments
from orders.services.shipping import set_shipping_cost, ship_order
from reports.services import touched_days
from storeops import business_day
from storeops.imports import registry
from storeops.imports.runner import run_import
from tests.orders.factories import RateCardFactory, build_order

pytestmark = pytest.mark.django_db

CARRIER_BILL = registry.get("carrier_bill")


@pytest.fixture
def shipped(manager, tee, cap, sf, warehouse_clerk):
    """Parcels SF001 (order A1) and SF002 (order A2), each costing 8.00 by the rate card."""
    RateCardFactory(carrier=sf, first_weight_kg=Decimal("50"), first_price=Decimal("8.00"))
    first = build_order(by=manager, items=[(tee, 2)], order_no="A1")
    second = build_order(by=manager, items=[(cap, 1)], order_no="A2")
    return (
        ship_order(order=first, carrier=sf, tracking_number="SF001", by=warehouse_clerk),
        ship_order(order=second, carrier=sf, tracking_number="SF002", by=warehouse_clerk),
    )


def csv_file(*lines: str) -> io.BytesIO:
    return io.BytesIO(("\n".join(lines) + "\n").encode("gb18030"))


def bill() -> io.BytesIO:
    return csv_file(
        "快递公司,运单号,寄件人,运费,计费重量,账单日期",
        "SF Express,SF001,仓库,10.50,1.2,2026-03-31",
        "sf,SF 002,仓库,¥6.00,,2026-03-31",
    )


def cost_events():
    return OrderEvent.objects.filter(kind=EventKind.SHIPPING_COST)


def costs() -> dict[str, Decimal]:
    return dict(Shipment.objects.values_list("tracking_number", "shipping_cost"))


def test_a_bill_sets_each_parcels_cost_and_notes_it_on_the_order(shipped, warehouse_clerk):
    first, _second = shipped

    result = run_import(CARRIER_BILL, bill(), name="账单.csv", user=warehouse_clerk)

    assert result.ok, result.problems
    assert (result.updated, result.unchanged) == (2, 0)
    assert costs() == {"SF001": Decimal("10.50"), "SF002": Decimal("6.00")}
    assert set(Shipment.objects.values_list("is_cost_entered", flat=True)) == {True}
    event = cost_events().get(order__order_no="A1")
    assert event.before == {"shipment": first.pk, "shipping_cost": "8.00"}
    assert event.after == {"shipment": first.pk, "shipping_cost": "10.50"}
    assert event.by == warehouse_clerk
    assert event.message == (
        "SF Express SF001: 8.00 → 10.50 "
        "(carrier bill 账单.csv, billed 2026-03-31, billed weight 1.200 kg)"
    )


def test_a_bill_marks_the_ship_day_for_the_summary_rebuild(shipped, warehouse_clerk):
    since = timezone.now()
    assert touched_days(since) == set()

    run_import(CARRIER_BILL, bill(), name="账单.csv", user=warehouse_clerk)

    assert touched_days(since) == {business_day.today()}


def test_importing_the_same_bill_again_changes_nothing(shipped, warehouse_clerk):
    run_import(CARRIER_BILL, bill(), name="账单.csv", user=warehouse_clerk)
    stamps = dict(Shipment.objects.values_list("tracking_number", "updated_at"))

    again = run_import(CARRIER_BILL, bill(), name="账单.csv", user=warehouse_clerk)

    assert again.ok, again.problems
    assert (again.updated, again.unchanged) == (0, 2)
    assert cost_events().count() == 2
    assert dict(Shipment.objects.values_list("tracking_number", "updated_at")) == stamps


def test_an_unknown_tracking_number_is_a_row_error_and_nothing_is_written(shipped, warehouse_clerk):
    source = csv_file("carrier,tracking_no,cost", "sf,SF001,10.50", "sf,SF999,7.00")

    result = run_import(CARRIER_BILL, source, user=warehouse_clerk)

    assert [(problem.row, problem.column) for problem in result.problems] == [
        (3, "Tracking number")
    ]
    assert "SF999" in result.problems[0].message
    assert costs() == {"SF001": Decimal("8.00"), "SF002": Decimal("8.00")}
    assert cost_events().count() == 0


def test_negative_or_unreadable_amounts_are_row_errors(shipped, warehouse_clerk):
    source = csv_file(
        "快递公司,快递单号,费用,重量",
        "sf,SF001,-3.00,1",
        "sf,SF002,abc,1",
        "sf,SF003,5.00,heavy",
        "ems,SF002,5.00,1",
    )

    result = run_import(CARRIER_BILL, source, user=warehouse_clerk)

    assert [(problem.row, problem.column) for problem in result.problems] == [
        (2, "Billed cost"),
        (3, "Billed cost"),
        (4, "Billed weight (kg)"),
        (5, "Carrier"),
    ]
    assert costs() == {"SF001": Decimal("8.00"), "SF002": Decimal("8.00")}


def test_one_parcel_twice_in_a_bill_is_refused_whether_named_by_code_or_name(
    shipped, warehouse_clerk
):
    source = csv_file("快递公司,运单号,金额", "sf,SF001,10.00", "SF Express,SF001,11.00")

    result = run_import(CARRIER_BILL, source, user=warehouse_clerk)

    assert [problem.row for problem in result.problems] == [3]
    assert cost_events().count() == 0


def test_a_dry_run_counts_the_changes_and_writes_nothing(shipped, warehouse_clerk):
    result = run_import(CARRIER_BILL, bill(), user=warehouse_clerk, dry_run=True)

    assert (result.updated, result.written) == (2, False)
    assert costs() == {"SF001": Decimal("8.00"), "SF002": Decimal("8.00")}
    assert cost_events().count() == 0


def test_the_warehouse_and_managers_may_import_bills_customer_service_may_not(
    warehouse_clerk, manager, service_agent, marketer
):
    allowed = {
        user.username: "carrier_bill" in registry.kinds_for(user)
        for user in (warehouse_clerk, manager, service_agent, marketer)
    }

    assert allowed == {
        "warehouse": True,
        "operations_manager": True,
        "customer_service": False,
        "marketing": False,
    }


def test_setting_the_cost_of_a_planned_parcel_is_refused(manager, tee, sf, warehouse_clerk):
    order = build_order(by=manager, items=[(tee, 2)], order_no="A1")
    line = order.lines.get()
    planned = split_into_shipments(order=order, parts=[[(line, 1)], [(line, 1)]], by=manager)[0]

    with pytest.raises(OrderError):
        set_shipping_cost(shipment=planned, cost=Decimal("5.00"), by=warehouse_clerk)

    planned.refresh_from_db()
    assert (planned.shipping_cost, cost_events().count()) == (Decimal("0.00"), 0)


# -- typed in on the order page ----------------------------------------------------------------


def console_cost(client, order, shipment, cost):
    return client.post(
        f"/console/orders/{order.pk}/shipping-cost/",
        {"shipment": shipment.pk, "cost": cost},
        HTTP_HX_REQUEST="true",
    )


def test_the_warehouse_types_a_parcels_cost_on_the_order_page(client, shipped, warehouse_clerk):
    first, _second = shipped
    client.force_login(warehouse_clerk)

    page = console_cost(client, first.order, first, "12.30").content.decode()

    assert "Shipping cost of SF001 set to 12.30." in page
    assert costs() == {"SF001": Decimal("12.30"), "SF002": Decimal("8.00")}
    assert "8.00 → 12.30" in cost_events().get().message
    again = console_cost(client, first.order, first, "12.30").content.decode()
    assert "already 12.30" in again
    assert cost_events().count() == 1


def test_the_cost_form_refuses_bad_amounts_and_other_orders_parcels(
    client, shipped, warehouse_clerk
):
    first, second = shipped
    client.force_login(warehouse_clerk)

    negative = console_cost(client, first.order, first, "-1").content.decode()
    foreign = console_cost(client, first.order, second, "5.00").content.decode()

    assert "greater than or equal to 0" in negative
    assert "Select a valid choice" in foreign
    assert costs() == {"SF001": Decimal("8.00"), "SF002": Decimal("8.00")}
    assert not cost_events().exists()


def test_customer_service_neither_sees_nor_sets_shipping_costs(client, shipped, service_agent):
    first, _second = shipped
    client.force_login(service_agent)

    page = client.get(f"/console/orders/{first.order.pk}/").content.decode()

    assert "shipping-cost" not in page
    assert console_cost(client, first.order, first, "1.00").status_code == 403
    assert costs()["SF001"] == Decimal("8.00")

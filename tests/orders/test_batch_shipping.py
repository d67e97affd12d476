"""Batch shipping: pasted lines on the warehouse page and the shipments import."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from orders.importers.shipments import resolve_text, ship_batch, split_line
from orders.models import OrderStatus, Shipment
from orders.services import ship_order
from storeops.imports import registry
from storeops.imports.runner import run_import
from tests.orders.conftest import stock_of
from tests.orders.factories import CarrierFactory, build_order

pytestmark = pytest.mark.django_db

SHIPMENTS = registry.get("shipments")


@pytest.fixture
def zto(db):
    return CarrierFactory(code="zto", name="中通快递")


@pytest.fixture
def two_orders(manager, tee, cap):
    return (
        build_order(by=manager, items=[(tee, 2)], order_no="A1"),
        build_order(by=manager, items=[(cap, 1)], order_no="A2"),
    )


def ship_text(text, user):
    requests, problems = resolve_text(text)
    if problems:
        return None, problems
    result = ship_batch(requests=requests, by=user)
    return result, result.problems


def test_lines_split_on_commas_tabs_or_spaces():
    assert split_line("A1, sf, SF001") == ["A1", "sf", "SF001"]
    assert split_line("A1\tSF Express\tSF001") == ["A1", "SF Express", "SF001"]
    assert split_line("A1  SF Express  SF001") == ["A1", "SF Express", "SF001"]
    assert split_line("A1，中通快递，ZT001") == ["A1", "中通快递", "ZT001"]


def test_a_batch_ships_every_order_with_its_carrier_by_code_or_name(
    two_orders, sf, zto, warehouse_clerk, tee, cap
):
    first, second = two_orders

    result, problems = ship_text("A1, sf, SF001\n\nA2\t中通快递\tZT 002\n", warehouse_clerk)

    assert problems == []
    assert (result.shipped, result.unchanged) == (2, 0)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (OrderStatus.SHIPPED, OrderStatus.SHIPPED)
    assert sorted(
        Shipment.objects.values_list("order__order_no", "carrier__code", "tracking_number")
    ) == [("A1", "sf", "SF001"), ("A2", "zto", "ZT002")]
    assert stock_of(tee) == (8, 0)
    assert stock_of(cap) == (4, 0)


def test_every_bad_line_is_reported_with_its_number_and_nothing_ships(
    manager, two_orders, tee, sf, warehouse_clerk
):
    first, _second = two_orders
    build_order(by=manager, items=[(tee, 1)], order_no="HELD", buyer_note="别发韵达")
    other = build_order(by=manager, items=[(tee, 1)], order_no="OTHER")
    ship_order(order=other, carrier=sf, tracking_number="SF-USED", by=manager)
    text = "\n".join(
        [
            "A1, sf, SF001",  # fine on its own
            "NOPE, sf, SF002",
            "A2, dhl, DH003",
            "HELD, sf, SF004",
            "A2, sf, SF-USED",
            "A2 sf",
        ]
    )

    result, problems = ship_text(text, warehouse_clerk)

    assert result is None
    assert [problem.line for problem in problems] == [2, 3, 4, 5, 6]
    assert "NOPE" in problems[0].message
    assert "dhl" in problems[1].message
    assert "HELD" in problems[2].message
    assert "SF-USED" in problems[3].message and "another order" in problems[3].message
    first.refresh_from_db()
    assert first.status == OrderStatus.PAID
    assert list(Shipment.objects.values_list("tracking_number", flat=True)) == ["SF-USED"]
    assert stock_of(tee) == (9, 3)  # A1's 2 and HELD's 1 still reserved


def test_one_tracking_number_cannot_go_to_two_orders_of_the_batch(two_orders, sf, warehouse_clerk):
    _result, problems = ship_text("A1, sf, SF001\nA2, sf, SF001", warehouse_clerk)

    assert [(problem.line, "line 1" in problem.message) for problem in problems] == [(2, True)]
    assert Shipment.objects.count() == 0


def test_a_line_ship_order_refuses_rolls_back_the_whole_batch(two_orders, sf, warehouse_clerk):
    # The same order twice: the second parcel finds nothing left to ship.
    result, problems = ship_text("A2, sf, SF001\nA1, sf, SF002\nA1, sf, SF003", warehouse_clerk)

    assert (result.shipped, [problem.line for problem in problems]) == (0, [3])
    assert Shipment.objects.count() == 0


def test_shipping_the_same_batch_twice_changes_nothing(two_orders, sf, warehouse_clerk, tee):
    text = "A1, sf, SF001\nA2, sf, SF002"
    ship_text(text, warehouse_clerk)
    shipped = list(Shipment.objects.values_list("pk", "shipped_at"))

    result, problems = ship_text(text, warehouse_clerk)

    assert problems == []
    assert (result.shipped, result.unchanged) == (0, 2)
    assert list(Shipment.objects.values_list("pk", "shipped_at")) == shipped
    assert stock_of(tee) == (8, 0)


def test_the_warehouse_page_ships_a_pasted_batch(client, two_orders, sf, warehouse_clerk):
    client.force_login(warehouse_clerk)

    response = client.post(reverse("orders:warehouse-ship"), {"lines": "A1 sf SF001\nA2 sf SF002"})

    assert response.status_code == 302
    assert Shipment.objects.count() == 2


def test_the_warehouse_page_shows_the_bad_lines_and_keeps_the_text(
    client, two_orders, sf, warehouse_clerk
):
    client.force_login(warehouse_clerk)

    response = client.post(reverse("orders:warehouse-ship"), {"lines": "A1 sf SF001\nB9 sf SF002"})

    assert [
        (problem.line, "B9" in problem.message) for problem in response.context["problems"]
    ] == [(2, True)]
    assert "B9 sf SF002" in response.content.decode()
    assert Shipment.objects.count() == 0


def test_customer_service_cannot_ship_a_batch(client, two_orders, sf, service_agent):
    client.force_login(service_agent)

    response = client.post(reverse("orders:warehouse-ship"), {"lines": "A1 sf SF001"})

    assert response.status_code == 403
    assert Shipment.objects.count() == 0


# --- The shipments import -------------------------------------------------------


def csv_file(*lines: str) -> io.BytesIO:
    return io.BytesIO(("\n".join(lines) + "\n").encode("gb18030"))


def test_the_import_reads_chinese_headers_and_ships_at_the_given_time(
    two_orders, zto, warehouse_clerk
):
    source = csv_file(
        "订单编号,物流公司,运单号,发货时间",
        "A1,中通快递,ZT001,2026-03-03 18:30:00",
        "A2,zto,ZT002,",
    )

    result = run_import(SHIPMENTS, source, name="发货.csv", user=warehouse_clerk)

    assert result.ok, result.problems
    assert (result.created, result.unchanged) == (2, 0)
    first = Shipment.objects.get(tracking_number="ZT001")
    assert (first.order.order_no, first.business_date.isoformat()) == ("A1", "2026-03-03")
    assert first.order.status == OrderStatus.SHIPPED


def test_the_import_needs_the_channel_only_when_the_order_number_is_on_two_channels(
    manager, tee, sf, warehouse_clerk
):
    build_order(by=manager, items=[(tee, 1)], order_no="SAME", channel="taobao")
    on_jd = build_order(by=manager, items=[(tee, 1)], order_no="SAME", channel="jd")

    without = run_import(
        SHIPMENTS, csv_file("订单编号,快递公司,物流单号", "SAME,sf,SF1"), user=warehouse_clerk
    )
    with_channel = run_import(
        SHIPMENTS,
        csv_file("店铺,订单编号,快递公司,物流单号", "jd,SAME,sf,SF1"),
        user=warehouse_clerk,
    )

    assert [problem.row for problem in without.problems] == [2]
    assert with_channel.ok, with_channel.problems
    assert Shipment.objects.get().order == on_jd


def test_an_import_with_one_bad_row_ships_nothing_and_a_repeat_changes_nothing(
    two_orders, sf, warehouse_clerk
):
    bad = run_import(
        SHIPMENTS,
        csv_file("订单编号,物流公司,物流单号", "A1,sf,SF001", "A3,sf,SF003"),
        user=warehouse_clerk,
    )
    assert [problem.row for problem in bad.problems] == [3]
    assert Shipment.objects.count() == 0

    good = csv_file("订单编号,物流公司,物流单号", "A1,sf,SF001", "A2,sf,SF002")
    first = run_import(SHIPMENTS, good, user=warehouse_clerk)
    good.seek(0)
    again = run_import(SHIPMENTS, good, user=warehouse_clerk)

    assert (first.created, again.created, again.unchanged) == (2, 0, 2)
    assert Shipment.objects.count() == 2

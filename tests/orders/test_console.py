"""The order console: search, queues, the order page and its actions in place."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import AfterSalesCase, CaseState, EventKind, Order, OrderStatus, Shipment
from tests.orders.conftest import stock_of
from tests.orders.factories import build_order

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def console_search(client, query):
    return client.get(reverse("orders:console-search"), {"q": query})


def found_numbers(response):
    return [order.order_no for order in response.context["results"]]


def test_search_finds_an_order_by_each_way_a_buyer_names_it(client, tee, service_agent, sf):
    wanted = build_order(
        by=service_agent,
        items=[(tee, 1)],
        order_no="TB1001",
        phone="13912345678",
        buyer_nickname="小红帽",
        recipient_name="李四",
    )
    build_order(by=service_agent, items=[(tee, 1)], order_no="TB1002", phone="13800000000")
    Shipment.objects.create(
        order=wanted,
        carrier=sf,
        tracking_number="SF1234567890",
        status="shipped",
        shipped_at=timezone.now(),
    )
    client.force_login(service_agent)

    for query in ["TB1001", "SF1234567890", "13912345678", "5678", "小红帽", "李四", "小红"]:
        assert found_numbers(console_search(client, query)) == ["TB1001"], query
    assert found_numbers(console_search(client, "nobody-like-this")) == []


def test_search_results_mask_phones_in_the_list_and_the_order_page_shows_it_in_full(
    client, tee, service_agent
):
    order = build_order(by=service_agent, items=[(tee, 1)], phone="13912345678")
    client.force_login(service_agent)

    listing = console_search(client, "5678").content.decode()
    page = client.get(reverse("orders:console-order", args=[order.pk])).content.decode()

    assert "139****5678" in listing and "13912345678" not in listing
    assert "13912345678" in page


def test_search_query_count_does_not_grow_with_the_number_of_matches(
    client, tee, service_agent, django_assert_max_num_queries
):
    for number in range(15):
        build_order(
            by=service_agent,
            items=[(tee, 1)],
            order_no=f"N{number}",
            phone="13700001111",
            paid=False,
        )
    client.force_login(service_agent)
    with django_assert_max_num_queries(12):
        response = console_search(client, "1111")
    assert len(response.context["results"]) == 15


def test_queues_count_what_waits(client, tee, service_agent):
    old = build_order(
        by=service_agent, items=[(tee, 1)], placed_at=timezone.now() - dt.timedelta(hours=30)
    )
    build_order(by=service_agent, items=[(tee, 1)], buyer_note="请发顺丰")
    client.force_login(service_agent)

    response = client.get(reverse("orders:console"))
    counts = {queue.key: queue.count for queue in response.context["queues"]}

    assert counts["late24"] == 1 and counts["late48"] == 0
    assert counts["notes"] == 1
    late = client.get(reverse("orders:console"), {"queue": "late24"})
    assert [order.pk for order in late.context["page"]] == [old.pk]


def test_a_warehouse_clerk_ships_with_a_tracking_number_in_place(client, tee, warehouse_clerk, sf):
    order = build_order(by=warehouse_clerk, items=[(tee, 2)])
    client.force_login(warehouse_clerk)

    response = client.post(
        reverse("orders:console-order-action", args=[order.pk, "ship"]),
        {"carrier": sf.pk, "tracking_number": " SF 0001 "},
        **HTMX,
    )

    assert response.status_code == 200
    assert "Shipped with SF Express SF0001" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert stock_of(tee) == (8, 0)
    assert order.events.filter(kind=EventKind.SHIPPED, by=warehouse_clerk).exists()


def test_customer_service_cannot_ship_and_nothing_changes(client, tee, service_agent, sf):
    order = build_order(by=service_agent, items=[(tee, 1)])
    client.force_login(service_agent)

    response = client.post(
        reverse("orders:console-order-action", args=[order.pk, "ship"]),
        {"carrier": sf.pk, "tracking_number": "SF0002"},
    )

    assert response.status_code == 403
    assert not Shipment.objects.exists()


def test_a_refused_action_says_why_and_changes_nothing(client, tee, warehouse_clerk, sf):
    order = build_order(by=warehouse_clerk, items=[(tee, 1)])
    client.force_login(warehouse_clerk)

    response = client.post(
        reverse("orders:console-order-action", args=[order.pk, "ship"]),
        {"carrier": sf.pk, "tracking_number": ""},
        **HTMX,
    )

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_notes_and_assignment_land_on_the_timeline(client, tee, service_agent):
    order = build_order(by=service_agent, items=[(tee, 1)], buyer_note="周末送")
    client.force_login(service_agent)

    client.post(
        reverse("orders:console-order-action", args=[order.pk, "note"]),
        {"message": "已电话确认周六送达"},
        **HTMX,
    )
    client.post(reverse("orders:console-order-action", args=[order.pk, "assign"]), **HTMX)

    order.refresh_from_db()
    assert order.assigned_agent == service_agent
    note = order.events.get(kind=EventKind.NOTE)
    assert (note.by, note.message) == (service_agent, "已电话确认周六送达")
    counts = {
        queue.key: queue.count for queue in client.get(reverse("orders:console")).context["queues"]
    }
    assert counts["notes"] == 0


def test_return_refund_from_open_to_refunded_through_the_console(
    client, tee, service_agent, warehouse_clerk, sf
):
    order = build_order(by=service_agent, items=[(tee, 1)])
    client.force_login(warehouse_clerk)
    client.post(
        reverse("orders:console-order-action", args=[order.pk, "ship"]),
        {"carrier": sf.pk, "tracking_number": "SF0003"},
    )
    client.force_login(service_agent)
    line = order.lines.get()

    client.post(
        reverse("orders:console-order-action", args=[order.pk, "open-case"]),
        {"kind": "return_refund", "reason": "size", "line": line.pk, "quantity": 1},
        **HTMX,
    )
    case = AfterSalesCase.objects.get(order=order)
    for action in ["approve", "await-return", "receive", "refund"]:
        response = client.post(
            reverse("orders:console-case-action", args=[order.pk, case.pk, action]), **HTMX
        )
        assert response.status_code == 200, action

    case.refresh_from_db()
    order.refresh_from_db()
    assert case.state == CaseState.REFUNDED
    assert order.refunded_total == Decimal("89.00")
    assert stock_of(tee) == (10, 0)  # the returned tee is back on the shelf


def test_customer_service_never_sees_unit_costs(client, tee, service_agent, manager):
    order = build_order(by=service_agent, items=[(tee, 1)])

    client.force_login(service_agent)
    agent_page = client.get(reverse("orders:console-order", args=[order.pk])).content.decode()
    client.force_login(manager)
    manager_page = client.get(reverse("orders:console-order", args=[order.pk])).content.decode()

    assert "Unit cost" not in agent_page and "35.50" not in agent_page
    assert "Unit cost" in manager_page and "35.50" in manager_page


def test_marketing_cannot_open_the_console(client, marketer):
    client.force_login(marketer)
    assert client.get(reverse("orders:console")).status_code == 403


def test_the_order_page_answers_in_a_constant_number_of_queries(
    client, tee, service_agent, django_assert_max_num_queries
):
    order = build_order(by=service_agent, items=[(tee, 1)])
    for number in range(5):
        client.force_login(service_agent)
        client.post(
            reverse("orders:console-order-action", args=[order.pk, "note"]),
            {"message": f"note {number}"},
        )
    with django_assert_max_num_queries(25):
        response = client.get(reverse("orders:console-order", args=[order.pk]))
    assert response.status_code == 200

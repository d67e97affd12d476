"""The warehouse page: pick lists and packing slips for a batch of released orders."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import SalesChannel
from inventory import services as inventory
from orders.models import ReviewState
from storeops.navigation import ITEMS
from tests.orders.factories import VariantFactory, build_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def mug(warehouse, manager, review_off_for_duplicates):
    """MUG-WHITE at 29.00 with 200 units on hand."""
    variant = VariantFactory(sku_code="MUG-WHITE", price=Decimal("29.00"))
    inventory.receive(variant=variant, quantity=200, by=manager, reason="Delivery")
    return variant


def pick_list(client, *orders):
    return client.get(reverse("orders:warehouse-pick-list"), {"order": [o.pk for o in orders]})


def packing_slips(client, *orders):
    return client.get(reverse("orders:warehouse-packing-slips"), {"order": [o.pk for o in orders]})


def test_pick_list_sums_each_sku_over_the_batch_in_sku_code_order(
    client, tee, cap, manager, warehouse_clerk
):
    first = build_order(by=manager, items=[(tee, 2), (cap, 1)], order_no="A1")
    second = build_order(by=manager, items=[(tee, 3)], order_no="A2")
    client.force_login(warehouse_clerk)

    rows = pick_list(client, first, second).context["rows"]

    assert [(row.sku_code, row.quantity, row.orders) for row in rows] == [
        ("CAP-BLUE", 1, [("A1", 1)]),
        ("TEE-RED-M", 5, [("A1", 2), ("A2", 3)]),
    ]


def test_pick_list_leaves_out_orders_not_released_to_the_warehouse(
    client, tee, manager, warehouse_clerk
):
    released = build_order(by=manager, items=[(tee, 2)], order_no="A1")
    held = build_order(by=manager, items=[(tee, 4)], order_no="A2", buyer_note="请发顺丰")
    unpaid = build_order(by=manager, items=[(tee, 1)], order_no="A3", paid=False)
    assert held.review_state != ReviewState.RELEASED
    client.force_login(warehouse_clerk)

    rows = pick_list(client, released, held, unpaid).context["rows"]

    assert [(row.sku_code, row.quantity) for row in rows] == [("TEE-RED-M", 2)]


def test_packing_slip_shows_the_full_phone_the_buyer_note_and_the_lines(
    client, tee, manager, warehouse_clerk
):
    order = build_order(
        by=manager,
        items=[(tee, 2)],
        order_no="SLIP-1",
        phone="13912345678",
        buyer_note="请用纸箱包装",
    )
    order.review_state = ReviewState.RELEASED  # the note stopped it; a reviewer released it
    order.save(update_fields=["review_state"])
    client.force_login(warehouse_clerk)

    page = packing_slips(client, order).content.decode()

    assert "13912345678" in page
    assert "请用纸箱包装" in page
    assert 'class="slip-number">SLIP-1<' in page
    assert "浙江省 杭州市 西湖区文三路 100 号" in page
    assert "window.print()" in page


def test_warehouse_page_lists_released_orders_and_selects_the_oldest_fifty(
    client, mug, manager, warehouse_clerk
):
    orders = [build_order(by=manager, items=[(mug, 1)]) for _ in range(52)]
    client.force_login(warehouse_clerk)

    response = client.get(reverse("orders:warehouse"), {"select": "oldest"})

    assert response.context["total"] == 52
    assert response.context["selected"] == {order.pk for order in orders[:50]}


def test_warehouse_page_filters_by_channel(client, mug, manager, warehouse_clerk):
    build_order(by=manager, items=[(mug, 1)], order_no="TB-1", channel="taobao")
    build_order(by=manager, items=[(mug, 1)], order_no="JD-1", channel="jd")
    client.force_login(warehouse_clerk)

    response = client.get(
        reverse("orders:warehouse"), {"channel": SalesChannel.objects.get(code="jd").pk}
    )

    assert [order.order_no for order in response.context["orders"]] == ["JD-1"]


def _queries_for(client, url, orders) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"order": [order.pk for order in orders]})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url_name", ["orders:warehouse-pick-list", "orders:warehouse-packing-slips"]
)
def test_printing_a_batch_takes_as_many_queries_for_twenty_orders_as_for_five(
    client, mug, cap, manager, warehouse_clerk, url_name
):
    orders = [build_order(by=manager, items=[(mug, 2), (cap, 1)]) for _ in range(5)]
    orders += [build_order(by=manager, items=[(mug, 1)]) for _ in range(15)]
    client.force_login(warehouse_clerk)
    url = reverse(url_name)
    _queries_for(client, url, orders[:1])  # warm the session and permission caches

    for_five = _queries_for(client, url, orders[:5])
    for_twenty = _queries_for(client, url, orders)

    assert for_twenty == for_five


def test_marketing_cannot_open_the_warehouse_pages(client, marketer, service_agent):
    for user in (marketer, service_agent):
        client.force_login(user)
        for name in ("orders:warehouse", "orders:warehouse-pick-list"):
            assert client.get(reverse(name)).status_code == 403


def test_the_warehouse_entry_follows_the_order_console_in_the_navigation():
    keys = [item.key for item in ITEMS]

    assert keys[keys.index("console") + 1] == "warehouse-work"

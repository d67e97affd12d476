"""The console stays cheap as orders grow: constant query counts, no full-table COUNT(*)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders import selectors
from orders.models import AfterSalesReason, CaseType
from orders.services import open_case
from tests.orders.factories import VariantFactory, build_order

pytestmark = pytest.mark.django_db

UNFILTERED_ORDER_COUNT = re.compile(
    r'SELECT COUNT\(\*\)[^;]*?FROM "orders_order"(?![^;]*\bWHERE\b)', re.IGNORECASE
)


def _order_page_queries(client, order) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("orders:console-order", args=[order.pk]))
    assert response.status_code == 200
    return len(captured)


def _stocked_variants(count, *, by):
    from inventory import services as inventory

    variants = [VariantFactory() for _number in range(count)]
    for variant in variants:
        inventory.receive(variant=variant, quantity=10, by=by, reason="Delivery")
    return variants


def _open_cases(order, *, by, count):
    reason = AfterSalesReason.objects.filter(is_active=True).first()
    for line in list(order.lines.all())[:count]:
        open_case(order=order, kind=CaseType.REFUND_ONLY, reason=reason, by=by, lines=[(line, 1)])


def test_the_order_page_query_count_does_not_grow_with_lines_cases_or_history(
    client, tee, manager, service_agent
):
    small = build_order(by=service_agent, items=[(tee, 1)], buyer_nickname="one_order_buyer")
    _open_cases(small, by=service_agent, count=1)
    variants = _stocked_variants(4, by=manager)
    for _number in range(3):
        build_order(by=service_agent, items=[(tee, 1)], buyer_nickname="busy_buyer")
    large = build_order(
        by=service_agent,
        items=[(tee, 2), *[(variant, 1) for variant in variants]],
        buyer_nickname="busy_buyer",
    )
    _open_cases(large, by=service_agent, count=3)
    client.force_login(service_agent)
    client.get(reverse("orders:console-order", args=[small.pk]))  # warm the session

    small_count = _order_page_queries(client, small)
    large_count = _order_page_queries(client, large)

    assert large.lines.count() == 5 and large.after_sales_cases.count() == 3
    assert large_count == small_count


def test_the_order_page_lists_every_line_in_the_open_case_form(client, tee, cap, service_agent):
    order = build_order(by=service_agent, items=[(tee, 1), (cap, 2)])
    client.force_login(service_agent)

    page = client.get(reverse("orders:console-order", args=[order.pk])).content.decode()

    for line in order.lines.all():
        assert f'<option value="{line.pk}">{line.sku_code} · {line.title} × {line.quantity}' in (
            page
        )
    for reason in AfterSalesReason.objects.filter(is_active=True):
        assert f'<option value="{reason.code}"' in page


def test_the_order_page_shows_the_customers_other_orders_newest_first(client, tee, service_agent):
    first = build_order(by=service_agent, items=[(tee, 1)], order_no="OLD-1")
    second = build_order(by=service_agent, items=[(tee, 1)], order_no="OLD-2")
    current = build_order(by=service_agent, items=[(tee, 1)], order_no="NOW-1")

    assert selectors.other_orders_of_customer(current) == [second, first]


def test_console_pages_never_count_every_order(client, tee, service_agent):
    build_order(by=service_agent, items=[(tee, 1)])
    client.force_login(service_agent)

    for key in selectors.QUEUE_LABELS:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("orders:console"), {"queue": key, "page": 2})
        assert response.status_code == 200
        unfiltered = [q["sql"] for q in captured if UNFILTERED_ORDER_COUNT.search(q["sql"])]
        assert unfiltered == [], key


@pytest.mark.parametrize("text", ["a_b", "a%", "a\\b", "50%_off", "张_"])
def test_the_compiled_search_treats_like_wildcards_as_plain_text(
    text, tee, service_agent, monkeypatch
):
    """The union SQL is compiled once per shape; the typed text must still be escaped."""
    for number, nickname in enumerate(["a_bc", "axbc", "a%z", "abz", "a\\bc", "50%_off!", "张_三"]):
        build_order(
            by=service_agent, items=[(tee, 1)], order_no=f"W{number}", buyer_nickname=nickname
        )
    answers = {}
    for merged in (True, False):
        if merged and connection.vendor == "sqlite":
            continue  # SQLite refuses ORDER BY inside a compound statement
        monkeypatch.setattr(connection.features, "supports_slicing_ordering_in_compound", merged)
        answers[merged] = [order.buyer_nickname for order in selectors.search_orders(text)]

    expected = [n for n in ["a_bc", "a%z", "a\\bc", "50%_off!", "张_三"] if n.startswith(text)]
    for found in answers.values():
        assert sorted(found) == sorted(expected)


def test_search_answers_stay_right_when_shapes_alternate(tee, service_agent):
    """A cached shape is reused with new text: each search answers for its own text."""
    build_order(
        by=service_agent, items=[(tee, 1)], order_no="TB-A", phone="13911112222", buyer_nickname="x"
    )
    build_order(
        by=service_agent, items=[(tee, 1)], order_no="TB-B", phone="13933334444", buyer_nickname="y"
    )

    found = [
        [order.order_no for order in selectors.search_orders(text)]
        for text in ["2222", "4444", "TB-A", "TB-B", "13933334444", "13911112222"]
    ]

    assert found == [["TB-A"], ["TB-B"], ["TB-A"], ["TB-B"], ["TB-B"], ["TB-A"]]

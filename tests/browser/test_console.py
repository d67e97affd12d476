"""A customer-service day in the real browser: find, ship, return, receive, refund."""

from decimal import Decimal

import pytest

from inventory import services as inventory
from orders.models import (
    AfterSalesCase,
    AfterSalesReason,
    CaseState,
    Order,
    OrderSettings,
    OrderStatus,
)
from tests.browser.conftest import login_as
from tests.orders.conftest import stock_of
from tests.orders.factories import CarrierFactory, VariantFactory, WarehouseFactory, build_order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(manager):
    """A tee with 10 units in the default warehouse, and SF Express."""
    WarehouseFactory(code="WH-MAIN", name="主仓", is_default=True)
    rules = OrderSettings.load()
    rules.duplicate_window_minutes = 0
    rules.save()
    tee = VariantFactory(sku_code="TEE-RED-M", price=Decimal("89.00"))
    inventory.receive(variant=tee, quantity=10, by=manager, reason="Delivery")
    return tee, CarrierFactory(code="sf", name="SF Express")


def test_find_by_last_four_phone_digits_ship_return_receive_and_refund(
    page, live_server, shop, service_agent, warehouse_clerk
):
    tee, _sf = shop
    AfterSalesReason.objects.get_or_create(code="size", defaults={"name": "Size"})
    build_order(by=service_agent, items=[(tee, 1)], order_no="TB-OTHER", phone="13800000000")
    order = build_order(
        by=service_agent, items=[(tee, 2)], order_no="TB-WANTED", phone="13912344321"
    )

    # The warehouse finds the order by the last 4 digits and ships it.
    login_as(page, live_server, warehouse_clerk)
    page.goto(f"{live_server.url}/console/")
    page.keyboard.press("/")
    page.keyboard.type("4321")
    page.wait_for_selector("#search-results [data-count='1']")
    assert "139****4321" in page.inner_text("#search-results")
    page.click("#search-results a:has-text('TB-WANTED')")
    page.fill("#ship-form input[name=tracking_number]", "SF9988776655")
    page.click("#ship-form button[type=submit]")
    page.wait_for_selector(".messages >> text=Shipped with SF Express SF9988776655")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED

    # Customer service opens a return for one tee, receives it and refunds it, in place.
    page.context.clear_cookies()
    login_as(page, live_server, service_agent)
    page.goto(f"{live_server.url}/console/orders/{order.pk}/")
    page.keyboard.press("r")
    page.select_option("select[name=kind]", "return_refund")
    page.select_option("select[name=reason]", "size")
    page.select_option("select[name=line]", index=1)
    page.fill("input[name=quantity]", "1")
    page.click("#open-case button[type=submit]")
    page.wait_for_selector("article.case[data-state=requested]")
    for button in ["Approve", "Buyer sends it back", "Mark return received", "Refund"]:
        page.click(f"article.case button:text-is('{button}')")
        page.wait_for_selector(".messages .success")
    page.wait_for_selector("article.case[data-state=refunded]")

    case = AfterSalesCase.objects.get(order=order)
    assert case.state == CaseState.REFUNDED
    assert Order.objects.get(pk=order.pk).refunded_total == Decimal("89.00")
    assert stock_of(tee) == (9, 1)  # two shipped, one came back; TB-OTHER holds one
    assert page.console_errors == []

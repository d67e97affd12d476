"""A refund given in the console reaches the dashboard through the freshness task."""

from decimal import Decimal

import pytest

from inventory import services as inventory
from orders.models import AfterSalesReason, OrderSettings
from reports.models import DailySummary
from reports.services import build_day
from reports.tasks import rebuild_touched_days_task
from storeops import business_day
from tests.browser.conftest import login_as
from tests.orders.factories import VariantFactory, WarehouseFactory, build_order

pytestmark = pytest.mark.django_db(transaction=True)


def refunds_card(page) -> str:
    return page.inner_text("[data-kpi=refunds] dd.value").strip()


def test_a_refund_in_the_console_shows_on_the_dashboard_after_the_periodic_rebuild(
    page, live_server, manager, service_agent
):
    WarehouseFactory(code="WH-MAIN", name="主仓", is_default=True)
    rules = OrderSettings.load()
    rules.duplicate_window_minutes = 0
    rules.save()
    AfterSalesReason.objects.get_or_create(code="quality", defaults={"name": "Quality"})
    tee = VariantFactory(sku_code="TEE-RED-M", price=Decimal("89.00"))
    inventory.receive(variant=tee, quantity=10, by=manager, reason="Delivery")
    order = build_order(by=service_agent, items=[(tee, 2)], order_no="TB-REFUND")
    today = business_day.today()
    build_day(today)
    rebuild_touched_days_task.apply()  # the watermark passes the order: nothing left to do
    dashboard = f"{live_server.url}/dashboard/?period=day&date={today:%Y-%m-%d}"

    login_as(page, live_server, manager)
    page.goto(dashboard)
    assert refunds_card(page) == "0.00"
    assert page.inner_text("[data-kpi=paid_sales] dd.value").strip() == "178.00"

    # Customer service refunds one tee (refund only) on the order page.
    page.context.clear_cookies()
    login_as(page, live_server, service_agent)
    page.goto(f"{live_server.url}/console/orders/{order.pk}/")
    page.keyboard.press("r")
    page.select_option("select[name=kind]", "refund_only")
    page.select_option("select[name=reason]", "quality")
    page.select_option("select[name=line]", index=1)
    page.fill("input[name=quantity]", "1")
    page.click("#open-case button[type=submit]")
    page.wait_for_selector("article.case[data-state=requested]")
    page.click("article.case button:text-is('Approve')")
    page.wait_for_selector("article.case[data-state=approved]")
    page.fill("article.case input[name=amount]", "89.00")
    page.click("article.case button:text-is('Refund')")
    page.wait_for_selector("article.case[data-state=refunded]")

    # The stored row is stale until the periodic task (every few minutes) runs.
    assert DailySummary.objects.get(date=today, channel=None).refunds == Decimal("0.00")
    rebuilt = rebuild_touched_days_task.apply().get()
    assert today.isoformat() in rebuilt

    page.context.clear_cookies()
    login_as(page, live_server, manager)
    page.goto(dashboard)
    assert refunds_card(page) == "89.00"
    assert page.inner_text("[data-kpi=paid_sales] dd.value").strip() == "178.00"
    assert page.console_errors == []

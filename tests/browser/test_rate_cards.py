"""The rate cards page in a browser: the calculator answers while the clerk types."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.browser.conftest import login_as
from tests.orders.factories import CarrierFactory, RateCardFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_calculator_prices_a_parcel_as_the_fields_change(page, live_server, warehouse_clerk):
    sf = CarrierFactory(code="sf", name="SF Express")
    RateCardFactory(carrier=sf, first_price=Decimal("12.00"), additional_price=Decimal("2.00"))
    RateCardFactory(
        carrier=sf,
        province="新疆维吾尔自治区",
        first_price=Decimal("20.00"),
        additional_price=Decimal("8.00"),
    )
    login_as(page, live_server, warehouse_clerk)
    page.goto(f"{live_server.url}{reverse('orders:rate-cards')}")

    page.fill("#id_weight_kg", "2.3")
    page.fill("#id_province", "新疆维吾尔自治区")
    page.locator("#quote [data-card='province']").wait_for()

    assert page.locator("#quote .cost").inner_text() == "36.00"
    assert page.url.endswith(reverse("orders:rate-cards"))  # answered in place
    assert page.console_errors == []

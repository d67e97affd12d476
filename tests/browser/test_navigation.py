import pytest
from django.urls import reverse

from tests.browser.conftest import login_as
from tests.catalog.product_factories import ProductFactory, VariantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLE_FIXTURES = ["manager", "service_agent", "warehouse_clerk", "marketer"]
# Swagger UI is its own page, outside base.html: no app h1 and no htmx there.
NOT_APP_PAGES = {"api-docs"}


@pytest.mark.parametrize("role_fixture", ROLE_FIXTURES)
def test_every_top_nav_link_of_the_role_opens_a_working_page(
    role_fixture, request, page, live_server
):
    user = request.getfixturevalue(role_fixture)
    login_as(page, live_server, user)
    keys = page.locator(".mainnav a").evaluate_all("links => links.map(link => link.dataset.nav)")
    assert "home" in keys
    assert page.evaluate("typeof htmx") == "object"

    for key in keys:
        if not page.locator(".mainnav").count():
            page.goto(f"{live_server.url}/")
        link = page.locator(f'.mainnav a[data-nav="{key}"]')
        menu = page.locator(f'.mainnav details:has(a[data-nav="{key}"]) > summary')
        if menu.count():
            menu.click()  # entries in a menu open it first, as a person would
        with page.expect_navigation() as navigation:
            link.click()
        response = navigation.value
        page.wait_for_load_state("load")

        assert response.status < 400, f"{key}: HTTP {response.status} at {page.url}"
        if key not in NOT_APP_PAGES:
            assert page.locator("main h1").first.is_visible(), key
            assert page.evaluate("typeof htmx") == "object", key
            assert (
                page.locator(f'.mainnav a[data-nav="{key}"]').get_attribute("aria-current")
                == "page"
            ), key
        assert page.console_errors == [], f"{key}: {page.console_errors}"


@pytest.fixture
def tablet(viewport):
    viewport.update(width=768, height=1024)


def has_no_horizontal_page_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_home_fits_a_tablet_without_sideways_scrolling(tablet, page, live_server, manager):
    login_as(page, live_server, manager)

    assert page.evaluate("window.innerWidth") == 768
    assert has_no_horizontal_page_overflow(page)


def test_product_list_fits_a_tablet_and_its_table_scrolls_inside(
    tablet, page, live_server, manager
):
    for number in range(3):
        VariantFactory(
            product=ProductFactory(title=f"Long product title for the tablet layout {number}")
        )
    login_as(page, live_server, manager)

    page.goto(f"{live_server.url}{reverse('catalog:product-list')}")

    table = page.locator("table.product-list")
    assert table.locator("tbody tr").count() == 3
    assert has_no_horizontal_page_overflow(page)
    assert table.evaluate("table => table.scrollWidth > table.clientWidth")
    assert page.console_errors == []

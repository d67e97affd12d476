import re

import pytest
from django.urls import reverse

from storeops import navigation
from storeops.roles import ROLE_CAPABILITIES, Role

ROLE_FIXTURES = {
    Role.OPERATIONS_MANAGER: "manager",
    Role.CUSTOMER_SERVICE: "service_agent",
    Role.WAREHOUSE: "warehouse_clerk",
    Role.MARKETING: "marketer",
}


def keys_in(html: str, attribute: str) -> set[str]:
    return set(re.findall(rf'{attribute}="([^"]+)"', html))


def expected_work_keys(role: Role) -> set[str]:
    """Worked out from the role table, not from the permissions the page checks."""
    capabilities = ROLE_CAPABILITIES[role]
    return {
        item.key
        for item in navigation.ITEMS
        if item.description and (item.capability is None or item.capability in capabilities)
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ROLE_FIXTURES), ids=lambda role: role.name.lower())
def test_home_lists_exactly_the_areas_the_role_may_use(role, request, client):
    client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))

    response = client.get(reverse("home"))

    html = response.content.decode()
    assert response.status_code == 200
    assert keys_in(html, "data-work") == expected_work_keys(role)
    assert keys_in(html, "data-nav") == expected_work_keys(role) | {"home"}


@pytest.mark.django_db
def test_customer_service_sees_no_stock_or_supplier_links(service_agent, client):
    client.force_login(service_agent)

    html = client.get(reverse("home")).content.decode()

    assert keys_in(html, "data-work") == {
        "console",
        "products",
        "categories",
        "imports",
        "api-docs",
    }
    assert reverse("inventory:stock-list") not in html
    assert reverse("catalog:supplier-list") not in html


@pytest.mark.django_db
def test_warehouse_sees_stock_and_supplier_links(warehouse_clerk, client):
    client.force_login(warehouse_clerk)

    html = client.get(reverse("home")).content.decode()

    assert keys_in(html, "data-work") == {
        "console",
        "warehouse-work",
        "rate-cards",
        "products",
        "categories",
        "stock",
        "purchase-orders",
        "reorder",
        "slow-movers",
        "stocktake",
        "suppliers",
        "imports",
        "api-docs",
    }


@pytest.mark.django_db
def test_home_shows_each_area_with_its_description(marketer, client):
    client.force_login(marketer)

    html = client.get(reverse("home")).content.decode()

    assert "Upload spreadsheets and follow the import jobs you started." in html
    assert "Check stock levels" not in html


@pytest.mark.django_db
def test_user_without_a_role_is_told_to_ask_a_manager(make_user, client):
    client.force_login(make_user(None))

    html = client.get(reverse("home")).content.decode()

    assert "Ask an operations manager to give you one" in html
    assert keys_in(html, "data-work") == set()
    assert keys_in(html, "data-nav") == {"home", "api-docs"}


@pytest.mark.django_db
def test_anonymous_user_is_redirected_to_sign_in(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


@pytest.mark.django_db
def test_switching_to_simplified_chinese_renders_chinese(manager, client):
    client.force_login(manager)

    switch = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    response = client.get(reverse("home"))

    assert switch.status_code == 302
    assert '<html lang="zh-hans">' in response.content.decode()
    assert 'aria-pressed="true">简体中文</button>' in response.content.decode()


@pytest.mark.django_db
def test_related_entries_share_a_menu_and_a_lone_entry_stands_alone(client, manager, service_agent):
    client.force_login(manager)
    html = client.get(reverse("inventory:stock-list")).content.decode()
    client.force_login(service_agent)
    agent_html = client.get(reverse("home")).content.decode()

    assert keys_in(html, "data-group") >= {"orders", "stock", "catalog"}
    # The current page's menu is marked, so the manager sees where they are.
    assert 'data-group="stock" data-active' in html
    # Customer service has only the console of the orders group: a plain link.
    assert 'data-group="orders"' not in agent_html
    assert 'data-nav="console"' in agent_html

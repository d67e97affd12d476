"""POST /api/v1/orders/: the caller's permissions, read in one statement, decide as before."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.auth.models import User as DjangoUser
from rest_framework.test import APIClient

from orders.models import Order
from storeops.access import load_access
from storeops.roles import Role
from tests.orders.test_api import order_payload

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_one_read_gives_what_django_reads_in_two(make_user, django_assert_num_queries):
    user = make_user(Role.WAREHOUSE)
    user.user_permissions.add(Permission.objects.get(codename="view_profit"))
    loaded = DjangoUser.objects.get(pk=user.pk)
    fresh = DjangoUser.objects.get(pk=user.pk)

    with django_assert_num_queries(1):
        load_access(loaded)
        loaded.get_all_permissions()

    assert loaded.get_user_permissions() == fresh.get_user_permissions() == {"storeops.view_profit"}
    assert loaded.get_group_permissions() == fresh.get_group_permissions()
    assert loaded.get_all_permissions() == fresh.get_all_permissions()
    assert "storeops.ship_orders" in loaded.get_all_permissions()


def test_a_role_without_the_order_console_is_refused_and_nothing_is_stored(tee, make_user):
    marketer = make_user(Role.MARKETING)

    response = client_for(marketer).post("/api/v1/orders/", order_payload(), format="json")

    assert response.status_code == 403
    assert not Order.objects.exists()


def test_the_order_console_granted_to_the_user_alone_is_enough(tee, make_user):
    user = make_user(username="direct")
    user.user_permissions.add(Permission.objects.get(codename="use_order_console"))

    response = client_for(user).post("/api/v1/orders/", order_payload(), format="json")

    assert response.status_code == 201
    assert Order.objects.get().order_no == "TM-0001"

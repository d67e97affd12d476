import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from storeops.roles import ROLE_CAPABILITIES, Capability, Role, has_capability, roles_of


@pytest.mark.django_db
def test_migrations_create_one_group_per_role_with_its_capabilities():
    for role, capabilities in ROLE_CAPABILITIES.items():
        group = Group.objects.get(name=role.value)
        codenames = set(group.permissions.values_list("codename", flat=True))
        assert codenames == {capability.value for capability in capabilities}


@pytest.mark.django_db
def test_customer_service_never_sees_cost_profit_or_ad_spend(service_agent):
    assert not has_capability(service_agent, Capability.VIEW_COSTS)
    assert not has_capability(service_agent, Capability.VIEW_PROFIT)
    assert not has_capability(service_agent, Capability.VIEW_AD_SPEND)
    assert has_capability(service_agent, Capability.USE_ORDER_CONSOLE)


@pytest.mark.django_db
def test_operations_manager_holds_every_capability(manager):
    assert all(has_capability(manager, capability) for capability in Capability)


@pytest.mark.django_db
def test_inactive_user_holds_no_capability(make_user):
    user = make_user(Role.OPERATIONS_MANAGER, is_active=False)

    assert not has_capability(user, Capability.VIEW_DASHBOARD)


@pytest.mark.django_db
def test_create_demo_users_makes_one_user_per_role_and_can_run_twice(django_user_model):
    call_command("create_demo_users")
    call_command("create_demo_users")

    users = {user.username: user for user in django_user_model.objects.all()}
    assert set(users) == {"manager", "service", "warehouse", "marketing", "admin"}
    assert roles_of(users["service"]) == [Role.CUSTOMER_SERVICE]
    assert roles_of(users["warehouse"]) == [Role.WAREHOUSE]
    assert users["marketing"].check_password("demo-marketing")
    assert users["admin"].is_superuser and roles_of(users["admin"]) == []

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


@pytest.mark.django_db
def test_capabilities_and_roles_of_a_request_come_from_one_statement(
    make_user, django_assert_num_queries
):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    agent = make_user(Role.CUSTOMER_SERVICE, "agent-plus")
    # A capability given to the person alone, beside their role's.
    agent.user_permissions.add(Permission.objects.get(codename=Capability.VIEW_COSTS.value))
    fresh = get_user_model().objects.get(pk=agent.pk)  # as a request loads its user

    with django_assert_num_queries(1):
        assert has_capability(fresh, Capability.USE_ORDER_CONSOLE)
        assert has_capability(fresh, Capability.VIEW_COSTS)
        assert not has_capability(fresh, Capability.VIEW_PROFIT)
        assert roles_of(fresh) == [Role.CUSTOMER_SERVICE]
    assert (
        fresh.get_all_permissions()
        == get_user_model().objects.get(pk=agent.pk).get_all_permissions()
    )


@pytest.mark.django_db
def test_a_superuser_holds_every_capability_and_shows_the_roles_it_was_given(
    django_assert_num_queries,
):
    from django.contrib.auth import get_user_model

    boss = get_user_model().objects.create_superuser("boss", password="x")
    boss.groups.add(Group.objects.get(name=Role.MARKETING.value))
    fresh = get_user_model().objects.get(pk=boss.pk)

    with django_assert_num_queries(1):
        assert all(has_capability(fresh, capability) for capability in Capability)
        assert roles_of(fresh) == [Role.MARKETING]

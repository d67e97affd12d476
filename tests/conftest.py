"""Shared test set-up.

Tests that need PostgreSQL, a real Redis broker or a browser skip with a
one-line reason on a laptop that lacks them; in CI (``CI=true``) a missing
service fails the run instead, so nothing is skipped silently there.
"""

from __future__ import annotations

import importlib
import os

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from storeops.celery import app as celery_app
from storeops.roles import Role, sync_role_groups

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, reason: str) -> None:
    """Skip the test for ``reason`` unless the condition holds; in CI, fail instead."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.fixture
def postgres_only():
    require(is_postgres(), "needs PostgreSQL (set DATABASE_URL=postgres://...)")


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Tests create many users; the production hasher is slow on purpose."""
    previous = settings.PASSWORD_HASHERS
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield
    settings.PASSWORD_HASHERS = previous


def _ensure_reference_data() -> None:
    """Role groups and sales channels come from data migrations; a transactional
    test's flush removes them, so put them back when they are missing."""
    from django.apps import apps

    from customers.models import SalesChannel

    if Group.objects.filter(name__in=[r.value for r in Role]).count() < len(Role):
        sync_role_groups(apps)
    if not SalesChannel.objects.exists():
        importlib.import_module("customers.migrations.0002_sales_channels").add_channels(apps, None)


@pytest.fixture(autouse=True)
def _reference_data(request):
    marker = request.node.get_closest_marker("django_db")
    uses_db = {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    if marker is None and not uses_db:
        return
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    _ensure_reference_data()


@pytest.fixture(autouse=True)
def _forget_remembered_figures():
    """Figures a process remembers between requests start empty in every test."""
    from reports.selectors import forget_period_buyers

    forget_period_buyers()


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Tasks run in-process in tests, except those that exercise a real worker."""
    if request.node.get_closest_marker("redis"):
        yield
        return
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def make_user(django_user_model):
    """Create a user holding the given role (``make_user(Role.WAREHOUSE)``)."""

    def make(role: Role | None = None, username: str | None = None, **fields):
        username = username or (role.name.lower() if role else "nobody")
        user = django_user_model.objects.create_user(
            username=username, password="test-password-123", **fields
        )
        if role is not None:
            user.groups.add(Group.objects.get(name=role.value))
        return user

    return make


@pytest.fixture
def manager(make_user):
    return make_user(Role.OPERATIONS_MANAGER)


@pytest.fixture
def service_agent(make_user):
    return make_user(Role.CUSTOMER_SERVICE)


@pytest.fixture
def warehouse_clerk(make_user):
    return make_user(Role.WAREHOUSE)


@pytest.fixture
def marketer(make_user):
    return make_user(Role.MARKETING)

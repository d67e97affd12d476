"""Roles and the capabilities each one has.

A *capability* is a permission of the ``storeops`` app (``storeops.view_costs``);
a *role* is a Django group holding a set of capabilities. Pages, API endpoints
and navigation check capabilities, never group names, so a store can give one
person two roles or tailor a group in the admin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from storeops.access import group_names, load_access

APP_LABEL = "storeops"


class Capability(models.TextChoices):
    VIEW_DASHBOARD = "view_dashboard", _("Open the operations dashboard")
    VIEW_REPORTS = "view_reports", _("Read reports and download the daily workbook")
    USE_ORDER_CONSOLE = "use_order_console", _("Use the order console")
    HANDLE_AFTER_SALES = "handle_after_sales", _("Handle after-sales cases and refunds")
    VIEW_CUSTOMERS = "view_customers", _("See customers")
    VIEW_CATALOG = "view_catalog", _("See the catalog")
    CHANGE_CATALOG = "change_catalog", _("Edit the catalog and prices")
    MANAGE_INVENTORY = "manage_inventory", _("Manage stock, suppliers, purchasing and stocktakes")
    SHIP_ORDERS = "ship_orders", _("Pick, pack and ship orders")
    MANAGE_PROMOTIONS = "manage_promotions", _("Plan promotions and coupons")
    VIEW_AD_SPEND = "view_ad_spend", _("See and import ad spend")
    VIEW_COSTS = "view_costs", _("See cost prices and stock value")
    VIEW_PROFIT = "view_profit", _("See gross and net profit")
    MANAGE_SETTINGS = "manage_settings", _("Change store settings, targets and costs")
    IMPORT_DATA = "import_data", _("Run imports")


class Role(models.TextChoices):
    """The four roles of a store's operations team; the value is the group name."""

    OPERATIONS_MANAGER = "Operations manager", _("Operations manager")
    CUSTOMER_SERVICE = "Customer service", _("Customer service")
    WAREHOUSE = "Warehouse", _("Warehouse")
    MARKETING = "Marketing", _("Marketing")


ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.OPERATIONS_MANAGER: frozenset(Capability),
    # Customer service works orders and buyers; never cost, profit or ad spend.
    Role.CUSTOMER_SERVICE: frozenset(
        {
            Capability.USE_ORDER_CONSOLE,
            Capability.HANDLE_AFTER_SALES,
            Capability.VIEW_CUSTOMERS,
            Capability.VIEW_CATALOG,
            Capability.IMPORT_DATA,
        }
    ),
    Role.WAREHOUSE: frozenset(
        {
            Capability.USE_ORDER_CONSOLE,
            Capability.SHIP_ORDERS,
            Capability.MANAGE_INVENTORY,
            Capability.VIEW_CATALOG,
            Capability.VIEW_COSTS,
            Capability.IMPORT_DATA,
        }
    ),
    Role.MARKETING: frozenset(
        {
            Capability.VIEW_DASHBOARD,
            Capability.VIEW_REPORTS,
            Capability.MANAGE_PROMOTIONS,
            Capability.VIEW_AD_SPEND,
            Capability.VIEW_CATALOG,
            Capability.IMPORT_DATA,
        }
    ),
}


def has_capability(user: Any, capability: Capability | str) -> bool:
    """True when the user is signed in and holds the capability (superusers hold all)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    load_access(user)  # the permissions and groups in one statement, once a request
    return user.has_perm(f"{APP_LABEL}.{capability}")


def roles_of(user: Any) -> list[Role]:
    """The StoreOps roles of a user, in the order of ``Role``."""
    names = group_names(user)
    return [role for role in Role if role.value in names]


def capability_required(*capabilities: Capability) -> Callable:
    """View decorator: sign-in required, then every named capability, else 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not all(has_capability(request.user, capability) for capability in capabilities):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


class CapabilityPermission(BasePermission):
    """DRF permission: the view lists ``required_capabilities``; all must be held."""

    message = _("Your role does not allow this.")

    def has_permission(self, request: Any, view: Any) -> bool:
        required: Iterable[Capability] = getattr(view, "required_capabilities", ())
        return bool(request.user and request.user.is_authenticated) and all(
            has_capability(request.user, capability) for capability in required
        )


def sync_role_groups(apps: Any) -> None:
    """Create every capability permission and role group; safe to run again.

    Called from data migrations with the historical ``apps`` so that a fresh
    database has the roles before anyone signs in.
    """
    content_type_model = apps.get_model("contenttypes", "ContentType")
    permission_model = apps.get_model("auth", "Permission")
    group_model = apps.get_model("auth", "Group")
    content_type, _created = content_type_model.objects.get_or_create(
        app_label=APP_LABEL, model="access"
    )
    permissions = {}
    for capability in Capability:
        permission, _created = permission_model.objects.get_or_create(
            content_type=content_type,
            codename=capability.value,
            defaults={"name": str(capability.label)[:255]},
        )
        permissions[capability] = permission
    for role, capabilities in ROLE_CAPABILITIES.items():
        group, _created = group_model.objects.get_or_create(name=role.value)
        group.permissions.add(*(permissions[capability] for capability in capabilities))

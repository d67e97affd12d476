"""The main navigation: each entry names the capability that opens it.

Apps add their sections here as they land; a role sees only the entries its
capabilities open, and the pages behind them check the same capability.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from storeops.roles import Capability, has_capability


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    capability: Capability | None = None
    key: str = ""


ITEMS: list[NavItem] = [
    NavItem(_("Home"), "home", None, "home"),
    NavItem(_("Suppliers"), "catalog:supplier-list", Capability.MANAGE_INVENTORY, "suppliers"),
    NavItem(_("Imports"), "imports:job-list", Capability.IMPORT_DATA, "imports"),
    NavItem(_("API docs"), "api-docs", None, "api-docs"),
]


@dataclass(frozen=True)
class ShownItem:
    label: str | Promise
    url: str
    key: str
    is_active: bool


def items_for(request: HttpRequest) -> list[ShownItem]:
    user = request.user
    if not user.is_authenticated:
        return []
    shown = []
    for item in ITEMS:
        if item.capability is not None and not has_capability(user, item.capability):
            continue
        url = reverse(item.url_name)
        is_active = request.path == url if url == "/" else request.path.startswith(url)
        shown.append(ShownItem(item.label, url, item.key, is_active))
    return shown

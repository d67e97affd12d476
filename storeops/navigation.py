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
    # One line for the home page's "Your work today" list; empty keeps it off that list.
    description: str | Promise = ""


ITEMS: list[NavItem] = [
    NavItem(_("Home"), "home", None, "home"),
    NavItem(
        _("Dashboard"),
        "dashboard",
        Capability.VIEW_DASHBOARD,
        "dashboard",
        _("The morning read: sales, traffic, targets, anomalies and what needs attention."),
    ),
    NavItem(
        _("Order console"),
        "orders:console",
        Capability.USE_ORDER_CONSOLE,
        "console",
        _("Find any order while the buyer waits, ship it, note it, refund it."),
    ),
    NavItem(
        _("Warehouse"),
        "orders:warehouse",
        Capability.SHIP_ORDERS,
        "warehouse-work",
        _("Print pick lists and packing slips, then ship a batch of parcels."),
    ),
    NavItem(
        _("Rate cards"),
        "orders:rate-cards",
        Capability.SHIP_ORDERS,
        "rate-cards",
        _("What each carrier charges by weight and province, and a parcel's cost."),
    ),
    NavItem(
        _("Products"),
        "catalog:product-list",
        Capability.VIEW_CATALOG,
        "products",
        _("Find products and SKUs, their prices and what is available to sell."),
    ),
    NavItem(
        _("Categories"),
        "catalog:category-list",
        Capability.VIEW_CATALOG,
        "categories",
        _("Browse the category tree that groups the catalog."),
    ),
    NavItem(
        _("Stock"),
        "inventory:stock-list",
        Capability.MANAGE_INVENTORY,
        "stock",
        _("Check stock levels, spot low stock and record stock movements."),
    ),
    NavItem(
        _("Purchase orders"),
        "inventory:purchase-order-list",
        Capability.MANAGE_INVENTORY,
        "purchase-orders",
        _("Order goods from suppliers and book deliveries in."),
    ),
    NavItem(
        _("Reorder"),
        "inventory:reorder",
        Capability.MANAGE_INVENTORY,
        "reorder",
        _("See which SKUs run low and how many to order, then draft purchase orders."),
    ),
    NavItem(
        _("Slow movers"),
        "inventory:slow-movers",
        Capability.MANAGE_INVENTORY,
        "slow-movers",
        _("Find stock that is not selling and end-of-season clearance candidates."),
    ),
    NavItem(
        _("Stocktake"),
        "inventory:stocktake-list",
        Capability.MANAGE_INVENTORY,
        "stocktake",
        _("Count a warehouse blind, review the variances and post the adjustments."),
    ),
    NavItem(
        _("Suppliers"),
        "catalog:supplier-list",
        Capability.MANAGE_INVENTORY,
        "suppliers",
        _("Look up suppliers and what they deliver."),
    ),
    NavItem(
        _("Promotions"),
        "promotions:promotion-list",
        Capability.MANAGE_PROMOTIONS,
        "promotions",
        _("Plan promotions and coupon batches and preview what a basket will cost."),
    ),
    NavItem(
        _("Campaigns"),
        "promotions:campaign-list",
        Capability.MANAGE_PROMOTIONS,
        "campaigns",
        _("Plan platform sale events (618, 双11): SKUs, campaign prices and the checklist."),
    ),
    NavItem(
        _("Ad spend"),
        "promotions:ad-spend",
        Capability.VIEW_AD_SPEND,
        "ad-spend",
        _("Follow paid-traffic spend, ROAS and budget pacing per ad channel and campaign."),
    ),
    NavItem(
        _("Live streams"),
        "promotions:live-sessions",
        Capability.VIEW_AD_SPEND,
        "live-sessions",
        _("Follow each live-stream session: viewers, clicks, buyers, sales and conversion."),
    ),
    NavItem(
        _("Imports"),
        "imports:job-list",
        Capability.IMPORT_DATA,
        "imports",
        _("Upload spreadsheets and follow the import jobs you started."),
    ),
    NavItem(
        _("Report data"),
        "reports:settings",
        Capability.VIEW_REPORTS,
        "report-data",
        _("Targets, fee rates and costs, and the traffic and ratings the platforms report."),
    ),
    NavItem(
        _("Service team"),
        "customers:service-team",
        Capability.VIEW_REPORTS,
        "service-team",
        _("Inquiries, conversion and first response per customer-service agent."),
    ),
    NavItem(
        _("API docs"),
        "api-docs",
        None,
        "api-docs",
        _("Read the REST API reference for integrations."),
    ),
]


@dataclass(frozen=True)
class ShownItem:
    label: str | Promise
    url: str
    key: str
    is_active: bool
    description: str | Promise = ""


def items_for(request: HttpRequest) -> list[ShownItem]:
    user = request.user
    if not user.is_authenticated:
        return []
    allowed = [
        (item, reverse(item.url_name))
        for item in ITEMS
        if item.capability is None or has_capability(user, item.capability)
    ]
    # The entry whose address is the longest prefix of this page is the current
    # one: /inventory/purchase-orders/ is "Purchase orders", not also "Stock".
    matching = [
        url
        for _item, url in allowed
        if (request.path == url if url == "/" else request.path.startswith(url))
    ]
    current = max(matching, key=len, default=None)
    return [
        ShownItem(item.label, url, item.key, url == current, item.description)
        for item, url in allowed
    ]


# The top bar groups related entries under one menu; an entry not listed here
# stands alone. A group the role sees only one entry of shows that entry alone.
GROUPS: list[tuple[str, str | Promise, tuple[str, ...]]] = [
    ("orders", _("Orders"), ("console", "warehouse-work", "rate-cards")),
    ("catalog", _("Catalog"), ("products", "categories")),
    (
        "stock",
        _("Stock"),
        ("stock", "purchase-orders", "reorder", "slow-movers", "stocktake", "suppliers"),
    ),
    ("marketing", _("Marketing"), ("promotions", "campaigns", "ad-spend", "live-sessions")),
    ("reports", _("Reports"), ("dashboard", "report-data", "service-team")),
]


@dataclass(frozen=True)
class NavSection:
    """One place in the top bar: a single entry, or a menu of several."""

    key: str
    label: str | Promise
    items: list[ShownItem]

    @property
    def is_menu(self) -> bool:
        return len(self.items) > 1

    @property
    def is_active(self) -> bool:
        return any(item.is_active for item in self.items)


def sections_for(request: HttpRequest) -> list[NavSection]:
    """The top bar: entries in ``ITEMS`` order, related ones gathered into menus."""
    group_of = {key: (group, label) for group, label, keys in GROUPS for key in keys}
    sections: list[NavSection] = []
    by_group: dict[str, NavSection] = {}
    for item in items_for(request):
        group, label = group_of.get(item.key, (item.key, item.label))
        section = by_group.get(group)
        if section is None:
            section = by_group[group] = NavSection(group, label, [])
            sections.append(section)
        section.items.append(item)
    return sections


def work_items_for(request: HttpRequest) -> list[ShownItem]:
    """The areas the user's roles open, each with a description, for the home page."""
    return [item for item in items_for(request) if item.description]

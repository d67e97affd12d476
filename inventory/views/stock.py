"""Stock pages for the warehouse role: the stock list (and its CSV) and a SKU's ledger."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from inventory import selectors
from inventory.errors import UnknownSku
from inventory.filters import StockLevelFilter
from inventory.models import StockLevel, Warehouse
from storeops import exports
from storeops.roles import Capability, capability_required, has_capability

PAGE_SIZE = 50
LEDGER_PAGE_SIZE = 50


@require_GET
@capability_required(Capability.MANAGE_INVENTORY)
def stock_list(request: HttpRequest) -> HttpResponse:
    with_costs = has_capability(request.user, Capability.VIEW_COSTS)
    filterset = StockLevelFilter(
        request.GET or None, queryset=selectors.stock_levels(with_costs=with_costs)
    )
    levels = filterset.qs
    if request.GET.get("export") in ("csv", "xlsx"):
        return _stock_export(levels, with_costs=with_costs, file_format=request.GET["export"])
    page = Paginator(levels, PAGE_SIZE).get_page(request.GET.get("page"))
    total_value = None
    if with_costs:
        total_value = levels.order_by().aggregate(total=Sum("value_at_cost"))["total"]
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return render(
        request,
        "inventory/stock_list.html",
        {
            "filter": filterset,
            "page": page,
            "with_costs": with_costs,
            "total_value": total_value,
            "query": query.urlencode(),
        },
    )


def _stock_export(levels, *, with_costs: bool, file_format: str) -> HttpResponse:
    """The filtered stock list as CSV or XLSX (text that looks like a formula is escaped)."""
    headers = [
        _("SKU code"),
        _("Product"),
        _("Category"),
        _("Warehouse"),
        _("On hand"),
        _("Reserved"),
        _("Available"),
        _("On order"),
        _("Reorder point"),
    ]
    if with_costs:
        headers += [_("Cost price"), _("Value at cost")]

    def rows() -> Iterator[list]:
        for level in levels.iterator(chunk_size=2000):
            variant = level.variant
            row = [
                variant.sku_code,
                variant.product.title,
                variant.product.category.name,
                level.warehouse.code,
                level.on_hand,
                level.reserved,
                level.available_quantity,
                level.on_order,
                variant.reorder_point,
            ]
            if with_costs:
                row += [variant.cost_price, level.value_at_cost]
            yield row

    filename = f"stock-{timezone.localtime():%Y%m%d-%H%M}"
    if file_format == "xlsx":
        sheet = exports.Sheet(
            title=_("Stock"),
            headers=headers,
            rows=rows(),
            money_columns=(9, 10) if with_costs else (),
            widths=(16, 32, 16, 10, 10, 10, 10, 10, 12, 12, 14),
        )
        return exports.xlsx_response(f"{filename}.xlsx", [sheet])
    return exports.csv_response(f"{filename}.csv", headers, rows())


@require_GET
@capability_required(Capability.MANAGE_INVENTORY)
def sku_detail(request: HttpRequest, sku_code: str) -> HttpResponse:
    try:
        variant = selectors.variant_for_sku(sku_code)
    except UnknownSku as error:
        raise Http404(str(error)) from error
    with_costs = has_capability(request.user, Capability.VIEW_COSTS)
    levels: list[StockLevel] = list(selectors.levels_for_variant(variant, with_costs=with_costs))
    warehouse: Warehouse | None = None
    warehouse_code = request.GET.get("warehouse", "")
    if warehouse_code:
        warehouse = next(
            (level.warehouse for level in levels if level.warehouse.code == warehouse_code), None
        )
        if warehouse is None:
            raise Http404(_("This SKU has no stock record in that warehouse."))
    ledger = selectors.ledger_for(variant, warehouse=warehouse)
    page = Paginator(ledger, LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inventory/sku_detail.html",
        {
            "variant": variant,
            "levels": levels,
            "totals": {
                "on_hand": sum(level.on_hand for level in levels),
                "reserved": sum(level.reserved for level in levels),
                "available": sum(level.available for level in levels),
                "on_order": sum(level.on_order for level in levels),
                "value_at_cost": (
                    sum(level.value_at_cost for level in levels) if with_costs else None
                ),
            },
            "warehouse": warehouse,
            "page": page,
            "with_costs": with_costs,
        },
    )

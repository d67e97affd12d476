"""Catalog export: every SKU of the (filtered) product list in the products
import's own columns, so that a file exported, edited and imported again
changes exactly what was edited. Needs VIEW_CATALOG; the cost price column is
only written for VIEW_COSTS holders, and an import without that column leaves
costs as they are."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from catalog.filters import ProductFilter
from catalog.importers.products import ProductImport
from catalog.models import Variant
from catalog.selectors import products as selectors
from catalog.selectors.categories import category_paths
from storeops import exports
from storeops.roles import Capability, capability_required, has_capability

MONEY_COLUMNS = ("price", "cost_price")


def export_columns(*, with_costs: bool) -> list[str]:
    """The products import's canonical columns, without ``cost_price`` unless allowed."""
    return [name for name in ProductImport.template_headers() if with_costs or name != "cost_price"]


def export_variants(products: QuerySet) -> QuerySet[Variant]:
    return (
        Variant.objects.filter(product__in=products.order_by().values("pk"))
        .select_related("product", "supplier")
        .order_by("product__code", "sku_code")
    )


def export_rows(variants: QuerySet[Variant], columns: list[str]) -> Iterator[list[Any]]:
    paths = category_paths()
    for variant in variants.iterator(chunk_size=2000):
        product = variant.product
        values = {
            "product_code": product.code,
            "product_title": product.title,
            "category": paths.get(product.category_id, ""),
            "brand": product.brand,
            "season": product.season,
            "status": product.status,
            "sku_code": variant.sku_code,
            "options": variant.options_text,
            "barcode": variant.barcode,
            "price": variant.price,
            "cost_price": variant.cost_price,
            "weight_kg": variant.weight_kg,
            "supplier": variant.supplier.code if variant.supplier else "",
            "supplier_item_code": variant.supplier_item_code,
            "reorder_point": variant.reorder_point,
            "safety_stock": variant.safety_stock,
        }
        yield [values[name] for name in columns]


@require_GET
@capability_required(Capability.VIEW_CATALOG)
def product_export(request: HttpRequest) -> HttpResponse:
    """``?format=csv`` (default) or ``xlsx``; other parameters are the list's filters."""
    with_costs = has_capability(request.user, Capability.VIEW_COSTS)
    filters = request.GET.copy()
    file_format = filters.pop("format", ["csv"])[-1]
    filterset = ProductFilter(
        filters or None, queryset=selectors.products(), with_category_paths=False
    )
    columns = export_columns(with_costs=with_costs)
    rows = export_rows(export_variants(filterset.qs), columns)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if file_format == "xlsx":
        sheet = exports.Sheet(
            title=_("Products"),
            headers=columns,
            rows=rows,
            money_columns=[columns.index(name) for name in MONEY_COLUMNS if name in columns],
        )
        return exports.xlsx_response(f"products-{stamp}.xlsx", [sheet])
    return exports.csv_response(f"products-{stamp}.csv", columns, rows)

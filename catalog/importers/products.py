"""The products import: one row per SKU, its product's fields repeated on each row.

SKUs are upserted on ``sku_code`` and products on ``product_code``. Choices:

* A category path (``Women/Dresses``) that does not exist yet is created,
  level by level: a new season's catalog usually brings new categories, and
  creating them is friendlier than refusing the file.
* Rows of one product must agree on the product fields (title, category,
  brand, season, status); a blank cell agrees with anything (marketplace
  exports often fill them on the first row only). A disagreement is an error
  on the later row, naming the value seen before.
* A blank price or cost on an existing SKU leaves it as it is; a new SKU
  needs a price (its cost defaults to 0).
* Prices and costs change through the price services, so every change (and
  a new SKU's first amounts) has a history row naming the importing user.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from catalog.models import (
    CatalogError,
    Category,
    Product,
    ProductStatus,
    Season,
    Supplier,
    Variant,
    parse_options,
)
from catalog.selectors.categories import PATH_SEPARATOR
from catalog.services import product_rows
from storeops.exports import FORMULA_TRIGGERS
from storeops.imports import parsers
from storeops.imports.parsers import CellError, Parser
from storeops.imports.registry import register
from storeops.imports.spec import Column, ImportContext, ImportKind, Outcome, RowError
from storeops.roles import Capability

SEASONS = {
    **{value: value for value in Season.values},
    **{str(label): value for value, label in Season.choices},
    "all season": Season.ALL_SEASON,
    "all-season": Season.ALL_SEASON,
    "fall": Season.AUTUMN,
    "春": Season.SPRING,
    "春季": Season.SPRING,
    "夏": Season.SUMMER,
    "夏季": Season.SUMMER,
    "秋": Season.AUTUMN,
    "秋季": Season.AUTUMN,
    "冬": Season.WINTER,
    "冬季": Season.WINTER,
    "四季": Season.ALL_SEASON,
    "四季通用": Season.ALL_SEASON,
}
STATUSES = {
    **{value: value for value in ProductStatus.values},
    **{str(label): value for value, label in ProductStatus.choices},
    "草稿": ProductStatus.DRAFT,
    "在售": ProductStatus.ON_SALE,
    "上架": ProductStatus.ON_SALE,
    "出售中": ProductStatus.ON_SALE,
    "下架": ProductStatus.OFF_SALE,
    "已下架": ProductStatus.OFF_SALE,
    "仓库中": ProductStatus.OFF_SALE,
}


def _max(model: type, field: str) -> int:
    return model._meta.get_field(field).max_length


def text(max_length: int | None = None) -> Parser:
    """Text; a leading apostrophe that our exports add before ``=``/``+``/``-``/``@``
    (so spreadsheets do not run it as a formula) is taken off again."""
    inner = parsers.text(max_length)

    def parse(raw: str) -> str:
        if raw.startswith("'") and raw[1:].startswith(FORMULA_TRIGGERS):
            raw = raw[1:]
        return inner(raw)

    parse.kind = inner.kind
    return parse


def category_path() -> Parser:
    limit = _max(Category, "name")

    def parse(raw: str) -> str:
        names = product_rows.split_category_path(raw)
        if any(not name for name in names):
            raise CellError(
                _("“%(value)s” is not a category path (write it as Women/Dresses)") % {"value": raw}
            )
        if any(len(name) > limit for name in names):
            raise CellError(_("a category name is at most %(limit)d characters") % {"limit": limit})
        return PATH_SEPARATOR.join(names)

    parse.kind = _("category path")
    return parse


def options() -> Parser:
    def parse(raw: str) -> dict[str, str]:
        try:
            return parse_options(raw)
        except ValueError as error:
            raise CellError(
                _("“%(part)s” is not an option (write options as colour=red;size=M)")
                % {"part": error.args[0]}
            ) from None

    parse.kind = _("options")
    return parse


@register
class ProductImport(ImportKind):
    key = "products"
    label = _("Products and SKUs")
    description = _(
        "One row per SKU with its product's fields; existing SKUs (same SKU code) and "
        "products (same product code) are updated. Missing categories are created."
    )
    capability = Capability.CHANGE_CATALOG
    natural_key = ("sku_code",)
    columns = (
        Column(
            "product_code",
            _("Product code"),
            text(_max(Product, "code")),
            aliases=("商品编码", "商品编号", "货号", "product code"),
            required=True,
        ),
        Column(
            "product_title",
            _("Product title"),
            text(_max(Product, "title")),
            aliases=("商品名称", "宝贝标题", "商品标题", "title"),
        ),
        Column("category", _("Category"), category_path(), aliases=("类目", "分类", "商品类目")),
        Column("brand", _("Brand"), text(_max(Product, "brand")), aliases=("品牌",), default=""),
        Column("season", _("Season"), parsers.choice(SEASONS), aliases=("季节",)),
        Column(
            "status",
            _("Status"),
            parsers.choice(STATUSES),
            aliases=("状态", "商品状态"),
        ),
        Column(
            "sku_code",
            _("SKU code"),
            text(_max(Variant, "sku_code")),
            aliases=("商家编码", "SKU编码", "sku编码", "sku", "sku code"),
            required=True,
        ),
        Column(
            "options",
            _("Options"),
            options(),
            aliases=("销售属性", "规格", "销售属性组合"),
            default={},
            help_text=_("e.g. colour=red;size=M"),
        ),
        Column(
            "barcode",
            _("Barcode"),
            text(_max(Variant, "barcode")),
            aliases=("条码", "条形码"),
            default="",
        ),
        Column(
            "price",
            _("Sale price"),
            parsers.money(minimum=Decimal("0")),
            aliases=("售价", "价格", "销售价", "sale price"),
        ),
        Column(
            "cost_price",
            _("Cost price"),
            parsers.money(minimum=Decimal("0")),
            aliases=("成本价", "成本", "cost price"),
        ),
        Column(
            "weight_kg",
            _("Weight (kg)"),
            parsers.decimal(places=3, minimum=Decimal("0")),
            aliases=("重量", "重量(kg)", "重量(千克)", "weight"),
            default=Decimal("0.000"),
        ),
        Column(
            "supplier",
            _("Supplier code"),
            text(_max(Supplier, "code")),
            aliases=("供应商", "供应商编码"),
            default="",
        ),
        Column(
            "supplier_item_code",
            _("Supplier item code"),
            text(_max(Variant, "supplier_item_code")),
            aliases=("供应商货号", "供应商商品编码"),
            default="",
        ),
        Column(
            "reorder_point",
            _("Reorder point"),
            parsers.integer(minimum=0),
            aliases=("补货点", "再订货点"),
            default=0,
        ),
        Column(
            "safety_stock",
            _("Safety stock"),
            parsers.integer(minimum=0),
            aliases=("安全库存",),
            default=0,
        ),
    )

    def _suppliers(self, context: ImportContext) -> set[str]:
        if "supplier_codes" not in context.cache:
            context.cache["supplier_codes"] = set(Supplier.objects.values_list("code", flat=True))
        return context.cache["supplier_codes"]

    def clean(self, row: dict[str, Any], context: ImportContext) -> dict[str, Any]:
        supplier = row.get("supplier")
        if supplier and supplier not in self._suppliers(context):
            raise RowError(
                str(_("Unknown supplier: %(supplier)s.") % {"supplier": supplier}),
                column="supplier",
            )
        barcodes = context.cache.setdefault("barcodes", {})
        barcode = row.get("barcode")
        if barcode:
            owner = barcodes.setdefault(barcode, row["sku_code"])
            if owner != row["sku_code"]:
                raise RowError(
                    str(
                        _("Barcode %(barcode)s is also given to SKU %(sku)s in this file.")
                        % {"barcode": barcode, "sku": owner}
                    ),
                    column="barcode",
                )
        # Rows of one product must agree; remember what the file says so far. The
        # same context serves the check and the write pass, and the file is the
        # same, so the write sees the values agreed over the whole file.
        known = context.cache.setdefault("products", {})
        code = row["product_code"]
        merged, conflicts = product_rows.merge_product_values(known.get(code, {}), row)
        if conflicts:
            column, earlier, value = conflicts[0]
            raise RowError(
                str(
                    _(
                        "Product %(product_code)s has %(column)s “%(earlier)s” on an earlier "
                        "row but “%(value)s” here; rows of one product must agree."
                    )
                    % {"product_code": code, "column": column, "earlier": earlier, "value": value}
                ),
                column=column,
            )
        known[code] = merged
        return row

    def write(self, rows, context: ImportContext) -> list[Outcome]:
        values = [row.values for row in rows]
        try:
            outcomes = product_rows.upsert_rows(
                values, by=context.user, product_values=context.cache.get("products")
            )
        except CatalogError as error:
            index = error.details.get("index", 0)
            field = error.details.get("field")
            raise RowError(
                str(error),
                column=field if field in self.template_headers() else None,
                row=rows[index].number,
            ) from error
        return [Outcome(outcome) for outcome in outcomes]

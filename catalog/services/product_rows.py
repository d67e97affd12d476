"""Upsert products (SPU) and their SKUs from flat rows: the products import.

One row per SKU; the product fields repeat on every row of the product. The
importer has already checked, per row, that the cells read and that rows of
one product agree; this module writes a batch of them:

* **Bulk reads.** Existing products, SKUs (locked), categories, suppliers and
  barcode owners are read once per batch, not once per row.
* **Compared field by field.** A row that matches the database writes
  nothing (no product history, no price history), so importing the same
  file twice reports every row unchanged the second time.
* **Audited.** Products are written with simple-history naming the user;
  prices and costs go through :mod:`catalog.services.prices`, which writes a
  ``VariantPriceChange`` row per changed amount (and the first amounts of a
  new SKU). Status changes record who and when, like ``change_status``.
* **Categories.** A category path (``Women/Dresses``) that does not exist is
  created, level by level, through :func:`catalog.services.categories.create_category`.
* **Refusals.** A broken rule raises :class:`CatalogError` with
  ``details["index"]`` (the row in the batch) and ``details["field"]``.

A key absent from a row (its column is not in the file) is left as it is;
``None`` for ``price``/``cost_price``/``season``/``status``/``product_title``/
``category`` also means "leave as it is" (blank cell).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from catalog.models import (
    CatalogError,
    Category,
    Product,
    ProductStatus,
    Season,
    Supplier,
    Variant,
)
from catalog.selectors.categories import PATH_SEPARATOR, category_paths
from catalog.services import categories as category_services
from catalog.services import prices

# Row key → Product field, for the fields that live on the product.
PRODUCT_COLUMNS = {
    "product_title": "title",
    "category": "category",
    "brand": "brand",
    "season": "season",
    "status": "status",
}
# Row key → Variant field (price and cost are handled by the price services).
VARIANT_COLUMNS = (
    "options",
    "barcode",
    "weight_kg",
    "supplier",
    "supplier_item_code",
    "reorder_point",
    "safety_stock",
)


def _refuse(index: int, field: str, message: Any, code: str, **params: Any) -> CatalogError:
    return CatalogError(message, code=code, index=index, field=field, **params)


def _field_names(fields: Any) -> set[str]:
    """Model field names for attribute names (``category_id`` → ``category``)."""
    return {field.removesuffix("_id") for field in fields}


def split_category_path(path: str) -> list[str]:
    return [part.strip() for part in path.split(PATH_SEPARATOR)]


class _Categories:
    """Category paths → ids, read once; missing paths are created on demand."""

    def __init__(self) -> None:
        self.by_path = {path.casefold(): pk for pk, path in category_paths().items()}

    def resolve(self, path: str) -> int:
        names = split_category_path(path)
        parent_id: int | None = None
        for depth in range(1, len(names) + 1):
            key = PATH_SEPARATOR.join(names[:depth]).casefold()
            found = self.by_path.get(key)
            if found is None:
                parent = Category(pk=parent_id) if parent_id is not None else None
                found = category_services.create_category(name=names[depth - 1], parent=parent).pk
                self.by_path[key] = found
            parent_id = found
        return parent_id  # type: ignore[return-value]


def product_values_of(row: dict[str, Any]) -> dict[str, Any]:
    """The product fields a row gives, by model field; absent and blank cells left out.

    A blank brand is a value (no brand); the other product fields are only
    given by a non-blank cell.
    """
    values = {}
    for key, field in PRODUCT_COLUMNS.items():
        if key not in row:
            continue
        value = row[key]
        if key == "brand":
            values[field] = value or ""
        elif value not in (None, ""):
            values[field] = value
    return values


def merge_product_values(
    known: dict[str, Any], row: dict[str, Any]
) -> tuple[dict[str, Any], list[tuple[str, Any, Any]]]:
    """``known`` (from earlier rows of a product) merged with this row's product fields.

    Returns the merged values and the disagreements as ``(row key, earlier,
    this row)``; a blank cell never disagrees (nor does a blank brand with a
    brand given elsewhere: the given one wins).
    """
    merged = dict(known)
    conflicts = []
    keys = {field: key for key, field in PRODUCT_COLUMNS.items()}
    for field, value in product_values_of(row).items():
        earlier = merged.get(field)
        if earlier in (None, ""):
            if value != "" or field not in merged:
                merged[field] = value
        elif value != "" and value != earlier:
            conflicts.append((keys[field], earlier, value))
    return merged, conflicts


def upsert_rows(
    rows: Sequence[dict[str, Any]],
    *,
    by: Any,
    reason: str = "",
    product_values: dict[str, dict[str, Any]] | None = None,
) -> list[str]:
    """Create or update products by code and SKUs by SKU code, all or nothing.

    ``product_values`` maps a product code to the product fields agreed by
    all rows of that product in the whole file (the importer collects them
    while checking), so that a product split over two batches is written
    the same way from both; without it each row's own values are used.
    Returns ``"created"``/``"updated"``/``"unchanged"`` per row. Call inside
    a transaction.
    """
    if by is None or getattr(by, "pk", None) is None:
        raise CatalogError(_("A catalog change must name who makes it."), code="missing_user")
    reason = reason or gettext("Product import")
    now = timezone.now()
    rows = list(rows)
    product_codes = {row["product_code"] for row in rows}
    sku_codes = [row["sku_code"] for row in rows]
    products = Product.objects.in_bulk(product_codes, field_name="code")
    variants = {
        variant.sku_code: variant
        for variant in Variant.objects.select_for_update().filter(sku_code__in=sku_codes)
    }
    supplier_codes = {row["supplier"] for row in rows if row.get("supplier")}
    suppliers = Supplier.objects.in_bulk(supplier_codes, field_name="code")
    barcodes = {row["barcode"] for row in rows if row.get("barcode")}
    barcode_owner = dict(
        Variant.objects.filter(barcode__in=barcodes).values_list("barcode", "sku_code")
    )
    categories: _Categories | None = None

    # -- products ---------------------------------------------------------------------------
    first_index: dict[str, int] = {}
    wanted: dict[str, dict[str, Any]] = {}
    for index, row in enumerate(rows):
        code = row["product_code"]
        if code in first_index:
            continue
        first_index[code] = index
        values = dict((product_values or {}).get(code) or product_values_of(row))
        if "category" in values:
            if categories is None:
                categories = _Categories()
            values["category_id"] = categories.resolve(values.pop("category"))
        wanted[code] = values

    new_products: list[Product] = []
    changed_products: list[Product] = []
    changed_fields: set[str] = set()
    product_changed: set[str] = set()
    going_on_sale: dict[str, int] = {}
    for code, values in wanted.items():
        index = first_index[code]
        product = products.get(code)
        if product is None:
            for field, key in (("title", "product_title"), ("category_id", "category")):
                if not values.get(field):
                    raise _refuse(
                        index,
                        key,
                        _("Product %(product_code)s is new: its %(column)s is required."),
                        code="product_field_required",
                        product_code=code,
                        column=key,
                    )
            status = values.get("status") or ProductStatus.DRAFT
            product = Product(
                code=code,
                title=values["title"],
                category_id=values["category_id"],
                brand=values.get("brand") or "",
                season=values.get("season") or Season.ALL_SEASON,
                status=status,
            )
            if status != ProductStatus.DRAFT:
                product.status_changed_at, product.status_changed_by = now, by
            new_products.append(product)
            products[code] = product
            product_changed.add(code)
            if status == ProductStatus.ON_SALE:
                going_on_sale[code] = index
            continue
        changes = {
            field: value for field, value in values.items() if getattr(product, field) != value
        }
        if not changes:
            continue
        if "status" in changes:
            changes["status_changed_at"], changes["status_changed_by"] = now, by
            if changes["status"] == ProductStatus.ON_SALE:
                going_on_sale[code] = index
        for field, value in changes.items():
            setattr(product, field, value)
        product.updated_at = now  # bulk_update does not apply auto_now
        changed_fields.update(_field_names(changes))
        changed_products.append(product)
        product_changed.add(code)
    if new_products:
        created = bulk_create_with_history(new_products, Product, default_user=by)
        for product in created:
            products[product.code] = product
        if any(product.pk is None for product in created):  # pragma: no cover - old SQLite
            products.update(Product.objects.in_bulk(product_codes, field_name="code"))
    if changed_products:
        bulk_update_with_history(
            changed_products,
            Product,
            sorted(changed_fields | {"updated_at"}),
            default_user=by,
        )

    # -- variants ---------------------------------------------------------------------------
    outcomes: list[str] = []
    new_variants: list[Variant] = []
    changed_variants: list[Variant] = []
    variant_fields: set[str] = set()
    price_changes: list[tuple[Variant, Decimal | None, Decimal | None]] = []
    for index, row in enumerate(rows):
        sku = row["sku_code"]
        product = products[row["product_code"]]
        values: dict[str, Any] = {"product_id": product.pk}
        for key in VARIANT_COLUMNS:
            if key not in row:
                continue
            if key == "supplier":
                code = row["supplier"]
                if code and code not in suppliers:
                    raise _refuse(
                        index,
                        "supplier",
                        _("Unknown supplier: %(supplier)s."),
                        code="unknown_supplier",
                        supplier=code,
                    )
                values["supplier_id"] = suppliers[code].pk if code else None
            elif key == "options":
                values["options"] = row["options"] or {}
            elif row[key] is not None:
                values[key] = row[key]
        barcode = values.get("barcode")
        if barcode and barcode_owner.get(barcode, sku) != sku:
            raise _refuse(
                index,
                "barcode",
                _("Barcode %(barcode)s is already used by SKU %(sku)s."),
                code="barcode_taken",
                barcode=barcode,
                sku=barcode_owner[barcode],
            )
        price, cost = row.get("price"), row.get("cost_price")
        variant = variants.get(sku)
        if variant is None:
            if price is None:
                raise _refuse(
                    index,
                    "price",
                    _("SKU %(sku)s is new: its sale price is required."),
                    code="price_required",
                    sku=sku,
                )
            values["price"] = prices.check_amount(
                price, label=_("The sale price"), minimum=Decimal("0")
            )
            values["cost_price"] = prices.check_amount(
                cost if cost is not None else Decimal("0"),
                label=_("The cost price"),
                minimum=Decimal("0"),
            )
            new_variants.append(Variant(sku_code=sku, **values))
            outcomes.append("created")
            continue
        changes = {
            field: value for field, value in values.items() if getattr(variant, field) != value
        }
        if changes:
            for field, value in changes.items():
                setattr(variant, field, value)
            variant.updated_at = now
            variant_fields.update(changes)
            changed_variants.append(variant)
        price_changed = price is not None and price != variant.price
        cost_changed = cost is not None and cost != variant.cost_price
        if price_changed or cost_changed:
            price_changes.append(
                (variant, price if price_changed else None, cost if cost_changed else None)
            )
        if changes or price_changed or cost_changed or row["product_code"] in product_changed:
            outcomes.append("updated")
        else:
            outcomes.append("unchanged")
    if changed_variants:
        Variant.objects.bulk_update(
            changed_variants, sorted(_field_names(variant_fields) | {"updated_at"})
        )
    if new_variants:
        created_variants = Variant.objects.bulk_create(new_variants)
        if any(variant.pk is None for variant in created_variants):  # pragma: no cover
            created_variants = list(
                Variant.objects.filter(sku_code__in=[v.sku_code for v in new_variants])
            )
        for variant in created_variants:
            prices.record_initial_prices(variant=variant, by=by, reason=reason)
    for variant, price, cost in price_changes:
        prices.set_variant_prices(
            variant=variant, price=price, cost_price=cost, by=by, reason=reason
        )
    if going_on_sale:
        sellable = set(
            Variant.objects.filter(
                product__code__in=list(going_on_sale), is_active=True, price__gt=0
            ).values_list("product__code", flat=True)
        )
        for code, index in going_on_sale.items():
            if code not in sellable:
                raise _refuse(
                    index,
                    "status",
                    _(
                        "Product %(product_code)s has no active SKU with a price: "
                        "it cannot go on sale."
                    ),
                    code="nothing_to_sell",
                    product_code=code,
                )
    return outcomes

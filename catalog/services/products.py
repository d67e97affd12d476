"""Product (SPU) and variant (SKU) services.

Guarantees shared by the services below:

* **Atomic.** A call commits whole or not at all; bulk calls change every
  product or none.
* **Audited.** A status change records who and when on the product; every
  product save goes into its simple-history with the user; prices and costs
  go through :mod:`catalog.services.prices` and leave history rows.
* **Clear refusals.** A taken SKU code or barcode, putting on sale a product
  without an active priced SKU, or deleting a product or SKU that stock or
  orders refer to raises :class:`CatalogError` and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.models import CatalogError, Category, Product, ProductStatus, Tag, Variant
from catalog.services import prices

PRODUCT_FIELDS = frozenset(
    {
        "code",
        "title",
        "category",
        "brand",
        "description",
        "main_image",
        "main_image_url",
        "season",
        "launch_date",
        "list_price",
    }
)
VARIANT_FIELDS = frozenset(
    {
        "sku_code",
        "options",
        "barcode",
        "weight_kg",
        "supplier",
        "supplier_item_code",
        "reorder_point",
        "safety_stock",
        "is_active",
    }
)
PRICE_FIELDS = frozenset({"price", "cost_price"})


@dataclass
class VariantChange:
    """One row of the product page's SKU table: a new SKU, an edit, or a deletion."""

    variant: Variant | None
    fields: Mapping[str, Any] = field(default_factory=dict)
    delete: bool = False


def _check_user(by: Any) -> None:
    if by is None or getattr(by, "pk", None) is None:
        raise CatalogError(_("A catalog change must name who makes it."), code="missing_user")


def _check_fields(fields: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise CatalogError(
            _("These fields cannot be set here: %(fields)s."),
            code="unknown_fields",
            fields=", ".join(sorted(unknown)),
        )


def _save_product(product: Product, *, by: Any) -> None:
    product._history_user = by  # simple-history records who saved this version
    product.save()


def _check_product_code(code: str, *, exclude_pk: int | None) -> None:
    taken = Product.objects.filter(code=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise CatalogError(
            _("Product code %(product_code)s is already used."),
            code="product_code_taken",
            product_code=code,
        )


def _check_variant_codes(
    *, sku_code: str | None, barcode: str | None, exclude_pk: int | None
) -> None:
    others = Variant.objects.all() if exclude_pk is None else Variant.objects.exclude(pk=exclude_pk)
    if sku_code is not None and others.filter(sku_code=sku_code).exists():
        raise CatalogError(
            _("SKU code %(sku)s is already used."), code="sku_code_taken", sku=sku_code
        )
    if barcode and others.filter(barcode=barcode).exists():
        raise CatalogError(
            _("Barcode %(barcode)s is already used by another SKU."),
            code="barcode_taken",
            barcode=barcode,
        )


# -- products -------------------------------------------------------------------------------


def create_product(
    *,
    fields: Mapping[str, Any],
    tags: Iterable[Tag] = (),
    variants: Iterable[Mapping[str, Any]] = (),
    by: Any,
) -> Product:
    """Create a draft product, optionally with its first SKUs. Atomic.

    ``fields`` are product columns (``code``, ``title``, ``category`` ...);
    each mapping in ``variants`` holds a SKU's columns including ``price``
    and ``cost_price``, whose first amounts are written to the price history.
    """
    _check_user(by)
    _check_fields(fields, PRODUCT_FIELDS)
    with transaction.atomic():
        _check_product_code(fields["code"], exclude_pk=None)
        product = Product(**fields, status=ProductStatus.DRAFT)
        _save_product(product, by=by)
        product.tags.set(list(tags))
        for variant_fields in variants:
            create_variant(product=product, fields=variant_fields, by=by)
    return product


def update_product(
    *,
    product: Product,
    fields: Mapping[str, Any],
    tags: Iterable[Tag] | None = None,
    variant_changes: Iterable[VariantChange] = (),
    by: Any,
    reason: str,
) -> Product:
    """Edit a product and its SKUs in one step (the product page). Atomic.

    ``variant_changes`` adds, edits or deletes SKUs; a SKU's price or cost
    change is written to its price history with ``reason``. Status is not
    set here: use :func:`change_status`.
    """
    _check_user(by)
    _check_fields(fields, PRODUCT_FIELDS)
    with transaction.atomic():
        Product.objects.select_for_update().filter(pk=product.pk).get()
        if "code" in fields:
            _check_product_code(fields["code"], exclude_pk=product.pk)
        for name, value in fields.items():
            setattr(product, name, value)
        _save_product(product, by=by)
        if tags is not None:
            product.tags.set(list(tags))
        changes = list(variant_changes)
        # Deletions first, so that a code freed by one row can be taken by another.
        for change in changes:
            if change.delete and change.variant is not None:
                delete_variant(variant=change.variant, by=by)
        for change in changes:
            if change.delete:
                continue
            if change.variant is None:
                create_variant(product=product, fields=change.fields, by=by, reason=reason)
            else:
                update_variant(variant=change.variant, fields=change.fields, by=by, reason=reason)
    return product


def _check_can_go_on_sale(products: list[Product]) -> None:
    sellable = set(
        Variant.objects.filter(
            product__in=[product.pk for product in products], is_active=True, price__gt=0
        ).values_list("product_id", flat=True)
    )
    unsellable = [product.code for product in products if product.pk not in sellable]
    if unsellable:
        raise CatalogError(
            _("These products have no active SKU with a price and cannot go on sale: %(codes)s."),
            code="nothing_to_sell",
            codes=", ".join(unsellable),
        )


def change_status(*, products: Iterable[Product], status: str, by: Any) -> list[Product]:
    """Set the status of one or many products, recording who changed it and when.

    Products already in ``status`` are left alone (their who/when is kept).
    Going on sale needs at least one active SKU priced above zero; if any
    product lacks one, nothing changes. Atomic; locks the products in id order.
    Returns the products whose status changed.
    """
    _check_user(by)
    if status not in ProductStatus.values:
        raise CatalogError(
            _("Unknown product status: %(status)s."), code="invalid_status", status=status
        )
    ids = sorted({product.pk for product in products})
    with transaction.atomic():
        locked = list(Product.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        to_change = [product for product in locked if product.status != status]
        if status == ProductStatus.ON_SALE:
            _check_can_go_on_sale(to_change)
        now = timezone.now()
        for product in to_change:
            product.status = status
            product.status_changed_at = now
            product.status_changed_by = by
            _save_product(product, by=by)
    return to_change


def change_category(*, products: Iterable[Product], category: Category, by: Any) -> list[Product]:
    """Move products to another category, all or nothing. Returns those that moved."""
    _check_user(by)
    ids = sorted({product.pk for product in products})
    with transaction.atomic():
        Category.objects.select_for_update().filter(pk=category.pk).get()
        locked = list(Product.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        moved = [product for product in locked if product.category_id != category.pk]
        for product in moved:
            product.category = category
            _save_product(product, by=by)
    return moved


def _refuse_in_use(
    error: ProtectedError | RestrictedError, *, what: str, code: str
) -> CatalogError:
    rows = getattr(error, "protected_objects", None) or getattr(error, "restricted_objects", ())
    users = sorted({str(row._meta.verbose_name_plural) for row in rows})
    return CatalogError(
        _("%(what)s cannot be deleted: %(users)s still refer to it. Deactivate it instead."),
        code=code,
        what=what,
        users=", ".join(users),
    )


def delete_product(*, product: Product, by: Any) -> None:
    """Delete a product and its SKUs. Refused when stock or orders refer to any SKU."""
    _check_user(by)
    try:
        with transaction.atomic():
            for variant in product.variants.all():
                variant.delete()
            product._history_user = by
            product.delete()
    except (ProtectedError, RestrictedError) as error:
        raise _refuse_in_use(
            error, what=gettext("Product %(code)s") % {"code": product.code}, code="product_in_use"
        ) from error


# -- variants -------------------------------------------------------------------------------


def create_variant(
    *, product: Product, fields: Mapping[str, Any], by: Any, reason: str = ""
) -> Variant:
    """Add a SKU to a product; its first price and cost go into the price history.

    ``fields`` must hold ``sku_code`` and ``price``; ``cost_price`` defaults
    to 0. Refused when the SKU code or barcode is taken. Atomic.
    """
    _check_user(by)
    _check_fields(fields, VARIANT_FIELDS | PRICE_FIELDS)
    values = dict(fields)
    price = prices.check_amount(
        values.pop("price", None), label=_("The sale price"), minimum=Decimal("0")
    )
    cost_price = prices.check_amount(
        values.pop("cost_price", Decimal("0")), label=_("The cost price"), minimum=Decimal("0")
    )
    with transaction.atomic():
        _check_variant_codes(
            sku_code=values.get("sku_code"), barcode=values.get("barcode"), exclude_pk=None
        )
        variant = Variant.objects.create(
            product=product, price=price, cost_price=cost_price, **values
        )
        prices.record_initial_prices(variant=variant, by=by, reason=reason or gettext("New SKU"))
    return variant


def update_variant(*, variant: Variant, fields: Mapping[str, Any], by: Any, reason: str) -> Variant:
    """Edit a SKU. ``price``/``cost_price`` changes are written to the price history
    with ``reason``. Refused when the new SKU code or barcode is taken. Atomic.
    """
    _check_user(by)
    _check_fields(fields, VARIANT_FIELDS | PRICE_FIELDS)
    values = dict(fields)
    new_price = values.pop("price", None)
    new_cost = values.pop("cost_price", None)
    with transaction.atomic():
        locked = Variant.objects.select_for_update().get(pk=variant.pk)
        _check_variant_codes(
            sku_code=values.get("sku_code"), barcode=values.get("barcode"), exclude_pk=variant.pk
        )
        changed = [name for name, value in values.items() if getattr(locked, name) != value]
        for name in changed:
            setattr(locked, name, values[name])
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
        if new_price is not None or new_cost is not None:
            prices.set_variant_prices(
                variant=locked, price=new_price, cost_price=new_cost, by=by, reason=reason
            )
    for name in (*changed, "price", "cost_price", "updated_at"):
        setattr(variant, name, getattr(locked, name))
    return variant


def delete_variant(*, variant: Variant, by: Any) -> None:
    """Delete a SKU. Refused when stock levels, the stock ledger or orders refer to it."""
    _check_user(by)
    try:
        with transaction.atomic():
            variant.delete()
    except (ProtectedError, RestrictedError) as error:
        raise _refuse_in_use(
            error, what=gettext("SKU %(sku)s") % {"sku": variant.sku_code}, code="variant_in_use"
        ) from error

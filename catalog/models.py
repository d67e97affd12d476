from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from storeops import business_day
from storeops.money import MoneyField

DEFAULT_NEW_ARRIVAL_DAYS = 30


class CatalogError(ValidationError):
    """A refused catalog change; nothing was written.

    A ``ValidationError`` so forms and the API show it as one; ``code`` names
    the rule (``category_cycle``, ``variant_in_use`` ...).
    """

    def __init__(self, message: Any, *, code: str = "catalog_error", **details: Any) -> None:
        super().__init__(message, code=code, params=details or None)
        self.details = details

    def __str__(self) -> str:
        return str(self.message % self.params if self.params else self.message)


def new_arrival_days() -> int:
    """How many days after its launch date a product counts as a new arrival."""
    return int(getattr(settings, "NEW_ARRIVAL_DAYS", DEFAULT_NEW_ARRIVAL_DAYS))


def new_arrival_since(today: dt.date | None = None) -> dt.date:
    """The earliest launch date that is still a new arrival on ``today`` (store-local)."""
    today = today or business_day.today()
    return today - dt.timedelta(days=new_arrival_days() - 1)


def parse_options(text: str) -> dict[str, str]:
    """``"colour=red;size=M"`` → ``{"colour": "red", "size": "M"}``, in the written order.

    Raises ``ValueError`` for a part without ``=``, an empty name or a repeated name.
    """
    options: dict[str, str] = {}
    for part in (text or "").replace("；", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        name, separator, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not separator or not name:
            raise ValueError(part)
        if name in options:
            raise ValueError(part)
        options[name] = value
    return options


def format_options(options: dict[str, Any]) -> str:
    """The inverse of :func:`parse_options`: ``{"colour": "red"}`` → ``"colour=red"``.

    Names come in alphabetical order: PostgreSQL's jsonb does not keep the
    written order, and a label must read the same on every database.
    """
    return ";".join(f"{name}={value}" for name, value in sorted((options or {}).items()))


class Supplier(models.Model):
    """A company the store buys goods from.

    It lives in the catalog layer because every SKU names its supplier and the
    supplier's item code; purchasing (inventory) builds on it.
    """

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    lead_time_days = models.PositiveIntegerField(
        _("lead time (days)"),
        default=7,
        help_text=_("Days from placing a purchase order to receiving the goods."),
    )
    payment_terms = models.CharField(
        _("payment terms"), max_length=100, blank=True, help_text=_("e.g. 30 days net, prepaid")
    )
    min_order_amount = MoneyField(_("minimum order amount"), default=0)
    contract_start = models.DateField(_("contract start"), null=True, blank=True)
    contract_end = models.DateField(_("contract end"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_order_amount__gte=0), name="supplier_min_order_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(contract_end__isnull=True)
                | Q(contract_start__isnull=True)
                | Q(contract_end__gte=F("contract_start")),
                name="supplier_contract_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Category(models.Model):
    """A node of the category tree (any depth). Moving a node moves its subtree."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="category_name_unique_among_siblings"
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(parent__isnull=True),
                name="category_root_name_unique",
            ),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="category_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Season(models.TextChoices):
    SPRING = "spring", _("Spring")
    SUMMER = "summer", _("Summer")
    AUTUMN = "autumn", _("Autumn")
    WINTER = "winter", _("Winter")
    ALL_SEASON = "all_season", _("All season")


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ON_SALE = "on_sale", _("On sale")
    OFF_SALE = "off_sale", _("Off sale")


class Product(models.Model):
    """A product (SPU): what the buyer sees as one listing; sold as variants (SKUs)."""

    code = models.CharField(_("product code"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=200)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    brand = models.CharField(_("brand"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    main_image = models.FileField(_("main image"), upload_to="products/", blank=True)
    main_image_url = models.URLField(_("main image URL"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ProductStatus.choices, default=ProductStatus.DRAFT
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("status changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    season = models.CharField(
        _("season"), max_length=16, choices=Season.choices, default=Season.ALL_SEASON
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="products")
    launch_date = models.DateField(_("launch date"), null=True, blank=True)
    list_price = MoneyField(_("list price"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [models.Index(fields=["status", "category"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(list_price__gte=0), name="product_list_price_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def image_src(self) -> str:
        """The uploaded main image if there is one, else the image URL (may be empty)."""
        return self.main_image.url if self.main_image else self.main_image_url

    @property
    def is_new_arrival(self) -> bool:
        """Launched within the last ``NEW_ARRIVAL_DAYS`` days (and not in the future)."""
        if self.launch_date is None:
            return False
        return new_arrival_since() <= self.launch_date <= business_day.today()


class Variant(models.Model):
    """A variant (SKU): the unit that is priced, stocked, ordered and shipped."""

    sku_code = models.CharField(_("SKU code"), max_length=64, unique=True)
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="variants"
    )
    options = models.JSONField(
        _("options"), default=dict, blank=True, help_text=_("e.g. colour=red; size=M")
    )
    barcode = models.CharField(_("barcode"), max_length=64, blank=True, db_index=True)
    price = MoneyField(_("sale price"))
    cost_price = MoneyField(_("cost price"), default=0)
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=8, decimal_places=3, default=0)
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("supplier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="variants",
    )
    supplier_item_code = models.CharField(_("supplier item code"), max_length=64, blank=True)
    reorder_point = models.PositiveIntegerField(_("reorder point"), default=0)
    safety_stock = models.PositiveIntegerField(_("safety stock"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["sku_code"]
        verbose_name = _("variant (SKU)")
        verbose_name_plural = _("variants (SKUs)")
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="variant_price_not_negative"),
            models.CheckConstraint(
                condition=Q(cost_price__gte=0), name="variant_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(weight_kg__gte=0), name="variant_weight_not_negative"
            ),
            models.UniqueConstraint(
                fields=["barcode"], condition=~Q(barcode=""), name="variant_barcode_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.sku_code

    @property
    def options_label(self) -> str:
        """The option values in option-name order (see :func:`format_options`): ``red / M``."""
        return " / ".join(str(value) for _name, value in sorted(self.options.items()))

    @property
    def options_text(self) -> str:
        """The options as written in forms and files: ``colour=red;size=M``."""
        return format_options(self.options)


class PriceKind(models.TextChoices):
    PRICE = "price", _("Sale price")
    COST = "cost", _("Cost price")


class VariantPriceChange(models.Model):
    """One change of a SKU's sale or cost price: who, when, from, to and why.

    Cost in force at a moment is the latest cost change at or before it, so
    the cost of goods of past orders never moves when today's cost changes.
    """

    variant = models.ForeignKey(
        Variant, verbose_name=_("variant"), on_delete=models.CASCADE, related_name="price_changes"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=PriceKind.choices)
    old_amount = MoneyField(_("old amount"), null=True, blank=True)
    new_amount = MoneyField(_("new amount"))
    effective_at = models.DateTimeField(_("effective at"), db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-effective_at", "-pk"]
        verbose_name = _("price change")
        verbose_name_plural = _("price changes")
        indexes = [models.Index(fields=["variant", "kind", "-effective_at"])]

    def __str__(self) -> str:
        return f"{self.variant} {self.kind} {self.old_amount} → {self.new_amount}"

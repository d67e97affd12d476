"""Warehouses, stock levels and the stock ledger.

The ledger (``StockMovement``) is the source of truth: a ``StockLevel`` row is
the running sum of its movements, kept in step inside the same transaction by
``inventory.services``. ``manage.py check_stock`` proves the two agree.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Warehouse(models.Model):
    """A place stock is kept. Exactly one warehouse is the default."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_default = models.BooleanField(
        _("default"),
        default=False,
        help_text=_("Stock changes that name no warehouse use the default one."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-is_default", "code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        constraints = [
            # At most one row may say is_default=True; the services refuse to
            # work without one, so "exactly one" holds once the store is set up.
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="warehouse_single_default",
            ),
            models.CheckConstraint(
                condition=Q(is_default=False) | Q(is_active=True),
                name="warehouse_default_is_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StockLevel(models.Model):
    """Stock of one SKU in one warehouse; written only by ``inventory.services``."""

    variant = models.ForeignKey(
        "catalog.Variant",
        verbose_name=_("variant"),
        on_delete=models.PROTECT,
        related_name="stock_levels",
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="levels"
    )
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(
        _("reserved"), default=0, help_text=_("Allocated to paid orders not shipped yet.")
    )
    on_order = models.IntegerField(
        _("on order"), default=0, help_text=_("Expected from open purchase orders.")
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "warehouse"], name="stocklevel_one_per_variant_warehouse"
            ),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stocklevel_on_hand_gte_0"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stocklevel_reserved_gte_0"),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="stocklevel_reserved_lte_on_hand"
            ),
            models.CheckConstraint(condition=Q(on_order__gte=0), name="stocklevel_on_order_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.warehouse_id}: {self.on_hand}/{self.reserved}"

    @property
    def available(self) -> int:
        """What can still be promised to a buyer: on hand less what is reserved."""
        return self.on_hand - self.reserved


class MovementKind(models.TextChoices):
    OPENING_BALANCE = "opening_balance", _("Opening balance")
    RECEIPT = "receipt", _("Receipt")
    SHIPMENT = "shipment", _("Shipment")
    RETURN_TO_STOCK = "return_to_stock", _("Return to stock")
    WRITE_OFF = "write_off", _("Write-off")
    STOCKTAKE_ADJUSTMENT = "stocktake_adjustment", _("Stocktake adjustment")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    RESERVATION = "reservation", _("Reservation")
    RELEASE = "release", _("Release")
    ON_ORDER = "on_order", _("Placed on order")
    ON_ORDER_CANCELLED = "on_order_cancelled", _("Order with supplier cancelled")


class StockMovement(models.Model):
    """One change of stock: the ledger row. Never updated or deleted."""

    variant = models.ForeignKey(
        "catalog.Variant",
        verbose_name=_("variant"),
        on_delete=models.PROTECT,
        related_name="stock_movements",
        # The composite ledger indexes below start with variant.
        db_index=False,
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="movements"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=MovementKind.choices)
    on_hand_change = models.IntegerField(_("on hand change"), default=0)
    reserved_change = models.IntegerField(_("reserved change"), default=0)
    on_order_change = models.IntegerField(_("on order change"), default=0)
    on_hand_after = models.IntegerField(_("on hand after"))
    reserved_after = models.IntegerField(_("reserved after"))
    on_order_after = models.IntegerField(_("on order after"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    business_date = models.DateField(_("business date"), db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=200)
    document_type = models.CharField(_("document type"), max_length=40, blank=True)
    document_id = models.CharField(_("document"), max_length=64, blank=True)
    # NULL (not "") so that the unique constraint ignores movements without a key.
    idempotency_key = models.CharField(  # noqa: DJ001
        _("idempotency key"), max_length=150, null=True, blank=True
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        indexes = [
            models.Index(
                fields=["variant", "warehouse", "-created_at", "-id"],
                name="stockmove_ledger_idx",
            ),
            models.Index(fields=["variant", "-created_at", "-id"], name="stockmove_variant_idx"),
            models.Index(fields=["document_type", "document_id"], name="stockmove_document_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="stockmove_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=~Q(on_hand_change=0, reserved_change=0, on_order_change=0)
                | Q(kind="stocktake_adjustment"),
                name="stockmove_changes_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.variant_id}@{self.warehouse_id} {self.on_hand_change:+d}"

    @property
    def available_after(self) -> int:
        return self.on_hand_after - self.reserved_after

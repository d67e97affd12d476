"""Purchasing: purchase orders to suppliers, their deliveries and their timeline.

Rows here are written only by ``inventory.purchasing``; stock itself changes
through ``inventory.services`` (placing an order raises ``on_order``, a
delivery books goods in and lowers it), so the ledger stays the truth.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from storeops.money import MoneyField, quantize


class PurchaseOrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ORDERED = "ordered", _("Ordered")
    PARTIALLY_RECEIVED = "partially_received", _("Partially received")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


# Which status may follow which; anything else is refused by the services.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    PurchaseOrderStatus.DRAFT: frozenset(
        {PurchaseOrderStatus.ORDERED, PurchaseOrderStatus.CANCELLED}
    ),
    PurchaseOrderStatus.ORDERED: frozenset(
        {
            PurchaseOrderStatus.PARTIALLY_RECEIVED,
            PurchaseOrderStatus.RECEIVED,
            PurchaseOrderStatus.CANCELLED,
        }
    ),
    PurchaseOrderStatus.PARTIALLY_RECEIVED: frozenset(
        {
            PurchaseOrderStatus.PARTIALLY_RECEIVED,
            PurchaseOrderStatus.RECEIVED,
            PurchaseOrderStatus.CANCELLED,
        }
    ),
    PurchaseOrderStatus.RECEIVED: frozenset(),
    PurchaseOrderStatus.CANCELLED: frozenset(),
}

OPEN_STATUSES = (PurchaseOrderStatus.ORDERED, PurchaseOrderStatus.PARTIALLY_RECEIVED)


class PurchaseOrder(models.Model):
    """An order of goods from one supplier, delivered to one warehouse."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    supplier = models.ForeignKey(
        "catalog.Supplier",
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        related_name="purchase_orders",
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        verbose_name=_("warehouse"),
        on_delete=models.PROTECT,
        related_name="purchase_orders",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PurchaseOrderStatus.choices,
        default=PurchaseOrderStatus.DRAFT,
        db_index=True,
    )
    expected_date = models.DateField(_("expected delivery date"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    ordered_at = models.DateTimeField(_("ordered at"), null=True, blank=True)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ordered by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # NULL (not "") so that the unique constraint ignores orders created without a key.
    idempotency_key = models.CharField(  # noqa: DJ001
        _("idempotency key"), max_length=150, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="purchaseorder_idempotency_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_editable(self) -> bool:
        return self.status == PurchaseOrderStatus.DRAFT

    @property
    def can_be_placed(self) -> bool:
        return PurchaseOrderStatus.ORDERED in ALLOWED_TRANSITIONS[self.status]

    @property
    def can_be_cancelled(self) -> bool:
        return PurchaseOrderStatus.CANCELLED in ALLOWED_TRANSITIONS[self.status]

    @property
    def can_receive(self) -> bool:
        return self.status in OPEN_STATUSES


class PurchaseOrderLine(models.Model):
    """One SKU on a purchase order: how many were ordered, at what cost, how many arrived."""

    purchase_order = models.ForeignKey(
        PurchaseOrder,
        verbose_name=_("purchase order"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    variant = models.ForeignKey(
        "catalog.Variant",
        verbose_name=_("variant"),
        on_delete=models.PROTECT,
        related_name="purchase_order_lines",
    )
    quantity_ordered = models.PositiveIntegerField(_("quantity ordered"))
    unit_cost = MoneyField(_("unit cost"))
    quantity_received = models.PositiveIntegerField(_("quantity received"), default=0)
    quantity_cancelled = models.PositiveIntegerField(
        _("quantity cancelled"),
        default=0,
        help_text=_("Units taken off order when the purchase order was cancelled."),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        constraints = [
            models.UniqueConstraint(
                fields=["purchase_order", "variant"], name="purchaseorderline_one_per_variant"
            ),
            models.CheckConstraint(
                condition=Q(quantity_ordered__gt=0), name="purchaseorderline_quantity_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0), name="purchaseorderline_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order_id}: {self.variant_id} × {self.quantity_ordered}"

    @property
    def quantity_remaining(self) -> int:
        """Units still expected: never negative, even after an over-delivery."""
        if self.quantity_cancelled:
            return 0
        return max(0, self.quantity_ordered - self.quantity_received)

    @property
    def line_total(self) -> Decimal:
        return quantize(self.unit_cost * self.quantity_ordered)


class Receipt(models.Model):
    """One delivery against a purchase order: who booked it in, when, and what came."""

    purchase_order = models.ForeignKey(
        PurchaseOrder,
        verbose_name=_("purchase order"),
        on_delete=models.PROTECT,
        related_name="receipts",
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    idempotency_key = models.CharField(  # noqa: DJ001
        _("idempotency key"), max_length=150, null=True, blank=True
    )

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="receipt_idempotency_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order_id} @ {self.received_at:%Y-%m-%d}"


class ReceiptLine(models.Model):
    """Units of one purchase order line in one delivery, against what was still expected."""

    receipt = models.ForeignKey(
        Receipt, verbose_name=_("receipt"), on_delete=models.CASCADE, related_name="lines"
    )
    purchase_order_line = models.ForeignKey(
        PurchaseOrderLine,
        verbose_name=_("purchase order line"),
        on_delete=models.PROTECT,
        related_name="receipt_lines",
    )
    quantity = models.PositiveIntegerField(_("quantity received"))
    quantity_expected = models.PositiveIntegerField(
        _("quantity expected"), help_text=_("Units still open on the line before this delivery.")
    )
    note = models.CharField(
        _("note"), max_length=200, blank=True, help_text=_("Why more or fewer units came.")
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("receipt line")
        verbose_name_plural = _("receipt lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="receiptline_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order_line_id} × {self.quantity}"

    @property
    def difference(self) -> int:
        """Positive for an over-delivery, negative for a short one."""
        return self.quantity - self.quantity_expected

    @property
    def is_over_delivery(self) -> bool:
        return self.quantity > self.quantity_expected


class PurchaseOrderEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    EDITED = "edited", _("Edited")
    PLACED = "placed", _("Placed with supplier")
    RECEIVED = "received", _("Delivery received")
    CANCELLED = "cancelled", _("Cancelled")


class PurchaseOrderEvent(models.Model):
    """One row of a purchase order's timeline: who did what, when, status before and after."""

    purchase_order = models.ForeignKey(
        PurchaseOrder,
        verbose_name=_("purchase order"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PurchaseOrderEventKind.choices)
    status_before = models.CharField(
        _("status before"), max_length=20, choices=PurchaseOrderStatus.choices, blank=True
    )
    status_after = models.CharField(
        _("status after"), max_length=20, choices=PurchaseOrderStatus.choices
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    message = models.CharField(_("message"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    idempotency_key = models.CharField(  # noqa: DJ001
        _("idempotency key"), max_length=150, null=True, blank=True
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("purchase order event")
        verbose_name_plural = _("purchase order events")
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="purchaseorderevent_idempotency_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order_id} {self.kind} {self.status_before}→{self.status_after}"

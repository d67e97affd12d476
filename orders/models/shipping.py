"""Carriers, their rate cards and the shipments that leave the warehouse."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from storeops.money import MoneyField


class Carrier(models.Model):
    """A courier company (SF, ZTO, YTO ...)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")

    def __str__(self) -> str:
        return self.name


class RateCard(models.Model):
    """What a carrier charges the store: a first-weight price plus steps of extra weight.

    A row with an empty province is the carrier's default; a province row wins
    for parcels to that province.
    """

    carrier = models.ForeignKey(
        Carrier, verbose_name=_("carrier"), on_delete=models.CASCADE, related_name="rates"
    )
    province = models.CharField(_("province"), max_length=50, blank=True)
    first_weight_kg = models.DecimalField(
        _("first weight (kg)"), max_digits=8, decimal_places=3, default=1
    )
    first_price = MoneyField(_("first weight price"))
    additional_weight_kg = models.DecimalField(
        _("additional weight step (kg)"), max_digits=8, decimal_places=3, default=1
    )
    additional_price = MoneyField(_("price per additional step"), default=0)
    # Who changed a price and when: the warehouse and the managers edit these on
    # the rate cards page, and a wrong price silently changes every shipping cost.
    history = HistoricalRecords()

    class Meta:
        ordering = ["carrier", "province"]
        verbose_name = _("rate card")
        verbose_name_plural = _("rate cards")
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "province"], name="ratecard_one_per_carrier_province"
            ),
            models.CheckConstraint(
                condition=Q(first_weight_kg__gt=0, additional_weight_kg__gt=0),
                name="ratecard_weights_positive",
            ),
            models.CheckConstraint(
                condition=Q(first_price__gte=0, additional_price__gte=0),
                name="ratecard_prices_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.province or '*'}"


class ShipmentStatus(models.TextChoices):
    PLANNED = "planned", _("Planned (split, not shipped yet)")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")


class Shipment(models.Model):
    """One parcel. An order ships in one or several; merged orders share one.

    A tracking number is unique per carrier: shipping it again is a repeat and
    changes nothing.
    """

    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="shipments"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ShipmentStatus.choices, default=ShipmentStatus.PLANNED
    )
    carrier = models.ForeignKey(
        Carrier,
        verbose_name=_("carrier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shipments",
    )
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=9, decimal_places=3, default=0)
    shipping_cost = MoneyField(
        _("shipping cost"), default=0, help_text=_("What the store pays the carrier.")
    )
    is_cost_entered = models.BooleanField(
        _("cost entered by hand"), default=False, help_text=_("Otherwise from the rate card.")
    )
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    business_date = models.DateField(
        _("business date"), null=True, blank=True, db_index=True, help_text=_("Day shipped.")
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        indexes = [
            # Console search by tracking number alone (the unique constraint leads
            # with the carrier).
            models.Index(fields=["tracking_number"], name="shipment_tracking_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "tracking_number"],
                condition=~Q(tracking_number=""),
                name="shipment_tracking_unique_per_carrier",
            ),
            models.CheckConstraint(
                condition=Q(status="planned") | (Q(carrier__isnull=False) & ~Q(tracking_number="")),
                name="shipment_shipped_has_tracking",
            ),
            models.CheckConstraint(
                condition=Q(shipping_cost__gte=0), name="shipment_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier or '-'} {self.tracking_number or self.pk}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="lines"
    )
    line = models.ForeignKey(
        "orders.OrderLine",
        verbose_name=_("order line"),
        on_delete=models.PROTECT,
        related_name="shipment_lines",
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        ordering = ["shipment", "pk"]
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")
        constraints = [
            models.UniqueConstraint(fields=["shipment", "line"], name="shipmentline_once_per_line"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="shipmentline_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line} in {self.shipment_id}"

"""Sales channels and the buyers who order through them.

``SalesChannel`` lives here, in the lowest layer that needs it (a customer is
a buyer identity *on a channel*), so that promotions, inventory, orders and
reports can all refer to it without importing upwards.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from storeops.money import MoneyField


class SalesChannel(models.Model):
    """Where an order was placed: a marketplace shop, the store's own site, or by hand."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("sales channel")
        verbose_name_plural = _("sales channels")

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """One buyer identity: a channel's buyer nickname/id, or a phone number.

    The order totals below are kept up to date by ``customers.services``
    (called by the orders services when an order is paid or refunded): the
    customer list sorts and filters on them, and this layer may not read
    orders. ``orders.services.rebuild_customer_totals`` recomputes them.
    """

    channel = models.ForeignKey(
        SalesChannel,
        verbose_name=_("channel"),
        on_delete=models.PROTECT,
        related_name="customers",
    )
    buyer_id = models.CharField(
        _("buyer ID"),
        max_length=100,
        blank=True,
        help_text=_("The buyer's nickname or ID on the channel; empty when only a phone is known."),
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    first_order_at = models.DateTimeField(_("first order at"), null=True, blank=True)
    last_order_at = models.DateTimeField(_("last order at"), null=True, blank=True)
    order_count = models.PositiveIntegerField(_("paid orders"), default=0)
    amount_spent = MoneyField(_("amount spent"), default=0)
    refund_count = models.PositiveIntegerField(_("refunds"), default=0)
    refunded_amount = MoneyField(_("refunded amount"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-last_order_at", "-pk"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "buyer_id"],
                condition=~Q(buyer_id=""),
                name="customer_unique_buyer_per_channel",
            ),
            # A buyer known only by phone is one customer per phone number.
            models.UniqueConstraint(
                fields=["phone"],
                condition=Q(buyer_id="") & ~Q(phone=""),
                name="customer_unique_phone_only_buyer",
            ),
            models.CheckConstraint(
                condition=~Q(buyer_id="", phone=""), name="customer_has_buyer_id_or_phone"
            ),
            models.CheckConstraint(
                condition=Q(amount_spent__gte=0, refunded_amount__gte=0),
                name="customer_totals_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.buyer_id or self.name or self.phone

    @property
    def is_repeat_buyer(self) -> bool:
        return self.order_count >= 2


class AgentDay(models.Model):
    """One customer-service agent's figures on one business day, as the platform exports them.

    Platform layer: stored as imported, one row per (date, channel, agent name);
    a re-import replaces the row. The platform settles "inquirers who went on to
    pay" a day late, so rows imported on or before their own day are
    ``is_provisional`` until a later import replaces them.
    """

    date = models.DateField(_("date"), db_index=True)
    channel = models.ForeignKey(
        SalesChannel,
        verbose_name=_("channel"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agent_days",
    )
    agent_name = models.CharField(
        _("agent name"), max_length=100, help_text=_("As written in the platform's export.")
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agent_days",
    )
    inquiries = models.PositiveIntegerField(_("inquiring buyers"), default=0)
    inquiries_paid = models.PositiveIntegerField(_("inquirers who paid"), default=0)
    avg_first_response_seconds = models.DecimalField(
        _("average first response (seconds)"), max_digits=10, decimal_places=2, default=0
    )
    agent_sales = MoneyField(_("agent sales"), default=0)
    is_provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_("The platform had not yet settled the day's conversion when it was imported."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-date", "agent_name"]
        verbose_name = _("agent day")
        verbose_name_plural = _("agent days")
        constraints = [
            # NULL channels are distinct in a plain unique constraint: one per kind.
            models.UniqueConstraint(
                fields=["date", "channel", "agent_name"],
                condition=Q(channel__isnull=False),
                name="customers_agent_day_once_per_channel",
            ),
            models.UniqueConstraint(
                fields=["date", "agent_name"],
                condition=Q(channel__isnull=True),
                name="customers_agent_day_once_without_channel",
            ),
            models.CheckConstraint(
                condition=Q(inquiries_paid__lte=F("inquiries")),
                name="customers_agent_day_paid_within_inquiries",
            ),
            models.CheckConstraint(
                condition=Q(avg_first_response_seconds__gte=0, agent_sales__gte=0),
                name="customers_agent_day_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent_name} {self.date:%Y-%m-%d}"

"""The store's order settings: review checks, refund limit and after-sales SLA."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from storeops.compiled import CompiledQuery
from storeops.money import MoneyField


class OrderSettings(models.Model):
    """One row (pk 1), edited in the admin; ``OrderSettings.load()`` reads it."""

    check_stock = models.BooleanField(_("check stock"), default=True)
    check_address = models.BooleanField(_("check the address is complete"), default=True)
    check_buyer_note = models.BooleanField(
        _("hold orders with a buyer note"),
        default=True,
        help_text=_("A note often asks for something the warehouse must know."),
    )
    amount_limit = MoneyField(
        _("review orders above"),
        null=True,
        blank=True,
        default=Decimal("2000.00"),
        help_text=_("Empty: no limit."),
    )
    new_buyer_amount_limit = MoneyField(
        _("review first orders above"),
        null=True,
        blank=True,
        default=Decimal("800.00"),
        help_text=_("A buyer's first paid order above this amount is reviewed. Empty: off."),
    )
    duplicate_window_minutes = models.PositiveIntegerField(
        _("duplicate window (minutes)"),
        default=30,
        help_text=_("Another order to the same phone or address within this time. 0: off."),
    )
    refund_limit = MoneyField(
        _("refund limit without approval"),
        default=Decimal("200.00"),
        help_text=_("Refunds above this amount by customer service wait for a manager."),
    )
    first_response_hours = models.PositiveIntegerField(
        _("first response within (hours)"), default=24
    )
    resolve_hours = models.PositiveIntegerField(_("resolve within (hours)"), default=72)

    class Meta:
        verbose_name = _("order settings")
        verbose_name_plural = _("order settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="ordersettings_singleton")]

    def __str__(self) -> str:
        return str(_("Order settings"))

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> OrderSettings:
        """The settings row, made with the defaults on first use.

        Every paid order reads it: the read is compiled once (see storeops.compiled).
        """
        found = _SETTINGS_ROW.instances()
        if found:
            return found[0]
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row


_SETTINGS_ROW = CompiledQuery(lambda: OrderSettings.objects.filter(pk=1))

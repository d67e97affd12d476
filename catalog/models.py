from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from storeops.money import MoneyField


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

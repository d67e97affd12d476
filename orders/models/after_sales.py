"""After-sales cases (售后), their lines, and the refunds paid out."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from storeops.money import MoneyField


class CaseType(models.TextChoices):
    REFUND_ONLY = "refund_only", _("Refund only")
    RETURN_REFUND = "return_refund", _("Return and refund")
    EXCHANGE = "exchange", _("Exchange")
    REISSUE = "reissue", _("Reissue")


class CaseState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    AWAITING_RETURN = "awaiting_return", _("Awaiting return")
    RECEIVED = "received", _("Return received")
    REFUNDED = "refunded", _("Refunded")
    EXCHANGED = "exchanged", _("Exchanged")
    REISSUED = "reissued", _("Reissued")
    CLOSED = "closed", _("Closed")


OPEN_CASE_STATES = frozenset(
    {CaseState.REQUESTED, CaseState.APPROVED, CaseState.AWAITING_RETURN, CaseState.RECEIVED}
)
RESOLVED_CASE_STATES = frozenset(
    {
        CaseState.REJECTED,
        CaseState.REFUNDED,
        CaseState.EXCHANGED,
        CaseState.REISSUED,
        CaseState.CLOSED,
    }
)


class AfterSalesReason(models.Model):
    """Why a buyer asks for after-sales; the list is edited in the admin."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("after-sales reason")
        verbose_name_plural = _("after-sales reasons")

    def __str__(self) -> str:
        return self.name


class AfterSalesCase(models.Model):
    """One after-sales request on one order, from request to resolution.

    SLA deadlines are fixed when the case opens, from the order settings of
    that moment: ``response_due_at`` (first response) and ``resolve_due_at``.
    """

    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="after_sales_cases",
    )
    kind = models.CharField(_("type"), max_length=16, choices=CaseType.choices)
    reason = models.ForeignKey(
        AfterSalesReason, verbose_name=_("reason"), on_delete=models.PROTECT, related_name="cases"
    )
    description = models.TextField(_("description"), blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=CaseState.choices, default=CaseState.REQUESTED
    )
    refund_no = models.CharField(
        _("channel refund number"), max_length=64, blank=True, help_text=_("For imported cases.")
    )
    channel = models.ForeignKey(
        "customers.SalesChannel",
        verbose_name=_("channel"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_amount = MoneyField(_("requested amount"), default=0)
    refunded_amount = MoneyField(_("refunded amount"), default=0)
    requested_at = models.DateTimeField(_("requested at"), db_index=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    response_due_at = models.DateTimeField(_("first response due"))
    resolve_due_at = models.DateTimeField(_("resolution due"))
    received_at = models.DateTimeField(_("return received at"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    refund_business_date = models.DateField(
        _("refund business date"), null=True, blank=True, db_index=True
    )
    assigned_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    return_carrier = models.CharField(_("return carrier"), max_length=50, blank=True)
    return_tracking_number = models.CharField(
        _("return tracking number"), max_length=64, blank=True
    )
    replacement_order = models.OneToOneField(
        "orders.Order",
        verbose_name=_("replacement order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replacement_case",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("after-sales case")
        verbose_name_plural = _("after-sales cases")
        indexes = [models.Index(fields=["state", "requested_at"], name="case_queue_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "refund_no"],
                condition=~Q(refund_no=""),
                name="case_refund_no_unique_per_channel",
            ),
            models.CheckConstraint(
                condition=Q(requested_amount__gte=0, refunded_amount__gte=0),
                name="case_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_CASE_STATES


class AfterSalesLine(models.Model):
    case = models.ForeignKey(
        AfterSalesCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="lines"
    )
    line = models.ForeignKey(
        "orders.OrderLine",
        verbose_name=_("order line"),
        on_delete=models.PROTECT,
        related_name="after_sales_lines",
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    restocked_quantity = models.PositiveIntegerField(_("returned to stock"), default=0)
    written_off_quantity = models.PositiveIntegerField(_("written off"), default=0)

    class Meta:
        ordering = ["case", "pk"]
        verbose_name = _("after-sales line")
        verbose_name_plural = _("after-sales lines")
        constraints = [
            models.UniqueConstraint(fields=["case", "line"], name="caseline_once_per_line"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="caseline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity__gte=F("restocked_quantity") + F("written_off_quantity")),
                name="caseline_received_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} × {self.quantity}"

    @property
    def received_quantity(self) -> int:
        return self.restocked_quantity + self.written_off_quantity


class RefundStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting manager approval")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")


class Refund(models.Model):
    """Money paid back on an order. Completed refunds count on ``business_date``.

    Refunds awaiting approval already count against what is still refundable,
    so that two pending refunds can never add up to more than was paid.
    """

    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="refunds"
    )
    case = models.ForeignKey(
        AfterSalesCase,
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    amount = MoneyField(_("amount"))
    shipping_amount = MoneyField(
        _("of which shipping"), default=0, help_text=_("Part of the amount not tied to any line.")
    )
    status = models.CharField(_("status"), max_length=24, choices=RefundStatus.choices)
    refund_no = models.CharField(_("channel refund number"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"))
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    business_date = models.DateField(_("business date"), null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(shipping_amount__gte=0, shipping_amount__lte=F("amount")),
                name="refund_shipping_within_amount",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed")
                | Q(refunded_at__isnull=False, business_date__isnull=False),
                name="refund_completed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} −{self.amount}"


class RefundLine(models.Model):
    """The part of a refund that pays back units of one order line."""

    refund = models.ForeignKey(
        Refund, verbose_name=_("refund"), on_delete=models.CASCADE, related_name="lines"
    )
    line = models.ForeignKey(
        "orders.OrderLine",
        verbose_name=_("order line"),
        on_delete=models.PROTECT,
        related_name="refund_lines",
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=0)
    amount = MoneyField(_("amount"))

    class Meta:
        ordering = ["refund", "pk"]
        verbose_name = _("refund line")
        verbose_name_plural = _("refund lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="refundline_amount_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.line_id} −{self.amount}"

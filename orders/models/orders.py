"""Orders, their lines and their timeline."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Right
from django.utils.translation import gettext_lazy as _

from storeops.money import MoneyField


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Pending payment")
    PAID = "paid", _("Paid")
    PARTIALLY_SHIPPED = "partially_shipped", _("Partially shipped")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    CLOSED = "closed", _("Closed")


# Forward order of the lifecycle: a status never moves to a lower rank.
STATUS_RANK = {
    OrderStatus.PENDING_PAYMENT: 0,
    OrderStatus.PAID: 1,
    OrderStatus.PARTIALLY_SHIPPED: 2,
    OrderStatus.SHIPPED: 3,
    OrderStatus.DELIVERED: 4,
    OrderStatus.COMPLETED: 5,
    OrderStatus.CANCELLED: 9,
    OrderStatus.CLOSED: 9,
}
FINAL_STATUSES = frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.CLOSED})
UNSHIPPED_STATUSES = frozenset({OrderStatus.PENDING_PAYMENT, OrderStatus.PAID})
PAID_STATUSES = frozenset(
    {
        OrderStatus.PAID,
        OrderStatus.PARTIALLY_SHIPPED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.COMPLETED,
    }
)


EXPECTED_PAID = (
    F("goods_total") - F("line_discount_total") - F("order_discount_total") + F("shipping_fee")
)
HALF_CENT = Value(Decimal("0.005"))


class ReviewState(models.TextChoices):
    """Order review (审单): whether the warehouse may ship the order."""

    PENDING = "pending", _("Pending review")
    RELEASED = "released", _("Released to the warehouse")
    EXCEPTION = "exception", _("Exception")
    ON_HOLD = "on_hold", _("On hold")


class ReviewReason(models.TextChoices):
    OUT_OF_STOCK = "out_of_stock", _("Not enough stock")
    INCOMPLETE_ADDRESS = "incomplete_address", _("Address incomplete")
    BUYER_NOTE = "buyer_note", _("Buyer left a note")
    AMOUNT_ABOVE_LIMIT = "amount_above_limit", _("Amount above the review limit")
    NEW_BUYER_HIGH_AMOUNT = "new_buyer_high_amount", _("New buyer with a high amount")
    DUPLICATE_RECIPIENT = (
        "duplicate_recipient",
        _("Another recent order to the same phone or address"),
    )


class OrderKind(models.TextChoices):
    NORMAL = "normal", _("Order")
    REPLACEMENT = "replacement", _("Replacement (exchange or reissue)")


class Order(models.Model):
    """One order of one buyer on one channel; its money is fixed when it is created.

    ``paid_total = goods_total − line_discount_total − order_discount_total +
    shipping_fee`` always holds (a database constraint). ``business_date`` is
    the store-local day of ``paid_at``: paid sales are counted on it.
    """

    # No index of its own on channel or customer: the unique (channel, order number)
    # and order_customer_idx (customer, placed_at) lead with them and serve the same
    # look-ups, and every order written would keep the two extra indexes up to date.
    channel = models.ForeignKey(
        "customers.SalesChannel",
        verbose_name=_("channel"),
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,
    )
    order_no = models.CharField(_("order number"), max_length=64)
    kind = models.CharField(
        _("kind"), max_length=16, choices=OrderKind.choices, default=OrderKind.NORMAL
    )
    is_imported = models.BooleanField(
        _("imported"),
        default=False,
        help_text=_("Imported orders are facts from the channel: payment is never refused."),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,
    )
    buyer_nickname = models.CharField(_("buyer nickname"), max_length=100, blank=True)
    recipient_name = models.CharField(_("recipient"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    province = models.CharField(_("province"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    buyer_note = models.TextField(_("buyer note"), blank=True)
    internal_notes = models.TextField(_("internal notes"), blank=True)
    assigned_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_orders",
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        verbose_name=_("warehouse"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=OrderStatus.choices,
        default=OrderStatus.PENDING_PAYMENT,
    )
    review_state = models.CharField(
        _("review"), max_length=16, choices=ReviewState.choices, default=ReviewState.PENDING
    )
    review_reasons = models.JSONField(_("review reasons"), default=list, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    placed_at = models.DateTimeField(_("placed at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    business_date = models.DateField(
        _("business date"), null=True, blank=True, db_index=True, help_text=_("Day of payment.")
    )
    shipped_at = models.DateTimeField(_("first shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    goods_total = MoneyField(_("goods total"))
    line_discount_total = MoneyField(_("line discounts"), default=0)
    order_discount_total = MoneyField(
        _("order discounts"), default=0, help_text=_("Full-reduction offers and coupons.")
    )
    shipping_fee = MoneyField(_("shipping fee charged"), default=0)
    paid_total = MoneyField(_("amount paid"))
    refunded_total = MoneyField(_("refunded"), default=0)
    coupon_code = models.CharField(_("coupon code"), max_length=64, blank=True)
    promotion_text = models.CharField(_("promotion"), max_length=200, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("ships with"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_orders",
    )
    replaces_order = models.ForeignKey(
        "self",
        verbose_name=_("replaces order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replacement_orders",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-placed_at", "-pk"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["status", "review_state", "paid_at"], name="order_queue_idx"),
            models.Index(fields=["customer", "-placed_at"], name="order_customer_idx"),
            models.Index(fields=["phone", "placed_at"], name="order_phone_idx"),
            # The duplicate-recipient review check (orders.services.review): the same
            # address within a window. With order_phone_idx it is two index probes
            # instead of a scan of every order placed in the window.
            models.Index(fields=["address", "placed_at"], name="order_address_idx"),
            # Console search (orders.selectors.search_orders). The unique constraint
            # leads with the channel: an order number alone needs its own index.
            models.Index(fields=["order_no"], name="order_no_idx"),
            # The last 4 digits of the phone, as search_orders asks for them.
            models.Index(Right("phone", 4), name="order_phone_last4_idx"),
            # Exact and prefix (LIKE 'x%') searches. The pattern operator class
            # serves prefixes whatever the collation; SQLite ignores it.
            models.Index(
                fields=["buyer_nickname"],
                name="order_nickname_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["recipient_name"],
                name="order_recipient_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            # Newest first (Meta.ordering): a search matching many orders (a short
            # nickname prefix) reads the newest rows until it has enough.
            models.Index(fields=["placed_at", "id"], name="order_placed_idx"),
            # The daily summary (reports.services.build_day): orders first shipped
            # on a day, and whether a buyer paid for an order in the year before a
            # day (new buyers).
            models.Index(fields=["shipped_at"], name="order_shipped_at_idx"),
            models.Index(
                fields=["customer", "business_date"],
                name="order_customer_paid_day_idx",
                condition=Q(paid_at__isnull=False, kind="normal"),
            ),
            # Distinct buyers of a period (the dashboard, reports.selectors): an
            # index-only scan of the period's paying customers, per channel too.
            models.Index(
                fields=["business_date", "customer", "channel"],
                name="order_paid_day_buyer_idx",
                condition=Q(paid_at__isnull=False, kind="normal"),
            ),
            # The few paid replacement orders of a day (the cost of goods of the daily
            # summary): read without visiting the day's thousands of sold orders.
            models.Index(
                fields=["business_date"],
                name="order_replacement_day_idx",
                condition=Q(paid_at__isnull=False, kind="replacement"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "order_no"], name="order_number_unique_per_channel"
            ),
            # Within half a cent rather than "=": SQLite compares decimals as floats.
            models.CheckConstraint(
                condition=Q(paid_total__gte=EXPECTED_PAID - HALF_CENT)
                & Q(paid_total__lte=EXPECTED_PAID + HALF_CENT),
                name="order_paid_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(
                    goods_total__gte=0,
                    line_discount_total__gte=0,
                    order_discount_total__gte=0,
                    shipping_fee__gte=0,
                    paid_total__gte=0,
                    refunded_total__gte=0,
                ),
                name="order_money_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(refunded_total__lte=F("paid_total")),
                name="order_refunds_within_paid",
            ),
            models.CheckConstraint(
                condition=Q(paid_at__isnull=True) | Q(business_date__isnull=False),
                name="order_paid_has_business_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.order_no}"

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None

    @property
    def refundable_amount(self):
        return self.paid_total - self.refunded_total

    @property
    def can_be_cancelled(self) -> bool:
        return self.status in UNSHIPPED_STATUSES

    @property
    def can_be_shipped(self) -> bool:
        return (
            self.status in (OrderStatus.PAID, OrderStatus.PARTIALLY_SHIPPED)
            and self.review_state == ReviewState.RELEASED
            and self.merged_into_id is None
        )

    @property
    def full_address(self) -> str:
        return " ".join(part for part in (self.province, self.city, self.address) if part)


class OrderLine(models.Model):
    """One SKU on an order, with the snapshot of what was sold and at what cost.

    ``paid_amount = quantity × unit_price − line_discount − order_discount_share``:
    the line's share of what the buyer paid for goods (refunds are measured
    against it). ``unit_cost`` is the cost in force when the order was paid;
    it never changes afterwards (COGS of past days stays put).
    """

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines"
    )
    variant = models.ForeignKey(
        "catalog.Variant",
        verbose_name=_("variant"),
        on_delete=models.PROTECT,
        related_name="order_lines",
    )
    sku_code = models.CharField(_("SKU code"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = MoneyField(_("unit price"))
    line_discount = MoneyField(_("line discount"), default=0)
    order_discount_share = MoneyField(
        _("share of order discounts"), default=0, help_text=_("Allocated by line value.")
    )
    paid_amount = MoneyField(_("paid amount"))
    unit_cost = MoneyField(_("unit cost"), null=True, blank=True)
    reserved_quantity = models.PositiveIntegerField(_("reserved"), default=0)
    shipped_quantity = models.PositiveIntegerField(_("shipped"), default=0)
    cancelled_quantity = models.PositiveIntegerField(
        _("cancelled"), default=0, help_text=_("Units refunded before they were shipped.")
    )
    refunded_quantity = models.PositiveIntegerField(_("refunded quantity"), default=0)
    refunded_amount = MoneyField(_("refunded amount"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(shipped_quantity__lte=F("quantity") - F("cancelled_quantity")),
                name="orderline_shipped_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(reserved_quantity__lte=F("quantity")),
                name="orderline_reserved_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(refunded_quantity__lte=F("quantity")),
                name="orderline_refunded_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=F("paid_amount")),
                name="orderline_refunded_within_paid",
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0, line_discount__gte=0, order_discount_share__gte=0),
                name="orderline_money_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_code} × {self.quantity}"

    @property
    def remaining_to_ship(self) -> int:
        return self.quantity - self.cancelled_quantity - self.shipped_quantity


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    PAID = "paid", _("Paid")
    STOCK_RESERVED = "stock_reserved", _("Stock reserved")
    STOCK_SHORT = "stock_short", _("Stock short")
    STOCK_RELEASED = "stock_released", _("Stock released")
    REVIEWED = "reviewed", _("Reviewed")
    APPROVED = "approved", _("Approved")
    HELD = "held", _("Put on hold")
    ADDRESS_CHANGED = "address_changed", _("Address changed")
    LINE_CHANGED = "line_changed", _("Line changed")
    SPLIT = "split", _("Split into shipments")
    MERGED = "merged", _("Merged")
    ASSIGNED = "assigned", _("Assigned")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    SHIPPING_COST = "shipping_cost", _("Shipping cost changed")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    CLOSED = "closed", _("Closed")
    NOTE = "note", _("Note")
    CASE_OPENED = "case_opened", _("After-sales case opened")
    CASE_UPDATED = "case_updated", _("After-sales case updated")
    RETURN_RECEIVED = "return_received", _("Return received")
    REFUND_REQUESTED = "refund_requested", _("Refund awaiting approval")
    REFUNDED = "refunded", _("Refunded")
    REPLACEMENT = "replacement", _("Replacement order created")


class OrderEvent(models.Model):
    """One row of an order's timeline: every change and every note. Never edited."""

    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="events"
    )
    case = models.ForeignKey(
        "orders.AfterSalesCase",
        verbose_name=_("after-sales case"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=EventKind.choices)
    message = models.TextField(_("message"), blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"

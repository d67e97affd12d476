"""Promotions, coupon batches, coupons and the rows that record their use.

Promotions sit below orders: a redemption names its order by the natural key
(channel code, order number) as plain strings, never by a foreign key.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from storeops.money import MoneyField, RateField


class PromotionKind(models.TextChoices):
    PERCENT_OFF = "percent_off", _("Percent off")
    AMOUNT_OFF = "amount_off", _("Amount off")
    FULL_REDUCTION = "full_reduction", _("Spend and save (full reduction)")
    BUY_N_GET_M = "buy_n_get_m", _("Buy N, get M free")
    GIFT = "gift", _("Free gift")
    FLASH_PRICE = "flash_price", _("Flash price")
    MEMBER_PRICE = "member_price", _("Member price")


class PromotionScope(models.TextChoices):
    STORE = "store", _("Whole store")
    CATEGORIES = "categories", _("Categories")
    PRODUCTS = "products", _("Products")
    SKUS = "skus", _("SKUs")


class Stacking(models.TextChoices):
    STACKABLE = "stackable", _("Stackable")
    EXCLUSIVE = "exclusive", _("Exclusive")


class PromotionStatus(models.TextChoices):
    """Where a promotion stands in time; computed, not stored."""

    UPCOMING = "upcoming", _("Upcoming")
    RUNNING = "running", _("Running")
    ENDED = "ended", _("Ended")


class Promotion(models.Model):
    """A discount rule that runs in a time window on some channels and goods."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PromotionKind.choices)
    # Rule parameters; which ones matter depends on ``kind`` (see ``clean``).
    percent_off = models.DecimalField(
        _("percent off"),
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text=_("For percent off and member price: 15 means 15 % off."),
    )
    amount_off = MoneyField(_("amount off"), default=0)
    min_spend = MoneyField(
        _("minimum spend"),
        default=0,
        help_text=_("Eligible goods must reach this amount (amount off, percent off, gift)."),
    )
    is_repeating = models.BooleanField(
        _("repeat every threshold"),
        default=False,
        help_text=_("Full reduction only: the first tier applies once per full threshold."),
    )
    buy_quantity = models.PositiveIntegerField(_("buy quantity (N)"), default=0)
    free_quantity = models.PositiveIntegerField(_("free quantity (M)"), default=0)
    gift_variant = models.ForeignKey(
        "catalog.Variant",
        verbose_name=_("gift SKU"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    gift_quantity = models.PositiveIntegerField(_("gift quantity"), default=1)
    member_min_orders = models.PositiveIntegerField(
        _("member: minimum paid orders"),
        default=1,
        help_text=_("Member price: a customer with at least this many paid orders is a member."),
    )
    max_discount = MoneyField(
        _("maximum discount per order"),
        null=True,
        blank=True,
        help_text=_("Empty means no cap."),
    )
    scope = models.CharField(
        _("applies to"), max_length=16, choices=PromotionScope.choices, default=PromotionScope.STORE
    )
    categories = models.ManyToManyField(
        "catalog.Category", verbose_name=_("categories"), blank=True, related_name="+"
    )
    products = models.ManyToManyField(
        "catalog.Product", verbose_name=_("products"), blank=True, related_name="+"
    )
    variants = models.ManyToManyField(
        "catalog.Variant", verbose_name=_("SKUs"), blank=True, related_name="+"
    )
    excluded_products = models.ManyToManyField(
        "catalog.Product", verbose_name=_("excluded products"), blank=True, related_name="+"
    )
    excluded_variants = models.ManyToManyField(
        "catalog.Variant", verbose_name=_("excluded SKUs"), blank=True, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    channels = models.ManyToManyField(
        "customers.SalesChannel",
        verbose_name=_("channels"),
        blank=True,
        related_name="+",
        help_text=_("Empty means every channel."),
    )
    per_customer_limit = models.PositiveIntegerField(
        _("uses per customer"), null=True, blank=True, help_text=_("Empty means no limit.")
    )
    total_usage_limit = models.PositiveIntegerField(
        _("total uses"), null=True, blank=True, help_text=_("Empty means no limit.")
    )
    budget = MoneyField(
        _("budget"),
        null=True,
        blank=True,
        help_text=_("Total discount it may give; empty is no cap."),
    )
    priority = models.IntegerField(
        _("priority"), default=0, help_text=_("Higher runs first within its step.")
    )
    stacking = models.CharField(
        _("stacking"), max_length=16, choices=Stacking.choices, default=Stacking.STACKABLE
    )
    is_active = models.BooleanField(_("active"), default=True)
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
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        indexes = [models.Index(fields=["is_active", "starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="promotion_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(percent_off__gte=0, percent_off__lte=100),
                name="promotion_percent_in_range",
            ),
            models.CheckConstraint(
                condition=Q(amount_off__gte=0, min_spend__gte=0),
                name="promotion_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def status_at(self, moment: dt.datetime | None = None) -> PromotionStatus:
        moment = moment or timezone.now()
        if moment < self.starts_at:
            return PromotionStatus.UPCOMING
        if moment >= self.ends_at:
            return PromotionStatus.ENDED
        return PromotionStatus.RUNNING

    @property
    def status(self) -> PromotionStatus:
        return self.status_at()


class PromotionTier(models.Model):
    """Full reduction: spend ``threshold`` or more, get ``amount_off`` (满300减30)."""

    promotion = models.ForeignKey(
        Promotion, verbose_name=_("promotion"), on_delete=models.CASCADE, related_name="tiers"
    )
    threshold = MoneyField(_("threshold"))
    amount_off = MoneyField(_("amount off"))

    class Meta:
        ordering = ["threshold"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        constraints = [
            models.UniqueConstraint(
                fields=["promotion", "threshold"], name="promotion_tier_unique_threshold"
            ),
            models.CheckConstraint(
                condition=Q(threshold__gt=0, amount_off__gt=0) & Q(amount_off__lte=F("threshold")),
                name="promotion_tier_amounts_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.threshold} → {self.amount_off}"


class FlashPriceItem(models.Model):
    """Flash price: a fixed unit price for one SKU, for up to ``quantity_cap`` units per order."""

    promotion = models.ForeignKey(
        Promotion, verbose_name=_("promotion"), on_delete=models.CASCADE, related_name="flash_items"
    )
    variant = models.ForeignKey(
        "catalog.Variant", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+"
    )
    price = MoneyField(_("flash price"))
    quantity_cap = models.PositiveIntegerField(
        _("units per order at this price"), null=True, blank=True
    )

    class Meta:
        ordering = ["variant__sku_code"]
        verbose_name = _("flash price item")
        verbose_name_plural = _("flash price items")
        constraints = [
            models.UniqueConstraint(
                fields=["promotion", "variant"], name="flash_item_unique_variant"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="flash_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} @ {self.price}"


class PromotionUsage(models.Model):
    """One order's use of a promotion: counts toward usage limits and the budget."""

    promotion = models.ForeignKey(
        Promotion, verbose_name=_("promotion"), on_delete=models.PROTECT, related_name="usages"
    )
    channel_code = models.CharField(_("channel"), max_length=32)
    order_no = models.CharField(_("order number"), max_length=64)
    customer_id = models.PositiveBigIntegerField(_("customer ID"), null=True, blank=True)
    amount = MoneyField(_("discount"))
    used_at = models.DateTimeField(_("used at"), default=timezone.now)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)

    class Meta:
        ordering = ["-used_at", "-pk"]
        verbose_name = _("promotion use")
        verbose_name_plural = _("promotion uses")
        constraints = [
            models.UniqueConstraint(
                fields=["promotion", "channel_code", "order_no"],
                name="promotion_usage_once_per_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.promotion_id} {self.channel_code}/{self.order_no}"


class CouponKind(models.TextChoices):
    AMOUNT = "amount", _("Amount off")
    PERCENT = "percent", _("Percent off")


class CouponBatch(models.Model):
    """A run of single-use coupon codes sharing one rule."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=10, choices=CouponKind.choices, default=CouponKind.AMOUNT
    )
    amount_off = MoneyField(_("amount off"), default=0)
    percent_off = models.DecimalField(_("percent off"), max_digits=5, decimal_places=2, default=0)
    min_spend = MoneyField(_("minimum spend"), default=0)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    per_customer_limit = models.PositiveIntegerField(_("uses per customer"), default=1)
    count = models.PositiveIntegerField(_("number of codes"))
    is_returnable = models.BooleanField(_("returned when the order is cancelled"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("coupon batch")
        verbose_name_plural = _("coupon batches")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gt=F("valid_from")), name="coupon_batch_valid_window"
            ),
            models.CheckConstraint(
                condition=Q(percent_off__gte=0, percent_off__lte=100),
                name="coupon_batch_percent_in_range",
            ),
            models.CheckConstraint(
                condition=Q(amount_off__gte=0, min_spend__gte=0),
                name="coupon_batch_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CouponStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    REDEEMED = "redeemed", _("Redeemed")
    VOID = "void", _("Void")


class Coupon(models.Model):
    batch = models.ForeignKey(
        CouponBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="coupons"
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CouponStatus.choices, default=CouponStatus.AVAILABLE
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")

    def __str__(self) -> str:
        return self.code


class CouponRedemption(models.Model):
    """A coupon used on one order (named by channel code + order number)."""

    coupon = models.ForeignKey(
        Coupon, verbose_name=_("coupon"), on_delete=models.PROTECT, related_name="redemptions"
    )
    channel_code = models.CharField(_("channel"), max_length=32)
    order_no = models.CharField(_("order number"), max_length=64)
    customer_id = models.PositiveBigIntegerField(_("customer ID"), null=True, blank=True)
    amount = MoneyField(_("discount"))
    redeemed_at = models.DateTimeField(_("redeemed at"), default=timezone.now)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)

    class Meta:
        ordering = ["-redeemed_at", "-pk"]
        verbose_name = _("coupon redemption")
        verbose_name_plural = _("coupon redemptions")
        indexes = [models.Index(fields=["channel_code", "order_no"])]
        constraints = [
            # A code is used by at most one order at a time.
            models.UniqueConstraint(
                fields=["coupon"],
                condition=Q(returned_at__isnull=True),
                name="coupon_redeemed_once",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="coupon_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.coupon_id} {self.channel_code}/{self.order_no}"


# -- paid traffic ----------------------------------------------------------------------------


class AdChannel(models.Model):
    """A paid-traffic channel (直通车, 淘宝客 ...); seeded by a data migration.

    A commission-based channel (淘宝客) is paid per sale, not per click: its
    spend is the commission, reported apart from ad spend (see METRICS.md).
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=100, blank=True)
    is_commission_based = models.BooleanField(_("paid by commission"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("ad channel")
        verbose_name_plural = _("ad channels")

    def __str__(self) -> str:
        return self.name


class AdSpendDay(models.Model):
    """One channel's (or one campaign's) paid-traffic figures on a business day.

    A blank campaign is the channel's total for a file that has no campaign
    column. For a commission-based channel ``spend`` is the commission.
    """

    date = models.DateField(_("date"), db_index=True)
    channel = models.ForeignKey(
        AdChannel, verbose_name=_("ad channel"), on_delete=models.PROTECT, related_name="+"
    )
    campaign = models.CharField(_("campaign"), max_length=200, blank=True, default="")
    impressions = models.PositiveBigIntegerField(_("impressions"), default=0)
    clicks = models.PositiveBigIntegerField(_("clicks"), default=0)
    spend = MoneyField(_("spend"), default=0)
    attributed_orders = models.PositiveIntegerField(_("attributed orders"), default=0)
    attributed_sales = MoneyField(_("attributed sales"), default=0)
    attribution_days = models.PositiveSmallIntegerField(
        _("attribution window (days)"), null=True, blank=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-date", "channel__position", "campaign"]
        verbose_name = _("ad spend day")
        verbose_name_plural = _("ad spend days")
        constraints = [
            models.UniqueConstraint(
                fields=["date", "channel", "campaign"], name="ad_spend_day_unique_campaign"
            ),
            models.CheckConstraint(
                condition=Q(spend__gte=0, attributed_sales__gte=0),
                name="ad_spend_day_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(clicks__lte=F("impressions")),
                name="ad_spend_day_clicks_within_impressions",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.channel_id} {self.campaign}"


class AdBudget(models.Model):
    """What a channel may spend in a month (``month`` is the month's first day)."""

    month = models.DateField(_("month"))
    channel = models.ForeignKey(
        AdChannel, verbose_name=_("ad channel"), on_delete=models.PROTECT, related_name="+"
    )
    amount = MoneyField(_("budget"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-month", "channel__position"]
        verbose_name = _("ad budget")
        verbose_name_plural = _("ad budgets")
        constraints = [
            models.UniqueConstraint(fields=["month", "channel"], name="ad_budget_unique_month"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="ad_budget_not_negative"),
            models.CheckConstraint(condition=Q(month__day=1), name="ad_budget_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.channel_id}"


# -- platform campaign calendar ----------------------------------------------------------------


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SIGNED_UP = "signed_up", _("Signed up")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")


class PlatformCampaign(models.Model):
    """A marketplace's sale event (618, 双11, 年货节) the store may sign up for."""

    name = models.CharField(_("name"), max_length=200)
    channel = models.ForeignKey(
        "customers.SalesChannel",
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty means every channel."),
    )
    signup_deadline = models.DateField(_("sign-up deadline"), null=True, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.PLANNED
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("platform campaign")
        verbose_name_plural = _("platform campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="platform_campaign_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignItem(models.Model):
    """One SKU signed up for a campaign at a campaign price below its list price."""

    campaign = models.ForeignKey(
        PlatformCampaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="items"
    )
    variant = models.ForeignKey(
        "catalog.Variant", verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+"
    )
    campaign_price = MoneyField(_("campaign price"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["variant__sku_code"]
        verbose_name = _("campaign SKU")
        verbose_name_plural = _("campaign SKUs")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "variant"], name="campaign_item_unique_variant"
            ),
            models.CheckConstraint(
                condition=Q(campaign_price__gt=0), name="campaign_item_price_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} @ {self.campaign_price}"


class CampaignTask(models.Model):
    """One step of a campaign's checklist (sign up, upload images, set stock ...)."""

    campaign = models.ForeignKey(
        PlatformCampaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="tasks"
    )
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    is_done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("campaign task")
        verbose_name_plural = _("campaign tasks")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_done=False) | Q(done_at__isnull=False),
                name="campaign_task_done_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title


# -- live-stream sessions --------------------------------------------------------------------


class LiveSession(models.Model):
    """One live-stream broadcast on a sales channel, with the figures its platform reports.

    Platform layer (METRICS.md): stored as imported, never computed from our orders.
    The natural key is channel + start time; importing a session again replaces
    its figures. ``business_date`` is the store-local date of ``started_at``.
    """

    channel = models.ForeignKey(
        "customers.SalesChannel",
        verbose_name=_("channel"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"))
    business_date = models.DateField(_("business day"), db_index=True)
    title = models.CharField(_("title"), max_length=200, blank=True, default="")
    host = models.CharField(_("host"), max_length=100, blank=True, default="")
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=0)
    viewers = models.PositiveBigIntegerField(_("viewers"), default=0)
    product_clicks = models.PositiveBigIntegerField(_("product clicks"), default=0)
    buyers = models.PositiveIntegerField(_("buyers"), default=0)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    sales = MoneyField(_("sales"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-started_at", "channel__position"]
        verbose_name = _("live-stream session")
        verbose_name_plural = _("live-stream sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "started_at"], name="live_session_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(sales__gte=0), name="live_session_sales_not_negative"
            ),
            # Product clicks may exceed viewers (one viewer clicks several items) and
            # orders may exceed buyers, but every buyer watched.
            models.CheckConstraint(
                condition=Q(buyers__lte=F("viewers")), name="live_session_buyers_within_viewers"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.started_at:%Y-%m-%d %H:%M}"


# -- affiliate (淘宝客) orders ----------------------------------------------------------------


# The campaign of an affiliate channel's day rows computed from orders without a
# promotion slot (推广位). Stored data, like any campaign name: not translated.
PER_ORDER_CAMPAIGN = "per-order commission"


class AffiliateOrderStatus(models.TextChoices):
    PAID = "paid", _("Paid")
    SETTLED = "settled", _("Settled")
    INVALID = "invalid", _("Invalid (refunded or void)")


class AffiliateOrder(models.Model):
    """The commission a commission-based ad channel (淘宝客) reports for one order.

    Promotions sit below orders, so the order is named by its natural key (the
    sales channel and the channel's order number), never by a foreign key: an
    order that reaches StoreOps before or after its commission row is the same
    order by that key, with nothing to re-match. ``paid_on`` is the store-local
    date of ``paid_at`` (payment basis, METRICS.md ``affiliate_commission``). The
    day's AdSpendDay rows of the ad channel are computed from these rows
    (``ad_services.record_affiliate_orders``). An invalid order earns nothing.
    """

    ad_channel = models.ForeignKey(
        AdChannel, verbose_name=_("ad channel"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.ForeignKey(
        "customers.SalesChannel",
        verbose_name=_("sales channel"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    order_no = models.CharField(_("order number"), max_length=64)
    campaign = models.CharField(_("promotion slot"), max_length=200, blank=True, default="")
    paid_at = models.DateTimeField(_("paid at"))
    paid_on = models.DateField(_("business day"), db_index=True)
    order_amount = MoneyField(_("order amount"))
    commission_rate = RateField(_("commission rate"), null=True, blank=True)
    commission = MoneyField(_("commission"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AffiliateOrderStatus.choices,
        default=AffiliateOrderStatus.PAID,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-paid_at", "-pk"]
        verbose_name = _("affiliate order")
        verbose_name_plural = _("affiliate orders")
        indexes = [models.Index(fields=["channel", "order_no"], name="affiliate_order_number_idx")]
        constraints = [
            # One commission row per order and affiliate channel: a re-import replaces it.
            models.UniqueConstraint(
                fields=["ad_channel", "channel", "order_no"], name="affiliate_order_unique"
            ),
            models.CheckConstraint(
                condition=Q(order_amount__gte=0, commission__gte=0),
                name="affiliate_order_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(commission__lte=F("order_amount")),
                name="affiliate_order_commission_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(commission_rate__isnull=True)
                | Q(commission_rate__gte=0, commission_rate__lte=1),
                name="affiliate_order_rate_0_to_1",
            ),
            models.CheckConstraint(
                condition=~Q(status=AffiliateOrderStatus.INVALID) | Q(commission=0),
                name="affiliate_order_invalid_earns_nothing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ad_channel_id} {self.channel_id}:{self.order_no}"

    @property
    def commission_percent(self) -> Decimal | None:
        """The rate as shown: 0.155 is 15.50 (%)."""
        if self.commission_rate is None:
            return None
        return (self.commission_rate * 100).quantize(Decimal("0.01"))

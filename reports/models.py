"""The platform layer of the daily summary and the settings it is costed with.

Traffic and store ratings are stored as the platform reports them, one row per
natural key (channel + business day [+ traffic source]), so importing the same
export twice replaces instead of doubling. Targets, fee rates, packaging cost
and operating expenses are the store's own settings. Every row that feeds the
daily summary carries `updated_at` (indexed) so that the freshness job can find
the business days touched since its watermark, and an indexed business-day
`date` (or `effective_from` for effective-dated settings).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import SalesChannel
from storeops.money import MoneyField, RateField

MAX_SCORE = Decimal("5")


class ReportsError(Exception):
    """A settings change or an upsert broke a rule; `field` names the input at fault."""

    def __init__(self, message: str, *, field: str | None = None, index: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.index = index


def ScoreField(verbose_name: str, **kwargs: Any) -> models.DecimalField:
    """A store rating (0–5) as the platform shows it, up to four decimal places."""
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=4, **kwargs)


class DailyTraffic(models.Model):
    """Visitors and page views of one channel on one business day (platform layer).

    `source` is the platform's traffic source ("search", "直通车", ...); blank
    means the channel's total over all sources.
    """

    channel = models.ForeignKey(
        SalesChannel, verbose_name=_("channel"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("business day"), db_index=True)
    source = models.CharField(_("traffic source"), max_length=64, blank=True)
    visitors = models.PositiveIntegerField(_("visitors"))
    page_views = models.PositiveIntegerField(_("page views"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-date", "channel__position", "source"]
        verbose_name = _("daily traffic")
        verbose_name_plural = _("daily traffic")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "date", "source"], name="reports_traffic_unique_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.date} {self.source or '*'}"


class StoreRating(models.Model):
    """The store ratings (DSR) a channel showed on one business day: the day's latest snapshot."""

    channel = models.ForeignKey(
        SalesChannel, verbose_name=_("channel"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("business day"), db_index=True)
    description = ScoreField(_("item as described"))
    service = ScoreField(_("service"))
    logistics = ScoreField(_("logistics"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-date", "channel__position"]
        verbose_name = _("store rating")
        verbose_name_plural = _("store ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "date"], name="reports_rating_unique_per_day"
            ),
            models.CheckConstraint(
                condition=Q(description__gte=0, description__lte=MAX_SCORE)
                & Q(service__gte=0, service__lte=MAX_SCORE)
                & Q(logistics__gte=0, logistics__lte=MAX_SCORE),
                name="reports_rating_scores_0_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.date}"


class SplitMethod(models.TextChoices):
    EVEN = "even", _("Evenly over the days")
    WEEKDAY = "weekday", _("By weekday weights")
    MANUAL = "manual", _("By hand, day by day")


class MonthlyTarget(models.Model):
    """The month's `paid_sales` target, for the whole store (no channel) or one channel.

    Its daily split is materialized as DailyTarget rows by
    `reports.services.save_monthly_target`, so that they always sum to `amount`.
    """

    month = models.DateField(_("month"), db_index=True, help_text=_("The first day of the month."))
    channel = models.ForeignKey(
        SalesChannel,
        verbose_name=_("channel"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    amount = MoneyField(_("target amount"))
    split_method = models.CharField(
        _("split"), max_length=16, choices=SplitMethod.choices, default=SplitMethod.EVEN
    )
    # Seven non-negative weights, Monday first, used by the weekday split.
    weekday_weights = models.JSONField(_("weekday weights"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-month", "channel__position"]
        verbose_name = _("monthly target")
        verbose_name_plural = _("monthly targets")
        constraints = [
            # NULL channels are distinct in a plain unique constraint: one per kind.
            models.UniqueConstraint(
                fields=["month"],
                condition=Q(channel__isnull=True),
                name="reports_store_target_once",
            ),
            models.UniqueConstraint(
                fields=["month", "channel"],
                condition=Q(channel__isnull=False),
                name="reports_channel_target_once",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="reports_target_not_negative"),
            models.CheckConstraint(
                condition=Q(month__day=1), name="reports_target_month_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.channel_id or '*'}"


class DailyTarget(models.Model):
    """One day's share of a monthly target (computed, or entered by hand)."""

    target = models.ForeignKey(
        MonthlyTarget,
        verbose_name=_("monthly target"),
        on_delete=models.CASCADE,
        related_name="days",
    )
    date = models.DateField(_("business day"), db_index=True)
    amount = MoneyField(_("daily target"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("daily target")
        verbose_name_plural = _("daily targets")
        constraints = [
            models.UniqueConstraint(fields=["target", "date"], name="reports_daily_target_once"),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="reports_daily_target_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.amount}"


class ChannelFeeRate(models.Model):
    """A channel's commission and payment-fee rates from a date on (fractions: 0.05 = 5 %)."""

    channel = models.ForeignKey(
        SalesChannel, verbose_name=_("channel"), on_delete=models.PROTECT, related_name="+"
    )
    effective_from = models.DateField(_("effective from"), db_index=True)
    commission_rate = RateField(_("commission rate"))
    payment_fee_rate = RateField(_("payment fee rate"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["channel__position", "-effective_from"]
        verbose_name = _("channel fee rate")
        verbose_name_plural = _("channel fee rates")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "effective_from"], name="reports_fee_rate_once_per_day"
            ),
            models.CheckConstraint(
                condition=Q(commission_rate__gte=0, commission_rate__lte=1)
                & Q(payment_fee_rate__gte=0, payment_fee_rate__lte=1),
                name="reports_fee_rates_0_to_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id} {self.effective_from}"

    @property
    def commission_percent(self) -> Decimal:
        return _as_percent(self.commission_rate)

    @property
    def payment_fee_percent(self) -> Decimal:
        return _as_percent(self.payment_fee_rate)


def _as_percent(rate: Decimal) -> Decimal:
    """5.5 for 0.055000: the rate as the percentage a person enters."""
    percent = rate * 100
    return (
        percent.quantize(Decimal("0.01"))
        if percent == percent.quantize(Decimal("0.01"))
        else percent.normalize()
    )


class PackagingCost(models.Model):
    """The packaging cost of one shipment from a date on."""

    effective_from = models.DateField(_("effective from"), unique=True)
    amount = MoneyField(_("cost per shipment"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("packaging cost")
        verbose_name_plural = _("packaging costs")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="reports_packaging_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.effective_from} {self.amount}"


class ExpensePeriod(models.TextChoices):
    DAY = "day", _("One day")
    MONTH = "month", _("Whole month")


class OperatingExpense(models.Model):
    """An operating expense (rent, wages, software ...) of one day or one whole month.

    A month's amount is spread over its days for daily use (`other_costs`);
    `date` is the day, or the first day of the month.
    """

    period = models.CharField(
        _("period"), max_length=8, choices=ExpensePeriod.choices, default=ExpensePeriod.DAY
    )
    date = models.DateField(_("business day"), db_index=True)
    label = models.CharField(_("description"), max_length=100)
    amount = MoneyField(_("amount"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-date", "label"]
        verbose_name = _("operating expense")
        verbose_name_plural = _("operating expenses")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "date", "label"], name="reports_expense_once_per_label"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="reports_expense_not_negative"),
            models.CheckConstraint(
                condition=Q(period="day") | Q(date__day=1), name="reports_expense_month_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.label}"


# The daily summary

RATIO_PLACES = Decimal("0.0001")


def ratio(part: Decimal | int | None, whole: Decimal | int | None) -> Decimal | None:
    """`part / whole` as a fraction to four places (0.0363 = 3.63 %); None when `whole` is 0."""
    if part is None or not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


def per(amount: Decimal | None, count: Decimal | int | None) -> Decimal | None:
    """Money per unit (per buyer, per order, per visitor) to the cent; None when `count` is 0."""
    if amount is None or not count:
        return None
    return (Decimal(amount) / Decimal(count)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class SummaryFigures:
    """The ratios and differences of METRICS.md, recomputed from the summed parts.

    Shared by a stored `DailySummary` row and by `selectors.totals(...)` of a
    period, so that a period's ratio is never an average of daily ratios.
    """

    paid_sales: Decimal
    paid_orders: int
    paying_buyers: int
    visitors: int | None
    buyers_with_traffic: int
    refunds: Decimal
    refunds_of_paid: Decimal
    refunded_paid_orders: int
    cogs: Decimal
    shipping_cost: Decimal
    platform_fees: Decimal
    other_costs: Decimal
    ad_spend: Decimal
    affiliate_commission: Decimal
    sales_target: Decimal | None
    new_buyers: int
    shipped_within_24h: int
    inquiries: int | None
    inquiries_paid: int | None
    first_response_weighted: Decimal | None

    @property
    def returning_buyers(self) -> int:
        return self.paying_buyers - self.new_buyers

    @property
    def conversion_rate(self) -> Decimal | None:
        # Channels with traffic data only: buyers of channels without it are left out.
        return ratio(self.buyers_with_traffic, self.visitors)

    @property
    def spend_per_buyer(self) -> Decimal | None:
        return per(self.paid_sales, self.paying_buyers)

    @property
    def avg_order_value(self) -> Decimal | None:
        return per(self.paid_sales, self.paid_orders)

    @property
    def uv_value(self) -> Decimal | None:
        return per(self.paid_sales, self.visitors)

    @property
    def refund_rate(self) -> Decimal | None:
        return ratio(self.refunds_of_paid, self.paid_sales)

    @property
    def refund_order_rate(self) -> Decimal | None:
        return ratio(self.refunded_paid_orders, self.paid_orders)

    @property
    def net_sales(self) -> Decimal:
        return self.paid_sales - self.refunds

    @property
    def gross_profit(self) -> Decimal:
        return self.net_sales - self.cogs

    @property
    def gross_margin(self) -> Decimal | None:
        return ratio(self.gross_profit, self.net_sales)

    @property
    def net_profit(self) -> Decimal:
        return (
            self.gross_profit
            - self.shipping_cost
            - self.ad_spend
            - self.affiliate_commission
            - self.platform_fees
            - self.other_costs
        )

    @property
    def store_roas(self) -> Decimal | None:
        return ratio(self.paid_sales, self.ad_spend + self.affiliate_commission)

    @property
    def target_attainment(self) -> Decimal | None:
        return ratio(self.paid_sales, self.sales_target)

    @property
    def shipped_within_24h_rate(self) -> Decimal | None:
        return ratio(self.shipped_within_24h, self.paid_orders)

    @property
    def inquiry_conversion(self) -> Decimal | None:
        return ratio(self.inquiries_paid, self.inquiries)

    @property
    def first_response_seconds(self) -> Decimal | None:
        """The agents' averages weighted by their inquiries (METRICS.md)."""
        if not self.inquiries or self.first_response_weighted is None:
            return None
        return (self.first_response_weighted / self.inquiries).quantize(Decimal("0.01"))


def _count(verbose_name: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(verbose_name, default=0)


def _money(verbose_name: str) -> models.DecimalField:
    return MoneyField(verbose_name, default=0)


class DailySummary(SummaryFigures, models.Model):
    """Every summable figure of METRICS.md for one business day, of the store or one channel.

    Built by `reports.services.build_day` from SQL aggregates, never edited by
    hand; ratios are properties recomputed from these parts (`SummaryFigures`).
    The store row's counts of buyers are distinct over the store; its other
    figures are the sum of the channel rows, except `other_costs` (store-wide
    expenses: channel rows hold 0), `sales_target` (the store's own target when
    one is set), the store ratings (per channel only: None on the store row)
    and `ad_spend` / `affiliate_commission` (from `promotions.AdSpendDay`, whose
    ad channels are not sales channels: store row only, 0.00 on channel rows).
    """

    date = models.DateField(_("business day"), db_index=True)
    channel = models.ForeignKey(
        SalesChannel,
        verbose_name=_("channel"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # Sales and traffic
    paid_sales = _money(_("paid sales"))
    goods_sales = _money(_("goods sales"))
    paid_orders = _count(_("paid orders"))
    paying_buyers = _count(_("paying buyers"))
    items_sold = _count(_("items sold"))
    discounts = _money(_("discounts"))
    visitors = models.PositiveIntegerField(_("visitors"), null=True, blank=True)
    page_views = models.PositiveIntegerField(_("page views"), null=True, blank=True)
    buyers_with_traffic = _count(_("paying buyers of channels with traffic data"))
    new_buyers = _count(_("new buyers"))
    # Refunds
    refunds = _money(_("refunds"))
    refunded_orders = _count(_("refunded orders"))
    refunds_of_paid = _money(_("refunds of the day's orders"))
    refunded_paid_orders = _count(_("day's orders with a refund"))
    # Paid traffic
    ad_spend = _money(_("ad spend"))
    affiliate_commission = _money(_("affiliate commission"))
    # Cost
    cogs = _money(_("cost of goods"))
    shipping_cost = _money(_("shipping cost"))
    platform_fees = _money(_("platform fees"))
    other_costs = _money(_("other costs"))
    # Service, ratings, fulfilment
    dsr_description = ScoreField(_("item as described"), null=True, blank=True)
    dsr_service = ScoreField(_("service"), null=True, blank=True)
    dsr_logistics = ScoreField(_("logistics"), null=True, blank=True)
    shipped_orders = _count(_("orders shipped"))
    shipped_within_24h = _count(_("day's orders shipped within 24 h"))
    # Targets
    sales_target = MoneyField(_("daily target"), null=True, blank=True)
    # Platform layer: the customer-service export, summed over agents (None: not imported).
    inquiries = models.PositiveIntegerField(_("inquiring buyers"), null=True, blank=True)
    inquiries_paid = models.PositiveIntegerField(_("inquirers who paid"), null=True, blank=True)
    first_response_weighted = models.DecimalField(
        _("first response × inquiries (seconds)"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Σ of each agent's average first response times their inquiries."),
    )
    is_provisional = models.BooleanField(
        _("provisional"),
        default=True,
        help_text=_("Built before the next day ended: shipping within 24 h may still change."),
    )
    built_at = models.DateTimeField(_("built at"))

    class Meta:
        ordering = ["-date", "channel__position"]
        verbose_name = _("daily summary")
        verbose_name_plural = _("daily summaries")
        constraints = [
            # NULL channels are distinct in a plain unique constraint: one per kind.
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(channel__isnull=True),
                name="reports_summary_store_once",
            ),
            models.UniqueConstraint(
                fields=["date", "channel"],
                condition=Q(channel__isnull=False),
                name="reports_summary_channel_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.channel_id or '*'}"


class SummaryWatermark(models.Model):
    """The single row recording up to when source changes were folded into the summary."""

    built_through = models.DateTimeField(_("changes built through"))

    class Meta:
        verbose_name = _("summary watermark")
        verbose_name_plural = _("summary watermark")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="reports_watermark_single")]

    def __str__(self) -> str:
        return f"{self.built_through:%Y-%m-%d %H:%M:%S}"


class DailySkuSummary(models.Model):
    """Units and money of one SKU on one business day, of the store (no channel) or one channel.

    Built by `reports.services.build_days` together with the day's `DailySummary`
    rows, in SQL (delete and insert the run's days), from the lines of the
    non-replacement orders paid on the day. `refunds_of_paid` and `units_refunded`
    are the completed refund lines of those orders, whenever completed (they
    restate as refunds arrive, as `refunds_of_paid` does). `cost_of_goods` is
    Σ quantity × unit cost of those lines (the day's `cogs` adds replacements'
    lines and takes off restocked units). Everything is a sum, so
    any period of days adds up; the store row is the sum of the channel rows.
    `sku_code` and `title` are the order lines' snapshot.

    The rows are derived and rebuilt wholesale, a run of ~100,000 at a time: the
    channel and variant columns carry no database constraint or index of their
    own (the unique keys, which lead with the date, serve every read).
    """

    date = models.DateField(_("business day"))
    channel = models.ForeignKey(
        SalesChannel,
        verbose_name=_("channel"),
        on_delete=models.DO_NOTHING,
        related_name="+",
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,
    )
    variant = models.ForeignKey(
        "catalog.Variant",
        verbose_name=_("variant"),
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    sku_code = models.CharField(_("SKU code"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    units_sold = _count(_("units sold"))
    paid_sales = _money(_("paid sales"))
    cost_of_goods = _money(_("cost of goods"))
    units_refunded = _count(_("units refunded"))
    refunds_of_paid = _money(_("refunds of the day's orders"))

    class Meta:
        ordering = ["-date", "sku_code"]
        verbose_name = _("daily SKU summary")
        verbose_name_plural = _("daily SKU summaries")
        constraints = [
            # NULL channels are distinct in a plain unique constraint: one per kind.
            models.UniqueConstraint(
                fields=["date", "variant"],
                condition=Q(channel__isnull=True),
                name="reports_sku_summary_store_once",
            ),
            models.UniqueConstraint(
                fields=["date", "channel", "variant"],
                condition=Q(channel__isnull=False),
                name="reports_sku_summary_channel_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.channel_id or '*'} {self.sku_code}"

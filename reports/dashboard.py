"""The operations dashboard (`/dashboard/`): the morning page of managers and marketing.

Everything follows the period and channel chosen in the URL (GET). The
figures come from the materialized `DailySummary` rows, read in one query
for every range the page needs (the period, what it is compared with, the
trend, the month to date, the anomaly history); the top and falling SKUs
from the `DailySkuSummary` rows of both periods (one query); the other side
reads (alerts, ad channels, refund reasons) are aggregates. The number of
queries does not depend on the length of the period.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from customers.models import SalesChannel
from inventory.reorder import reorder_suggestions
from orders import selectors as order_selectors
from promotions import ad_selectors, campaigns
from reports import anomalies, selectors
from reports.models import DailySummary, per, ratio
from storeops import business_day
from storeops.money import ZERO
from storeops.roles import Capability, capability_required, has_capability

MAX_DAYS = 366
TREND_CHOICES = (("30", _("30 days")), ("90", _("90 days")))
TOP_SKUS = 10
LOW_STOCK_ALERTS = 5

MONEY, COUNT, RATIO, MULTIPLE = "money", "count", "ratio", "multiple"


PERIOD_CHOICES = (
    ("day", _("Day")),
    ("week", _("Week")),
    ("month", _("Month")),
    ("custom", _("Custom range")),
)


CHANNEL_ORDER = ("position", "code")


class ChannelField(forms.ModelChoiceField):
    """A channel by its code, found in the channels the page has read (no query of its own)."""

    channels: list[SalesChannel] | None = None

    def to_python(self, value: Any) -> SalesChannel | None:
        if self.channels is None or value in self.empty_values:
            return super().to_python(value)
        self.validate_no_null_characters(value)
        for channel in self.channels:
            if channel.code == str(value):
                return channel
        raise forms.ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class DashboardForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)
    date = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    channel = ChannelField(
        label=_("Channel"),
        queryset=SalesChannel.objects.order_by(*CHANNEL_ORDER),
        to_field_name="code",
        required=False,
        empty_label=_("All channels"),
    )
    trend = forms.ChoiceField(label=_("Trend"), choices=TREND_CHOICES, required=False)

    def __init__(
        self,
        *args: Any,
        today: dt.date,
        channels: list[SalesChannel] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        # The view reads the channels once, to check the choice and to list them.
        self.fields["channel"].channels = channels

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        period = data.get("period") or "day"
        anchor = data.get("date") or self.today - dt.timedelta(days=1)
        if period == "custom":
            date_to = data.get("date_to") or self.today - dt.timedelta(days=1)
            date_from = data.get("date_from") or date_to
        elif period == "week":
            date_from = anchor - dt.timedelta(days=anchor.weekday())
            date_to = min(date_from + dt.timedelta(days=6), max(self.today, date_from))
        elif period == "month":
            date_from = anchor.replace(day=1)
            last = date_from.replace(day=calendar.monthrange(anchor.year, anchor.month)[1])
            date_to = min(last, max(self.today, date_from))
        else:
            date_from = date_to = anchor
        if date_from > date_to:
            raise forms.ValidationError(_("The range ends before it starts."))
        if (date_to - date_from).days >= MAX_DAYS:
            raise forms.ValidationError(_("Choose at most %(days)d days.") % {"days": MAX_DAYS})
        data.update(period=period, date=anchor, date_from=date_from, date_to=date_to)
        data["trend"] = int(data.get("trend") or 30)
        return data


@dataclass(frozen=True)
class FilterField:
    """A field of the filter form as the page writes it out.

    The page renders the form itself: Django's widget templates (a template
    per option, and a query of the channels) cost several milliseconds a request.
    `value` is the input's value attribute (None: none); `options` are the
    (value, label, is_selected) of a select.
    """

    bound: forms.BoundField
    value: str | None = None
    options: list[tuple[str, Any, bool]] | None = None


def filter_fields(form: DashboardForm, channels: Sequence[SalesChannel]) -> list[FilterField]:
    """What the widgets would render: the same values, choices and selected option."""
    fields = []
    for bound in form:
        widget = bound.field.widget
        if not isinstance(widget, forms.Select):
            fields.append(FilterField(bound, value=widget.format_value(bound.value())))
            continue
        if isinstance(bound.field, forms.ModelChoiceField):
            channel_choices = [(channel.code, str(channel)) for channel in channels]
            choices = [("", bound.field.empty_label), *channel_choices]
        else:
            choices = list(bound.field.choices)
        # As `ChoiceWidget`: only the first option matching the value is selected.
        selected = widget.format_value(bound.value())
        options = []
        has_selected = False
        for value, label in choices:
            is_selected = not has_selected and str(value) in selected
            has_selected = has_selected or is_selected
            options.append((str(value), label, is_selected))
        fields.append(FilterField(bound, options=options))
    return fields


def year_before(day: dt.date) -> dt.date:
    """The same date a year before (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class DateRange:
    date_from: dt.date
    date_to: dt.date

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def is_one_day(self) -> bool:
        return self.date_from == self.date_to

    def shifted(self, days: int) -> DateRange:
        delta = dt.timedelta(days=days)
        return DateRange(self.date_from - delta, self.date_to - delta)

    @property
    def previous(self) -> DateRange:
        return self.shifted(self.days)

    @property
    def a_year_before(self) -> DateRange:
        return DateRange(year_before(self.date_from), year_before(self.date_to))

    def comparisons(self) -> list[tuple[str, str | Promise, DateRange]]:
        """(key, label, range) of what the period is compared with (METRICS.md)."""
        if self.is_one_day:
            return [
                ("day", _("vs day before"), self.shifted(1)),
                ("week", _("vs same weekday last week"), self.shifted(7)),
                ("year", _("vs year before"), self.a_year_before),
            ]
        return [
            ("previous", _("vs previous period"), self.previous),
            ("year", _("vs same period a year before"), self.a_year_before),
        ]

    def as_tuple(self) -> tuple[dt.date, dt.date]:
        return (self.date_from, self.date_to)


def figures_of(rows: Sequence[DailySummary], span: DateRange) -> Any:
    """A day's own row, or a period's totals; None when no row falls in the range."""
    mine = [row for row in rows if span.date_from <= row.date <= span.date_to]
    if not mine:
        return None
    if span.is_one_day:
        return mine[0]
    return selectors.totals(mine)


# The KPI cards


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str | Promise
    label_zh: str
    kind: str
    capability: Capability | None = None
    is_store_only: bool = False


KPIS: tuple[Kpi, ...] = (
    Kpi("paid_sales", _("Paid sales"), "支付金额", MONEY),
    Kpi("visitors", _("Visitors"), "访客数", COUNT),
    Kpi("conversion_rate", _("Conversion rate"), "支付转化率", RATIO),
    Kpi("spend_per_buyer", _("Spend per buyer"), "客单价", MONEY),
    Kpi("paid_orders", _("Paid orders"), "支付订单数", COUNT),
    Kpi("ad_spend", _("Ad spend"), "推广花费", MONEY, Capability.VIEW_AD_SPEND, True),
    Kpi("store_roas", _("Store-wide ROAS"), "全店投产比", MULTIPLE, Capability.VIEW_AD_SPEND, True),
    Kpi("refunds", _("Refunds"), "退款金额", MONEY),
    Kpi("gross_profit", _("Gross profit"), "毛利", MONEY, Capability.VIEW_PROFIT),
    Kpi("net_profit", _("Net profit"), "净利", MONEY, Capability.VIEW_PROFIT),
)


def change(kind: str, current: Any, before: Any) -> Decimal | None:
    """Money and counts in % of the earlier value; ratios in percentage points (METRICS.md)."""
    if current is None or before is None:
        return None
    current, before = Decimal(current), Decimal(before)
    if kind == RATIO:
        return ((current - before) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if kind == MULTIPLE:
        return (current - before).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if not before:
        return None
    return ((current - before) / abs(before) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class Comparison:
    key: str
    label: str | Promise
    before: Any
    change: Decimal | None
    unit: str


@dataclass
class Card:
    key: str
    label: str | Promise
    label_zh: str
    kind: str
    value: Any
    url: str = ""
    comparisons: list[Comparison] = field(default_factory=list)

    @property
    def shown(self) -> Decimal | int | None:
        """The value as shown: a ratio as a percentage."""
        if self.value is None:
            return None
        return self.value * 100 if self.kind == RATIO else self.value

    @property
    def places(self) -> int:
        return 0 if self.kind == COUNT else 2

    @property
    def unit(self) -> str:
        return "%" if self.kind == RATIO else ""


UNITS = {RATIO: "pp", MULTIPLE: "", MONEY: "%", COUNT: "%"}


def build_cards(
    kpis: Sequence[Kpi],
    current: Any,
    compared: Sequence[tuple[str, str | Promise, Any]],
    links: dict[str, str],
) -> list[Card]:
    cards = []
    for kpi in kpis:
        value = getattr(current, kpi.key) if current is not None else None
        card = Card(kpi.key, kpi.label, kpi.label_zh, kpi.kind, value, links.get(kpi.key, ""))
        for key, label, figures in compared:
            before = getattr(figures, kpi.key) if figures is not None else None
            card.comparisons.append(
                Comparison(key, label, before, change(kpi.kind, value, before), UNITS[kpi.kind])
            )
        cards.append(card)
    return cards


# Target


@dataclass
class TargetProgress:
    month: dt.date
    target: Decimal | None
    sales: Decimal
    days_elapsed: int
    days_in_month: int

    @property
    def attainment(self) -> Decimal | None:
        return ratio(self.sales, self.target)

    @property
    def attainment_percent(self) -> Decimal | None:
        return None if self.attainment is None else self.attainment * 100

    @property
    def time_progress(self) -> Decimal:
        return ratio(self.days_elapsed, self.days_in_month) or Decimal("0")

    @property
    def time_progress_percent(self) -> Decimal:
        return self.time_progress * 100

    @property
    def gap(self) -> Decimal | None:
        return None if self.target is None else max(self.target - self.sales, ZERO)

    @property
    def days_left(self) -> int:
        return self.days_in_month - self.days_elapsed

    @property
    def daily_pace_needed(self) -> Decimal | None:
        """What each remaining day must sell to close the gap (None: no target or no day left)."""
        return per(self.gap, self.days_left) if self.gap else None

    @property
    def is_behind(self) -> bool:
        return self.attainment is not None and self.attainment < self.time_progress


def target_progress(
    rows: Sequence[DailySummary], day: dt.date, channel: SalesChannel | None
) -> TargetProgress:
    first = day.replace(day=1)
    targets = selectors.month_target_by_day(first, channel)
    return TargetProgress(
        month=first,
        target=sum(targets.values(), ZERO) if targets else None,
        sales=sum((row.paid_sales for row in rows if first <= row.date <= day), ZERO),
        days_elapsed=day.day,
        days_in_month=calendar.monthrange(day.year, day.month)[1],
    )


# Alerts


@dataclass
class Alert:
    key: str
    text: str | Promise
    count: int
    url: str = ""
    items: list[Any] = field(default_factory=list)


def build_alerts(request: HttpRequest, today: dt.date) -> list[Alert]:
    """What needs attention right now, whatever the period: stock, after-sales, shipping, ads."""
    user = request.user
    alerts: list[Alert] = []
    fast_and_low = sorted(
        (
            row
            for row in reorder_suggestions(only_actionable=True, as_of=today)
            if row.units_shipped > 0 and row.suggested_quantity > 0
        ),
        key=lambda row: (-row.velocity, row.sku_code),
    )
    if fast_and_low:
        alerts.append(
            Alert(
                "low-stock",
                _("Fast sellers running low"),
                len(fast_and_low),
                reverse("inventory:reorder")
                if has_capability(user, Capability.MANAGE_INVENTORY)
                else "",
                fast_and_low[:LOW_STOCK_ALERTS],
            )
        )
    queues = {queue.key: queue.count for queue in order_selectors.console_queues(user=user)}
    can_console = has_capability(user, Capability.USE_ORDER_CONSOLE)
    console = reverse("orders:console")
    for key, text in (
        ("overdue", _("After-sales cases overdue")),
        ("late48", _("Orders unshipped after 48 h")),
    ):
        if queues.get(key):
            alerts.append(
                Alert(key, text, queues[key], f"{console}?queue={key}" if can_console else "")
            )
    if has_capability(user, Capability.VIEW_AD_SPEND):
        over = [
            row for row in ad_selectors.budget_pacing(month=today, today=today) if row.is_over_pace
        ]
        if over:
            alerts.append(
                Alert(
                    "over-pace",
                    _("Ad channels over budget pace"),
                    len(over),
                    reverse("promotions:ad-spend"),
                    over,
                )
            )
    return alerts


# Charts


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def chart_data(
    *,
    rows: Sequence[DailySummary],
    span: DateRange,
    trend_days: int,
    current: Any,
    ad_report: ad_selectors.AdReport | None,
    can_see_profit: bool,
    reasons: list[dict[str, Any]],
    top_skus: list[dict[str, Any]],
) -> dict[str, Any]:
    """The figures the charts draw, money as strings (JavaScript converts them to draw)."""
    by_day = {row.date: row for row in rows}
    days = [span.date_to - dt.timedelta(days=offset) for offset in range(trend_days - 1, -1, -1)]
    trend = [by_day.get(day) for day in days]
    data: dict[str, Any] = {
        "labels": {
            "sales": str(_("Paid sales")),
            "target": str(_("Daily target")),
            "visitors": str(_("Visitors")),
            "conversion": str(_("Conversion rate (%)")),
            "spend": str(_("Ad spend")),
            "roas": str(_("ROAS")),
            "waterfall": str(_("From net sales to net profit")),
            "refunds": str(_("Refunds by reason")),
            "skus": str(_("Top SKUs by paid sales")),
        },
        "days": [day.isoformat() for day in days],
        "sales": [_text(row.paid_sales) if row else None for row in trend],
        "target": [_text(row.sales_target) if row else None for row in trend],
        "visitors": [row.visitors if row else None for row in trend],
        "conversion": [
            _text(row.conversion_rate * 100) if row and row.conversion_rate is not None else None
            for row in trend
        ],
        "refunds": [
            {
                "name": row["name_zh"] or row["name"] or str(_("No after-sales case")),
                "value": _text(row["amount"]),
            }
            for row in reasons
        ],
        "skus": [{"name": row["sku_code"], "value": _text(row["sales"])} for row in top_skus],
    }
    if ad_report is not None and ad_report.channels:
        data["ads"] = [
            {
                "name": row.channel.name,
                "spend": _text(row.figures.spend),
                "roas": _text(row.figures.roas),
            }
            for row in ad_report.channels
        ]
    if can_see_profit and current is not None:
        data["waterfall"] = [
            {"name": str(_("Net sales")), "value": _text(current.net_sales), "total": True},
            {"name": str(_("Cost of goods")), "value": _text(-current.cogs)},
            {"name": str(_("Shipping cost")), "value": _text(-current.shipping_cost)},
            {
                "name": str(_("Ad spend")),
                "value": _text(-(current.ad_spend + current.affiliate_commission)),
            },
            {"name": str(_("Platform fees")), "value": _text(-current.platform_fees)},
            {"name": str(_("Other costs")), "value": _text(-current.other_costs)},
            {"name": str(_("Net profit")), "value": _text(current.net_profit), "total": True},
        ]
    return data


def sku_movers(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(top SKUs by paid sales this period, SKUs falling most against the previous period)."""
    for row in rows:
        row["drop"] = row["previous_sales"] - row["sales"]
    top = sorted(
        (row for row in rows if row["sales"] > 0), key=lambda row: (-row["sales"], row["sku_code"])
    )[:TOP_SKUS]
    falling = sorted(
        (row for row in rows if row["drop"] > 0), key=lambda row: (-row["drop"], row["sku_code"])
    )[:TOP_SKUS]
    for row in (*top, *falling):
        row["change"] = change(MONEY, row["sales"], row["previous_sales"])
    return top, falling


# The page


def _preset_links(today: dt.date, channel: SalesChannel | None) -> list[tuple[str, str]]:
    yesterday = today - dt.timedelta(days=1)
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    presets: list[tuple[str | Promise, dict[str, str]]] = [
        (_("Yesterday"), {"period": "day", "date": yesterday.isoformat()}),
        (_("Today"), {"period": "day", "date": today.isoformat()}),
        (
            _("Last 7 days"),
            {
                "period": "custom",
                "date_from": (yesterday - dt.timedelta(days=6)).isoformat(),
                "date_to": yesterday.isoformat(),
            },
        ),
        (
            _("Last 30 days"),
            {
                "period": "custom",
                "date_from": (yesterday - dt.timedelta(days=29)).isoformat(),
                "date_to": yesterday.isoformat(),
            },
        ),
        (_("This week"), {"period": "week", "date": today.isoformat()}),
        (_("This month"), {"period": "month", "date": today.isoformat()}),
        (_("Last month"), {"period": "month", "date": last_month_end.isoformat()}),
    ]
    base = reverse("dashboard")
    links = []
    for label, params in presets:
        if channel is not None:
            params = {**params, "channel": channel.code}
        links.append((str(label), f"{base}?{urlencode(params)}"))
    return links


def _links(user: Any, span: DateRange, channel: SalesChannel | None) -> dict[str, str]:
    """The list behind each number, where one exists and the user may open it."""
    links: dict[str, str] = {}
    dates = {"date_from": span.date_from.isoformat(), "date_to": span.date_to.isoformat()}
    if has_capability(user, Capability.VIEW_REPORTS):
        traffic = {**dates, **({"channel": channel.code} if channel else {})}
        links["visitors"] = f"{reverse('reports:traffic')}?{urlencode(traffic)}"
        links["target"] = reverse("reports:targets")
    if has_capability(user, Capability.VIEW_AD_SPEND):
        ad_spend = f"{reverse('promotions:ad-spend')}?{urlencode(dates)}"
        links["ad_spend"] = links["store_roas"] = ad_spend
    return links


@require_GET
@capability_required(Capability.VIEW_DASHBOARD)
def dashboard(request: HttpRequest) -> HttpResponse:
    today = business_day.today()
    channels = list(SalesChannel.objects.order_by(*CHANNEL_ORDER))
    form = DashboardForm(request.GET or None, today=today, channels=channels)
    if request.GET and form.is_valid():
        data = form.cleaned_data
    else:
        fallback = DashboardForm({}, today=today, channels=channels)
        fallback.is_valid()
        data = fallback.cleaned_data
    channel: SalesChannel | None = data.get("channel")
    span = DateRange(data["date_from"], data["date_to"])
    trend_days = data["trend"]
    user = request.user
    can_see_profit = has_capability(user, Capability.VIEW_PROFIT)
    can_see_ads = has_capability(user, Capability.VIEW_AD_SPEND) and channel is None

    comparisons = span.comparisons()
    end = span.date_to
    rows = selectors.summaries_on_ranges(
        [
            span.as_tuple(),
            *(compared.as_tuple() for _key, _label, compared in comparisons),
            (end - dt.timedelta(days=max(trend_days, anomalies.HISTORY_DAYS + 1)), end),
            (end.replace(day=1), end),
        ],
        channel,
    )
    current = figures_of(rows, span)
    compared = [(key, label, figures_of(rows, other)) for key, label, other in comparisons]

    def allowed(capability: Capability | str | None) -> bool:
        # Capabilities are text choices: "view_profit" == Capability.VIEW_PROFIT.
        if capability == Capability.VIEW_PROFIT:
            return can_see_profit
        if capability == Capability.VIEW_AD_SPEND:
            return can_see_ads
        return True

    kpis = [kpi for kpi in KPIS if allowed(kpi.capability)]
    links = _links(user, span, channel)
    figures = [figure for figure in anomalies.FIGURES if allowed(figure.capability)]
    ad_report = (
        ad_selectors.ad_report(date_from=span.date_from, date_to=span.date_to)
        if can_see_ads
        else None
    )
    reasons = selectors.refunds_by_reason(
        date_from=span.date_from, date_to=span.date_to, channel=channel
    )
    top_skus, falling_skus = sku_movers(
        selectors.sku_sales_against(
            current=span.as_tuple(), previous=span.previous.as_tuple(), channel=channel
        )
    )
    query = urlencode({key: value for key, value in request.GET.items() if key != "trend"})
    anomaly_day = min(end, today - dt.timedelta(days=1))
    return render(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "filter_fields": filter_fields(form, channels),
            "span": span,
            "channel": channel,
            "presets": _preset_links(today, channel),
            # Today is still running: a half-day is no anomaly. Judge the last full day.
            "anomalies": anomalies.find_anomalies(rows, anomaly_day, figures=figures),
            "anomaly_day": anomaly_day,
            "alerts": build_alerts(request, today),
            "campaigns": campaigns.upcoming_campaigns(today),
            "can_open_campaigns": has_capability(request.user, Capability.MANAGE_PROMOTIONS),
            "cards": build_cards(kpis, current, compared, links),
            "has_data": current is not None,
            "target": target_progress(rows, end, channel),
            "target_url": links.get("target", ""),
            "can_see_profit": can_see_profit,
            "can_see_ads": can_see_ads,
            "top_skus": top_skus,
            "falling_skus": falling_skus,
            "reasons": reasons,
            "trend_days": trend_days,
            "trend_query": query,
            "chart_data": chart_data(
                rows=rows,
                span=span,
                trend_days=trend_days,
                current=current,
                ad_report=ad_report,
                can_see_profit=can_see_profit,
                reasons=reasons,
                top_skus=top_skus,
            ),
        },
    )

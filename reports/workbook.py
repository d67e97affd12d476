"""The daily-summary workbook: one .xlsx with every figure of METRICS.md over a range.

Sheets: Summary (the last day against the day before, the same weekday a week
before and the month to date), Daily (one row per day and a totals row
recomputed from the summed parts), Ad spend, Refunds, Profit (only with
`include_profit`), Service and ratings, and Definitions (each figure's
formula, date basis and layer, and the provisional days).

Memory stays flat: only `DailySummary` rows and grouped aggregates are read,
never raw orders, and openpyxl writes in write-only mode. Every text cell goes
through `exports.escape_text`, so a campaign called "=HYPERLINK(...)" stays text.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum

from customers import selectors as customer_selectors
from customers.models import SalesChannel
from customers.selectors import ServiceFigures, total_of
from orders.selectors import RefundStats
from promotions.ad_selectors import ad_report
from reports import selectors
from reports.models import DailySummary, SummaryFigures, ratio
from reports.splitting import month_start
from storeops import money
from storeops.exports import MONEY_FORMAT, escape_text
from storeops.money import ZERO

Progress = Callable[[str, int], None]

INTEGER_FORMAT = "#,##0"
PERCENT_FORMAT = "0.00%"
CHANGE_FORMAT = "+0.00%;-0.00%;0.00%"
POINTS_FORMAT = '+0.00" pp";-0.00" pp";0.00" pp"'
SCORE_FORMAT = "0.0000"
SECONDS_FORMAT = "#,##0.00"
# Return on ad spend is read as a multiple of the spend (投产比 3.25), not as a percentage.
MULTIPLE_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"

FORMATS = {
    "money": MONEY_FORMAT,
    "count": INTEGER_FORMAT,
    "ratio": PERCENT_FORMAT,
    "score": SCORE_FORMAT,
    "seconds": SECONDS_FORMAT,
    "multiple": MULTIPLE_FORMAT,
}

# The Chinese of the date bases and sources named in the Definitions sheet.
TERMS_ZH = {
    "payment day": "支付日",
    "refund day": "退款日",
    "spend day": "花费日",
    "shipping day": "发货日",
    "business day": "营业日",
    "orders": "订单",
    "refunds": "退款",
    "shipments": "发货",
    "orders, costs": "订单与成本",
    "fee rates": "渠道费率",
    "operating expenses": "运营费用",
    "targets": "销售目标",
    "traffic import": "流量导入",
    "ad spend import": "推广花费导入",
    "store ratings import": "店铺评分导入",
    "customer-service export": "客服数据导出",
}

PLATFORM = ("platform", "平台")
STOREOPS = ("StoreOps", "StoreOps")


@dataclass(frozen=True)
class Figure:
    key: str
    en: str
    zh: str
    kind: str  # money, count, ratio, multiple, score, seconds
    formula: str
    basis: str
    layer: tuple[str, str]
    source: str
    is_profit: bool = False
    is_rating: bool = False
    is_service: bool = False

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def _f(key, en, zh, kind, formula, basis, layer=STOREOPS, source="orders", **flags) -> Figure:
    return Figure(key, en, zh, kind, formula, basis, layer, source, **flags)


PAY_DAY = "payment day"
FIGURES: tuple[Figure, ...] = (
    _f("paid_sales", "Paid sales", "支付金额", "money", "Σ amount paid on D", PAY_DAY),
    _f("goods_sales", "Goods sales", "商品销售额", "money", "paid_sales − shipping fees", PAY_DAY),
    _f("paid_orders", "Paid orders", "支付订单数", "count", "count of orders paid on D", PAY_DAY),
    _f(
        "paying_buyers",
        "Paying buyers",
        "支付买家数",
        "count",
        "distinct customers paying on D (distinct over a period)",
        PAY_DAY,
    ),
    _f("items_sold", "Items sold", "支付件数", "count", "Σ quantity on paid lines", PAY_DAY),
    _f("discounts", "Discounts", "优惠金额", "money", "Σ line and order discounts", PAY_DAY),
    _f(
        "visitors",
        "Visitors",
        "访客数",
        "count",
        "imported per channel and day",
        "business day",
        PLATFORM,
        "traffic import",
    ),
    _f(
        "page_views",
        "Page views",
        "浏览量",
        "count",
        "imported per channel and day",
        "business day",
        PLATFORM,
        "traffic import",
    ),
    _f(
        "conversion_rate",
        "Conversion rate",
        "支付转化率",
        "ratio",
        "Σ paying_buyers / Σ visitors (channels with traffic data)",
        PAY_DAY,
    ),
    _f("spend_per_buyer", "Spend per buyer", "客单价", "money", "paid_sales / buyers", PAY_DAY),
    _f(
        "avg_order_value",
        "Average order value",
        "笔单价",
        "money",
        "paid_sales / paid_orders",
        PAY_DAY,
    ),
    _f("uv_value", "Value per visitor", "UV价值", "money", "paid_sales / visitors", PAY_DAY),
    _f(
        "new_buyers",
        "New buyers",
        "新买家数",
        "count",
        "paying buyers with no paid order in the 365 days before D",
        PAY_DAY,
    ),
    _f(
        "returning_buyers",
        "Returning buyers",
        "老买家数",
        "count",
        "paying_buyers − new_buyers",
        PAY_DAY,
    ),
    _f(
        "refunds",
        "Refunds",
        "退款金额",
        "money",
        "Σ successful refunds completed on D",
        "refund day",
        source="refunds",
    ),
    _f(
        "refunded_orders",
        "Refunded orders",
        "退款订单数",
        "count",
        "distinct orders with a refund completed on D",
        "refund day",
        source="refunds",
    ),
    _f(
        "refunds_of_paid",
        "Refunds of the day's orders",
        "退款金额(支付日)",
        "money",
        "Σ refunds of orders paid on D, whenever completed (restates)",
        PAY_DAY,
        source="refunds",
    ),
    _f(
        "refund_rate",
        "Refund rate",
        "退款率",
        "ratio",
        "refunds_of_paid / paid_sales",
        PAY_DAY,
        source="refunds",
    ),
    _f(
        "refund_order_rate",
        "Refunded order rate",
        "订单退款率",
        "ratio",
        "orders paid on D with a refund / paid_orders",
        PAY_DAY,
        source="refunds",
    ),
    _f("net_sales", "Net sales", "净销售额", "money", "paid_sales − refunds", PAY_DAY),
    _f(
        "ad_spend",
        "Ad spend",
        "推广花费",
        "money",
        "Σ spend of non-commission ad channels",
        "spend day",
        PLATFORM,
        "ad spend import",
    ),
    _f(
        "affiliate_commission",
        "Affiliate commission",
        "淘宝客佣金",
        "money",
        "Σ commission of commission-based channels",
        "spend day",
        PLATFORM,
        "ad spend import",
    ),
    _f(
        "store_roas",
        "Store-wide ROAS",
        "全店投产比",
        "multiple",
        "paid_sales / (ad_spend + affiliate_commission)",
        PAY_DAY,
    ),
    _f(
        "cogs",
        "Cost of goods",
        "商品成本",
        "money",
        "Σ unit cost × quantity of paid lines − cost of units restocked on D",
        PAY_DAY,
        source="orders, costs",
        is_profit=True,
    ),
    _f(
        "shipping_cost",
        "Shipping cost",
        "发货成本",
        "money",
        "Σ cost of shipments shipped on D + packaging per shipment",
        "shipping day",
        source="shipments",
        is_profit=True,
    ),
    _f(
        "platform_fees",
        "Platform fees",
        "平台费用",
        "money",
        "Σ channel paid_sales × (commission + payment fee rate), estimated",
        PAY_DAY,
        source="fee rates",
        is_profit=True,
    ),
    _f(
        "other_costs",
        "Other costs",
        "其他费用",
        "money",
        "operating expenses of D, monthly amounts spread over the days",
        "business day",
        source="operating expenses",
        is_profit=True,
    ),
    _f(
        "gross_profit",
        "Gross profit",
        "毛利",
        "money",
        "net_sales − cogs",
        PAY_DAY,
        is_profit=True,
    ),
    _f(
        "gross_margin",
        "Gross margin",
        "毛利率",
        "ratio",
        "gross_profit / net_sales",
        PAY_DAY,
        is_profit=True,
    ),
    _f(
        "net_profit",
        "Net profit",
        "净利",
        "money",
        "gross_profit − shipping − ad spend − commission − platform fees − other costs",
        PAY_DAY,
        is_profit=True,
    ),
    _f(
        "dsr_description",
        "Store rating: description",
        "描述相符",
        "score",
        "latest snapshot on D",
        "business day",
        PLATFORM,
        "store ratings import",
        is_rating=True,
    ),
    _f(
        "dsr_service",
        "Store rating: service",
        "服务态度",
        "score",
        "latest snapshot on D",
        "business day",
        PLATFORM,
        "store ratings import",
        is_rating=True,
    ),
    _f(
        "dsr_logistics",
        "Store rating: logistics",
        "物流服务",
        "score",
        "latest snapshot on D",
        "business day",
        PLATFORM,
        "store ratings import",
        is_rating=True,
    ),
    _f(
        "inquiries",
        "Inquiring buyers",
        "询单人数",
        "count",
        "Σ over agents",
        "business day",
        PLATFORM,
        "customer-service export",
        is_service=True,
    ),
    _f(
        "inquiry_conversion",
        "Inquiry conversion",
        "询单转化率",
        "ratio",
        "Σ inquirers who paid / Σ inquiries (provisional until settled a day later)",
        "business day",
        PLATFORM,
        "customer-service export",
        is_service=True,
    ),
    _f(
        "first_response_seconds",
        "Average first response (s)",
        "平均首次响应时长(秒)",
        "seconds",
        "agents' averages weighted by their inquiries",
        "business day",
        PLATFORM,
        "customer-service export",
        is_service=True,
    ),
    _f(
        "shipped_orders",
        "Orders shipped",
        "发货订单数",
        "count",
        "orders whose first shipment left on D",
        "shipping day",
        source="shipments",
    ),
    _f(
        "shipped_within_24h_rate",
        "Shipped within 24 h",
        "24小时发货率",
        "ratio",
        "of orders paid on D, share shipped within 24 h (restates)",
        PAY_DAY,
        source="shipments",
    ),
    _f(
        "sales_target",
        "Daily target",
        "日目标",
        "money",
        "the month's paid_sales target split over its days",
        "business day",
        source="targets",
    ),
    _f(
        "target_attainment",
        "Attainment",
        "达成率",
        "ratio",
        "paid_sales / sales_target",
        "business day",
        source="targets",
    ),
)
FIGURES_BY_KEY = {figure.key: figure for figure in FIGURES}

# Labels of the workbook itself, English and Chinese (the figure names come from METRICS.md).
LABELS: dict[str, tuple[str, str]] = {
    "summary": ("Summary", "总表"),
    "daily": ("Daily", "每日"),
    "ad_spend": ("Ad spend", "推广花费"),
    "refunds": ("Refunds", "退款"),
    "profit": ("Profit", "利润"),
    "service": ("Service and ratings", "服务与评分"),
    "definitions": ("Definitions", "口径说明"),
    "date": ("Date", "日期"),
    "total": ("Total", "合计"),
    "provisional": ("Provisional", "暂定"),
    "yes": ("yes", "是"),
    "figure": ("Figure", "指标"),
    "key": ("Key", "代码"),
    "day_before": ("Day before", "前一日"),
    "day_change": ("Day-over-day", "日环比"),
    "last_week": ("Same weekday last week", "上周同日"),
    "week_change": ("Week-over-week", "周同比"),
    "month_to_date": ("Month to date", "月累计"),
    "month_target": ("Month target", "月目标"),
    "mtd_attainment": ("Month-to-date attainment", "月累计达成率"),
    "time_progress": ("Time progress", "时间进度"),
    "channel": ("Channel", "渠道"),
    "campaign": ("Campaign", "推广计划"),
    "commission_based": ("Paid by commission", "按佣金"),
    "impressions": ("Impressions", "展现量"),
    "clicks": ("Clicks", "点击量"),
    "ctr": ("Click-through rate", "点击率"),
    "cpc": ("Cost per click", "平均点击花费"),
    "spend": ("Spend", "花费"),
    "attributed_orders": ("Attributed orders", "成交笔数"),
    "attributed_sales": ("Attributed sales", "成交金额"),
    "roas": ("Return on ad spend", "投产比"),
    "channel_total": ("Channel total", "渠道合计"),
    "section": ("Breakdown", "维度"),
    "item": ("Item", "项目"),
    "amount": ("Amount", "金额"),
    "count": ("Count", "数量"),
    "rate": ("Refund rate", "退款率"),
    "by_reason": ("By reason", "按原因"),
    "by_sku": ("By SKU", "按SKU"),
    "by_channel": ("By channel", "按渠道"),
    "no_reason": ("No reason given", "未填原因"),
    "refunds_scope": (
        "Refunds of the orders paid in the range, whenever completed (all channels)",
        "区间内支付订单的退款(不论完成日期,全部渠道)",
    ),
    "inquiries_paid": ("Inquirers who paid", "询单付款人数"),
    "english": ("English", "英文名"),
    "chinese": ("Chinese", "中文名"),
    "formula": ("Formula", "公式"),
    "basis": ("Date basis", "日期口径"),
    "layer": ("Layer", "数据层"),
    "source": ("Source", "来源"),
    "provisional_days": ("Provisional days", "暂定日期"),
    "provisional_summary": (
        "summary built before the next day ended: shipping within 24 h may change",
        "次日结束前生成的汇总:24小时发货率可能变化",
    ),
    "provisional_service": (
        "customer-service conversion not yet settled by the platform",
        "平台尚未结算询单转化",
    ),
    "range": ("Range", "区间"),
    "scope": ("Scope", "范围"),
    "whole_store": ("Whole store", "全店"),
    "ratio_changes": (
        "Changes of money and counts in %, of ratios in percentage points (pp).",
        "金额与数量的变化以百分比表示,比率的变化以百分点(pp)表示。",
    ),
}


class WorkbookError(ValueError):
    """The request for a workbook was wrong (an unknown channel, a reversed range)."""


@dataclass
class _Context:
    start: dt.date
    end: dt.date
    channel: SalesChannel | None
    lang: str
    include_profit: bool
    rows: list[DailySummary]
    service: dict[dt.date, ServiceFigures]
    period_totals: Any = None

    def totals(self) -> Any:
        """The period's totals of `rows`, added up once (the distinct buyers cost a query)."""
        if self.period_totals is None:
            self.period_totals = selectors.totals(self.rows)
        return self.period_totals

    def label(self, name: str) -> str:
        english, chinese = LABELS[name]
        return chinese if self.lang == "zh" else english

    def channel_name(self, channel: Any) -> str:
        if self.lang == "zh" and channel.name_zh:
            return channel.name_zh
        return channel.name


def normalize_lang(lang: str | None) -> str:
    """ "zh" for any Chinese language code (zh-hans, zh_CN), else "en"."""
    return "zh" if (lang or "").lower().replace("_", "-").startswith("zh") else "en"


def resolve_channel(channel: SalesChannel | str | None) -> SalesChannel | None:
    if channel is None or isinstance(channel, SalesChannel):
        return channel
    if not str(channel).strip():
        return None
    found = customer_selectors.channel_by_code(str(channel).strip())
    if found is None:
        raise WorkbookError(f"Unknown sales channel: {channel!r}")
    return found


def workbook_figures(*, include_profit: bool, channel: SalesChannel | None) -> list[Figure]:
    """The figures of the Daily sheet: profit ones only when allowed, ratings per channel only
    (the store row has none: they are on the Service and ratings sheet)."""
    return [
        figure
        for figure in FIGURES
        if (include_profit or not figure.is_profit)
        and (channel is not None or not figure.is_rating)
    ]


def figure_value(
    figure: Figure, summary: SummaryFigures | None, service: ServiceFigures | None
) -> Any:
    if figure.is_service:
        if service is None:
            return None
        return {
            "inquiries": service.inquiries,
            "inquiry_conversion": service.conversion,
            "first_response_seconds": service.first_response_seconds,
        }[figure.key]
    if summary is None:
        return None
    return getattr(summary, figure.key, None)


def service_by_day(
    start: dt.date, end: dt.date, channel: SalesChannel | None
) -> dict[dt.date, ServiceFigures]:
    """The customer-service parts of each day, grouped in SQL (one query)."""
    weighted = ExpressionWrapper(
        F("avg_first_response_seconds") * F("inquiries"),
        output_field=DecimalField(max_digits=24, decimal_places=2),
    )
    grouped = (
        customer_selectors.agent_days(start, end, channel)
        .order_by()
        .values("date")
        .annotate(
            sum_inquiries=Sum("inquiries"),
            sum_paid=Sum("inquiries_paid"),
            sum_weighted=Sum(weighted),
            sum_sales=Sum("agent_sales"),
            provisional_rows=Count("pk", filter=Q(is_provisional=True)),
        )
    )
    return {
        values["date"]: ServiceFigures(
            inquiries=values["sum_inquiries"] or 0,
            inquiries_paid=values["sum_paid"] or 0,
            weighted_response_seconds=Decimal(values["sum_weighted"] or 0),
            agent_sales=Decimal(values["sum_sales"] or 0),
            is_provisional=bool(values["provisional_rows"]),
        )
        for values in grouped
    }


# Writing cells


class _SheetWriter:
    """One write-only worksheet: bold header row(s), frozen below them, typed cells."""

    def __init__(
        self,
        workbook: Any,
        title: str,
        headers: Sequence[Any],
        widths: Sequence[int],
        *,
        preamble: Sequence[Sequence[Any]] = (),
    ) -> None:
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        self.sheet = workbook.create_sheet(title=title[:31])
        self.bold = Font(bold=True)
        for position, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(position)].width = width
        # Write-only sheets write their view with the first row: freeze before any row.
        self.sheet.freeze_panes = f"B{len(preamble) + 2}"
        for line in preamble:
            self.append(line)
        self.append(headers, bold=True)

    def append(
        self,
        values: Sequence[Any],
        formats: Sequence[str | None] = (),
        *,
        bold: bool = False,
    ) -> None:
        from openpyxl.cell import WriteOnlyCell

        cells = []
        for position, value in enumerate(values):
            cell = WriteOnlyCell(self.sheet, value=_cell_value(value))
            number_format = formats[position] if position < len(formats) else None
            if isinstance(value, dt.date):
                number_format = DATE_FORMAT
            if number_format and value is not None:
                cell.number_format = number_format
            if bold:
                cell.font = self.bold
            cells.append(cell)
        self.sheet.append(cells)


def _cell_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, Decimal, float)):
        return value
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    return escape_text(str(value))


# The sheets


def _change(figure: Figure, current: Any, previous: Any) -> tuple[Any, str]:
    """The change of a figure: in % for money and counts, in percentage points for ratios."""
    if current is None or previous is None:
        return None, PERCENT_FORMAT
    if figure.kind == "ratio":
        return (Decimal(current) - Decimal(previous)) * 100, POINTS_FORMAT
    if figure.kind == "score":
        return Decimal(current) - Decimal(previous), "+0.0000;-0.0000;0.0000"
    if figure.kind == "multiple":
        return Decimal(current) - Decimal(previous), "+0.00;-0.00;0.00"
    if not previous:
        return None, CHANGE_FORMAT
    return ratio(Decimal(current) - Decimal(previous), previous), CHANGE_FORMAT


def _month_target(day: dt.date, channel: SalesChannel | None) -> Decimal | None:
    target = selectors.monthly_target(day, channel)
    if target is not None:
        return target.amount
    if channel is not None:
        return None
    channel_targets = [
        target.amount
        for target in selectors.monthly_targets().filter(
            month=month_start(day), channel__isnull=False
        )
    ]
    return sum(channel_targets[1:], channel_targets[0]) if channel_targets else None


def _write_summary(workbook: Any, context: _Context, figures: list[Figure]) -> None:
    end = context.end
    rows_by_date = {row.date: row for row in context.rows}
    earlier = {
        row.date: row
        for row in selectors.daily_summaries(
            date_from=min(end - dt.timedelta(days=7), month_start(end)),
            date_to=end,
            channel=context.channel,
        )
    }
    earlier.update(rows_by_date)
    service = service_by_day(
        min(end - dt.timedelta(days=7), month_start(end)), end, context.channel
    )
    month_rows = [row for day, row in sorted(earlier.items()) if month_start(end) <= day <= end]
    month_totals = selectors.totals(month_rows) if month_rows else None
    month_service = total_of(
        figures for day, figures in service.items() if month_start(end) <= day <= end
    )
    day_before = end - dt.timedelta(days=1)
    last_week = end - dt.timedelta(days=7)
    month_target = _month_target(end, context.channel)
    days_in_month = calendar.monthrange(end.year, end.month)[1]
    scope = (
        context.channel_name(context.channel) if context.channel else context.label("whole_store")
    )
    writer = _SheetWriter(
        workbook,
        context.label("summary"),
        [
            context.label("figure"),
            context.label("key"),
            end,
            context.label("day_before"),
            context.label("day_change"),
            context.label("last_week"),
            context.label("week_change"),
            context.label("month_to_date"),
            context.label("month_target"),
            context.label("mtd_attainment"),
            context.label("time_progress"),
        ],
        [28, 22, 14, 14, 14, 16, 14, 16, 16, 16, 14],
        preamble=[
            [context.label("range"), context.start, end],
            [context.label("scope"), scope],
            [context.label("ratio_changes")],
        ],
    )
    for figure in figures:
        number_format = FORMATS[figure.kind]
        current = figure_value(figure, rows_by_date.get(end), service.get(end))
        before = figure_value(figure, earlier.get(day_before), service.get(day_before))
        week = figure_value(figure, earlier.get(last_week), service.get(last_week))
        day_change, day_format = _change(figure, current, before)
        week_change, week_format = _change(figure, current, week)
        if figure.key == "sales_target":
            month_value = month_totals.sales_target if month_totals else None
        else:
            month_value = figure_value(figure, month_totals, month_service)
        values = [figure.name(context.lang), figure.key, current, before, day_change, week]
        values += [week_change, month_value]
        formats = [None, None, number_format, number_format, day_format, number_format]
        formats += [week_format, number_format]
        if figure.key == "paid_sales":
            mtd_sales = month_totals.paid_sales if month_totals else None
            values += [
                month_target,
                ratio(mtd_sales, month_target),
                ratio(end.day, days_in_month),
            ]
            formats += [MONEY_FORMAT, PERCENT_FORMAT, PERCENT_FORMAT]
        writer.append(values, formats)


def _write_daily(workbook: Any, context: _Context, figures: list[Figure]) -> None:
    headers = [context.label("date")] + [figure.name(context.lang) for figure in figures]
    headers.append(context.label("provisional"))
    formats = [DATE_FORMAT] + [FORMATS[figure.kind] for figure in figures]
    writer = _SheetWriter(
        workbook,
        context.label("daily"),
        headers,
        [12] + [max(12, min(24, len(header) + 4)) for header in headers[1:]],
    )
    for row in context.rows:
        service = context.service.get(row.date)
        values = [row.date] + [figure_value(figure, row, service) for figure in figures]
        values.append(context.label("yes") if row.is_provisional else "")
        writer.append(values, formats)
    if context.rows:
        totals = context.totals()
        service_total = total_of(context.service.values())
        values = [context.label("total")]
        values += [figure_value(figure, totals, service_total) for figure in figures]
        values.append(context.label("yes") if totals.is_provisional else "")
        writer.append(values, [None, *formats[1:]], bold=True)


def _write_ad_spend(workbook: Any, context: _Context) -> None:
    report = ad_report(date_from=context.start, date_to=context.end)
    label = context.label
    writer = _SheetWriter(
        workbook,
        label("ad_spend"),
        [
            label("channel"),
            label("campaign"),
            label("commission_based"),
            label("impressions"),
            label("clicks"),
            label("ctr"),
            label("cpc"),
            label("spend"),
            label("attributed_orders"),
            label("attributed_sales"),
            label("roas"),
        ],
        [18, 32, 12, 14, 12, 12, 12, 14, 12, 16, 12],
    )
    formats = [None, None, None, INTEGER_FORMAT, INTEGER_FORMAT, PERCENT_FORMAT, MONEY_FORMAT]
    formats += [MONEY_FORMAT, INTEGER_FORMAT, MONEY_FORMAT, MULTIPLE_FORMAT]

    def line(first: str, second: str, commission: str, figures: Any) -> list[Any]:
        return [
            first,
            second,
            commission,
            figures.impressions,
            figures.clicks,
            figures.ctr,
            figures.cpc,
            figures.spend,
            figures.attributed_orders,
            figures.attributed_sales,
            figures.roas,
        ]

    for channel in report.channels:
        name = context.channel_name(channel.channel)
        commission = label("yes") if channel.channel.is_commission_based else ""
        for campaign in channel.campaigns:
            writer.append(line(name, campaign.campaign, commission, campaign.figures), formats)
        writer.append(line(name, label("channel_total"), commission, channel.figures), formats)
    writer.append(line(label("total"), "", "", report.total), formats, bold=True)


def _refund_ratio(part: Decimal | int, whole: Decimal | int | None) -> Decimal | None:
    # As orders.selectors.refund_stats rounds its rates.
    return None if not whole else (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


def refund_stats_of(context: _Context) -> RefundStats:
    """`orders.selectors.refund_stats` of the period, read from the summary tables.

    The store's refunds of the orders paid in the period and their rates come
    from the store's `DailySummary` rows, the channels' from theirs, the SKUs'
    from the `DailySkuSummary` store rows; only the breakdown by after-sales
    reason reads the period's refunds. Store-wide, whatever the workbook's channel.
    """
    rows = list(
        DailySummary.objects.filter(date__gte=context.start, date__lte=context.end)
        .order_by()
        .values("channel", "channel__code")
        .annotate(
            paid=Sum("paid_sales"),
            orders=Sum("paid_orders"),
            refunded=Sum("refunds_of_paid"),
            refunded_orders=Sum("refunded_paid_orders"),
        )
    )
    store = next(
        (row for row in rows if row["channel"] is None),
        {"paid": ZERO, "orders": 0, "refunded": ZERO, "refunded_orders": 0},
    )
    by_channel = [
        {
            "channel": row["channel__code"],
            "amount": row["refunded"],
            "refund_rate": _refund_ratio(row["refunded"], row["paid"]),
        }
        for row in sorted(
            (row for row in rows if row["channel"] is not None and row["refunded"]),
            key=lambda row: (-row["refunded"], row["channel__code"]),
        )
    ]
    by_reason = selectors.refund_reasons_of_paid(date_from=context.start, date_to=context.end)
    return RefundStats(
        paid_sales=money.quantize(store["paid"]),
        paid_orders=store["orders"],
        refunds_of_paid=money.quantize(store["refunded"]),
        refunded_orders=store["refunded_orders"],
        refund_rate=_refund_ratio(store["refunded"], store["paid"]),
        refund_order_rate=_refund_ratio(store["refunded_orders"], store["orders"]),
        by_reason=by_reason,
        by_sku=selectors.sku_refunds_of_paid(date_from=context.start, date_to=context.end),
        by_channel=by_channel,
    )


def _write_refunds(workbook: Any, context: _Context) -> None:
    stats = refund_stats_of(context)
    label = context.label
    writer = _SheetWriter(
        workbook,
        label("refunds"),
        [label("section"), label("item"), label("amount"), label("count"), label("rate")],
        [16, 28, 14, 12, 12],
        preamble=[[label("refunds_scope")]],
    )
    formats = [None, None, MONEY_FORMAT, INTEGER_FORMAT, PERCENT_FORMAT]
    writer.append(
        [
            label("total"),
            FIGURES_BY_KEY["refunds_of_paid"].name(context.lang),
            stats.refunds_of_paid,
            stats.refunded_orders,
            stats.refund_rate,
        ],
        formats,
        bold=True,
    )
    for row in stats.by_reason:
        code = row["code"] if row["code"] != "none" else label("no_reason")
        writer.append([label("by_reason"), code, row["amount"], row["count"], None], formats)
    for row in stats.by_sku:
        writer.append(
            [label("by_sku"), row["sku_code"], row["amount"], row["quantity"], None], formats
        )
    channels = {channel.code: channel for channel in SalesChannel.objects.all()}
    for row in stats.by_channel:
        channel = channels.get(row["channel"])
        name = context.channel_name(channel) if channel else row["channel"]
        writer.append([label("by_channel"), name, row["amount"], None, row["refund_rate"]], formats)


PROFIT_KEYS = (
    "net_sales",
    "cogs",
    "gross_profit",
    "shipping_cost",
    "ad_spend",
    "affiliate_commission",
    "platform_fees",
    "other_costs",
    "net_profit",
    "gross_margin",
)


def _write_profit(workbook: Any, context: _Context) -> None:
    figures = [FIGURES_BY_KEY[key] for key in PROFIT_KEYS]
    formats = [DATE_FORMAT] + [FORMATS[figure.kind] for figure in figures]
    writer = _SheetWriter(
        workbook,
        context.label("profit"),
        [context.label("date")] + [figure.name(context.lang) for figure in figures],
        [12] + [16] * len(figures),
    )
    for row in context.rows:
        writer.append([row.date] + [figure_value(f, row, None) for f in figures], formats)
    if context.rows:
        totals = context.totals()
        writer.append(
            [context.label("total")] + [figure_value(f, totals, None) for f in figures],
            [None, *formats[1:]],
            bold=True,
        )


def _write_service(workbook: Any, context: _Context) -> None:
    label = context.label
    ratings: dict[tuple[int, dt.date], Any] = {}
    rated_channels: dict[int, Any] = {}
    for rating in selectors.rating_rows(
        date_from=context.start, date_to=context.end, channel=context.channel
    ):
        ratings[(rating.channel_id, rating.date)] = rating
        rated_channels.setdefault(rating.channel_id, rating.channel)
    channels = sorted(rated_channels.values(), key=lambda channel: (channel.position, channel.code))
    rating_names = [
        FIGURES_BY_KEY[key].name(context.lang)
        for key in ("dsr_description", "dsr_service", "dsr_logistics")
    ]
    headers = [
        label("date"),
        FIGURES_BY_KEY["inquiries"].name(context.lang),
        label("inquiries_paid"),
        FIGURES_BY_KEY["inquiry_conversion"].name(context.lang),
        FIGURES_BY_KEY["first_response_seconds"].name(context.lang),
    ]
    for channel in channels:
        headers += [f"{context.channel_name(channel)} {name}" for name in rating_names]
    headers.append(label("provisional"))
    formats = [DATE_FORMAT, INTEGER_FORMAT, INTEGER_FORMAT, PERCENT_FORMAT, SECONDS_FORMAT]
    formats += [SCORE_FORMAT] * (3 * len(channels))
    writer = _SheetWriter(
        workbook, label("service"), headers, [12, 14, 14, 14, 16] + [16] * (3 * len(channels))
    )

    def service_values(figures: ServiceFigures) -> list[Any]:
        return [
            figures.inquiries,
            figures.inquiries_paid,
            figures.conversion,
            figures.first_response_seconds,
        ]

    day = context.start
    while day <= context.end:
        figures = context.service.get(day, ServiceFigures())
        values: list[Any] = [day, *service_values(figures)]
        for channel in channels:
            rating = ratings.get((channel.pk, day))
            values += (
                [rating.description, rating.service, rating.logistics] if rating else [None] * 3
            )
        values.append(label("yes") if figures.is_provisional else "")
        writer.append(values, formats)
        day += dt.timedelta(days=1)
    total = total_of(context.service.values())
    writer.append(
        [label("total"), *service_values(total)] + [None] * (3 * len(channels)),
        [None, *formats[1:]],
        bold=True,
    )


def _write_definitions(workbook: Any, context: _Context, figures: list[Figure]) -> None:
    label = context.label
    writer = _SheetWriter(
        workbook,
        label("definitions"),
        [
            label("key"),
            label("english"),
            label("chinese"),
            label("formula"),
            label("basis"),
            label("layer"),
            label("source"),
        ],
        [24, 28, 18, 60, 14, 12, 24],
    )
    for figure in figures:
        is_zh = context.lang == "zh"
        layer = figure.layer[1] if is_zh else figure.layer[0]
        basis = TERMS_ZH[figure.basis] if is_zh else figure.basis
        source = TERMS_ZH[figure.source] if is_zh else figure.source
        writer.append([figure.key, figure.en, figure.zh, figure.formula, basis, layer, source])
    writer.append([])
    writer.append([label("provisional_days")], bold=True)
    for row in context.rows:
        if row.is_provisional:
            writer.append([row.date, label("provisional_summary")])
    for day, service in sorted(context.service.items()):
        if service.is_provisional and context.start <= day <= context.end:
            writer.append([day, label("provisional_service")])


def write_workbook(
    out: IO[bytes] | str,
    *,
    start: dt.date,
    end: dt.date,
    channel: SalesChannel | str | None = None,
    lang: str = "en",
    include_profit: bool = True,
    progress: Progress | None = None,
) -> None:
    """Write the daily-summary workbook of business days `start`..`end` (both included) to `out`.

    `channel` (a SalesChannel or its code) limits the summary rows to one
    channel; ad spend and refunds stay store-wide (ad channels are not sales
    channels). `lang` is "en" or "zh-hans". Without `include_profit` the costs,
    the profit figures and the Profit sheet are left out. `progress(phase,
    percent)` is called as the sheets are written.
    """
    from openpyxl import Workbook

    if end < start:
        raise WorkbookError("The range ends before it starts.")
    report = progress or (lambda phase, percent: None)
    sales_channel = resolve_channel(channel)
    lang = normalize_lang(lang)
    report("reading", 5)
    context = _Context(
        start=start,
        end=end,
        channel=sales_channel,
        lang=lang,
        include_profit=include_profit,
        rows=list(selectors.daily_summaries(date_from=start, date_to=end, channel=sales_channel)),
        service=service_by_day(start, end, sales_channel),
    )
    figures = workbook_figures(include_profit=include_profit, channel=sales_channel)
    defined = [figure for figure in FIGURES if include_profit or not figure.is_profit]
    workbook = Workbook(write_only=True)
    steps: list[tuple[str, Callable[[], None]]] = [
        ("summary", lambda: _write_summary(workbook, context, figures)),
        ("daily", lambda: _write_daily(workbook, context, figures)),
        ("ad_spend", lambda: _write_ad_spend(workbook, context)),
        ("refunds", lambda: _write_refunds(workbook, context)),
    ]
    if include_profit:
        steps.append(("profit", lambda: _write_profit(workbook, context)))
    steps.append(("service", lambda: _write_service(workbook, context)))
    steps.append(("definitions", lambda: _write_definitions(workbook, context, defined)))
    for done, (phase, write) in enumerate(steps):
        report(phase, 10 + 80 * done // len(steps))
        write()
    report("saving", 92)
    workbook.save(out)
    report("done", 100)


def sheet_titles(*, lang: str = "en", include_profit: bool = True) -> list[str]:
    """The sheet names of a workbook, in order."""
    lang = normalize_lang(lang)
    names = ["summary", "daily", "ad_spend", "refunds"]
    names += ["profit"] if include_profit else []
    names += ["service", "definitions"]
    return [LABELS[name][1 if lang == "zh" else 0] for name in names]


# Export jobs: state in the cache (shared by worker and web, like import progress), file on disk

JOB_TTL_SECONDS = 24 * 60 * 60
EXPORT_DIR = "exports/workbooks"


class JobStatus:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def _job_key(job_id: str) -> str:
    return f"storeops:workbook-export:{job_id}"


def new_job(*, user_id: int, start: dt.date, end: dt.date, channel: str, lang: str) -> str:
    """Record a queued export of `user_id` and return its id (a random hex string)."""
    job_id = uuid.uuid4().hex
    cache.set(
        _job_key(job_id),
        {
            "user_id": user_id,
            "status": JobStatus.QUEUED,
            "phase": "queued",
            "percent": 0,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "channel": channel,
            "lang": lang,
            "path": "",
            "filename": "",
            "error": "",
        },
        JOB_TTL_SECONDS,
    )
    return job_id


def read_job(job_id: str) -> dict[str, Any] | None:
    return cache.get(_job_key(job_id))


def update_job(job_id: str, **changes: Any) -> dict[str, Any] | None:
    """Merge `changes` into the job's state; None (nothing written) when it has expired."""
    state = read_job(job_id)
    if state is None:
        return None
    state.update(changes)
    if "percent" in changes:
        state["percent"] = max(0, min(100, int(changes["percent"])))
    cache.set(_job_key(job_id), state, JOB_TTL_SECONDS)
    return state


def workbook_filename(start: dt.date, end: dt.date, channel: str = "") -> str:
    suffix = f"-{channel}" if channel else ""
    return f"daily-summary-{start.isoformat()}-{end.isoformat()}{suffix}.xlsx"


def run_export_job(job_id: str, *, include_profit: bool) -> str:
    """Write the job's workbook under MEDIA_ROOT/exports/workbooks/<job id>/ and mark it done.

    Written to a temporary name and renamed, so a half-written file is never
    served; running it twice (acks_late) rewrites the same file. Returns the
    path relative to MEDIA_ROOT ("" when the job has expired or already finished).
    """
    state = read_job(job_id)
    if state is None or state["status"] in (JobStatus.DONE, JobStatus.FAILED):
        return state["path"] if state else ""
    start, end = dt.date.fromisoformat(state["start"]), dt.date.fromisoformat(state["end"])
    filename = workbook_filename(start, end, state["channel"])
    folder = Path(settings.MEDIA_ROOT) / EXPORT_DIR / job_id
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / (filename + ".part")
    update_job(job_id, status=JobStatus.RUNNING, phase="reading", percent=1)
    try:
        with partial.open("wb") as stream:
            write_workbook(
                stream,
                start=start,
                end=end,
                channel=state["channel"] or None,
                lang=state["lang"],
                include_profit=include_profit,
                progress=lambda phase, percent: update_job(
                    job_id, phase=phase, percent=min(percent, 99)
                ),
            )
    except WorkbookError as error:
        partial.unlink(missing_ok=True)
        update_job(job_id, status=JobStatus.FAILED, error=str(error))
        return ""
    partial.replace(folder / filename)
    relative = f"{EXPORT_DIR}/{job_id}/{filename}"
    update_job(
        job_id,
        status=JobStatus.DONE,
        phase="done",
        percent=100,
        path=relative,
        filename=filename,
    )
    return relative

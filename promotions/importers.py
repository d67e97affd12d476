"""Imports of the promotions app: ad spend and live-stream sessions.

Ad spend: paid-traffic figures per ad channel, campaign and day. The channel
column accepts an ad channel's code or its name in English or Chinese (直通车,
淘宝客, display_ads ...); an unknown channel is a row error. A commission-based
channel's 佣金 column is read as its spend. Re-importing a (date, channel,
campaign) replaces its figures, never adds to them.

Affiliate orders: a 淘宝客 order report, one row per order or sub-order, read as
per-order commission of a commission-based ad channel; the day rows of that
channel are then computed from the orders (see AffiliateOrderImport).

Live sessions: one row per broadcast, as a live-stream data export lists them
(开播时间, 直播时长, 观看人数 ...). The channel is a sales channel's code or name
in either language. Re-importing a (channel, start time) replaces its figures.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers import selectors as customer_selectors
from promotions import ad_selectors, ad_services, live_services
from promotions.ad_services import AdSpendError
from promotions.live_services import LiveSessionError
from promotions.models import AdSpendDay, AffiliateOrder, AffiliateOrderStatus, LiveSession
from storeops.imports import parsers
from storeops.imports.registry import register
from storeops.imports.spec import Column, ImportContext, ImportKind, Outcome, RowError
from storeops.roles import Capability


@register
class AdSpendImport(ImportKind):
    key = "ad_spend"
    label = gettext_lazy("Ad spend")
    description = gettext_lazy(
        "Impressions, clicks, spend and attributed sales per ad channel, campaign and day, "
        "as the ad platforms export them (blank campaign = the channel's total). For an "
        "affiliate channel the commission is its spend. A day imported again is replaced, "
        "never added up."
    )
    capability = Capability.VIEW_AD_SPEND
    natural_key = ("date", "channel", "campaign")
    columns = (
        Column(
            "date",
            gettext_lazy("Date"),
            parsers.date(),
            aliases=("日期", "统计日期", "day"),
            required=True,
        ),
        Column(
            "channel",
            gettext_lazy("Ad channel"),
            parsers.text(100),
            aliases=("渠道", "推广渠道", "推广工具", "ad channel"),
            required=True,
            help_text=gettext_lazy("The ad channel's code or its name in English or Chinese."),
        ),
        Column(
            "campaign",
            gettext_lazy("Campaign"),
            parsers.text(AdSpendDay._meta.get_field("campaign").max_length),
            aliases=("计划名称", "推广计划", "计划", "campaign name"),
            default="",
            help_text=gettext_lazy("Blank for the channel's total over all campaigns."),
        ),
        Column(
            "impressions",
            gettext_lazy("Impressions"),
            parsers.integer(minimum=0),
            aliases=("展现量", "曝光量"),
            default=0,
        ),
        Column(
            "clicks",
            gettext_lazy("Clicks"),
            parsers.integer(minimum=0),
            aliases=("点击量",),
            default=0,
        ),
        Column(
            "spend",
            gettext_lazy("Spend"),
            parsers.money(minimum=Decimal(0)),
            aliases=("花费", "消耗", "佣金", "commission", "cost"),
            required=True,
            help_text=gettext_lazy("For an affiliate channel: the commission."),
        ),
        Column(
            "attributed_orders",
            gettext_lazy("Attributed orders"),
            parsers.integer(minimum=0),
            aliases=("成交笔数", "总成交笔数", "attributed orders"),
            default=0,
        ),
        Column(
            "attributed_sales",
            gettext_lazy("Attributed sales"),
            parsers.money(minimum=Decimal(0)),
            aliases=("成交金额", "总成交金额", "attributed sales"),
            default=Decimal("0.00"),
        ),
        Column(
            "attribution_days",
            gettext_lazy("Attribution window (days)"),
            parsers.integer(minimum=0, maximum=90),
            aliases=("归因周期", "转化周期", "attribution window"),
            help_text=gettext_lazy("The platform's attribution window, e.g. 15; may be blank."),
        ),
    )

    def clean(self, row: dict[str, Any], context: ImportContext) -> dict[str, Any]:
        # A file without a campaign column holds channel totals: part of the natural key.
        row["campaign"] = (row.get("campaign") or "").strip()
        if "ad_channels" not in context.cache:
            context.cache["ad_channels"] = ad_selectors.ad_channels_by_name()
        name = row.get("channel") or ""
        channel = ad_selectors.find_ad_channel(name, context.cache["ad_channels"])
        if channel is None:
            raise RowError(_("Unknown ad channel: %(name)s.") % {"name": name}, column="channel")
        row["channel"] = channel
        if channel.is_commission_based and row.get("date") is not None:
            # Its days with per-order rows are computed from them: a total would double.
            if "per_order_days" not in context.cache:
                context.cache["per_order_days"] = ad_services.days_kept_per_order(
                    {c.pk for c in context.cache["ad_channels"].values() if c.is_commission_based}
                )
            if (channel.pk, row["date"]) in context.cache["per_order_days"]:
                raise RowError(
                    ad_services.per_order_message(channel, row["date"]), column="channel"
                )
        # A column missing from the file is zero (or blank): a re-import replaces the
        # whole row, so a figure left out must not survive from an earlier file.
        for column in self.columns:
            if row.get(column.name) is None:
                row[column.name] = column.default
        try:
            ad_services.check_ad_spend_row(row)
        except AdSpendError as error:
            raise RowError(error.message, column=error.field) from None
        return row

    def write(self, rows, context: ImportContext) -> list[Outcome]:
        try:
            outcomes = ad_services.record_ad_spend([row.values for row in rows], by=context.user)
        except AdSpendError as error:
            number = rows[error.index].number if error.index is not None else None
            raise RowError(error.message, column=error.field, row=number) from error
        return [Outcome(outcome) for outcome in outcomes]


# -- affiliate (淘宝客) orders ----------------------------------------------------------------

AFFILIATE_STATUSES = {
    "paid": AffiliateOrderStatus.PAID,
    "已付款": AffiliateOrderStatus.PAID,
    "订单付款": AffiliateOrderStatus.PAID,
    "付款": AffiliateOrderStatus.PAID,
    # Received by the buyer, not yet settled: the commission is still an estimate.
    "订单成功": AffiliateOrderStatus.PAID,
    "已收货": AffiliateOrderStatus.PAID,
    "确认收货": AffiliateOrderStatus.PAID,
    "12": AffiliateOrderStatus.PAID,
    "14": AffiliateOrderStatus.PAID,
    "settled": AffiliateOrderStatus.SETTLED,
    "已结算": AffiliateOrderStatus.SETTLED,
    "订单结算": AffiliateOrderStatus.SETTLED,
    "结算": AffiliateOrderStatus.SETTLED,
    "3": AffiliateOrderStatus.SETTLED,
    "invalid": AffiliateOrderStatus.INVALID,
    "void": AffiliateOrderStatus.INVALID,
    "refunded": AffiliateOrderStatus.INVALID,
    "已失效": AffiliateOrderStatus.INVALID,
    "订单失效": AffiliateOrderStatus.INVALID,
    "失效": AffiliateOrderStatus.INVALID,
    "已退款": AffiliateOrderStatus.INVALID,
    "13": AffiliateOrderStatus.INVALID,
}
_EXCEL_NUMBER = re.compile(r"^\d+(\.\d+)?[eE]\+?\d+$")


def percentage() -> parsers.Parser:
    """A rate written in percent, as 淘宝联盟 writes it: ``20.00 %``, ``20%`` or ``20`` is a
    fifth (returned as the fraction 0.2)."""
    number = parsers.decimal(places=4, minimum=Decimal(0))

    def parse(raw: str) -> Decimal:
        text = raw.strip().removesuffix("%").removesuffix("％").strip()
        rate = number(text) / 100
        if rate > 1:
            raise parsers.CellError(_("A commission rate is between 0 and 100 %."))
        return rate.quantize(Decimal("0.000001"))

    parse.kind = gettext_lazy("percentage")
    return parse


def order_number() -> parsers.Parser:
    text = parsers.text(AffiliateOrder._meta.get_field("order_no").max_length)

    def parse(raw: str) -> str:
        if _EXCEL_NUMBER.match(raw):
            raise parsers.CellError(
                _(
                    "“%(value)s” is an order number a spreadsheet turned into a number; "
                    "export the report again and keep the column as text"
                )
                % {"value": raw}
            )
        return text(raw)

    parse.kind = gettext_lazy("text")
    return parse


@register
class AffiliateOrderImport(ImportKind):
    key = "affiliate_orders"
    label = gettext_lazy("Affiliate orders (淘宝客)")
    description = gettext_lazy(
        "The per-order commission of an affiliate channel, as the 淘宝客 order report lists "
        "it: one row per order, or per sub-order (the sub-orders of a parent order are added "
        "up). Each order counts on its payment day. An invalid (已失效) order earns no "
        "commission. An order imported again is replaced, never added up. After the import "
        "the affiliate channel's ad-spend rows of every day touched are computed from its "
        "orders, one per promotion slot (推广位; “per-order commission” when blank): spend = "
        "the commissions, attributed orders and sales = the orders that are not invalid. "
        "Other rows of that channel on those days are set to zero, and a daily total for such "
        "a day is refused by the ad spend import, so the commission is never counted twice."
    )
    capability = Capability.VIEW_AD_SPEND
    # Other columns of the report (商品信息, 掌柜旺旺 ...) are left alone.
    ignore_unknown_columns = True
    natural_key = ("ad_channel", "channel", "order_no", "sub_order_no")
    columns = (
        Column(
            "ad_channel",
            gettext_lazy("Ad channel"),
            parsers.text(100),
            aliases=("推广渠道", "广告渠道", "ad channel"),
            default="affiliate",
            help_text=gettext_lazy("A commission-based ad channel; blank is 淘宝客 (affiliate)."),
        ),
        Column(
            "channel",
            gettext_lazy("Sales channel"),
            parsers.text(100),
            aliases=("渠道", "销售渠道", "订单平台", "订单类型", "平台", "sales channel"),
            required=True,
            help_text=gettext_lazy("The sales channel's code or its name (淘宝, 天猫 ...)."),
        ),
        Column(
            "order_no",
            gettext_lazy("Order number"),
            order_number(),
            aliases=("订单编号", "淘宝父订单编号", "父订单编号", "订单号", "order number"),
            help_text=gettext_lazy("The channel's (parent) order number."),
        ),
        Column(
            "sub_order_no",
            gettext_lazy("Sub-order number"),
            order_number(),
            aliases=("淘宝子订单编号", "子订单编号", "sub-order number"),
            default="",
            help_text=gettext_lazy(
                "With an order number: the sub-orders are added up into their order. "
                "Alone: read as the order number."
            ),
        ),
        Column(
            "paid_at",
            gettext_lazy("Paid at"),
            parsers.datetime(),
            aliases=("付款时间", "支付时间", "paid at"),
            help_text=gettext_lazy("Store-local time unless an offset is given."),
        ),
        Column(
            "created_at",
            gettext_lazy("Created at"),
            parsers.datetime(),
            aliases=("创建时间", "下单时间", "created at"),
            help_text=gettext_lazy("Used as the payment time when that is blank."),
        ),
        Column(
            "order_amount",
            gettext_lazy("Order amount"),
            parsers.money(minimum=Decimal(0)),
            aliases=("付款金额", "实付金额", "order amount"),
            required=True,
        ),
        Column(
            "commission_rate",
            gettext_lazy("Commission rate"),
            percentage(),
            aliases=("佣金比率", "佣金比例", "commission rate"),
            help_text=gettext_lazy("In percent: 20 or 20.00 means a fifth."),
        ),
        Column(
            "commission",
            gettext_lazy("Commission"),
            parsers.money(minimum=Decimal(0)),
            aliases=("预估付款佣金", "付款预估收入", "佣金金额", "佣金", "commission"),
            help_text=gettext_lazy("The estimated commission at payment."),
        ),
        Column(
            "settled_commission",
            gettext_lazy("Settled commission"),
            parsers.money(minimum=Decimal(0)),
            aliases=("结算佣金", "结算预估收入", "settled commission"),
            help_text=gettext_lazy("Used instead of the estimate once the order is settled."),
        ),
        Column(
            "campaign",
            gettext_lazy("Promotion slot"),
            parsers.text(AffiliateOrder._meta.get_field("campaign").max_length),
            aliases=("推广位名称", "推广位", "campaign"),
            default="",
        ),
        Column(
            "status",
            gettext_lazy("Status"),
            parsers.choice(AFFILIATE_STATUSES),
            aliases=("订单状态", "status"),
            default=AffiliateOrderStatus.PAID,
        ),
    )

    def clean(self, row: dict[str, Any], context: ImportContext) -> dict[str, Any]:
        cache = context.cache
        if "ad_channels" not in cache:
            cache["ad_channels"] = ad_selectors.ad_channels_by_name()
            cache["sales_channels"] = customer_selectors.channels_by_name()
        ad_name = row.get("ad_channel") or "affiliate"
        ad_channel = ad_selectors.find_ad_channel(ad_name, cache["ad_channels"])
        if ad_channel is None:
            raise RowError(
                _("Unknown ad channel: %(name)s.") % {"name": ad_name}, column="ad_channel"
            )
        name = row.get("channel") or ""
        channel = cache["sales_channels"].get(customer_selectors.name_key(name))
        if channel is None:
            raise RowError(_("Unknown channel: %(name)s.") % {"name": name}, column="channel")
        row["ad_channel"], row["channel"] = ad_channel, channel
        row["sub_order_no"] = (row.get("sub_order_no") or "").strip()
        row["order_no"] = (row.get("order_no") or "").strip() or row["sub_order_no"]
        if not row["order_no"]:
            raise RowError(_("An order number is required."), column="order_no")
        if row["order_no"] == row["sub_order_no"]:
            row["sub_order_no"] = ""
        row["paid_at"] = row.get("paid_at") or row.get("created_at")
        if row["paid_at"] is None:
            raise RowError(_("A payment time is required."), column="paid_at")
        row["campaign"] = (row.get("campaign") or "").strip()
        row["status"] = row.get("status") or AffiliateOrderStatus.PAID
        settled = row.get("settled_commission")
        if row["status"] == AffiliateOrderStatus.INVALID:
            row["commission"] = Decimal("0.00")
        elif row["status"] == AffiliateOrderStatus.SETTLED and settled is not None:
            row["commission"] = settled
        elif row.get("commission") is None:
            if settled is None:
                raise RowError(_("A commission is required."), column="commission")
            row["commission"] = settled
        row.setdefault("commission_rate", None)
        try:
            ad_services.check_affiliate_order_row(row)
        except AdSpendError as error:
            raise RowError(error.message, column=error.field) from None
        if not cache.get("checked"):
            self._count(row, context)
        return row

    @staticmethod
    def _order_key(row: dict[str, Any]) -> tuple:
        return (row["ad_channel"].pk, row["channel"].pk, row["order_no"])

    def _count(self, row: dict[str, Any], context: ImportContext) -> None:
        """While checking: how many rows each order has, and whether they agree."""
        orders = context.cache.setdefault("orders", {})
        order = orders.get(self._order_key(row))
        if order is None:
            orders[self._order_key(row)] = {"rows": 1, "campaign": row["campaign"]}
            return
        order["rows"] += 1
        if order["campaign"] != row["campaign"]:
            context.cache.setdefault("disagreements", []).append(
                RowError(
                    _(
                        "Order %(order_no)s: the promotion slot “%(campaign)s” differs from "
                        "another row of the same order (“%(other)s”)."
                    )
                    % {
                        "order_no": row["order_no"],
                        "campaign": row["campaign"],
                        "other": order["campaign"],
                    },
                    column="campaign",
                    row=context.row_number,
                )
            )

    def check_file(self, context: ImportContext) -> list[RowError]:
        context.cache["checked"] = True
        return context.cache.get("disagreements", [])

    @staticmethod
    def _combined(group: list[dict[str, Any]]) -> dict[str, Any]:
        """One order from its sub-order rows: amounts added up (a void sub-order sold
        nothing), void only when every sub-order is, settled when every live one is."""
        live = [row for row in group if row["status"] != AffiliateOrderStatus.INVALID]
        counted = live or group
        if not live:
            status = AffiliateOrderStatus.INVALID
        elif all(row["status"] == AffiliateOrderStatus.SETTLED for row in live):
            status = AffiliateOrderStatus.SETTLED
        else:
            status = AffiliateOrderStatus.PAID
        rates = {row["commission_rate"] for row in counted}
        first = group[0]
        return {
            "ad_channel": first["ad_channel"],
            "channel": first["channel"],
            "order_no": first["order_no"],
            "campaign": first["campaign"],
            "paid_at": min(row["paid_at"] for row in group),
            "order_amount": sum((row["order_amount"] for row in counted), Decimal("0.00")),
            "commission": sum((row["commission"] for row in counted), Decimal("0.00")),
            "commission_rate": rates.pop() if len(rates) == 1 else None,
            "status": status,
        }

    def write(self, rows, context: ImportContext) -> list[Outcome]:
        # The rows of one order may lie apart in the file: hold each order back until
        # all its rows (counted while checking) arrived, so none is split between batches.
        counts = context.cache["orders"]
        pending: dict[tuple, list] = context.cache.setdefault("pending", {})
        complete: list[list] = []
        for parsed in rows:
            key = self._order_key(parsed.values)
            group = pending.setdefault(key, [])
            group.append(parsed)
            if len(group) == counts[key]["rows"]:
                complete.append(pending.pop(key))
        try:
            outcomes = ad_services.record_affiliate_orders(
                [self._combined([parsed.values for parsed in group]) for group in complete],
                by=context.user,
            )
        except AdSpendError as error:
            number = complete[error.index][0].number if error.index is not None else None
            raise RowError(error.message, column=error.field, row=number) from error
        return [
            Outcome(outcome)
            for group, outcome in zip(complete, outcomes, strict=True)
            for _row in group
        ]


# -- live-stream sessions --------------------------------------------------------------------

_CLOCK = re.compile(r"^(\d+):([0-5]?\d)(?::([0-5]?\d))?$")
_CHINESE_DURATION = re.compile(
    r"^(?:(\d+(?:\.\d+)?)\s*(?:小时|时|h))?\s*"
    r"(?:(\d+(?:\.\d+)?)\s*(?:分钟|分|min|m))?\s*"
    r"(?:(\d+(?:\.\d+)?)\s*(?:秒钟|秒|s))?$",
    re.IGNORECASE,
)


def _whole_minutes(seconds: Decimal) -> int:
    # Exports give seconds; the table keeps whole minutes, rounded half up.
    return int((seconds / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def duration_minutes() -> parsers.Parser:
    """A broadcast's length in whole minutes.

    ``90`` (minutes), ``1:30`` (hours:minutes), ``1:30:00`` (hours:minutes:seconds)
    and ``1小时30分钟`` / ``90分钟`` / ``5400秒`` all read; seconds are rounded to the
    nearest minute.
    """

    def parse(raw: str) -> int:
        text = raw.strip()
        clock = _CLOCK.match(text)
        if clock:
            hours, minutes, seconds = (int(part or 0) for part in clock.groups())
            return _whole_minutes(Decimal(hours * 3600 + minutes * 60 + seconds))
        if re.fullmatch(r"[+-]?\d+(\.\d+)?", text):
            minutes = Decimal(text)
            if minutes < 0:
                raise parsers.CellError(_("A duration must not be negative."))
            return _whole_minutes(minutes * 60)
        worded = _CHINESE_DURATION.match(text)
        if worded and any(worded.groups()):
            hours, minutes, seconds = (Decimal(part or 0) for part in worded.groups())
            return _whole_minutes(hours * 3600 + minutes * 60 + seconds)
        raise parsers.CellError(
            _("“%(value)s” is not a duration (write minutes, e.g. 90, or 1:30:00)") % {"value": raw}
        )

    parse.kind = gettext_lazy("duration")
    return parse


@register
class LiveSessionImport(ImportKind):
    key = "live_sessions"
    label = gettext_lazy("Live-stream sessions")
    description = gettext_lazy(
        "One row per live broadcast, as the platform's live-stream data export lists it: "
        "start time, duration, viewers, product clicks, buyers, orders and sales. A session "
        "imported again (same channel and start time) is replaced, never added up."
    )
    capability = Capability.VIEW_AD_SPEND
    natural_key = ("channel", "started_at")
    columns = (
        Column(
            "channel",
            gettext_lazy("Channel"),
            parsers.text(100),
            aliases=("渠道", "平台", "销售渠道", "店铺渠道", "sales channel"),
            required=True,
            help_text=gettext_lazy("The sales channel's code or its name in English or Chinese."),
        ),
        Column(
            "started_at",
            gettext_lazy("Started at"),
            parsers.datetime(),
            aliases=("直播开始时间", "开播时间", "开始时间", "start time", "started"),
            required=True,
            help_text=gettext_lazy("Store-local time unless an offset is given."),
        ),
        Column(
            "duration_minutes",
            gettext_lazy("Duration (minutes)"),
            duration_minutes(),
            aliases=("直播时长(分钟)", "直播时长（分钟）", "直播时长", "时长", "duration"),
            default=0,
            help_text=gettext_lazy("Minutes (90) or hours:minutes:seconds (1:30:00)."),
        ),
        Column(
            "viewers",
            gettext_lazy("Viewers"),
            parsers.integer(minimum=0),
            aliases=("观看人数", "观看人次", "累计观看人数", "场观"),
            default=0,
        ),
        Column(
            "product_clicks",
            gettext_lazy("Product clicks"),
            parsers.integer(minimum=0),
            aliases=("商品点击人数", "商品点击次数", "商品点击", "product clicks"),
            default=0,
        ),
        Column(
            "buyers",
            gettext_lazy("Buyers"),
            parsers.integer(minimum=0),
            aliases=("成交人数", "购买人数"),
            default=0,
        ),
        Column(
            "orders",
            gettext_lazy("Orders"),
            parsers.integer(minimum=0),
            aliases=("成交订单数", "成交笔数", "成交单数"),
            default=0,
        ),
        Column(
            "sales",
            gettext_lazy("Sales"),
            parsers.money(minimum=Decimal(0)),
            aliases=("成交金额", "成交额", "直播成交金额", "GMV"),
            default=Decimal("0.00"),
        ),
        Column(
            "title",
            gettext_lazy("Title"),
            parsers.text(LiveSession._meta.get_field("title").max_length),
            aliases=("直播标题", "标题", "直播间标题"),
            default="",
        ),
        Column(
            "host",
            gettext_lazy("Host"),
            parsers.text(LiveSession._meta.get_field("host").max_length),
            aliases=("主播", "主播昵称", "主播名称"),
            default="",
        ),
    )

    def clean(self, row: dict[str, Any], context: ImportContext) -> dict[str, Any]:
        if "sales_channels" not in context.cache:
            context.cache["sales_channels"] = customer_selectors.channels_by_name()
        name = row.get("channel") or ""
        channel = context.cache["sales_channels"].get(customer_selectors.name_key(name))
        if channel is None:
            raise RowError(_("Unknown channel: %(name)s.") % {"name": name}, column="channel")
        row["channel"] = channel
        # A column missing from the file is zero (or blank): a re-import replaces the
        # whole session, so a figure left out must not survive from an earlier file.
        for column in self.columns:
            if row.get(column.name) is None:
                row[column.name] = column.default
        try:
            live_services.check_live_session_row(row)
        except LiveSessionError as error:
            raise RowError(error.message, column=error.field) from None
        return row

    def write(self, rows, context: ImportContext) -> list[Outcome]:
        try:
            outcomes = live_services.record_live_sessions(
                [row.values for row in rows], by=context.user
            )
        except LiveSessionError as error:
            number = rows[error.index].number if error.index is not None else None
            raise RowError(error.message, column=error.field, row=number) from error
        return [Outcome(outcome) for outcome in outcomes]

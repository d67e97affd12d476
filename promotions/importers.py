"""Imports of the promotions app: ad spend and live-stream sessions.

Ad spend: paid-traffic figures per ad channel, campaign and day. The channel
column accepts an ad channel's code or its name in English or Chinese (直通车,
淘宝客, display_ads ...); an unknown channel is a row error. A commission-based
channel's 佣金 column is read as its spend. Re-importing a (date, channel,
campaign) replaces its figures, never adds to them.

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
from promotions.models import AdSpendDay, LiveSession
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

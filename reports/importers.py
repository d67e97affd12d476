"""Import kinds of the platform layer: traffic, store ratings and daily targets by hand.

The channel column accepts a channel's code or its name in English or Chinese
(淘宝, Tmall, jd ...); an unknown channel is a row error. Each kind upserts on
its natural key, so importing the same export twice changes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports import selectors, services
from reports.models import MAX_SCORE, DailyTraffic, ReportsError
from storeops.imports import parsers
from storeops.imports.parsers import CellError, Parser
from storeops.imports.registry import register
from storeops.imports.spec import Column, ImportContext, ImportKind, Outcome, RowError
from storeops.roles import Capability

CHANNEL_ALIASES = ("渠道", "店铺", "平台", "店铺名称", "channel code", "shop", "store")
DATE_ALIASES = ("日期", "统计日期", "业务日期", "day", "business day")


def score() -> Parser:
    """A store rating from 0 to 5 with up to four decimals (4.8, 4.8523)."""
    read = parsers.decimal(places=4)

    def parse(raw: str) -> Decimal:
        value = read(raw)
        if not Decimal(0) <= value <= MAX_SCORE:
            raise CellError(_("%(value)s is outside the rating scale of 0 to 5.") % {"value": raw})
        return value

    parse.kind = gettext_lazy("rating (0–5)")
    return parse


def channel_column() -> Column:
    return Column(
        "channel",
        gettext_lazy("Channel"),
        parsers.text(100),
        aliases=CHANNEL_ALIASES,
        required=True,
        help_text=gettext_lazy("The channel's code or its name in English or Chinese."),
    )


def date_column() -> Column:
    return Column("date", gettext_lazy("Date"), parsers.date(), aliases=DATE_ALIASES, required=True)


class ChannelRowsImport(ImportKind):
    """Shared by the kinds keyed by channel: reads the channel name into a SalesChannel."""

    channel_required = True

    def clean(self, row: dict[str, Any], context: ImportContext) -> dict[str, Any]:
        name = row.get("channel") or ""
        if not name and not self.channel_required:
            row["channel"] = None
            return row
        if "channels" not in context.cache:
            context.cache["channels"] = selectors.channels_by_name()
        channel = selectors.find_channel(name, context.cache["channels"])
        if channel is None:
            raise RowError(_("Unknown channel: %(name)s.") % {"name": name}, column="channel")
        # The natural key is the channel itself, however the file spells it.
        row["channel"] = channel
        return row

    def _written(self, service, rows, context: ImportContext) -> list[Outcome]:
        try:
            return [Outcome(o) for o in service([row.values for row in rows], by=context.user)]
        except ReportsError as error:
            number = rows[error.index].number if error.index is not None else None
            raise RowError(error.message, column=error.field, row=number) from error


@register
class TrafficImport(ChannelRowsImport):
    key = "traffic"
    label = gettext_lazy("Traffic")
    description = gettext_lazy(
        "Visitors and page views per channel and day, as the platform reports them, "
        "optionally per traffic source (blank source = all sources). A channel and day "
        "imported again is replaced, never added up."
    )
    capability = Capability.VIEW_REPORTS
    natural_key = ("channel", "date", "source")
    columns = (
        channel_column(),
        date_column(),
        Column(
            "source",
            gettext_lazy("Traffic source"),
            parsers.text(DailyTraffic._meta.get_field("source").max_length),
            aliases=("来源", "流量来源", "traffic source"),
            default="",
            help_text=gettext_lazy("Blank for the channel's total over all sources."),
        ),
        Column(
            "visitors",
            gettext_lazy("Visitors"),
            parsers.integer(minimum=0),
            aliases=("访客数", "访客", "UV", "unique visitors"),
            required=True,
        ),
        Column(
            "page_views",
            gettext_lazy("Page views"),
            parsers.integer(minimum=0),
            aliases=("浏览量", "PV", "page views", "pageviews"),
            required=True,
        ),
    )

    def clean(self, row: dict[str, Any], context: ImportContext) -> dict[str, Any]:
        # A file without a source column holds channel totals: part of the natural key.
        row.setdefault("source", "")
        return super().clean(row, context)

    def write(self, rows, context: ImportContext) -> list[Outcome]:
        return self._written(services.upsert_traffic, rows, context)


@register
class StoreRatingImport(ChannelRowsImport):
    key = "store_ratings"
    label = gettext_lazy("Store ratings")
    description = gettext_lazy(
        "The store ratings (DSR) a channel shows on a day: item as described, service and "
        "logistics, each from 0 to 5. A channel and day imported again is replaced."
    )
    capability = Capability.VIEW_REPORTS
    natural_key = ("channel", "date")
    columns = (
        channel_column(),
        date_column(),
        Column(
            "description",
            gettext_lazy("Item as described"),
            score(),
            aliases=("描述相符", "宝贝与描述相符", "描述", "description score"),
            required=True,
        ),
        Column(
            "service",
            gettext_lazy("Service"),
            score(),
            aliases=("服务态度", "卖家服务态度", "服务", "service score"),
            required=True,
        ),
        Column(
            "logistics",
            gettext_lazy("Logistics"),
            score(),
            aliases=("物流服务", "物流服务质量", "物流", "logistics score"),
            required=True,
        ),
    )

    def write(self, rows, context: ImportContext) -> list[Outcome]:
        return self._written(services.upsert_store_ratings, rows, context)


@register
class DailyTargetImport(ChannelRowsImport):
    key = "targets"
    label = gettext_lazy("Daily targets")
    description = gettext_lazy(
        "Paid-sales targets set by hand, one row per day (and channel; blank channel = the "
        "whole store). The months touched become split by hand and their target becomes "
        "the sum of their days."
    )
    capability = Capability.MANAGE_SETTINGS
    channel_required = False
    natural_key = ("channel", "date")
    columns = (
        date_column(),
        Column(
            "channel",
            gettext_lazy("Channel"),
            parsers.text(100),
            aliases=CHANNEL_ALIASES,
            default="",
            help_text=gettext_lazy("Blank for the whole store."),
        ),
        Column(
            "amount",
            gettext_lazy("Daily target"),
            parsers.money(minimum=Decimal(0)),
            aliases=("日目标", "目标", "目标金额", "销售目标", "target"),
            required=True,
        ),
    )

    def write(self, rows, context: ImportContext) -> list[Outcome]:
        return self._written(services.set_daily_targets, rows, context)

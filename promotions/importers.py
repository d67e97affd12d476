"""The ad spend import: paid-traffic figures per ad channel, campaign and day.

The channel column accepts an ad channel's code or its name in English or
Chinese (直通车, 淘宝客, display_ads ...); an unknown channel is a row error. A
commission-based channel's 佣金 column is read as its spend. Re-importing a
(date, channel, campaign) replaces its figures, never adds to them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from promotions import ad_selectors, ad_services
from promotions.ad_services import AdSpendError
from promotions.models import AdSpendDay
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

"""Import kind of the customer-service export: one row per agent, day (and channel).

The platform's per-agent daily export (子账号/客服绩效) is stored as imported.
Agents are matched to users by username, full name or a configured alias, or
kept by the name the export gives. A (date, channel, agent) imported again is
replaced, never added up.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers import selectors, services
from customers.models import AgentDay
from storeops.imports import parsers
from storeops.imports.parsers import CellError, Parser
from storeops.imports.registry import register
from storeops.imports.spec import Column, ImportContext, ImportKind, Outcome, RowError
from storeops.roles import Capability

_NUMBER = r"(\d+(?:\.\d+)?)"
# 1小时2分3秒, 1分30秒, 1分钟, 90秒, 90s, 1m30s, 1h 2m 3s
_UNITS = re.compile(
    rf"^(?:{_NUMBER}\s*(?:小时|时|h|hr|hours?)\s*)?"
    rf"(?:{_NUMBER}\s*(?:分钟|分|m|min|minutes?)\s*)?"
    rf"(?:{_NUMBER}\s*(?:秒钟|秒|s|sec|seconds?)\s*)?$",
    re.IGNORECASE,
)
# 00:01:30 or 01:30 (minutes and seconds)
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")
SECONDS_PLACES = Decimal("0.01")


def response_time() -> Parser:
    """A duration in seconds: ``90``, ``90.5``, ``90秒``, ``1分30秒``, ``00:01:30`` or ``01:30``."""

    def parse(raw: str) -> Decimal:
        text = raw.replace(" ", "").replace("\u00a0", "")
        hours = minutes = seconds = "0"
        clock = _CLOCK.match(text)
        units = _UNITS.match(text)
        if re.fullmatch(_NUMBER, text):
            seconds = text
        elif clock:
            hours, minutes, seconds = clock.group(1) or "0", clock.group(2), clock.group(3)
            if Decimal(minutes) >= 60 or Decimal(seconds) >= 60:
                raise CellError(_("“%(value)s” is not a duration like 00:01:30") % {"value": raw})
        elif units and any(units.groups()):
            hours, minutes, seconds = (part or "0" for part in units.groups())
        else:
            raise CellError(
                _("“%(value)s” is not a duration (write 90, 90秒, 1分30秒 or 00:01:30)")
                % {"value": raw}
            )
        try:
            total = Decimal(hours) * 3600 + Decimal(minutes) * 60 + Decimal(seconds)
        except InvalidOperation as error:  # pragma: no cover - the patterns rule this out
            raise CellError(_("“%(value)s” is not a duration") % {"value": raw}) from error
        if total.as_tuple().exponent < -2:
            raise CellError(
                _("“%(value)s” has more than %(places)d decimal places")
                % {"value": raw, "places": 2}
            )
        return total.quantize(SECONDS_PLACES)

    parse.kind = gettext_lazy("duration (seconds)")
    return parse


@register
class ServiceAgentImport(ImportKind):
    key = "service_agents"
    label = gettext_lazy("Customer-service agents")
    description = gettext_lazy(
        "The platform's daily export per customer-service agent: inquiring buyers, those "
        "who went on to pay, average first response and sales. Agents are matched to users "
        "by username or full name. A date, channel and agent imported again is replaced, "
        "never added up; the latest day stays provisional until a later import."
    )
    # Managers and customer service; the page itself needs VIEW_REPORTS.
    capability = Capability.VIEW_CUSTOMERS
    natural_key = ("date", "channel", "agent")
    columns = (
        Column(
            "date",
            gettext_lazy("Date"),
            parsers.date(),
            aliases=("日期", "统计日期", "业务日期", "day"),
            required=True,
        ),
        Column(
            "channel",
            gettext_lazy("Channel"),
            parsers.text(100),
            aliases=("店铺", "渠道", "平台", "店铺名称", "shop", "store"),
            default="",
            help_text=gettext_lazy("The channel's code or name; blank when the store has one."),
        ),
        Column(
            "agent",
            gettext_lazy("Agent"),
            parsers.text(AgentDay._meta.get_field("agent_name").max_length),
            aliases=("客服", "旺旺", "客服昵称", "客服旺旺", "子账号", "agent name"),
            required=True,
            help_text=gettext_lazy("As the export names the agent; matched to a user if possible."),
        ),
        Column(
            "inquiries",
            gettext_lazy("Inquiring buyers"),
            parsers.integer(minimum=0),
            aliases=("询单人数", "咨询人数"),
            required=True,
        ),
        Column(
            "inquiries_paid",
            gettext_lazy("Inquirers who paid"),
            parsers.integer(minimum=0),
            aliases=("询单→最终付款人数", "询单->最终付款人数", "最终付款人数", "paid"),
            required=True,
        ),
        Column(
            "avg_first_response_seconds",
            gettext_lazy("Average first response"),
            response_time(),
            aliases=(
                "平均响应时长",
                "平均响应时间(秒)",
                "平均响应时间（秒）",
                "平均响应时间",
                "平均首次响应时长",
                "首次响应时长",
                "first response",
            ),
            required=True,
            help_text=gettext_lazy("Seconds, or 1分30秒, 90秒, 00:01:30."),
        ),
        Column(
            "agent_sales",
            gettext_lazy("Agent sales"),
            parsers.money(minimum=Decimal(0)),
            aliases=("客服销售额", "销售额", "sales"),
            default=Decimal("0.00"),
        ),
    )

    def clean(self, row: dict[str, Any], context: ImportContext) -> dict[str, Any]:
        if row["inquiries_paid"] > row["inquiries"]:
            raise RowError(
                _("%(paid)d inquirers paid, more than the %(inquiries)d who inquired.")
                % {"paid": row["inquiries_paid"], "inquiries": row["inquiries"]},
                column="inquiries_paid",
            )
        name = (row.get("channel") or "").strip()
        if name:
            if "channels" not in context.cache:
                context.cache["channels"] = selectors.channels_by_name()
            channel = context.cache["channels"].get(selectors.name_key(name))
            if channel is None:
                raise RowError(_("Unknown channel: %(name)s.") % {"name": name}, column="channel")
            # The natural key is the channel itself, however the file spells it.
            row["channel"] = channel
        else:
            row["channel"] = None
        row["agent"] = " ".join(row["agent"].split())
        return row

    def write(self, rows, context: ImportContext) -> list[Outcome]:
        if "agents" not in context.cache:
            context.cache["agents"] = selectors.agents_by_name()
        values = [
            {
                **row.values,
                "agent_name": row.values["agent"],
                "agent": selectors.find_agent(row.values["agent"], context.cache["agents"]),
            }
            for row in rows
        ]
        try:
            outcomes = services.upsert_agent_days(rows=values, by=context.user)
        except services.AgentDayError as error:
            number = rows[error.index].number if error.index is not None else None
            raise RowError(error.message, column=error.field, row=number) from error
        return [Outcome(outcome) for outcome in outcomes]

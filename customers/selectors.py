"""Reads of customers that pages, the API and reports share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
)

from customers.models import AgentDay, Customer, SalesChannel
from storeops.compiled import CompiledQuery
from storeops.money import ZERO


def mask_phone(phone: str) -> str:
    """``13800138000`` → ``138****8000``; short numbers keep only their last two digits."""
    if not phone:
        return ""
    if len(phone) >= 7:
        return f"{phone[:3]}****{phone[-4:]}"
    return "*" * (len(phone) - 2) + phone[-2:]


def active_channels() -> QuerySet[SalesChannel]:
    return SalesChannel.objects.filter(is_active=True)


# Every order create reads its channel: compiled once (see storeops.compiled).
_CHANNEL_BY_CODE = CompiledQuery(lambda code: SalesChannel.objects.filter(code=code))


def channel_by_code(code: str) -> SalesChannel | None:
    found = _CHANNEL_BY_CODE.instances(code=code)
    return found[0] if found else None


def search_customers(query: str = "") -> QuerySet[Customer]:
    """Customers by buyer ID, name or phone (a contains match), most recent buyers first."""
    customers = Customer.objects.select_related("channel")
    query = query.strip()
    if query:
        customers = customers.filter(
            Q(buyer_id__icontains=query) | Q(name__icontains=query) | Q(phone__contains=query)
        )
    return customers.order_by("-last_order_at", "-pk")


def top_customers(*, limit: int = 20) -> QuerySet[Customer]:
    return Customer.objects.select_related("channel").order_by("-amount_spent", "pk")[:limit]


# Customer-service performance (platform layer: the per-agent daily export)

SECOND = Decimal("0.01")


def name_key(text: str) -> str:
    """A spelling compared case- and space-insensitively: `` Xiao  Mei `` → ``xiao mei``."""
    return " ".join(str(text).split()).casefold()


def channels_by_name() -> dict[str, SalesChannel]:
    """Every channel under its code, English and Chinese name; a shared spelling is left out."""
    found: dict[str, SalesChannel] = {}
    ambiguous: set[str] = set()
    for channel in SalesChannel.objects.order_by("position", "code"):
        for spelling in {channel.name, channel.name_zh}:
            key = name_key(spelling)
            if key and key in found and found[key].pk != channel.pk:
                ambiguous.add(key)
            elif key:
                found[key] = channel
    lookup = {key: channel for key, channel in found.items() if key not in ambiguous}
    # A code always wins over another channel's name.
    lookup.update({name_key(channel.code): channel for channel in SalesChannel.objects.all()})
    return lookup


def agents_by_name() -> dict[str, Any]:
    """Users under every name an agent export may call them, for matching agent rows.

    A user is known by username, by "first last", by "lastfirst" (Chinese order,
    no space) and by the aliases in ``settings.SERVICE_AGENT_ALIASES`` (export
    name → username). A name two users share is left out rather than guessed;
    an alias always wins.
    """
    users = list(get_user_model().objects.filter(is_active=True).order_by("pk"))
    found: dict[str, Any] = {}
    ambiguous: set[str] = set()
    for user in users:
        spellings = {
            user.get_username(),
            f"{user.first_name} {user.last_name}",
            f"{user.last_name}{user.first_name}",
        }
        for spelling in spellings:
            key = name_key(spelling)
            if not key:
                continue
            if key in found and found[key].pk != user.pk:
                ambiguous.add(key)
            found.setdefault(key, user)
    lookup = {key: user for key, user in found.items() if key not in ambiguous}
    by_username = {name_key(user.get_username()): user for user in users}
    for alias, username in getattr(settings, "SERVICE_AGENT_ALIASES", {}).items():
        user = by_username.get(name_key(username))
        if user is not None:
            lookup[name_key(alias)] = user
    return lookup


def find_agent(agent_name: str, lookup: dict[str, Any] | None = None) -> Any | None:
    """The user an export's agent name stands for, or None.

    A sub-account is written ``shop:agent`` (旺旺子账号); when the whole name
    matches nobody, the part after the colon is tried.
    """
    lookup = agents_by_name() if lookup is None else lookup
    user = lookup.get(name_key(agent_name))
    if user is None:
        for separator in (":", "："):
            if separator in agent_name:
                user = lookup.get(name_key(agent_name.split(separator, 1)[1]))
                break
    return user


def _ratio(part: int, whole: int) -> Decimal | None:
    return Decimal(part) / Decimal(whole) if whole else None


def _weighted_seconds(weighted_total: Decimal, inquiries: int) -> Decimal | None:
    if not inquiries:
        return None
    return (weighted_total / Decimal(inquiries)).quantize(SECOND, rounding=ROUND_HALF_UP)


@dataclass
class ServiceFigures:
    """Summed parts of agent rows and the ratios recomputed from them."""

    inquiries: int = 0
    inquiries_paid: int = 0
    # Σ average first response × inquiries: the numerator of the weighted mean.
    weighted_response_seconds: Decimal = ZERO
    agent_sales: Decimal = ZERO
    is_provisional: bool = False

    @property
    def conversion(self) -> Decimal | None:
        """inquiry_conversion: Σ inquirers who paid / Σ inquiries; None without inquiries."""
        return _ratio(self.inquiries_paid, self.inquiries)

    @property
    def conversion_percent(self) -> Decimal | None:
        """The conversion as a percentage with two decimals, for display."""
        ratio = self.conversion
        if ratio is None:
            return None
        return (ratio * 100).quantize(SECOND, rounding=ROUND_HALF_UP)

    @property
    def first_response_seconds(self) -> Decimal | None:
        """first_response_seconds: the agents' averages weighted by their inquiries."""
        return _weighted_seconds(self.weighted_response_seconds, self.inquiries)

    def add(self, other: ServiceFigures) -> None:
        self.inquiries += other.inquiries
        self.inquiries_paid += other.inquiries_paid
        self.weighted_response_seconds += other.weighted_response_seconds
        self.agent_sales += other.agent_sales
        self.is_provisional = self.is_provisional or other.is_provisional


@dataclass
class AgentPerformance(ServiceFigures):
    agent_name: str = ""
    agent: Any = None

    @property
    def display_name(self) -> str:
        if self.agent is None:
            return self.agent_name
        return self.agent.get_full_name() or self.agent.get_username()


def _weighted_product() -> ExpressionWrapper:
    return ExpressionWrapper(
        F("avg_first_response_seconds") * F("inquiries"),
        output_field=DecimalField(max_digits=24, decimal_places=2),
    )


def _summed(rows: QuerySet[AgentDay]) -> QuerySet:
    return rows.annotate(
        sum_inquiries=Sum("inquiries"),
        sum_paid=Sum("inquiries_paid"),
        sum_weighted=Sum(_weighted_product()),
        sum_sales=Sum("agent_sales"),
        provisional_rows=Count("pk", filter=Q(is_provisional=True)),
    )


def _figures(values: dict[str, Any]) -> ServiceFigures:
    return ServiceFigures(
        inquiries=values["sum_inquiries"] or 0,
        inquiries_paid=values["sum_paid"] or 0,
        weighted_response_seconds=Decimal(values["sum_weighted"] or 0),
        agent_sales=Decimal(values["sum_sales"] or 0),
        is_provisional=bool(values["provisional_rows"]),
    )


def agent_days(
    start: dt.date, end: dt.date, channel: SalesChannel | None = None
) -> QuerySet[AgentDay]:
    """Agent rows of the business days ``start`` to ``end``, both included."""
    rows = AgentDay.objects.filter(date__gte=start, date__lte=end)
    if channel is not None:
        rows = rows.filter(channel=channel)
    return rows


def agent_performance(
    start: dt.date, end: dt.date, channel: SalesChannel | None = None
) -> list[AgentPerformance]:
    """Each agent's inquiries, paid inquirers, conversion, weighted first response and
    sales over ``start``..``end`` (both included), busiest agent first.

    An agent matched to a user is one line however the exports spelt them (and
    across channels); an unmatched agent is one line per name. Ratios are
    recomputed from the summed parts, never averaged from daily ratios.
    """
    grouped = _summed(agent_days(start, end, channel).values("agent_id", "agent_name").order_by())
    users = {
        user.pk: user
        for user in get_user_model().objects.filter(
            pk__in={values["agent_id"] for values in grouped if values["agent_id"]}
        )
    }
    by_agent: dict[tuple, AgentPerformance] = {}
    for values in grouped:
        agent = users.get(values["agent_id"])
        key = ("user", agent.pk) if agent is not None else ("name", values["agent_name"])
        line = by_agent.get(key)
        if line is None:
            line = by_agent[key] = AgentPerformance(agent_name=values["agent_name"], agent=agent)
        line.add(_figures(values))
    return sorted(
        by_agent.values(), key=lambda line: (-line.inquiries, name_key(line.display_name))
    )


def total_of(lines: Iterable[ServiceFigures]) -> ServiceFigures:
    """The total of several lines, its ratios recomputed from the summed parts."""
    total = ServiceFigures()
    for line in lines:
        total.add(line)
    return total


def service_totals(day: dt.date, channel: SalesChannel | None = None) -> ServiceFigures:
    """The store's customer-service figures of one business day, for the daily summary:
    Σ inquiries, Σ inquirers who paid, weighted first response, Σ agent sales, and
    whether any row of the day is still provisional."""
    values = agent_days(day, day, channel).aggregate(
        sum_inquiries=Sum("inquiries"),
        sum_paid=Sum("inquiries_paid"),
        sum_weighted=Sum(_weighted_product()),
        sum_sales=Sum("agent_sales"),
        provisional_rows=Count("pk", filter=Q(is_provisional=True)),
    )
    return _figures(values)

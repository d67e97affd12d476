"""Writes of paid traffic: upsert imported spend rows, set a month's budget per channel,
record an affiliate channel's per-order commission and the day rows computed from it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from promotions.models import (
    PER_ORDER_CAMPAIGN,
    AdBudget,
    AdChannel,
    AdSpendDay,
    AffiliateOrder,
    AffiliateOrderStatus,
)
from storeops import business_day, money
from storeops.upsert import CREATED, UNCHANGED, UPDATED, save_by_key

VALUE_FIELDS = (
    "impressions",
    "clicks",
    "spend",
    "attributed_orders",
    "attributed_sales",
    "attribution_days",
)
COUNT_FIELDS = ("impressions", "clicks", "attributed_orders")
MONEY_FIELDS = ("spend", "attributed_sales")


class AdSpendError(Exception):
    """A row the service refuses; ``index`` is its position in the list given (from 0)."""

    def __init__(self, message: str, *, field: str | None = None, index: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.index = index


def check_ad_spend_row(row: dict[str, Any]) -> None:
    """Rules of one row: counts and amounts not negative, no more clicks than impressions."""
    for name in (*COUNT_FIELDS, *MONEY_FIELDS):
        if row[name] < 0:
            raise AdSpendError(_("Must not be negative."), field=name)
    if row["clicks"] > row["impressions"]:
        raise AdSpendError(
            _("%(clicks)d clicks are more than the %(impressions)d impressions.")
            % {"clicks": row["clicks"], "impressions": row["impressions"]},
            field="clicks",
        )


def _normalised(row: dict[str, Any]) -> dict[str, Any]:
    values = dict(row)
    values["campaign"] = (values.get("campaign") or "").strip()
    for name in COUNT_FIELDS:
        values[name] = values.get(name) or 0
    for name in MONEY_FIELDS:
        values[name] = values.get(name) or Decimal("0.00")
    values.setdefault("attribution_days", None)
    return values


def days_kept_per_order(channel_ids: set[int], days: set[dt.date] | None = None) -> set[tuple]:
    """(ad channel id, day) pairs whose figures come from per-order commission rows."""
    if not channel_ids:
        return set()
    rows = AffiliateOrder.objects.filter(ad_channel_id__in=channel_ids)
    if days is not None:
        rows = rows.filter(paid_on__in=days)
    return set(rows.order_by().values_list("ad_channel_id", "paid_on").distinct())


def per_order_message(channel: AdChannel, day: dt.date) -> str:
    return _(
        "%(channel)s on %(day)s is computed from its per-order commission (the affiliate "
        "orders import); leave the row out or import the orders instead."
    ) % {"channel": channel, "day": day.isoformat()}


@transaction.atomic
def record_ad_spend(rows: list[dict[str, Any]], *, by: Any = None) -> list[str]:
    """Store spend rows keyed by (date, channel, campaign); one outcome per row.

    Atomic, all or nothing. Idempotent: a key already stored is replaced by the
    new figures (never added to), so importing the same export twice changes
    nothing. A blank campaign is the channel's total for the day.

    A commission-based channel's day that has per-order commission rows is
    refused: its figures are computed from those rows, and a daily total beside
    them would count the commission twice.
    """
    prepared = []
    for index, row in enumerate(rows):
        values = _normalised(row)
        try:
            check_ad_spend_row(values)
        except AdSpendError as error:
            raise AdSpendError(error.message, field=error.field, index=index) from None
        prepared.append(values)
    commission_rows = [
        (index, values)
        for index, values in enumerate(prepared)
        if values["channel"].is_commission_based
    ]
    if commission_rows:
        kept = days_kept_per_order(
            {values["channel"].pk for _index, values in commission_rows},
            {values["date"] for _index, values in commission_rows},
        )
        for index, values in commission_rows:
            if (values["channel"].pk, values["date"]) in kept:
                raise AdSpendError(
                    per_order_message(values["channel"], values["date"]),
                    field="channel",
                    index=index,
                )
    return _upsert_ad_spend(prepared)


def _upsert_ad_spend(prepared: list[dict[str, Any]]) -> list[str]:
    """Upsert checked, normalised rows on (date, channel, campaign); the caller's transaction."""
    if not prepared:
        return []
    existing = {
        (obj.date, obj.channel_id, obj.campaign): obj
        for obj in AdSpendDay.objects.select_for_update()
        .filter(
            date__in={row["date"] for row in prepared},
            channel_id__in={row["channel"].pk for row in prepared},
        )
        .order_by()
    }
    outcomes: list[str] = []
    for values in prepared:
        key = (values["date"], values["channel"].pk, values["campaign"])
        existing[key], outcome = save_by_key(
            stored=existing.get(key),
            build=lambda values=values: AdSpendDay(
                date=values["date"],
                channel=values["channel"],
                campaign=values["campaign"],
                **{name: values[name] for name in VALUE_FIELDS},
            ),
            lookup={"date": key[0], "channel_id": key[1], "campaign": key[2]},
            values={name: values[name] for name in VALUE_FIELDS},
        )
        outcomes.append(outcome)
    return outcomes


@transaction.atomic
def set_ad_budget(
    *, month: dt.date, channel: AdChannel, amount: Decimal, by: Any = None
) -> AdBudget:
    """Create or replace a channel's budget for the month of ``month``. Atomic, idempotent."""
    if amount < 0:
        raise AdSpendError(_("A budget must not be negative."), field="amount")
    budget, _created = AdBudget.objects.update_or_create(
        month=month.replace(day=1), channel=channel, defaults={"amount": amount}
    )
    return budget


# -- affiliate (淘宝客) orders ----------------------------------------------------------------

AFFILIATE_VALUE_FIELDS = (
    "campaign",
    "paid_at",
    "paid_on",
    "order_amount",
    "commission_rate",
    "commission",
    "status",
)


def check_affiliate_order_row(row: dict[str, Any]) -> None:
    """Rules of one order: a commission-based ad channel, amounts not negative, the
    commission no more than the order amount, a rate between 0 and 1."""
    if not row["ad_channel"].is_commission_based:
        raise AdSpendError(
            _("%(channel)s is not paid by commission.") % {"channel": row["ad_channel"]},
            field="ad_channel",
        )
    for name in ("order_amount", "commission"):
        if row[name] < 0:
            raise AdSpendError(_("Must not be negative."), field=name)
    if row["commission"] > row["order_amount"]:
        raise AdSpendError(
            _("The commission %(commission)s is more than the order amount %(amount)s.")
            % {"commission": row["commission"], "amount": row["order_amount"]},
            field="commission",
        )
    rate = row.get("commission_rate")
    if rate is not None and not (0 <= rate <= 1):
        raise AdSpendError(_("A commission rate is between 0 and 100 %."), field="commission_rate")


def _affiliate_values(row: dict[str, Any]) -> dict[str, Any]:
    values = dict(row)
    values["order_no"] = str(values["order_no"]).strip()
    values["campaign"] = (values.get("campaign") or "").strip()
    values["status"] = values.get("status") or AffiliateOrderStatus.PAID
    values.setdefault("commission_rate", None)
    values["order_amount"] = values.get("order_amount") or money.ZERO
    # A void order (已失效) earns nothing, whatever estimate the export still shows.
    if values["status"] == AffiliateOrderStatus.INVALID:
        values["commission"] = money.ZERO
    else:
        values["commission"] = values.get("commission") or money.ZERO
    values["paid_on"] = business_day.of(values["paid_at"])
    return values


@transaction.atomic
def record_affiliate_orders(rows: list[dict[str, Any]], *, by: Any = None) -> list[str]:
    """Store per-order commission keyed by (ad channel, sales channel, order number), then
    recompute the touched days' AdSpendDay rows of each ad channel from them.

    Each row: ``ad_channel`` (commission based), ``channel`` (a SalesChannel),
    ``order_no``, ``paid_at``, ``order_amount``, ``commission`` and optionally
    ``commission_rate`` (a fraction), ``campaign`` (推广位) and ``status``.
    Atomic, all or nothing; the stored orders are locked while compared.
    Idempotent: an order already stored is replaced (never added to), so the
    same export twice changes nothing. The day rows follow
    :func:`recompute_affiliate_days`. One outcome per row.
    """
    prepared = []
    for index, row in enumerate(rows):
        values = _affiliate_values(row)
        try:
            check_affiliate_order_row(values)
        except AdSpendError as error:
            raise AdSpendError(error.message, field=error.field, index=index) from None
        prepared.append(values)
    if not prepared:
        return []
    existing = {
        (obj.ad_channel_id, obj.channel_id, obj.order_no): obj
        for obj in AffiliateOrder.objects.select_for_update()
        .filter(
            ad_channel_id__in={row["ad_channel"].pk for row in prepared},
            order_no__in={row["order_no"] for row in prepared},
        )
        .order_by()
    }
    now = timezone.now()
    created: list[AffiliateOrder] = []
    updated: list[AffiliateOrder] = []
    touched: dict[int, set[dt.date]] = {}
    channels: dict[int, AdChannel] = {}
    outcomes: list[str] = []
    for values in prepared:
        ad_channel = values["ad_channel"]
        channels[ad_channel.pk] = ad_channel
        key = (ad_channel.pk, values["channel"].pk, values["order_no"])
        obj = existing.get(key)
        if obj is None:
            obj = AffiliateOrder(
                ad_channel=ad_channel,
                channel=values["channel"],
                order_no=values["order_no"],
                **{name: values[name] for name in AFFILIATE_VALUE_FIELDS},
            )
            existing[key] = obj
            created.append(obj)
            touched.setdefault(ad_channel.pk, set()).add(values["paid_on"])
            outcomes.append(CREATED)
            continue
        if all(getattr(obj, name) == values[name] for name in AFFILIATE_VALUE_FIELDS):
            outcomes.append(UNCHANGED)
            continue
        # The day it left must lose it, the day it moved to must gain it.
        touched.setdefault(ad_channel.pk, set()).update({obj.paid_on, values["paid_on"]})
        for name in AFFILIATE_VALUE_FIELDS:
            setattr(obj, name, values[name])
        obj.updated_at = now
        if obj.pk is not None and obj not in updated:
            updated.append(obj)
        outcomes.append(UPDATED)
    try:
        with transaction.atomic():
            AffiliateOrder.objects.bulk_create(created)
    except IntegrityError:
        raise AdSpendError(
            _("Another import stored some of these orders at the same moment; import again.")
        ) from None
    AffiliateOrder.objects.bulk_update(updated, [*AFFILIATE_VALUE_FIELDS, "updated_at"])
    for channel_id, days in touched.items():
        recompute_affiliate_days(ad_channel=channels[channel_id], days=days)
    return outcomes


def affiliate_day_rows(*, ad_channel: AdChannel, days: set[dt.date]) -> list[dict[str, Any]]:
    """The AdSpendDay figures the per-order rows of ``days`` give, one per (day, campaign).

    spend = Σ commission; attributed orders and sales count the orders that are
    not invalid (a void order sold nothing). A blank 推广位 is PER_ORDER_CAMPAIGN.
    Summed in SQL, one query.
    """
    valid = ~Q(status=AffiliateOrderStatus.INVALID)
    sums = (
        AffiliateOrder.objects.filter(ad_channel=ad_channel, paid_on__in=days)
        .order_by()
        .values("paid_on", "campaign")
        .annotate(
            spend=Sum("commission"),
            orders=Count("pk", filter=valid),
            sales=Sum("order_amount", filter=valid),
        )
    )
    rows: dict[tuple[dt.date, str], dict[str, Any]] = {}
    for row in sums:
        campaign = row["campaign"] or PER_ORDER_CAMPAIGN
        figures = rows.setdefault(
            (row["paid_on"], campaign),
            {
                "date": row["paid_on"],
                "channel": ad_channel,
                "campaign": campaign,
                "spend": money.ZERO,
                "attributed_orders": 0,
                "attributed_sales": money.ZERO,
            },
        )
        figures["spend"] += money.quantize(row["spend"] or money.ZERO)
        figures["attributed_orders"] += row["orders"]
        figures["attributed_sales"] += money.quantize(row["sales"] or money.ZERO)
    return list(rows.values())


def recompute_affiliate_days(*, ad_channel: AdChannel, days: set[dt.date]) -> list[str]:
    """Replace ``ad_channel``'s AdSpendDay rows of ``days`` by the figures of its orders.

    One row per (day, 推广位), blank slots under PER_ORDER_CAMPAIGN. Every other
    row of the channel on those days (a daily total imported earlier, a slot
    whose orders moved away) is set to zero rather than deleted: its
    ``updated_at`` moves, so the daily summary's freshness job rebuilds the day
    (a deleted row would leave nothing behind to notice), and the commission is
    never counted twice. Runs in the caller's transaction; rows are locked.
    """
    if not days:
        return []
    rows = affiliate_day_rows(ad_channel=ad_channel, days=days)
    computed = {(row["date"], row["campaign"]) for row in rows}
    for day, campaign in (
        AdSpendDay.objects.filter(channel=ad_channel, date__in=days)
        .order_by("date", "campaign")
        .values_list("date", "campaign")
    ):
        if (day, campaign) not in computed:
            rows.append({"date": day, "channel": ad_channel, "campaign": campaign})
    return _upsert_ad_spend([_normalised(row) for row in rows])

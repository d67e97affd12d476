"""Writes of paid traffic: upsert imported spend rows, set a month's budget per channel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from promotions.models import AdBudget, AdChannel, AdSpendDay

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
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


@transaction.atomic
def record_ad_spend(rows: list[dict[str, Any]], *, by: Any = None) -> list[str]:
    """Store spend rows keyed by (date, channel, campaign); one outcome per row.

    Atomic, all or nothing. Idempotent: a key already stored is replaced by the
    new figures (never added to), so importing the same export twice changes
    nothing. A blank campaign is the channel's total for the day.
    """
    prepared = []
    for index, row in enumerate(rows):
        values = _normalised(row)
        try:
            check_ad_spend_row(values)
        except AdSpendError as error:
            raise AdSpendError(error.message, field=error.field, index=index) from None
        prepared.append(values)
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
        obj = existing.get(key)
        if obj is None:
            obj = AdSpendDay(
                date=values["date"],
                channel=values["channel"],
                campaign=values["campaign"],
                **{name: values[name] for name in VALUE_FIELDS},
            )
            try:
                with transaction.atomic():
                    obj.save()
            except IntegrityError:
                # A concurrent import stored the same key since we looked: replace it.
                obj = (
                    AdSpendDay.objects.select_for_update()
                    .filter(date=key[0], channel_id=key[1], campaign=key[2])
                    .order_by()
                    .first()
                )
                if obj is None:
                    raise
            else:
                existing[key] = obj
                outcomes.append(CREATED)
                continue
            existing[key] = obj
        if all(getattr(obj, name) == values[name] for name in VALUE_FIELDS):
            outcomes.append(UNCHANGED)
            continue
        for name in VALUE_FIELDS:
            setattr(obj, name, values[name])
        obj.save(update_fields=[*VALUE_FIELDS, "updated_at"])
        outcomes.append(UPDATED)
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

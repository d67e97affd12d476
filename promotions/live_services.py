"""Writes of live-stream sessions: upsert imported sessions on (channel, start time)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from promotions.models import LiveSession
from storeops import business_day
from storeops.upsert import save_by_key

COUNT_FIELDS = ("duration_minutes", "viewers", "product_clicks", "buyers", "orders")
MONEY_FIELDS = ("sales",)
TEXT_FIELDS = ("title", "host")
VALUE_FIELDS = (*TEXT_FIELDS, *COUNT_FIELDS, *MONEY_FIELDS)


class LiveSessionError(Exception):
    """A row the service refuses; ``index`` is its position in the list given (from 0)."""

    def __init__(self, message: str, *, field: str | None = None, index: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.index = index


def check_live_session_row(row: dict[str, Any]) -> None:
    """Rules of one row: figures not negative, no more buyers than viewers.

    Product clicks may exceed viewers (a viewer clicks several items) and orders
    may exceed buyers (a buyer places several), so neither is checked.
    """
    for name in (*COUNT_FIELDS, *MONEY_FIELDS):
        if row[name] < 0:
            raise LiveSessionError(_("Must not be negative."), field=name)
    if row["buyers"] > row["viewers"]:
        raise LiveSessionError(
            _("%(buyers)d buyers are more than the %(viewers)d viewers.")
            % {"buyers": row["buyers"], "viewers": row["viewers"]},
            field="buyers",
        )


def _normalised(row: dict[str, Any]) -> dict[str, Any]:
    values = dict(row)
    for name in TEXT_FIELDS:
        values[name] = (values.get(name) or "").strip()
    for name in COUNT_FIELDS:
        values[name] = values.get(name) or 0
    for name in MONEY_FIELDS:
        values[name] = values.get(name) or Decimal("0.00")
    return values


@transaction.atomic
def record_live_sessions(rows: list[dict[str, Any]], *, by: Any = None) -> list[str]:
    """Store sessions keyed by (channel, started_at); one outcome per row.

    Each row holds ``channel`` (a SalesChannel), ``started_at`` (aware) and the
    figures. Atomic, all or nothing. Idempotent: a session already stored is
    replaced by the new figures (never added to), so importing the same export
    twice changes nothing; ``imported_by`` names whoever last changed it.
    """
    prepared = []
    for index, row in enumerate(rows):
        values = _normalised(row)
        try:
            check_live_session_row(values)
        except LiveSessionError as error:
            raise LiveSessionError(error.message, field=error.field, index=index) from None
        prepared.append(values)
    if not prepared:
        return []
    existing = {
        (obj.channel_id, obj.started_at): obj
        for obj in LiveSession.objects.select_for_update()
        .filter(
            channel_id__in={row["channel"].pk for row in prepared},
            started_at__in={row["started_at"] for row in prepared},
        )
        .order_by()
    }
    user = by if getattr(by, "is_authenticated", False) else None
    outcomes: list[str] = []
    for values in prepared:
        key = (values["channel"].pk, values["started_at"])
        existing[key], outcome = save_by_key(
            stored=existing.get(key),
            build=lambda values=values: LiveSession(
                channel=values["channel"],
                started_at=values["started_at"],
                business_date=business_day.of(values["started_at"]),
                imported_by=user,
                **{name: values[name] for name in VALUE_FIELDS},
            ),
            lookup={"channel_id": key[0], "started_at": key[1]},
            values={name: values[name] for name in VALUE_FIELDS},
            also_on_update={"imported_by": user},
        )
        outcomes.append(outcome)
    return outcomes

"""Supplier services: save one supplier (forms, API) and upsert many (imports).

Every save leaves a history row (django-simple-history) naming who changed
what. Upserts compare field by field, so importing the same file twice
changes nothing and writes no history the second time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from catalog.models import CatalogError, Supplier

EDITABLE_FIELDS = (
    "code",
    "name",
    "contact_name",
    "phone",
    "email",
    "address",
    "lead_time_days",
    "payment_terms",
    "min_order_amount",
    "contract_start",
    "contract_end",
    "is_active",
    "notes",
)
DEFAULTS: dict[str, Any] = {
    field: Supplier._meta.get_field(field).get_default() for field in EDITABLE_FIELDS
}


def check(values: dict[str, Any], existing: Supplier | None = None) -> None:
    """Rules across fields; raises CatalogError naming the field."""
    start = values.get("contract_start", existing.contract_start if existing else None)
    end = values.get("contract_end", existing.contract_end if existing else None)
    if start and end and end < start:
        raise CatalogError(
            _("The contract ends (%(end)s) before it starts (%(start)s)."),
            code="contract_end_before_start",
            field="contract_end",
            end=end,
            start=start,
        )


@transaction.atomic
def save_supplier(values: dict[str, Any], *, by, supplier: Supplier | None = None) -> Supplier:
    """Create a supplier, or change `supplier`, from cleaned form/API values."""
    check(values, supplier)
    code = values.get("code", supplier.code if supplier else "")
    clash = Supplier.objects.filter(code=code)
    if supplier is not None:
        clash = clash.exclude(pk=supplier.pk)
    if clash.exists():
        raise CatalogError(
            _("Another supplier already has the code %(code_value)s."),
            code="supplier_code_taken",
            field="code",
            code_value=code,
        )
    target = supplier or Supplier(**DEFAULTS)
    for field, value in values.items():
        if field in EDITABLE_FIELDS:
            setattr(target, field, value)
    target._history_user = by
    target.save()
    return target


def upsert_many(rows: Iterable[dict[str, Any]], *, by) -> list[str]:
    """Create or update suppliers by code; returns "created"/"updated"/"unchanged" per row.

    A field absent from a row is left as it is on an existing supplier and
    takes its default on a new one. Call inside a transaction. A row breaking a
    rule raises CatalogError with `details["index"]` naming it; nothing is written.
    """
    rows = list(rows)
    existing = Supplier.objects.in_bulk([row["code"] for row in rows], field_name="code")
    to_create: list[Supplier] = []
    to_update: list[Supplier] = []
    changed_fields: set[str] = set()
    outcomes: list[str] = []
    now = timezone.now()
    for index, row in enumerate(rows):
        supplier = existing.get(row["code"])
        try:
            check(row, supplier)
        except CatalogError as error:
            error.details["index"] = index
            raise
        if supplier is None:
            to_create.append(Supplier(**{**DEFAULTS, **row}))
            outcomes.append("created")
            continue
        changes = {
            field: value
            for field, value in row.items()
            if field in EDITABLE_FIELDS and getattr(supplier, field) != value
        }
        if not changes:
            outcomes.append("unchanged")
            continue
        for field, value in changes.items():
            setattr(supplier, field, value)
        supplier.updated_at = now  # bulk_update does not apply auto_now
        changed_fields.update(changes)
        to_update.append(supplier)
        outcomes.append("updated")
    if to_create:
        bulk_create_with_history(to_create, Supplier, default_user=by)
    if to_update:
        bulk_update_with_history(
            to_update, Supplier, sorted(changed_fields | {"updated_at"}), default_user=by
        )
    return outcomes

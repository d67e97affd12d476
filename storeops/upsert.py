"""Rows kept by a natural key (a day's traffic, an ad campaign's day, a live session):
store new ones, bring stored ones up to date, leave equal ones alone."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import IntegrityError, models, transaction

from storeops.imports.spec import Outcome

# What a write did to a row; equal to the plain strings the import runner counts.
CREATED, UPDATED, UNCHANGED = Outcome.CREATED, Outcome.UPDATED, Outcome.UNCHANGED


def save_by_key(
    *,
    stored: models.Model | None,
    build: Callable[[], models.Model],
    lookup: Mapping[str, Any],
    values: Mapping[str, Any],
    also_on_update: Mapping[str, Any] | None = None,
) -> tuple[models.Model, Outcome]:
    """Save one row of a natural key; returns the row and what happened to it.

    ``stored`` is the row already read (locked) for the key, or None: then
    ``build()`` makes the new row. If a concurrent writer stored the same key
    since it was read, that row (found by ``lookup``) is updated instead. A
    stored row whose ``values`` are all equal is left alone (``unchanged``);
    otherwise ``values`` and ``also_on_update`` are written with
    ``updated_at``. Runs in the caller's transaction.
    """
    if stored is None:
        row = build()
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            stored = type(row).objects.select_for_update().filter(**lookup).order_by().first()
            if stored is None:
                raise
        else:
            return row, Outcome.CREATED
    if all(getattr(stored, name) == value for name, value in values.items()):
        return stored, Outcome.UNCHANGED
    changes = {**values, **(also_on_update or {})}
    for name, value in changes.items():
        setattr(stored, name, value)
    stored.save(update_fields=[*changes, "updated_at"])
    return stored, Outcome.UPDATED

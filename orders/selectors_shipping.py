"""Reads of the rate cards page (kept apart from ``orders.selectors`` while the
console work changes that module; fold them in later)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from orders.models import Carrier, RateCard

RATE_CARD_CHANGES_LIMIT = 30


def carriers_with_rate_cards() -> QuerySet[Carrier]:
    """Every carrier (active first), each with its cards: the default first, then by province."""
    return Carrier.objects.order_by("-is_active", "code").prefetch_related(
        Prefetch("rates", queryset=RateCard.objects.order_by("province"))
    )


def rate_card_changes(limit: int = RATE_CARD_CHANGES_LIMIT) -> list:
    """The latest saved versions of rate cards (deletions included), newest first,
    with who saved them."""
    return list(
        RateCard.history.select_related("history_user", "carrier").order_by(
            "-history_date", "-history_id"
        )[:limit]
    )

"""Writing promotions: create or change one with its tiers, flash items and scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from catalog.models import Category, Product, Variant
from customers.models import SalesChannel
from promotions.models import FlashPriceItem, Promotion, PromotionKind, PromotionTier, Stacking


@dataclass(frozen=True)
class FlashItemInput:
    variant: Variant
    price: Decimal
    quantity_cap: int | None = None


@dataclass
class PromotionRelations:
    """The many-to-many parts and child rows of a promotion."""

    tiers: list[tuple[Decimal, Decimal]] = field(default_factory=list)
    flash_items: list[FlashItemInput] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)
    excluded_products: list[Product] = field(default_factory=list)
    excluded_variants: list[Variant] = field(default_factory=list)
    channels: list[SalesChannel] = field(default_factory=list)


@transaction.atomic
def save_promotion(
    *,
    promotion: Promotion | None,
    fields: dict[str, Any],
    relations: PromotionRelations,
    by: Any,
) -> Promotion:
    """Create (``promotion=None``) or change a promotion; its tiers and flash items are replaced.

    Atomic: the row, its scope and its child rows change together or not at all.
    """
    if promotion is None:
        promotion = Promotion(created_by=by if getattr(by, "pk", None) else None)
    for name, value in fields.items():
        setattr(promotion, name, value)
    promotion.full_clean(exclude=["created_by"])
    _check_tiers(relations.tiers)
    _check_flash_items(promotion, relations.flash_items)
    _check_exclusive_overlap(promotion, relations.channels)
    promotion.save()
    promotion.categories.set(relations.categories)
    promotion.products.set(relations.products)
    promotion.variants.set(relations.variants)
    promotion.excluded_products.set(relations.excluded_products)
    promotion.excluded_variants.set(relations.excluded_variants)
    promotion.channels.set(relations.channels)
    promotion.tiers.all().delete()
    PromotionTier.objects.bulk_create(
        [
            PromotionTier(promotion=promotion, threshold=threshold, amount_off=amount)
            for threshold, amount in relations.tiers
        ]
    )
    promotion.flash_items.all().delete()
    FlashPriceItem.objects.bulk_create(
        [
            FlashPriceItem(
                promotion=promotion,
                variant=item.variant,
                price=item.price,
                quantity_cap=item.quantity_cap,
            )
            for item in relations.flash_items
        ]
    )
    return promotion


def _check_tiers(tiers: list[tuple[Decimal, Decimal]]) -> None:
    """满减 tiers: a higher threshold must take more off than every lower one."""
    ordered = sorted(tiers)
    for (low, low_off), (high, high_off) in pairwise(ordered):
        if high_off <= low_off:
            raise ValidationError(
                _(
                    "The tier over %(high)s takes %(high_off)s off, no more than the tier over "
                    "%(low)s (%(low_off)s): a higher threshold must take more off."
                )
                % {"high": high, "high_off": high_off, "low": low, "low_off": low_off},
                code="tiers_out_of_order",
            )


def _check_flash_items(promotion: Promotion, items: list[FlashItemInput]) -> None:
    """A flash sale sells a limited number of units: every item needs its cap."""
    if promotion.kind != PromotionKind.FLASH_PRICE:
        return
    uncapped = [item.variant.sku_code for item in items if not item.quantity_cap]
    if uncapped:
        raise ValidationError(
            _("A flash sale needs a quantity cap for every SKU; none for %(skus)s.")
            % {"skus": ", ".join(uncapped)},
            code="flash_without_cap",
        )


def _check_exclusive_overlap(promotion: Promotion, channels: list[SalesChannel]) -> None:
    """Two exclusive promotions may not run at the same time on a shared channel.

    Each would block the other, so which one a buyer gets would depend on
    priority alone; the store decides that up front instead. No channels
    means every channel.
    """
    if promotion.stacking != Stacking.EXCLUSIVE or not promotion.is_active:
        return
    others = Promotion.objects.filter(
        stacking=Stacking.EXCLUSIVE,
        is_active=True,
        starts_at__lt=promotion.ends_at,
        ends_at__gt=promotion.starts_at,
    ).prefetch_related("channels")
    if promotion.pk:
        others = others.exclude(pk=promotion.pk)
    mine = {channel.pk for channel in channels}
    for other in others.filter(Q(channels__isnull=True) | Q(channels__in=mine) if mine else Q()):
        theirs = {channel.pk for channel in other.channels.all()}
        if not mine or not theirs or mine & theirs:
            raise ValidationError(
                _(
                    "%(other)s is also exclusive and runs at the same time on the same "
                    "channels (%(start)s to %(end)s): change the dates, the channels, or make "
                    "one of them stackable."
                )
                % {
                    "other": other.name,
                    "start": f"{other.starts_at:%Y-%m-%d %H:%M}",
                    "end": f"{other.ends_at:%Y-%m-%d %H:%M}",
                },
                code="exclusive_overlap",
            )

"""Price and cost changes of SKUs, each one written to ``VariantPriceChange``.

Guarantees shared by the services below:

* **Atomic.** The new amounts and their history rows commit together; a bulk
  adjustment changes every SKU or none.
* **Locked.** The variant rows are locked (``SELECT ... FOR UPDATE``, in id
  order) before their old amounts are read, so a history row's ``old_amount``
  is exactly what it replaced.
* **Audited.** Every change records who, when (``effective_at`` = now), the
  old and new amount and why. An unchanged amount writes no row.
* **Cost in force.** ``catalog.selectors.products.cost_at`` reads these rows,
  so the cost of goods of past orders never moves when today's cost changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import CatalogError, PriceKind, Variant, VariantPriceChange
from storeops import money

MINIMUM_PRICE = Decimal("0.01")
REASON_MAX_LENGTH = VariantPriceChange._meta.get_field("reason").max_length
MAXIMUM_AMOUNT = Decimal(10) ** (money.MAX_DIGITS - money.DECIMAL_PLACES) - money.CENT


class AdjustMode(models.TextChoices):
    PERCENT = "percent", _("By percent")
    AMOUNT = "amount", _("By amount")


@dataclass(frozen=True)
class PricePreviewRow:
    """One SKU of a bulk price adjustment: its price before and after."""

    variant: Variant
    old_price: Decimal
    new_price: Decimal
    is_floored: bool

    @property
    def is_changed(self) -> bool:
        return self.new_price != self.old_price


def _check_audit(*, by: Any, reason: str) -> str:
    if by is None or getattr(by, "pk", None) is None:
        raise CatalogError(_("A price change must name who makes it."), code="missing_user")
    reason = (reason or "").strip()
    if not reason:
        raise CatalogError(_("A price change must give a reason."), code="missing_reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise CatalogError(
            _("The reason is longer than %(limit)s characters."),
            code="reason_too_long",
            limit=REASON_MAX_LENGTH,
        )
    return reason


def check_amount(amount: Any, *, label: Any, minimum: Decimal) -> Decimal:
    """A money amount with at most two decimals, between ``minimum`` and the column's limit."""
    try:
        amount = money.to_decimal(amount)
    except (TypeError, ValueError) as error:
        raise CatalogError(
            _("%(label)s is not an amount: %(value)s."),
            code="invalid_amount",
            label=label,
            value=amount,
        ) from error
    if not amount.is_finite() or amount != money.quantize(amount):
        raise CatalogError(
            _("%(label)s must be an amount with at most two decimals, not %(value)s."),
            code="invalid_amount",
            label=label,
            value=amount,
        )
    if amount < minimum or amount > MAXIMUM_AMOUNT:
        raise CatalogError(
            _("%(label)s must be between %(minimum)s and %(maximum)s, not %(value)s."),
            code="amount_out_of_range",
            label=label,
            minimum=minimum,
            maximum=MAXIMUM_AMOUNT,
            value=amount,
        )
    return amount


def adjusted_price(old_price: Decimal, *, mode: str, value: Decimal) -> tuple[Decimal, bool]:
    """The price after a bulk adjustment and whether the 0.01 floor was applied.

    By percent: ``old × (100 + value) / 100``; by amount: ``old + value``; both
    rounded half-up to the cent once, then raised to 0.01 if lower.
    """
    if mode == AdjustMode.PERCENT:
        raw = old_price * (Decimal(100) + value) / Decimal(100)
    elif mode == AdjustMode.AMOUNT:
        raw = old_price + value
    else:
        raise CatalogError(_("Unknown adjustment: %(mode)s."), code="invalid_mode", mode=mode)
    new_price = money.quantize(raw)
    if new_price < MINIMUM_PRICE:
        return MINIMUM_PRICE, True
    return min(new_price, MAXIMUM_AMOUNT), False


def _check_adjustment(*, mode: str, value: Any) -> Decimal:
    if mode not in AdjustMode.values:
        raise CatalogError(_("Unknown adjustment: %(mode)s."), code="invalid_mode", mode=mode)
    try:
        value = money.to_decimal(value)
    except (TypeError, ValueError) as error:
        raise CatalogError(
            _("The adjustment is not a number: %(value)s."), code="invalid_amount", value=value
        ) from error
    if not value.is_finite() or value == 0:
        raise CatalogError(
            _("The adjustment must be a number other than zero."), code="invalid_amount"
        )
    return value


def preview_price_adjustment(
    *, variants: Iterable[Variant], mode: str, value: Any
) -> list[PricePreviewRow]:
    """What a bulk adjustment would do, SKU by SKU, without writing anything."""
    value = _check_adjustment(mode=mode, value=value)
    rows = []
    for variant in variants:
        new_price, is_floored = adjusted_price(variant.price, mode=mode, value=value)
        rows.append(PricePreviewRow(variant, variant.price, new_price, is_floored))
    return rows


def _write_change(
    *, variant: Variant, kind: PriceKind, old: Decimal | None, new: Decimal, by: Any, reason: str
) -> VariantPriceChange:
    return VariantPriceChange(
        variant=variant,
        kind=kind,
        old_amount=old,
        new_amount=new,
        effective_at=timezone.now(),
        changed_by=by,
        reason=reason,
    )


def record_initial_prices(*, variant: Variant, by: Any, reason: str) -> list[VariantPriceChange]:
    """History rows for a new SKU's first price and cost (no old amount).

    Called by the services that create variants, inside their transaction.
    """
    reason = _check_audit(by=by, reason=reason)
    return VariantPriceChange.objects.bulk_create(
        [
            _write_change(
                variant=variant,
                kind=PriceKind.PRICE,
                old=None,
                new=variant.price,
                by=by,
                reason=reason,
            ),
            _write_change(
                variant=variant,
                kind=PriceKind.COST,
                old=None,
                new=variant.cost_price,
                by=by,
                reason=reason,
            ),
        ]
    )


def set_variant_prices(
    *,
    variant: Variant,
    price: Decimal | None = None,
    cost_price: Decimal | None = None,
    by: Any,
    reason: str,
) -> list[VariantPriceChange]:
    """Set a SKU's sale price and/or cost price; None leaves that amount as it is.

    Returns the history rows written (none when nothing changed). Atomic,
    locks the variant row. ``variant`` is refreshed with the new amounts.
    """
    reason = _check_audit(by=by, reason=reason)
    if price is not None:
        price = check_amount(price, label=_("The sale price"), minimum=money.ZERO)
    if cost_price is not None:
        cost_price = check_amount(cost_price, label=_("The cost price"), minimum=money.ZERO)
    with transaction.atomic():
        locked = Variant.objects.select_for_update().get(pk=variant.pk)
        changes = []
        if price is not None and price != locked.price:
            changes.append(
                _write_change(
                    variant=locked,
                    kind=PriceKind.PRICE,
                    old=locked.price,
                    new=price,
                    by=by,
                    reason=reason,
                )
            )
            locked.price = price
        if cost_price is not None and cost_price != locked.cost_price:
            changes.append(
                _write_change(
                    variant=locked,
                    kind=PriceKind.COST,
                    old=locked.cost_price,
                    new=cost_price,
                    by=by,
                    reason=reason,
                )
            )
            locked.cost_price = cost_price
        if changes:
            locked.save(update_fields=["price", "cost_price", "updated_at"])
            VariantPriceChange.objects.bulk_create(changes)
    variant.price, variant.cost_price = locked.price, locked.cost_price
    variant.updated_at = locked.updated_at
    return changes


def adjust_prices(
    *, variants: Iterable[Variant], mode: str, value: Any, by: Any, reason: str
) -> list[VariantPriceChange]:
    """Raise or lower the sale price of many SKUs at once, all or nothing.

    ``mode`` is ``percent`` (``value`` = -10 for 10 % off) or ``amount``
    (``value`` = -5.00 for 5 yuan off). Each new price is rounded half-up to
    the cent and never goes below 0.01. Every changed SKU gets a history row
    with ``reason`` and ``by``; unchanged ones get none. Atomic; locks the
    variant rows in id order and computes from the locked (current) prices.
    """
    reason = _check_audit(by=by, reason=reason)
    value = _check_adjustment(mode=mode, value=value)
    ids = sorted({variant.pk for variant in variants})
    with transaction.atomic():
        locked = list(Variant.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        rows = preview_price_adjustment(variants=locked, mode=mode, value=value)
        changes = []
        changed = []
        now = timezone.now()
        for row in rows:
            if not row.is_changed:
                continue
            change = _write_change(
                variant=row.variant,
                kind=PriceKind.PRICE,
                old=row.old_price,
                new=row.new_price,
                by=by,
                reason=reason,
            )
            change.effective_at = now
            changes.append(change)
            row.variant.price = row.new_price
            row.variant.updated_at = now
            changed.append(row.variant)
        Variant.objects.bulk_update(changed, ["price", "updated_at"], batch_size=500)
        VariantPriceChange.objects.bulk_create(changes, batch_size=500)
    return changes

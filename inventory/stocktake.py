"""Stocktake services: open a count, record counts, finish, post or cancel.

Guarantees shared by every service below:

* **Atomic and locked.** Each service runs in one transaction and first locks
  the stocktake (``select_for_update``): a count racing the posting, or two
  clerks posting at once, are serialised; the second sees the new status.
* **Stock through the ledger.** Posting calls ``services.adjust_to_count`` once
  per counted SKU (kind stocktake adjustment, ``document_type="stocktake"``,
  the stocktake number as document), after locking the stock levels. The rule
  for movements made while the count is open is in
  :mod:`inventory.models.stocktake`.
* **Refused twice.** Posting (or cancelling) a stocktake that is already posted
  or cancelled raises :class:`StocktakeError` and changes nothing.
* **Validated.** Counts are whole numbers of zero or more; a refused call
  raises :class:`StocktakeError` (or :class:`UnknownSku`) and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Variant
from inventory import services
from inventory.errors import StockError, StocktakeError
from inventory.models import (
    MovementKind,
    StockLevel,
    StockMovement,
    Stocktake,
    StocktakeLine,
    StocktakeStatus,
    Warehouse,
)
from storeops import business_day
from storeops.money import quantize

DOCUMENT_TYPE = "stocktake"
REASON_MAX_LENGTH = StockMovement._meta.get_field("reason").max_length

__all__ = [
    "ReviewLine",
    "cancel_stocktake",
    "finish_counting",
    "open_stocktake",
    "post_stocktake",
    "record_counts",
    "review_lines",
]


# -- input checks ---------------------------------------------------------------------------


def _check_user(by: Any) -> None:
    if by is None or getattr(by, "pk", None) is None:
        raise StocktakeError(_("A stocktake change must name who makes it."), code="missing_user")


def _check_count(sku: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise StocktakeError(
            _("The count of %(sku)s must be a whole number, not %(value)s."),
            code="invalid_count",
            sku=sku,
            value=value,
        )
    if value < 0:
        raise StocktakeError(
            _("The count of %(sku)s must not be negative, not %(value)s."),
            code="invalid_count",
            sku=sku,
            value=value,
        )
    return value


def _resolve_warehouse(warehouse: Warehouse | str | None) -> Warehouse:
    if isinstance(warehouse, Warehouse):
        return warehouse
    if warehouse is None:
        found = Warehouse.objects.filter(is_default=True).first()
    else:
        found = Warehouse.objects.filter(code=warehouse).first()
    if found is None:
        raise StocktakeError(
            _("Unknown warehouse: %(warehouse)s."),
            code="unknown_warehouse",
            warehouse=str(warehouse or ""),
        )
    return found


def _lock(stocktake: Stocktake | int) -> Stocktake:
    pk = stocktake.pk if isinstance(stocktake, Stocktake) else stocktake
    return Stocktake.objects.select_for_update().select_related("warehouse").get(pk=pk)


def _refuse_unless(stocktake: Stocktake, *statuses: str, action: Any) -> None:
    if stocktake.status in statuses:
        return
    code = "already_posted" if stocktake.status == StocktakeStatus.POSTED else "illegal_transition"
    raise StocktakeError(
        _("Stocktake %(number)s is %(status)s: it cannot be %(action)s."),
        code=code,
        number=stocktake.number,
        status=stocktake.get_status_display(),
        action=action,
    )


# -- scope and numbering --------------------------------------------------------------------


def _category_ids(category: Category) -> set[int]:
    """The category and every category below it (the tree is small)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    todo = [category.pk]
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.add(pk)
            todo.extend(children.get(pk, []))
    return found


def variants_in_scope(
    *, warehouse: Warehouse, category: Category | None = None, sku_prefix: str = ""
) -> Any:
    """Active SKUs, and inactive ones still holding stock in ``warehouse``, within the filter."""
    variants = Variant.objects.filter(
        Q(is_active=True) | Q(stock_levels__warehouse=warehouse, stock_levels__on_hand__gt=0)
    )
    if category is not None:
        variants = variants.filter(product__category_id__in=_category_ids(category))
    if sku_prefix:
        variants = variants.filter(sku_code__startswith=sku_prefix)
    return variants.distinct().order_by("sku_code")


def _describe_scope(category: Category | None, sku_prefix: str) -> str:
    parts = []
    if category is not None:
        parts.append(str(_("Category: %(category)s") % {"category": category.name}))
    if sku_prefix:
        parts.append(str(_("SKU codes starting with %(prefix)s") % {"prefix": sku_prefix}))
    return "; ".join(parts) or str(_("All SKUs"))


_NUMBER = re.compile(r"^ST-(\d{4})-(\d+)$")


def _next_number() -> str:
    prefix = f"ST-{business_day.today().year}-"
    numbers = Stocktake.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    highest = max(
        (int(match.group(2)) for number in numbers if (match := _NUMBER.match(number))),
        default=0,
    )
    return f"{prefix}{highest + 1:04d}"


# -- services -------------------------------------------------------------------------------


def open_stocktake(
    *,
    warehouse: Warehouse | str | None,
    by: Any,
    category: Category | None = None,
    sku_prefix: str = "",
    note: str = "",
) -> Stocktake:
    """Open a count: one line per SKU in scope with on hand snapshotted now.

    Numbers run per year (ST-2026-0001). Refused when the warehouse already has
    a stocktake counting or in review, or when no SKU is in scope. Atomic.
    """
    _check_user(by)
    warehouse = _resolve_warehouse(warehouse)
    sku_prefix = (sku_prefix or "").strip()
    variant_ids = list(
        variants_in_scope(
            warehouse=warehouse, category=category, sku_prefix=sku_prefix
        ).values_list("pk", flat=True)
    )
    if not variant_ids:
        raise StocktakeError(_("No SKU matches this stocktake's scope."), code="empty_scope")
    for _attempt in range(5):
        if Stocktake.objects.filter(
            warehouse=warehouse, status__in=[StocktakeStatus.OPEN, StocktakeStatus.REVIEW]
        ).exists():
            raise StocktakeError(
                _("Warehouse %(warehouse)s already has a stocktake in progress."),
                code="stocktake_in_progress",
                warehouse=warehouse.code,
            )
        try:
            with transaction.atomic():
                stocktake = Stocktake.objects.create(
                    number=_next_number(),
                    warehouse=warehouse,
                    category=category,
                    sku_prefix=sku_prefix,
                    scope_description=_describe_scope(category, sku_prefix)[:300],
                    note=note or "",
                    opened_by=by,
                    opened_at=timezone.now(),
                )
                on_hand = dict(
                    StockLevel.objects.filter(
                        warehouse=warehouse, variant_id__in=variant_ids
                    ).values_list("variant_id", "on_hand")
                )
                StocktakeLine.objects.bulk_create(
                    StocktakeLine(
                        stocktake=stocktake,
                        variant_id=variant_id,
                        on_hand_at_open=on_hand.get(variant_id, 0),
                    )
                    for variant_id in variant_ids
                )
                return stocktake
        except IntegrityError:
            # Another stocktake took the number, or the warehouse: check again.
            continue
    raise StocktakeError(_("Could not open the stocktake; try again."), code="numbering_conflict")


def record_counts(*, stocktake: Stocktake | int, counts: Mapping[str, Any], by: Any) -> int:
    """Record counted quantities by SKU code; returns how many lines changed.

    Only while counting. Every SKU must be on the stocktake and every count a
    whole number of zero or more, or nothing is recorded. Idempotent: a count
    equal to the one recorded changes nothing (not even ``counted_at``).
    """
    _check_user(by)
    cleaned = {str(sku).strip(): _check_count(str(sku), value) for sku, value in counts.items()}
    with transaction.atomic():
        locked = _lock(stocktake)
        _refuse_unless(locked, StocktakeStatus.OPEN, action=_("counted"))
        lines = {
            line.variant.sku_code: line
            for line in locked.lines.select_related("variant").filter(
                variant__sku_code__in=list(cleaned)
            )
        }
        missing = sorted(set(cleaned) - set(lines))
        if missing:
            raise StocktakeError(
                _("Not on stocktake %(number)s: %(skus)s."),
                code="sku_not_in_stocktake",
                number=locked.number,
                skus=", ".join(missing),
            )
        now = timezone.now()
        changed = []
        for sku, value in cleaned.items():
            line = lines[sku]
            if line.counted == value:
                continue
            line.counted = value
            line.counted_at = now
            line.counted_by = by
            changed.append(line)
        StocktakeLine.objects.bulk_update(changed, ["counted", "counted_at", "counted_by"])
        return len(changed)


def finish_counting(*, stocktake: Stocktake | int, by: Any) -> Stocktake:
    """End counting and open the review. Refused unless counting and one line is counted."""
    _check_user(by)
    with transaction.atomic():
        locked = _lock(stocktake)
        _refuse_unless(locked, StocktakeStatus.OPEN, action=_("moved to review"))
        if not locked.lines.filter(counted__isnull=False).exists():
            raise StocktakeError(
                _("Nothing is counted on stocktake %(number)s yet."),
                code="nothing_counted",
                number=locked.number,
            )
        locked.status = StocktakeStatus.REVIEW
        locked.finished_at = timezone.now()
        locked.finished_by = by
        locked.save(update_fields=["status", "finished_at", "finished_by"])
        return locked


def reopen_counting(*, stocktake: Stocktake | int, by: Any) -> Stocktake:
    """Send a stocktake in review back to counting (a recount). Refused otherwise."""
    _check_user(by)
    with transaction.atomic():
        locked = _lock(stocktake)
        _refuse_unless(locked, StocktakeStatus.REVIEW, action=_("reopened"))
        locked.status = StocktakeStatus.OPEN
        locked.finished_at = None
        locked.finished_by = None
        locked.save(update_fields=["status", "finished_at", "finished_by"])
        return locked


@dataclass(frozen=True)
class ReviewLine:
    line: StocktakeLine
    expected: int | None
    variance: int | None
    value: Decimal | None

    @property
    def is_counted(self) -> bool:
        return self.line.counted is not None


def _movements_since_count(stocktake: Stocktake, lines: Iterable[StocktakeLine]) -> dict[int, int]:
    """Net on-hand change per variant after each line's ``counted_at`` (stocktakes excluded)."""
    counted_at = {line.variant_id: line.counted_at for line in lines if line.counted_at}
    if not counted_at:
        return {}
    since: dict[int, int] = {}
    rows = (
        StockMovement.objects.filter(
            warehouse=stocktake.warehouse_id,
            variant_id__in=list(counted_at),
            created_at__gt=min(counted_at.values()),
        )
        .exclude(kind=MovementKind.STOCKTAKE_ADJUSTMENT)
        .exclude(on_hand_change=0)
        .values_list("variant_id", "created_at", "on_hand_change")
    )
    for variant_id, created_at, change in rows:
        if created_at > counted_at[variant_id]:
            since[variant_id] = since.get(variant_id, 0) + change
    return since


def review_lines(stocktake: Stocktake, *, with_costs: bool = False) -> list[ReviewLine]:
    """Every line with expected, variance and (``with_costs``) variance value at cost.

    A posted stocktake shows what was booked; an open or in-review one what
    posting now would book. Uncounted lines have no expected or variance.
    """
    lines = list(stocktake.lines.select_related("variant__product"))
    if stocktake.status == StocktakeStatus.POSTED:
        expected = {line.pk: line.expected_at_post for line in lines}
    else:
        on_hand = dict(
            StockLevel.objects.filter(
                warehouse=stocktake.warehouse_id, variant_id__in=[line.variant_id for line in lines]
            ).values_list("variant_id", "on_hand")
        )
        since = _movements_since_count(stocktake, lines)
        expected = {
            line.pk: on_hand.get(line.variant_id, 0) - since.get(line.variant_id, 0)
            for line in lines
            if line.counted is not None
        }
    result = []
    for line in lines:
        line_expected = expected.get(line.pk) if line.counted is not None else None
        variance = line.counted - line_expected if line_expected is not None else None
        value = (
            quantize(line.variant.cost_price * variance)
            if with_costs and variance is not None
            else None
        )
        result.append(ReviewLine(line=line, expected=line_expected, variance=variance, value=value))
    return result


def post_stocktake(*, stocktake: Stocktake | int, by: Any, reason: str) -> Stocktake:
    """Book the counts: one stocktake adjustment per counted SKU, all in one transaction.

    Only from review. Locks the stocktake, then the SKUs' stock levels (in id
    order), computes each line's variance by the rule in the model docstring
    and posts it with ``adjust_to_count``. A second post is refused with
    ``already_posted`` and changes nothing; a count below what is reserved
    refuses the whole post.
    """
    _check_user(by)
    reason = (reason or "").strip()
    if not reason:
        raise StocktakeError(_("Posting a stocktake needs a reason."), code="missing_reason")
    with transaction.atomic():
        locked = _lock(stocktake)
        _refuse_unless(locked, StocktakeStatus.REVIEW, action=_("posted"))
        lines = list(
            locked.lines.select_related("variant").filter(counted__isnull=False).order_by("id")
        )
        warehouse = locked.warehouse
        for line in lines:
            StockLevel.objects.get_or_create(variant_id=line.variant_id, warehouse=warehouse)
        levels = {
            level.variant_id: level
            for level in StockLevel.objects.select_for_update()
            .filter(warehouse=warehouse, variant_id__in=[line.variant_id for line in lines])
            .order_by("pk")
        }
        since = _movements_since_count(locked, lines)
        ledger_reason = f"{locked.number}: {reason}"[:REASON_MAX_LENGTH]
        for line in lines:
            later = since.get(line.variant_id, 0)
            current = levels[line.variant_id].on_hand
            try:
                movement = services.adjust_to_count(
                    variant=line.variant,
                    warehouse=warehouse,
                    counted=line.counted + later,
                    by=by,
                    reason=ledger_reason,
                    document_type=DOCUMENT_TYPE,
                    document_id=locked.number,
                )
            except StockError as error:
                raise StocktakeError(
                    _("%(sku)s cannot be adjusted: %(error)s"),
                    code=error.code or "stock_error",
                    sku=line.variant.sku_code,
                    error=str(error),
                ) from error
            line.expected_at_post = current - later
            line.adjustment = movement.on_hand_change
        StocktakeLine.objects.bulk_update(lines, ["expected_at_post", "adjustment"])
        locked.status = StocktakeStatus.POSTED
        locked.posted_at = timezone.now()
        locked.posted_by = by
        locked.post_reason = reason[:200]
        locked.save(update_fields=["status", "posted_at", "posted_by", "post_reason"])
        return locked


def cancel_stocktake(*, stocktake: Stocktake | int, by: Any) -> Stocktake:
    """Drop a stocktake that is counting or in review; stock is untouched."""
    _check_user(by)
    with transaction.atomic():
        locked = _lock(stocktake)
        _refuse_unless(locked, StocktakeStatus.OPEN, StocktakeStatus.REVIEW, action=_("cancelled"))
        locked.status = StocktakeStatus.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.cancelled_by = by
        locked.save(update_fields=["status", "cancelled_at", "cancelled_by"])
        return locked

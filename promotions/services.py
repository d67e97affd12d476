"""The pricing engine: what a basket costs today, and why.

``quote`` is pure: it reads promotions, coupons and their usage and writes
nothing. It is deterministic: the same basket at the same moment always gives
the same quote, whatever the order of its lines.

How rules combine, in plain words (the promotion pages say the same):

1. Rules run in four steps: price rules (flash price, member price), then
   item rules (percent off, buy N get M), then order rules (amount off, full
   reduction, free gift), then one coupon. Within a step the highest priority
   runs first. Each rule works on the prices the earlier ones left.
2. Stackable promotions combine with each other and with a coupon.
3. An exclusive promotion never combines: if it is the first to apply, every
   later promotion and any coupon is refused ("not stackable with ..."); if
   another promotion applied before it, it is refused itself.
4. At most one coupon per order.

Money is handled in whole cents internally; a rule's discount is rounded
half-up once and then spread over the lines it covers in proportion to their
value by the largest-remainder method, so the lines always add up to the
total exactly.

Coupon redemption (``redeem_coupon``, ``return_coupon``) and code generation
live in ``promotions.coupons`` and are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Product, Variant
from customers.models import Customer, SalesChannel
from promotions.coupons import (  # noqa: F401  (re-exported services)
    generate_coupon_batch,
    normalize_code,
    record_promotion_usage,
    redeem_coupon,
    return_coupon,
)
from promotions.errors import PromotionError
from promotions.models import (
    Coupon,
    CouponKind,
    CouponRedemption,
    CouponStatus,
    FlashPriceItem,
    Promotion,
    PromotionKind,
    PromotionScope,
    PromotionTier,
    PromotionUsage,
    Stacking,
)

# Promotions that ended or start within this window are reported as refused
# ("ended", "not started"); older and later ones are not considered at all.
RELEVANCE_WINDOW = dt.timedelta(days=30)
HUNDRED = Decimal(100)

STEP = {
    PromotionKind.FLASH_PRICE: 0,
    PromotionKind.MEMBER_PRICE: 0,
    PromotionKind.PERCENT_OFF: 1,
    PromotionKind.BUY_N_GET_M: 1,
    PromotionKind.AMOUNT_OFF: 2,
    PromotionKind.FULL_REDUCTION: 2,
    PromotionKind.GIFT: 2,
}

REASONS: dict[str, Any] = {
    "not_started": _("Not started yet."),
    "ended": _("Already ended."),
    "channel_not_eligible": _("Not offered on this channel."),
    "usage_limit_reached": _("Its usage limit has been reached."),
    "customer_limit_reached": _("This customer has used it as often as allowed."),
    "budget_exhausted": _("Its budget is used up."),
    "below_threshold": _("The eligible goods do not reach its threshold."),
    "members_only": _("For members only."),
    "no_discount": _("It gives no discount on these goods."),
    "not_stackable": _("Not stackable with %(other)s."),
    "coupon_unknown": _("Unknown coupon code."),
    "coupon_used": _("This coupon has already been used."),
    "coupon_void": _("This coupon has been cancelled."),
    "coupon_not_started": _("This coupon is not valid yet."),
    "coupon_expired": _("This coupon has expired."),
    "coupon_below_minimum": _(
        "The order does not reach the coupon's minimum spend of %(minimum)s."
    ),
    "one_coupon_only": _("Only one coupon can be used per order."),
}


# -- results ---------------------------------------------------------------------------------


class Adjustment(NamedTuple):
    """One rule's share of the discount on one line (a tuple: a quote makes hundreds)."""

    label: str
    amount: Decimal


@dataclass(frozen=True)
class QuoteLine:
    sku_code: str
    quantity: int
    list_unit_price: Decimal
    goods_amount: Decimal
    discount: Decimal
    line_amount: Decimal
    # line_amount / quantity rounded to the cent: for display; line_amount is exact.
    final_unit_price: Decimal
    adjustments: tuple[Adjustment, ...] = ()


class AppliedRule(NamedTuple):
    kind: str  # "promotion" or "coupon"
    id: int
    name: str
    amount: Decimal
    rule: str = ""  # PromotionKind or CouponKind value
    code: str = ""


class RejectedRule(NamedTuple):
    kind: str
    name: str
    reason: str
    message: str
    id: int | None = None
    code: str = ""


@dataclass(frozen=True)
class GiftLine:
    sku_code: str
    quantity: int
    promotion_id: int
    promotion_name: str


@dataclass(frozen=True)
class Quote:
    at: dt.datetime
    lines: tuple[QuoteLine, ...]
    applied: tuple[AppliedRule, ...]
    rejected: tuple[RejectedRule, ...]
    gifts: tuple[GiftLine, ...]
    goods_total: Decimal
    discount_total: Decimal
    payable_total: Decimal

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: money as strings, as the API sends it."""
        return {
            "at": self.at.isoformat(),
            "lines": [
                {
                    "sku_code": line.sku_code,
                    "quantity": line.quantity,
                    "list_unit_price": str(line.list_unit_price),
                    "goods_amount": str(line.goods_amount),
                    "discount": str(line.discount),
                    "line_amount": str(line.line_amount),
                    "final_unit_price": str(line.final_unit_price),
                    "adjustments": [
                        {"label": item.label, "amount": str(item.amount)}
                        for item in line.adjustments
                    ],
                }
                for line in self.lines
            ],
            "applied": [
                {
                    "kind": rule.kind,
                    "id": rule.id,
                    "name": rule.name,
                    "rule": rule.rule,
                    "code": rule.code,
                    "amount": str(rule.amount),
                }
                for rule in self.applied
            ],
            "rejected": [
                {
                    "kind": rule.kind,
                    "id": rule.id,
                    "name": rule.name,
                    "code": rule.code,
                    "reason": rule.reason,
                    "message": rule.message,
                }
                for rule in self.rejected
            ],
            "gifts": [
                {
                    "sku_code": gift.sku_code,
                    "quantity": gift.quantity,
                    "promotion_id": gift.promotion_id,
                    "promotion_name": gift.promotion_name,
                }
                for gift in self.gifts
            ],
            "totals": {
                "goods": str(self.goods_total),
                "discount": str(self.discount_total),
                "payable": str(self.payable_total),
            },
        }


# -- cents -----------------------------------------------------------------------------------


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


_ZERO = Decimal("0.00")


def _money(cents: int) -> Decimal:
    # Exact: moving the decimal point two places never rounds.
    return Decimal(cents).scaleb(-2) if cents else _ZERO


def _percent_of(cents: int, percent: Decimal) -> int:
    """``percent`` % of ``cents``, rounded half-up to the cent, once."""
    return int((Decimal(cents) * percent / HUNDRED).to_integral_value(rounding=ROUND_HALF_UP))


def allocate_cents(
    total: int, weights: Sequence[int], keys: Sequence[Any] | None = None
) -> list[int]:
    """Split ``total`` cents over ``weights`` in proportion (largest remainder).

    Each share is the floor of its exact share; the cents left over go to the
    largest remainders, ties broken by ``keys`` (default: position). Shares
    add up to ``total``; when ``total <= sum(weights)`` no share exceeds its
    weight.
    """
    count = len(weights)
    weight_sum = sum(weights)
    if count == 0 or total == 0:
        return [0] * count
    if weight_sum == 0:
        raise ValueError("cannot allocate over zero weights")
    floors = [total * weight // weight_sum for weight in weights]
    remainders = [total * weight % weight_sum for weight in weights]
    keys = list(keys) if keys is not None else list(range(count))
    left = total - sum(floors)
    if left == 0:
        return floors
    for index in sorted(range(count), key=lambda i: (-remainders[i], keys[i]))[:left]:
        floors[index] += 1
    return floors


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``allocate_cents`` for Decimal amounts."""
    return [_money(share) for share in allocate_cents(_cents(total), [_cents(w) for w in weights])]


# -- working state ---------------------------------------------------------------------------


class _Line:
    """One basket line while the rules run: plain ids and whole cents, because
    every rule reads every line it covers."""

    __slots__ = (
        "adjustments",
        "category_id",
        "current_cents",
        "discount_cents",
        "goods_cents",
        "index",
        "key",
        "product_id",
        "quantity",
        "sku_code",
        "unit_cents",
        "variant_id",
    )

    def __init__(
        self,
        *,
        index: int,
        sku: _Sku,
        quantity: int,
        unit_cents: int,
    ) -> None:
        self.index = index
        self.sku_code = sku.sku_code
        self.variant_id = sku.variant_id
        self.product_id = sku.product_id
        self.category_id = sku.category_id
        self.quantity = quantity
        self.unit_cents = unit_cents
        self.goods_cents = unit_cents * quantity
        self.discount_cents = 0
        self.current_cents = self.goods_cents
        self.adjustments: list[Adjustment] = []
        # Identical lines share a key: swapping them changes nothing.
        self.key = (self.sku_code, unit_cents, quantity)


@dataclass(frozen=True, slots=True)
class _Sku:
    variant_id: int
    sku_code: str
    price: Decimal
    product_id: int
    category_id: int | None


@dataclass
class _Usage:
    count: int = 0
    amount: Decimal = Decimal(0)
    customer_count: int = 0


class _Refused(Exception):
    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


_reason_texts: dict[tuple[str, str], str] = {}


def _message(reason: str, params: dict[str, Any], language: str) -> str:
    # A quote refuses dozens of rules: translate each reason once per language.
    text = _reason_texts.get((language, reason))
    if text is None:
        text = _reason_texts[(language, reason)] = str(REASONS[reason])
    return text % params if params else text


# -- input -----------------------------------------------------------------------------------


def _parse_lines(lines: Iterable[Sequence[Any]]) -> tuple[list[_Line], tuple]:
    """The basket's lines, checked, and the rules' version read with their SKUs."""
    raw = []
    for position, line in enumerate(lines, start=1):
        if len(line) not in (2, 3):
            raise PromotionError(
                _("Line %(line)s must be (SKU, quantity[, unit price])."),
                code="invalid_line",
                line=position,
            )
        item, quantity = line[0], line[1]
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise PromotionError(
                _("Line %(line)s: the quantity must be a whole number above zero, not %(value)s."),
                code="invalid_quantity",
                line=position,
                value=quantity,
            )
        unit_price = None
        if len(line) == 3 and line[2] is not None:
            unit_price = _parse_price(line[2], position)
        sku_code = item.sku_code if isinstance(item, Variant) else str(item).strip()
        raw.append((sku_code, quantity, unit_price))
    if not raw:
        raise PromotionError(_("A quote needs at least one line."), code="empty_basket")
    codes = {sku_code for sku_code, _quantity, _price in raw}
    skus, version = _skus(codes)
    variants = {sku.sku_code: sku for sku in skus}
    unknown = sorted(codes - set(variants))
    if unknown:
        raise PromotionError(_("Unknown SKU: %(sku)s."), code="unknown_sku", sku=", ".join(unknown))
    lines = [
        _Line(
            index=index,
            sku=variants[sku_code],
            quantity=quantity,
            unit_cents=_cents(price if price is not None else variants[sku_code].price),
        )
        for index, (sku_code, quantity, price) in enumerate(raw)
    ]
    return lines, version


# The engine's per-quote reads are written as plain SQL: they run on every quote,
# and building them through the ORM cost more than running them. The cart's
# SKUs and the rules' version come back in one round trip.


def _as_decimal(value: Any) -> Decimal:
    # PostgreSQL hands back Decimals; SQLite hands back numbers.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _skus(codes: set[str]) -> tuple[list[_Sku], tuple]:
    """The cart's SKUs and, in the same round trip, the rules' version (empty
    when no SKU matched: the quote is refused then)."""
    variant, product = Variant._meta, Product._meta
    column = variant.get_field
    marks = ", ".join(["%s"] * len(codes))
    sql = (
        f"SELECT v.{variant.pk.column}, v.{column('sku_code').column}, v.{column('price').column},"
        f" v.{column('product').column}, p.{product.get_field('category').column},"
        f" {_rules_version_sql()}"
        f" FROM {variant.db_table} v JOIN {product.db_table} p"
        f" ON p.{product.pk.column} = v.{column('product').column}"
        f" WHERE v.{column('sku_code').column} IN ({marks})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, sorted(codes))
        rows = cursor.fetchall()
    skus = [
        _Sku(pk, sku_code, _as_decimal(price), product_id, category_id)
        for pk, sku_code, price, product_id, category_id, *_version in rows
    ]
    return skus, (tuple(rows[0][5:]) if rows else ())


def _parse_price(value: Any, position: int) -> Decimal:
    try:
        if isinstance(value, float):
            raise InvalidOperation
        price = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        price = None
    if (
        price is None
        or not price.is_finite()
        or price < 0
        or price != price.quantize(Decimal("0.01"))
    ):
        raise PromotionError(
            _("Line %(line)s: the unit price must be an amount in cents, not %(value)s."),
            code="invalid_amount",
            line=position,
            value=value,
        )
    return price


# -- scope -----------------------------------------------------------------------------------


def _category_children() -> dict[int | None, list[int]]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        children[parent_id].append(pk)
    return children


def _descendants(roots: set[int], children: dict[int | None, list[int]]) -> set[int]:
    """The categories in ``roots`` and every category below them."""
    found: set[int] = set()
    stack = list(roots)
    while stack:
        pk = stack.pop()
        if pk in found:
            continue
        found.add(pk)
        stack.extend(children.get(pk, ()))
    return found


class _ScopeIndex:
    """Which promotions cover a SKU, looked up by the SKU's ids instead of asking
    every promotion about every line (200 promotions × 20 lines per quote).

    A promotion covers a line when the line's SKU, product or category (with
    the category's subtree) is in its scope, or always for a store-wide
    promotion, unless the SKU or its product is excluded; a flash sale covers
    only the SKUs it has a flash price for.
    """

    def __init__(self, promotions: list[Promotion]) -> None:
        self.store: list[int] = []
        self.by_category: dict[int, list[int]] = defaultdict(list)
        self.by_product: dict[int, list[int]] = defaultdict(list)
        self.by_variant: dict[int, list[int]] = defaultdict(list)
        self.rules: dict[int, _Relations] = {}
        for promotion in promotions:
            relations = _relations_of(promotion)
            self.rules[promotion.pk] = relations
            if promotion.scope == PromotionScope.STORE:
                self.store.append(promotion.pk)
            elif promotion.scope == PromotionScope.CATEGORIES:
                for category_id in relations.category_tree:
                    self.by_category[category_id].append(promotion.pk)
            elif promotion.scope == PromotionScope.PRODUCTS:
                for product_id in relations.products:
                    self.by_product[product_id].append(promotion.pk)
            else:
                for variant_id in relations.variants:
                    self.by_variant[variant_id].append(promotion.pk)

    def covered_lines(self, lines: list[_Line]) -> dict[int, list[_Line]]:
        """Per promotion id, the lines it covers, in the order of ``lines``."""
        covered: dict[int, list[_Line]] = defaultdict(list)
        for line in lines:
            variant_id, product_id = line.variant_id, line.product_id
            for pk in (
                *self.store,
                *self.by_category.get(line.category_id, ()),
                *self.by_product.get(product_id, ()),
                *self.by_variant.get(variant_id, ()),
            ):
                rules = self.rules[pk]
                if variant_id in rules.excluded_variants or product_id in rules.excluded_products:
                    continue
                if rules.flash_variants is not None and variant_id not in rules.flash_variants:
                    continue
                covered[pk].append(line)
        return covered


# -- the engine ------------------------------------------------------------------------------


@dataclass
class _Relations:
    """A promotion's scope and child rows as the engine needs them: ids and plain lists."""

    categories: set[int] = field(default_factory=set)
    category_tree: set[int] = field(default_factory=set)
    products: set[int] = field(default_factory=set)
    variants: set[int] = field(default_factory=set)
    excluded_products: set[int] = field(default_factory=set)
    excluded_variants: set[int] = field(default_factory=set)
    channels: set[int] = field(default_factory=set)
    tiers: list[PromotionTier] = field(default_factory=list)
    flash_items: list[FlashPriceItem] = field(default_factory=list)
    # For a flash sale, the SKUs with a flash price (None for other kinds).
    flash_variants: set[int] | None = None


def _relations_of(promotion: Promotion) -> _Relations:
    return promotion._quote_relations  # type: ignore[attr-defined]


# Every process keeps the active promotions and their rules in memory and
# re-reads them only when they change: a quote then costs one read of the
# cart's SKUs with the rules' version, and one of usage counts, not 200
# promotions' rows. The version comes from the database (so a change made by
# another process is seen at once) and is dropped in-process on any rule
# change (``invalidate_rules``).
_rules_lock = threading.Lock()
_rules: dict[str, Any] = {"version": None, "promotions": [], "index": _ScopeIndex([])}


def invalidate_rules(**_kwargs: Any) -> None:
    with _rules_lock:
        _rules["version"] = None


def _rules_version_sql() -> str:
    """Scalar subqueries whose values change whenever a rule does: every rule
    change saves its promotion, a category move saves the category."""
    promotions = Promotion._meta.db_table
    categories = Category._meta.db_table
    return (
        # As text: compared, never read as a time (and cheaper to hand back per row).
        f"(SELECT CAST(MAX(updated_at) AS TEXT) FROM {promotions}),"
        f" (SELECT COUNT(*) FROM {promotions}),"
        f" (SELECT MAX(id) FROM {promotions}),"
        f" (SELECT CAST(MAX(updated_at) AS TEXT) FROM {categories}),"
        f" (SELECT COUNT(*) FROM {categories})"
    )


def _load_rules() -> list[Promotion]:
    """Every active promotion with ``_quote_relations`` (ids and child rows), in rule order."""
    promotions = list(Promotion.objects.filter(is_active=True).select_related("gift_variant"))
    relations = {promotion.pk: _Relations() for promotion in promotions}
    active = Promotion.objects.filter(is_active=True).values("pk")
    links = (
        ("categories", "category_id"),
        ("products", "product_id"),
        ("variants", "variant_id"),
        ("excluded_products", "product_id"),
        ("excluded_variants", "variant_id"),
        ("channels", "saleschannel_id"),
    )
    for name, column in links:
        rows = getattr(Promotion, name).through.objects.filter(promotion_id__in=active)
        for promotion_id, related_id in rows.values_list("promotion_id", column):
            getattr(relations[promotion_id], name).add(related_id)
    for tier in PromotionTier.objects.filter(promotion_id__in=active):
        relations[tier.promotion_id].tiers.append(tier)
    for item in FlashPriceItem.objects.filter(promotion_id__in=active):
        relations[item.promotion_id].flash_items.append(item)
    children = _category_children()
    for promotion in promotions:
        rules = relations[promotion.pk]
        # A category covers its whole subtree: worked out once per load.
        rules.category_tree = _descendants(rules.categories, children)
        if promotion.kind == PromotionKind.FLASH_PRICE:
            rules.flash_variants = {item.variant_id for item in rules.flash_items}
        promotion._quote_relations = rules  # type: ignore[attr-defined]
    return sorted(promotions, key=lambda p: (STEP[PromotionKind(p.kind)], -p.priority, p.pk))


def _candidate_promotions(at: dt.datetime, version: tuple) -> tuple[list[Promotion], _ScopeIndex]:
    """Active promotions running near ``at`` (recently ended or soon starting too),
    and the index of what every active promotion covers."""
    with _rules_lock:
        if _rules["version"] != version:
            promotions = _load_rules()
            _rules.update(version=version, promotions=promotions, index=_ScopeIndex(promotions))
        promotions, index = _rules["promotions"], _rules["index"]
    running = [
        promotion
        for promotion in promotions
        if promotion.starts_at <= at + RELEVANCE_WINDOW
        and promotion.ends_at >= at - RELEVANCE_WINDOW
    ]
    return running, index


def _usage(promotions: list[Promotion], customer: Customer | None) -> dict[int, _Usage]:
    # Only a limit or a budget makes past use matter.
    ids = [
        promotion.id
        for promotion in promotions
        if promotion.total_usage_limit is not None
        or promotion.per_customer_limit is not None
        or promotion.budget is not None
    ]
    usage: dict[int, _Usage] = defaultdict(_Usage)
    if not ids:
        return usage
    meta = PromotionUsage._meta
    column = meta.get_field
    promotion_id = column("promotion").column
    sql = (
        f"SELECT {promotion_id}, COUNT(*), SUM({column('amount').column}),"
        f" COUNT(CASE WHEN {column('customer_id').column} = %s THEN 1 END)"
        f" FROM {meta.db_table}"
        f" WHERE {column('returned_at').column} IS NULL"
        f" AND {promotion_id} IN ({', '.join(['%s'] * len(ids))})"
        f" GROUP BY {promotion_id}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [customer.pk if customer else None, *ids])
        for pk, count, amount, customer_count in cursor.fetchall():
            usage[pk] = _Usage(count, _as_decimal(amount or 0), customer_count if customer else 0)
    return usage


def _check_promotion(
    promotion: Promotion,
    *,
    at: dt.datetime,
    channel: SalesChannel | None,
    usage: _Usage,
) -> None:
    if at < promotion.starts_at:
        raise _Refused("not_started")
    if at >= promotion.ends_at:
        raise _Refused("ended")
    channel_ids = _relations_of(promotion).channels
    if channel_ids and (channel is None or channel.pk not in channel_ids):
        raise _Refused("channel_not_eligible")
    if promotion.total_usage_limit is not None and usage.count >= promotion.total_usage_limit:
        raise _Refused("usage_limit_reached")
    if (
        promotion.per_customer_limit is not None
        and usage.customer_count >= promotion.per_customer_limit
    ):
        raise _Refused("customer_limit_reached")
    if promotion.budget is not None and usage.amount >= promotion.budget:
        raise _Refused("budget_exhausted")


def _proportional(lines: list[_Line], total: int) -> dict[int, int]:
    weights = [line.current_cents for line in lines]
    total = min(total, sum(weights))
    if total == 0:
        return {}
    shares = allocate_cents(total, weights, [line.key for line in lines])
    return {line.index: share for line, share in zip(lines, shares, strict=True) if share}


def _discounts_for(
    promotion: Promotion, lines: list[_Line], customer: Customer | None
) -> dict[int, int]:
    """Per line index, the cents this promotion takes off (before caps)."""
    kind = promotion.kind
    eligible_cents = sum([line.current_cents for line in lines])
    if kind == PromotionKind.FLASH_PRICE:
        items = {item.variant_id: item for item in _relations_of(promotion).flash_items}
        used: dict[int, int] = defaultdict(int)
        discounts = {}
        for line in lines:
            item = items.get(line.variant_id)
            if item is None:
                continue
            units = line.quantity
            if item.quantity_cap is not None:
                units = max(0, min(units, item.quantity_cap - used[line.variant_id]))
            used[line.variant_id] += units
            per_unit = max(0, line.unit_cents - _cents(item.price))
            discounts[line.index] = min(line.current_cents, per_unit * units)
        return discounts
    if kind == PromotionKind.MEMBER_PRICE:
        if customer is None or customer.order_count < promotion.member_min_orders:
            raise _Refused("members_only")
        return _proportional(lines, _percent_of(eligible_cents, promotion.percent_off))
    if kind == PromotionKind.BUY_N_GET_M:
        group = promotion.buy_quantity + promotion.free_quantity
        units = sum(line.quantity for line in lines)
        if promotion.free_quantity == 0 or units < group:
            raise _Refused("below_threshold")
        free = units // group * promotion.free_quantity
        discounts = {}
        # The cheapest units go free.
        for line in sorted(lines, key=lambda item: (item.unit_cents, item.key)):
            if free == 0:
                break
            taken = min(free, line.quantity)
            free -= taken
            discounts[line.index] = _percent_of(line.current_cents, HUNDRED * taken / line.quantity)
        return discounts
    if eligible_cents < _cents(promotion.min_spend) or eligible_cents == 0:
        raise _Refused("below_threshold")
    if kind == PromotionKind.PERCENT_OFF:
        return _proportional(lines, _percent_of(eligible_cents, promotion.percent_off))
    if kind == PromotionKind.AMOUNT_OFF:
        return _proportional(lines, _cents(promotion.amount_off))
    if kind == PromotionKind.FULL_REDUCTION:
        return _proportional(lines, _full_reduction_cents(promotion, eligible_cents))
    return {}  # GIFT: no price change


def _full_reduction_cents(promotion: Promotion, eligible_cents: int) -> int:
    tiers = sorted(_relations_of(promotion).tiers, key=lambda tier: tier.threshold)
    if promotion.is_repeating and tiers:
        tier = tiers[0]
        times = eligible_cents // _cents(tier.threshold)
        if times == 0:
            raise _Refused("below_threshold")
        return times * _cents(tier.amount_off)
    reached = [tier for tier in tiers if _cents(tier.threshold) <= eligible_cents]
    if not reached:
        raise _Refused("below_threshold")
    return _cents(reached[-1].amount_off)


def _cap(discounts: dict[int, int], cap: int | None, keys: dict[int, Any]) -> dict[int, int]:
    """Shrink the discounts to ``cap`` in total, in proportion to what each line had."""
    if cap is None:
        return discounts
    total = sum(discounts.values())
    if total <= cap:
        return discounts
    indexes = sorted(discounts)
    shares = allocate_cents(
        max(cap, 0), [discounts[index] for index in indexes], [keys[index] for index in indexes]
    )
    return dict(zip(indexes, shares, strict=True))


def quote(
    lines: Iterable[Sequence[Any]],
    *,
    customer: Customer | None = None,
    channel: SalesChannel | None = None,
    coupon_codes: Iterable[str] = (),
    at: dt.datetime | None = None,
) -> Quote:
    """Price a basket: every promotion and coupon that applies, and every one that does not.

    ``lines`` are ``(variant or SKU code, quantity[, unit price])``; the unit
    price defaults to the SKU's sale price. Pure (no writes) and deterministic.
    Raises ``PromotionError`` for an unknown SKU, a quantity below one or a
    malformed price.
    """
    at = at or timezone.now()
    if timezone.is_naive(at):
        raise PromotionError(
            _("The pricing moment must be time-zone aware."), code="naive_datetime"
        )
    parsed, version = _parse_lines(lines)
    language = get_language() or ""  # the refusals' messages
    # Rules see the lines in one canonical order, so the input order cannot matter.
    work = sorted(parsed, key=lambda line: (line.key, line.index))
    keys = {line.index: line.key for line in work}
    by_index = {line.index: line for line in work}

    promotions, index = _candidate_promotions(at, version)
    covered_lines = index.covered_lines(work)
    # ``id`` rather than ``pk`` in this loop: the pk property costs a lookup per use.
    promotions = [promotion for promotion in promotions if promotion.id in covered_lines]
    usage = _usage(promotions, customer)

    applied: list[AppliedRule] = []
    rejected: list[RejectedRule] = []
    gifts: list[GiftLine] = []
    exclusive: Promotion | None = None

    for promotion in promotions:
        covered = covered_lines[promotion.id]
        try:
            _check_promotion(promotion, at=at, channel=channel, usage=usage[promotion.id])
            discounts = _discounts_for(promotion, covered, customer)
            discounts = _cap(
                discounts,
                _cents(promotion.max_discount) if promotion.max_discount is not None else None,
                keys,
            )
            if promotion.budget is not None:
                discounts = _cap(
                    discounts, _cents(promotion.budget - usage[promotion.id].amount), keys
                )
            amount = sum(discounts.values())
            if amount == 0 and promotion.kind != PromotionKind.GIFT:
                raise _Refused("no_discount")
            if exclusive is not None:
                raise _Refused("not_stackable", other=exclusive.name)
            if promotion.stacking == Stacking.EXCLUSIVE and applied:
                raise _Refused("not_stackable", other=applied[0].name)
        except _Refused as refusal:
            rejected.append(
                RejectedRule(
                    kind="promotion",
                    id=promotion.id,
                    name=promotion.name,
                    reason=refusal.reason,
                    message=_message(refusal.reason, refusal.params, language),
                )
            )
            continue
        _apply(by_index, discounts, promotion.name)
        applied.append(
            AppliedRule(
                kind="promotion",
                id=promotion.id,
                name=promotion.name,
                amount=_money(amount),
                rule=promotion.kind,
            )
        )
        if promotion.kind == PromotionKind.GIFT and promotion.gift_variant_id:
            gifts.append(
                GiftLine(
                    sku_code=promotion.gift_variant.sku_code,
                    quantity=promotion.gift_quantity,
                    promotion_id=promotion.id,
                    promotion_name=promotion.name,
                )
            )
        if promotion.stacking == Stacking.EXCLUSIVE:
            exclusive = promotion

    _apply_coupons(
        work,
        coupon_codes,
        at=at,
        customer=customer,
        exclusive=exclusive,
        applied=applied,
        rejected=rejected,
        language=language,
    )
    result_lines = tuple(_result_line(line) for line in sorted(work, key=lambda item: item.index))
    goods = sum((line.goods_cents for line in work), 0)
    discount = sum((line.discount_cents for line in work), 0)
    return Quote(
        at=at,
        lines=result_lines,
        applied=tuple(applied),
        rejected=tuple(rejected),
        gifts=tuple(gifts),
        goods_total=_money(goods),
        discount_total=_money(discount),
        payable_total=_money(goods - discount),
    )


def _apply(lines: dict[int, _Line], discounts: dict[int, int], label: str) -> None:
    """Take each line's share off it; ``lines`` by index. Kept tight: a quote
    applies a few hundred shares."""
    for index, share in discounts.items():
        if share:
            line = lines[index]
            line.discount_cents += share
            line.current_cents -= share
            line.adjustments.append(Adjustment(label, Decimal(share).scaleb(-2)))


def _result_line(line: _Line) -> QuoteLine:
    return QuoteLine(
        sku_code=line.sku_code,
        quantity=line.quantity,
        list_unit_price=_money(line.unit_cents),
        goods_amount=_money(line.goods_cents),
        discount=_money(line.discount_cents),
        line_amount=_money(line.current_cents),
        final_unit_price=(Decimal(line.current_cents) / 100 / line.quantity).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        ),
        adjustments=tuple(line.adjustments),
    )


def _apply_coupons(
    work: list[_Line],
    coupon_codes: Iterable[str],
    *,
    at: dt.datetime,
    customer: Customer | None,
    exclusive: Promotion | None,
    applied: list[AppliedRule],
    rejected: list[RejectedRule],
    language: str,
) -> None:
    codes = list(
        dict.fromkeys(normalize_code(code) for code in coupon_codes if code and code.strip())
    )
    if not codes:
        return
    coupons = {
        coupon.code: coupon
        for coupon in Coupon.objects.select_related("batch").filter(code__in=codes)
    }
    used_by_customer: dict[int, int] = {}
    if customer is not None:
        used_by_customer = dict(
            CouponRedemption.objects.filter(
                customer_id=customer.pk,
                returned_at__isnull=True,
                coupon__batch_id__in={coupon.batch_id for coupon in coupons.values()},
            )
            .values_list("coupon__batch_id")
            .annotate(count=Count("pk"))
        )
    coupon_applied = False
    for code in codes:
        coupon = coupons.get(code)
        try:
            if coupon is None:
                raise _Refused("coupon_unknown")
            batch = coupon.batch
            if coupon.status == CouponStatus.REDEEMED:
                raise _Refused("coupon_used")
            if coupon.status == CouponStatus.VOID:
                raise _Refused("coupon_void")
            if at < batch.valid_from:
                raise _Refused("coupon_not_started")
            if at >= batch.valid_until:
                raise _Refused("coupon_expired")
            if used_by_customer.get(batch.pk, 0) >= batch.per_customer_limit:
                raise _Refused("customer_limit_reached")
            if exclusive is not None:
                raise _Refused("not_stackable", other=exclusive.name)
            if coupon_applied:
                raise _Refused("one_coupon_only")
            current = sum(line.current_cents for line in work)
            if current == 0 or current < _cents(batch.min_spend):
                raise _Refused("coupon_below_minimum", minimum=batch.min_spend)
            if batch.kind == CouponKind.PERCENT:
                total = _percent_of(current, batch.percent_off)
            else:
                total = _cents(batch.amount_off)
            discounts = _proportional(work, total)
            amount = sum(discounts.values())
            if amount == 0:
                raise _Refused("no_discount")
        except _Refused as refusal:
            rejected.append(
                RejectedRule(
                    kind="coupon",
                    id=coupon.pk if coupon else None,
                    name=coupon.batch.name if coupon else code,
                    code=code,
                    reason=refusal.reason,
                    message=_message(refusal.reason, refusal.params, language),
                )
            )
            continue
        label = f"{batch.name} ({code})"
        _apply({line.index: line for line in work}, discounts, label)
        applied.append(
            AppliedRule(
                kind="coupon",
                id=coupon.pk,
                name=batch.name,
                amount=_money(amount),
                rule=batch.kind,
                code=code,
            )
        )
        coupon_applied = True

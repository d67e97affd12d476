"""Pricing engine properties, checked with hypothesis over generated baskets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promotions.coupons import generate_coupon_batch
from promotions.models import PromotionKind, PromotionScope
from promotions.services import allocate_cents, quote
from tests.catalog.product_factories import CategoryFactory, ProductFactory, VariantFactory
from tests.promotions.factories import (
    NOW,
    FlashPriceItemFactory,
    PromotionFactory,
    PromotionTierFactory,
)

PRICES = ["0.01", "9.99", "33.33", "89.00", "120.50", "0.00"]
PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def store(db):
    """Six SKUs and one rule of each money-moving kind, all running at NOW."""
    shoes = CategoryFactory(name="Shoes")
    variants = [
        VariantFactory(
            price=Decimal(price),
            product=ProductFactory(category=shoes if index % 2 else CategoryFactory()),
        )
        for index, price in enumerate(PRICES)
    ]
    flash = FlashPriceItemFactory(variant=variants[3], price=Decimal("59.00"), quantity_cap=2)
    percent = PromotionFactory(percent_off=Decimal("15"), scope=PromotionScope.CATEGORIES)
    percent.categories.add(shoes)
    percent.excluded_variants.add(variants[5])
    buy = PromotionFactory(kind=PromotionKind.BUY_N_GET_M, buy_quantity=3, free_quantity=1)
    reduction = PromotionFactory(kind=PromotionKind.FULL_REDUCTION)
    PromotionTierFactory(promotion=reduction, threshold=Decimal("300"), amount_off=Decimal("30"))
    PromotionTierFactory(promotion=reduction, threshold=Decimal("500"), amount_off=Decimal("60"))
    amount = PromotionFactory(
        kind=PromotionKind.AMOUNT_OFF, amount_off=Decimal("7.77"), min_spend=Decimal("50")
    )
    batch = generate_coupon_batch(
        name="Coupon",
        count=1,
        amount_off=Decimal("25"),
        min_spend=Decimal("10"),
        valid_from=NOW - dt.timedelta(days=1),
        valid_until=NOW + dt.timedelta(days=1),
    )
    return {
        "variants": variants,
        "code": batch.coupons.get().code,
        "limits": {
            flash.promotion.pk: ("flash", flash),
            percent.pk: ("percent", percent),
            buy.pk: ("buy", buy),
            reduction.pk: ("fixed", Decimal("60.00")),
            amount.pk: ("fixed", Decimal("7.77")),
        },
    }


baskets = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=len(PRICES) - 1),
        st.integers(min_value=1, max_value=7),
        st.one_of(
            st.none(),
            st.decimals(min_value=0, max_value=500, places=2, allow_nan=False),
        ),
    ),
    min_size=1,
    max_size=6,
)


def _lines(store, basket):
    return [(store["variants"][index], quantity, price) for index, quantity, price in basket]


def _quote(store, basket, with_coupon):
    codes = [store["code"]] if with_coupon else []
    return quote(_lines(store, basket), coupon_codes=codes, at=NOW)


@PROPERTY_SETTINGS
@given(basket=baskets, with_coupon=st.booleans())
def test_no_line_is_ever_priced_below_zero(store, basket, with_coupon):
    result = _quote(store, basket, with_coupon)

    for line in result.lines:
        assert line.discount >= 0
        assert line.line_amount >= 0
        assert line.final_unit_price >= 0


@PROPERTY_SETTINGS
@given(basket=baskets, with_coupon=st.booleans())
def test_lines_add_up_to_the_totals(store, basket, with_coupon):
    result = _quote(store, basket, with_coupon)

    assert sum(line.line_amount for line in result.lines) == result.payable_total
    assert sum(line.discount for line in result.lines) == result.discount_total
    assert sum(line.goods_amount for line in result.lines) == result.goods_total
    assert sum(rule.amount for rule in result.applied) == result.discount_total
    assert result.goods_total - result.discount_total == result.payable_total
    for line in result.lines:
        assert sum(item.amount for item in line.adjustments) == line.discount


@PROPERTY_SETTINGS
@given(basket=baskets, with_coupon=st.booleans())
def test_no_rule_gives_more_than_it_allows(store, basket, with_coupon):
    result = _quote(store, basket, with_coupon)
    lines = _lines(store, basket)
    goods = result.goods_total

    for rule in result.applied:
        if rule.kind == "coupon":
            assert rule.amount <= Decimal("25.00")
            continue
        kind, limit = store["limits"][rule.id]
        if kind == "fixed":
            assert rule.amount <= limit
        elif kind == "percent":
            assert rule.amount <= (goods * Decimal("0.15")).quantize(Decimal("0.01")) + Decimal(
                "0.01"
            )
        elif kind == "flash":
            units = sum(q for variant, q, _price in lines if variant == limit.variant)
            unit = max(
                (price if price is not None else variant.price)
                for variant, _q, price in lines
                if variant == limit.variant
            )
            assert rule.amount <= max(unit - limit.price, 0) * min(units, 2)
        elif kind == "buy":
            units = sum(q for _variant, q, _price in lines)
            most = max(
                (price if price is not None else variant.price) for variant, _q, price in lines
            )
            assert rule.amount <= most * (units // 4)
    assert result.discount_total <= goods


@PROPERTY_SETTINGS
@given(basket=baskets, with_coupon=st.booleans(), data=st.data())
def test_line_order_does_not_matter(store, basket, with_coupon, data):
    shuffled = data.draw(st.permutations(basket))

    first = _quote(store, basket, with_coupon)
    second = _quote(store, shuffled, with_coupon)

    def shape(result):
        return sorted(
            (line.sku_code, line.quantity, line.goods_amount, line.discount, line.line_amount)
            for line in result.lines
        )

    assert shape(first) == shape(second)
    assert first.applied == second.applied
    assert (first.discount_total, first.payable_total) == (
        second.discount_total,
        second.payable_total,
    )


@given(
    total=st.integers(min_value=0, max_value=10**7),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12),
)
def test_allocation_sums_exactly_and_never_exceeds_a_weight(total, weights):
    if sum(weights) == 0:
        return
    total = min(total, sum(weights))

    shares = allocate_cents(total, weights)

    assert sum(shares) == total
    assert all(0 <= share <= weight for share, weight in zip(shares, weights, strict=True))

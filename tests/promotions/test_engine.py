"""Pricing engine: worked examples, one rule per test."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from customers.models import SalesChannel
from promotions.coupons import generate_coupon_batch
from promotions.errors import PromotionError
from promotions.models import PromotionKind, PromotionScope, Stacking
from promotions.services import allocate, quote
from tests.catalog.product_factories import CategoryFactory, ProductFactory, VariantFactory
from tests.customers.factories import CustomerFactory
from tests.promotions.factories import (
    NOW,
    FlashPriceItemFactory,
    PromotionFactory,
    PromotionTierFactory,
)

pytestmark = pytest.mark.django_db


def sku(price: str, **fields):
    return VariantFactory(price=Decimal(price), **fields)


def tiered(*tiers: tuple[str, str], **fields):
    promotion = PromotionFactory(kind=PromotionKind.FULL_REDUCTION, **fields)
    for threshold, amount in tiers:
        PromotionTierFactory(
            promotion=promotion, threshold=Decimal(threshold), amount_off=Decimal(amount)
        )
    return promotion


def reasons(result) -> dict[str, str]:
    return {rule.name: rule.reason for rule in result.rejected}


def test_without_promotions_the_quote_is_the_list_price():
    variant = sku("89.00")

    result = quote([(variant, 2)], at=NOW)

    assert (result.goods_total, result.discount_total, result.payable_total) == (
        Decimal("178.00"),
        Decimal("0.00"),
        Decimal("178.00"),
    )


@pytest.mark.parametrize(
    ("quantity", "discount"),
    [(2, "0.00"), (3, "30.00"), (4, "30.00"), (5, "60.00"), (9, "60.00")],
)
def test_spend_300_save_30_and_spend_500_save_60(quantity, discount):
    tiered(("300", "30"), ("500", "60"), name="618")
    variant = sku("100.00")

    result = quote([(variant, quantity)], at=NOW)

    assert result.discount_total == Decimal(discount)
    assert result.payable_total == Decimal(quantity * 100) - Decimal(discount)


def test_every_300_off_30_repeats():
    tiered(("300", "30"), is_repeating=True)
    variant = sku("100.00")

    result = quote([(variant, 9)], at=NOW)

    assert result.discount_total == Decimal("90.00")


def test_below_the_first_tier_is_refused_with_the_reason():
    tiered(("300", "30"), name="Spend 300")

    result = quote([(sku("100.00"), 2)], at=NOW)

    assert result.applied == ()
    assert reasons(result) == {"Spend 300": "below_threshold"}


def test_percent_off_a_category_includes_subcategories_but_not_the_excluded_sku():
    shoes = CategoryFactory(name="Shoes")
    running = CategoryFactory(name="Running", parent=shoes)
    included = sku("100.00", product=ProductFactory(category=running))
    excluded = sku("200.00", product=ProductFactory(category=shoes))
    elsewhere = sku("50.00")
    promotion = PromotionFactory(
        percent_off=Decimal("20"), scope=PromotionScope.CATEGORIES, name="Shoes 20%"
    )
    promotion.categories.add(shoes)
    promotion.excluded_variants.add(excluded)

    result = quote([(included, 1), (excluded, 1), (elsewhere, 1)], at=NOW)

    assert [line.discount for line in result.lines] == [
        Decimal("20.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    ]
    assert result.payable_total == Decimal("330.00")


def test_flash_price_applies_within_its_window_up_to_its_cap():
    variant = sku("89.00")
    FlashPriceItemFactory(variant=variant, price=Decimal("59.00"), quantity_cap=2)

    result = quote([(variant, 3)], at=NOW)

    assert result.lines[0].line_amount == Decimal("207.00")  # 2 × 59 + 1 × 89


def test_flash_price_outside_its_window_is_refused():
    variant = sku("89.00")
    FlashPriceItemFactory(
        variant=variant,
        promotion__name="Flash",
        promotion__starts_at=NOW + dt.timedelta(hours=1),
        promotion__ends_at=NOW + dt.timedelta(hours=3),
    )

    before = quote([(variant, 1)], at=NOW)
    after = quote([(variant, 1)], at=NOW + dt.timedelta(hours=3))

    assert before.payable_total == after.payable_total == Decimal("89.00")
    assert reasons(before) == {"Flash": "not_started"}
    assert reasons(after) == {"Flash": "ended"}


def test_a_promotion_for_another_channel_is_refused():
    promotion = PromotionFactory(name="JD only")
    promotion.channels.add(SalesChannel.objects.get(code="jd"))

    result = quote([(sku("100.00"), 1)], channel=SalesChannel.objects.get(code="taobao"), at=NOW)

    assert result.discount_total == Decimal("0.00")
    assert reasons(result) == {"JD only": "channel_not_eligible"}


def test_buy_two_get_one_frees_the_cheapest_unit():
    PromotionFactory(kind=PromotionKind.BUY_N_GET_M, buy_quantity=2, free_quantity=1)

    result = quote([(sku("30.00"), 1), (sku("50.00"), 2)], at=NOW)

    assert result.discount_total == Decimal("30.00")


def test_member_price_needs_a_member():
    PromotionFactory(
        kind=PromotionKind.MEMBER_PRICE, percent_off=Decimal("5"), member_min_orders=2, name="VIP"
    )
    variant = sku("100.00")

    newcomer = quote([(variant, 1)], customer=CustomerFactory(order_count=1), at=NOW)
    member = quote([(variant, 1)], customer=CustomerFactory(order_count=2), at=NOW)

    assert reasons(newcomer) == {"VIP": "members_only"}
    assert member.payable_total == Decimal("95.00")


def test_an_exclusive_promotion_refuses_later_promotions_and_coupons():
    PromotionFactory(
        percent_off=Decimal("10"), stacking=Stacking.EXCLUSIVE, priority=5, name="Exclusive"
    )
    tiered(("100", "10"), name="Spend 100")
    batch = generate_coupon_batch(
        name="Welcome",
        count=1,
        amount_off=Decimal("5"),
        valid_from=NOW - dt.timedelta(days=1),
        valid_until=NOW + dt.timedelta(days=1),
    )
    code = batch.coupons.get().code

    result = quote([(sku("200.00"), 1)], coupon_codes=[code], at=NOW)

    assert [rule.name for rule in result.applied] == ["Exclusive"]
    assert reasons(result) == {"Spend 100": "not_stackable", "Welcome": "not_stackable"}
    assert "Exclusive" in result.rejected[0].message
    assert result.payable_total == Decimal("180.00")


def test_stackable_promotions_combine_in_steps():
    PromotionFactory(percent_off=Decimal("10"))
    tiered(("150", "20"))

    result = quote([(sku("200.00"), 1)], at=NOW)

    assert result.payable_total == Decimal("160.00")  # 200 − 20 (10 %) − 20 (spend 150)


def test_coupon_below_its_minimum_spend_is_refused():
    batch = generate_coupon_batch(
        name="Save 20 on 100",
        count=1,
        amount_off=Decimal("20"),
        min_spend=Decimal("100"),
        valid_from=NOW - dt.timedelta(days=1),
        valid_until=NOW + dt.timedelta(days=1),
    )
    code = batch.coupons.get().code

    low = quote([(sku("99.99"), 1)], coupon_codes=[code], at=NOW)
    enough = quote([(sku("100.00"), 1)], coupon_codes=[code.lower()], at=NOW)

    assert reasons(low) == {"Save 20 on 100": "coupon_below_minimum"}
    assert enough.payable_total == Decimal("80.00")


def test_unknown_and_expired_coupons_and_a_second_coupon_are_refused():
    window = {"valid_from": NOW - dt.timedelta(days=1), "valid_until": NOW + dt.timedelta(days=1)}
    first = generate_coupon_batch(name="A", count=1, amount_off=Decimal("5"), **window)
    second = generate_coupon_batch(name="B", count=1, amount_off=Decimal("5"), **window)
    old = generate_coupon_batch(
        name="Old",
        count=1,
        amount_off=Decimal("5"),
        valid_from=NOW - dt.timedelta(days=9),
        valid_until=NOW - dt.timedelta(days=2),
    )
    codes = [c.coupons.get().code for c in (first, second, old)] + ["NOPE"]

    result = quote([(sku("100.00"), 1)], coupon_codes=codes, at=NOW)

    assert [rule.code for rule in result.applied] == [codes[0]]
    assert reasons(result) == {
        "B": "one_coupon_only",
        "Old": "coupon_expired",
        "NOPE": "coupon_unknown",
    }


def test_usage_limit_and_budget_are_respected():
    from promotions.coupons import record_promotion_usage

    limited = PromotionFactory(total_usage_limit=1, name="Once")
    record_promotion_usage(
        promotion=limited, channel_code="taobao", order_no="1", amount=Decimal("1")
    )
    budgeted = tiered(("100", "50"), budget=Decimal("60.00"), name="Budget")
    record_promotion_usage(
        promotion=budgeted, channel_code="taobao", order_no="1", amount=Decimal("50")
    )

    result = quote([(sku("100.00"), 1)], at=NOW)

    assert reasons(result) == {"Once": "usage_limit_reached"}
    assert [(rule.name, rule.amount) for rule in result.applied] == [("Budget", Decimal("10.00"))]


def test_discount_is_spread_by_value_and_lines_add_up():
    PromotionFactory(kind=PromotionKind.AMOUNT_OFF, amount_off=Decimal("10.00"))

    result = quote([(sku("10.00"), 1), (sku("10.00"), 1), (sku("10.00"), 1)], at=NOW)

    assert sorted(line.discount for line in result.lines) == [
        Decimal("3.33"),
        Decimal("3.33"),
        Decimal("3.34"),
    ]
    assert (
        sum(line.line_amount for line in result.lines) == result.payable_total == Decimal("20.00")
    )


def test_given_unit_price_overrides_the_sale_price():
    result = quote([(sku("89.00").sku_code, 2, "50.00")], at=NOW)

    assert result.lines[0].goods_amount == Decimal("100.00")


def test_unknown_sku_and_bad_quantity_are_refused():
    with pytest.raises(PromotionError) as unknown:
        quote([("NO-SUCH-SKU", 1)], at=NOW)
    with pytest.raises(PromotionError) as zero:
        quote([(sku("1.00"), 0)], at=NOW)

    assert (unknown.value.code, zero.value.code) == ("unknown_sku", "invalid_quantity")


def test_allocate_uses_largest_remainders():
    assert allocate(Decimal("0.05"), [Decimal("1"), Decimal("1"), Decimal("1")]) == [
        Decimal("0.02"),
        Decimal("0.02"),
        Decimal("0.01"),
    ]

import datetime as dt
from decimal import Decimal

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st

from catalog.models import CatalogError, PriceKind, Variant, VariantPriceChange
from catalog.selectors.products import cost_at, costs_at
from catalog.services import prices
from tests.catalog.product_factories import VariantFactory


@pytest.mark.parametrize(
    ("old", "mode", "value", "expected"),
    [
        ("99.00", "percent", "-15", "84.15"),
        ("19.99", "percent", "10", "21.99"),  # 21.989 rounds half-up
        ("0.05", "percent", "-10", "0.05"),  # 0.045 rounds half-up to 0.05
        ("0.15", "percent", "-70", "0.05"),  # 0.045 again
        ("10.00", "percent", "-100", "0.01"),  # the floor
        ("89.00", "amount", "-9.10", "79.90"),
        ("5.00", "amount", "-20", "0.01"),  # the floor
        ("5.00", "amount", "0.005", "5.01"),
    ],
)
def test_adjusted_prices_round_half_up_once_and_never_fall_below_a_cent(old, mode, value, expected):
    new_price, _is_floored = prices.adjusted_price(Decimal(old), mode=mode, value=Decimal(value))

    assert new_price == Decimal(expected)


@given(
    old=st.decimals(min_value="0.00", max_value="99999.99", places=2),
    percent=st.decimals(min_value="-200", max_value="200", places=2).filter(bool),
)
def test_a_percent_adjustment_is_the_exact_rounded_product_or_the_floor(old, percent):
    new_price, is_floored = prices.adjusted_price(old, mode="percent", value=percent)

    exact = (old * (100 + percent) / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert new_price == max(exact, Decimal("0.01"))
    assert is_floored is (exact < Decimal("0.01"))
    assert new_price.as_tuple().exponent == -2


def test_a_bulk_adjustment_changes_every_sku_and_writes_history_with_reason_and_user(manager):
    first = VariantFactory(price=Decimal("99.00"))
    second = VariantFactory(price=Decimal("19.99"))
    floored = VariantFactory(price=Decimal("0.01"))

    changes = prices.adjust_prices(
        variants=[first, second, floored],
        mode="percent",
        value=Decimal("-15"),
        by=manager,
        reason="618 sale",
    )

    assert dict(Variant.objects.values_list("pk", "price")) == {
        first.pk: Decimal("84.15"),
        second.pk: Decimal("16.99"),
        floored.pk: Decimal("0.01"),
    }
    # The SKU already at the floor did not change, so it has no history row.
    assert sorted(
        VariantPriceChange.objects.values_list(
            "variant_id", "old_amount", "new_amount", "reason", "changed_by", "kind"
        )
    ) == [
        (first.pk, Decimal("99.00"), Decimal("84.15"), "618 sale", manager.pk, PriceKind.PRICE),
        (second.pk, Decimal("19.99"), Decimal("16.99"), "618 sale", manager.pk, PriceKind.PRICE),
    ]
    assert len(changes) == 2


def test_a_bulk_adjustment_without_a_reason_changes_nothing(manager):
    variant = VariantFactory(price=Decimal("99.00"))

    with pytest.raises(CatalogError) as refused:
        prices.adjust_prices(variants=[variant], mode="amount", value="-10", by=manager, reason=" ")

    assert refused.value.code == "missing_reason"
    assert Variant.objects.get(pk=variant.pk).price == Decimal("99.00")
    assert not VariantPriceChange.objects.exists()


def test_a_bulk_adjustment_refuses_a_float(manager):
    variant = VariantFactory(price=Decimal("99.00"))

    with pytest.raises(CatalogError) as refused:
        prices.adjust_prices(
            variants=[variant], mode="percent", value=-10.0, by=manager, reason="Sale"
        )

    assert refused.value.code == "invalid_amount"
    assert Variant.objects.get(pk=variant.pk).price == Decimal("99.00")


def test_the_preview_shows_old_and_new_prices_without_writing(db):
    variant = VariantFactory(price=Decimal("10.00"))

    rows = prices.preview_price_adjustment(variants=[variant], mode="amount", value="-12.50")

    assert [(row.old_price, row.new_price, row.is_floored) for row in rows] == [
        (Decimal("10.00"), Decimal("0.01"), True)
    ]
    assert Variant.objects.get(pk=variant.pk).price == Decimal("10.00")


def test_setting_a_cost_writes_one_history_row_and_leaves_the_price_alone(manager):
    variant = VariantFactory(price=Decimal("89.00"), cost_price=Decimal("35.50"))

    changes = prices.set_variant_prices(
        variant=variant,
        price=Decimal("89.00"),
        cost_price=Decimal("38.20"),
        by=manager,
        reason="New supplier quote",
    )

    assert [(change.kind, change.old_amount, change.new_amount) for change in changes] == [
        (PriceKind.COST, Decimal("35.50"), Decimal("38.20"))
    ]
    assert Variant.objects.values_list("price", "cost_price").get(pk=variant.pk) == (
        Decimal("89.00"),
        Decimal("38.20"),
    )


def test_a_negative_cost_is_refused(manager):
    variant = VariantFactory(cost_price=Decimal("35.50"))

    with pytest.raises(CatalogError) as refused:
        prices.set_variant_prices(
            variant=variant, cost_price=Decimal("-1.00"), by=manager, reason="Typo"
        )

    assert refused.value.code == "amount_out_of_range"
    assert Variant.objects.get(pk=variant.pk).cost_price == Decimal("35.50")


def test_the_cost_of_a_past_moment_does_not_move_when_todays_cost_changes(manager):
    with freeze_time("2025-01-10 00:00:00"):
        variant = VariantFactory(cost_price=Decimal("30.00"))
        prices.record_initial_prices(variant=variant, by=manager, reason="New SKU")
    with freeze_time("2025-02-01 00:00:00"):
        prices.set_variant_prices(
            variant=variant, cost_price=Decimal("32.00"), by=manager, reason="Quote"
        )
    order_placed_at = dt.datetime(2025, 2, 15, tzinfo=dt.UTC)
    cost_before = cost_at(variant, order_placed_at)

    with freeze_time("2025-03-01 00:00:00"):
        prices.set_variant_prices(
            variant=variant, cost_price=Decimal("40.00"), by=manager, reason="Quote"
        )

    assert (cost_before, cost_at(variant, order_placed_at)) == (Decimal("32.00"), Decimal("32.00"))
    assert cost_at(variant, dt.datetime(2025, 1, 20, tzinfo=dt.UTC)) == Decimal("30.00")
    assert cost_at(variant, dt.datetime(2025, 3, 1, tzinfo=dt.UTC)) == Decimal("40.00")
    # Before the SKU's first record, its first cost applies.
    assert cost_at(variant, dt.datetime(2024, 12, 1, tzinfo=dt.UTC)) == Decimal("30.00")


def test_a_sku_without_cost_history_costs_its_current_cost(db):
    variant = VariantFactory(cost_price=Decimal("12.34"))

    assert cost_at(variant, dt.datetime(2020, 1, 1, tzinfo=dt.UTC)) == Decimal("12.34")


def test_before_the_first_recorded_change_the_old_amount_applies(manager):
    variant = VariantFactory(cost_price=Decimal("20.00"))
    with freeze_time("2025-05-01 00:00:00"):
        prices.set_variant_prices(
            variant=variant, cost_price=Decimal("25.00"), by=manager, reason="Quote"
        )

    assert cost_at(variant, dt.datetime(2025, 4, 30, tzinfo=dt.UTC)) == Decimal("20.00")


def test_costs_for_many_order_lines_take_two_queries(manager, django_assert_num_queries):
    cheap = VariantFactory(cost_price=Decimal("10.00"))
    dear = VariantFactory(cost_price=Decimal("50.00"))
    with freeze_time("2025-05-01 00:00:00"):
        prices.set_variant_prices(
            variant=cheap, cost_price=Decimal("11.00"), by=manager, reason="Quote"
        )
        prices.set_variant_prices(
            variant=dear, cost_price=Decimal("55.00"), by=manager, reason="Quote"
        )
    april = dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
    june = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)

    with django_assert_num_queries(2):
        costs = costs_at([(cheap, april), (cheap.pk, june), (dear, april), (dear, june)])

    assert costs == {
        (cheap.pk, april): Decimal("10.00"),
        (cheap.pk, june): Decimal("11.00"),
        (dear.pk, april): Decimal("50.00"),
        (dear.pk, june): Decimal("55.00"),
    }

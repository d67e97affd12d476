"""Reorder suggestions: velocity from shipments, the suggestion's arithmetic, draft POs."""

import datetime as dt
from decimal import Decimal

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st

from inventory import purchasing, reorder, services
from inventory.errors import PurchasingError
from inventory.models import PurchaseOrderStatus
from tests.inventory.purchasing_factories import SuppliedVariantFactory, SupplierFactory

TODAY = dt.date(2026, 3, 31)


@pytest.fixture
def supplier(db):
    return SupplierFactory(code="SUP-A", lead_time_days=10)


@pytest.fixture
def tee(supplier):
    return SuppliedVariantFactory(
        sku_code="TEE-1", supplier=supplier, safety_stock=5, reorder_point=8, cost_price="20.00"
    )


def ship_on(day: dt.date, variant, quantity: int, *, by) -> None:
    with freeze_time(dt.datetime(day.year, day.month, day.day, 4, 0, tzinfo=dt.UTC)):
        services.ship(
            variant=variant, quantity=quantity, by=by, reason="Order", from_reserved=False
        )


@pytest.fixture
def seeded(main_warehouse, tee, warehouse_clerk):
    """TEE-1: 100 received, 28 shipped within the 28-day window, 50 shipped before it."""
    with freeze_time("2026-01-01T04:00:00Z"):
        services.receive(variant=tee, quantity=100, by=warehouse_clerk, reason="Opening")
    ship_on(dt.date(2026, 2, 1), tee, 50, by=warehouse_clerk)  # before the window
    ship_on(dt.date(2026, 3, 4), tee, 10, by=warehouse_clerk)  # first day of the window
    ship_on(dt.date(2026, 3, 20), tee, 12, by=warehouse_clerk)
    ship_on(TODAY, tee, 6, by=warehouse_clerk)
    return tee


def only(suggestions, sku: str):
    return next(s for s in suggestions if s.sku_code == sku)


@freeze_time("2026-03-31T08:00:00Z")
def test_velocity_counts_only_shipments_inside_the_window(seeded):
    suggestion = only(reorder.reorder_suggestions(), "TEE-1")

    assert (suggestion.window_start, suggestion.window_end) == (dt.date(2026, 3, 4), TODAY)
    assert suggestion.units_shipped == 28
    assert suggestion.velocity == Decimal("1.00")


@freeze_time("2026-03-31T08:00:00Z")
def test_the_suggestion_covers_lead_time_and_review_period_plus_safety_stock(seeded):
    # velocity 1/day × (10 + 7) + safety 5 − available 22 − on order 0 = 0
    first = only(reorder.reorder_suggestions(), "TEE-1")
    # velocity 1/day × (10 + 30) + 5 − 22 − 0 = 23
    longer = only(reorder.reorder_suggestions(review_period_days=30), "TEE-1")

    assert (first.available, first.on_order, first.suggested_quantity) == (22, 0, 0)
    assert longer.suggested_quantity == 23
    assert longer.formula == "max(0, ⌈28/28 × (10 + 30) + 5 − 22 − 0⌉) = 23"


@freeze_time("2026-03-31T08:00:00Z")
def test_units_on_order_lower_the_suggestion(seeded, warehouse_clerk):
    services.place_on_order(variant=seeded, quantity=15, by=warehouse_clerk, reason="PO")

    suggestion = only(reorder.reorder_suggestions(review_period_days=30), "TEE-1")

    assert (suggestion.on_order, suggestion.suggested_quantity) == (15, 8)


@freeze_time("2026-03-31T08:00:00Z")
def test_a_shorter_window_changes_the_velocity(seeded):
    # The last 12 days (20 March to 31 March) saw 12 + 6 = 18 units: 1.5 per day.
    suggestion = only(reorder.reorder_suggestions(window_days=12), "TEE-1")

    assert suggestion.units_shipped == 18
    assert suggestion.velocity == Decimal("1.50")
    # ceil(18 × 17 / 12) = ceil(25.5) = 26; 26 + 5 − 22 = 9
    assert suggestion.suggested_quantity == 9


@freeze_time("2026-03-31T08:00:00Z")
def test_a_sku_at_its_reorder_point_is_low(seeded, warehouse_clerk):
    services.write_off(variant=seeded, quantity=14, by=warehouse_clerk, reason="Damaged")

    suggestion = only(reorder.reorder_suggestions(), "TEE-1")

    assert suggestion.available == 8
    assert suggestion.is_low_stock is True
    assert [s.sku_code for s in reorder.low_stock()] == ["TEE-1"]


@given(
    shipped=st.integers(0, 5000),
    window=st.integers(1, 365),
    lead=st.integers(0, 120),
    review=st.integers(0, 60),
    safety=st.integers(0, 500),
    available=st.integers(-50, 5000),
    on_order=st.integers(0, 5000),
)
def test_the_suggested_quantity_is_the_exact_ceiling(
    shipped, window, lead, review, safety, available, on_order
):
    from fractions import Fraction
    from math import ceil

    expected = max(
        0,
        ceil(Fraction(shipped, window) * (lead + review) + safety - available - on_order),
    )

    assert (
        reorder.suggested_quantity(
            units_shipped=shipped,
            window_days=window,
            lead_time_days=lead,
            review_period_days=review,
            safety_stock=safety,
            available=available,
            on_order=on_order,
        )
        == expected
    )


def test_suggestions_take_a_fixed_number_of_queries(
    main_warehouse, supplier, warehouse_clerk, django_assert_num_queries
):
    for number in range(12):
        variant = SuppliedVariantFactory(sku_code=f"BULK-{number:02d}", supplier=supplier)
        services.receive(variant=variant, quantity=5, by=warehouse_clerk, reason="In")
        services.ship(
            variant=variant, quantity=1, by=warehouse_clerk, reason="Out", from_reserved=False
        )

    with django_assert_num_queries(3):
        suggestions = reorder.reorder_suggestions()

    assert len(suggestions) == 12


def test_a_window_of_zero_days_is_refused(db):
    with pytest.raises(PurchasingError) as caught:
        reorder.reorder_suggestions(window_days=0)

    assert caught.value.code == "invalid_days"


@freeze_time("2026-03-31T08:00:00Z")
def test_a_suppliers_suggestions_become_a_draft_at_current_cost(seeded, supplier, warehouse_clerk):
    SuppliedVariantFactory(sku_code="TEE-2", supplier=supplier, safety_stock=3, cost_price="7.25")
    SuppliedVariantFactory(sku_code="OTHER", safety_stock=9)  # another supplier

    order = reorder.create_draft_from_suggestions(
        supplier=supplier, by=warehouse_clerk, review_period_days=30
    )

    assert order.status == PurchaseOrderStatus.DRAFT
    assert order.supplier == supplier
    assert sorted(
        (line.variant.sku_code, line.quantity_ordered, line.unit_cost) for line in order.lines.all()
    ) == [("TEE-1", 23, Decimal("20.00")), ("TEE-2", 3, Decimal("7.25"))]


@freeze_time("2026-03-31T08:00:00Z")
def test_a_placed_draft_from_suggestions_brings_the_suggestion_to_zero(
    seeded, supplier, warehouse_clerk
):
    order = reorder.create_draft_from_suggestions(
        supplier=supplier, by=warehouse_clerk, review_period_days=30
    )
    purchasing.place_purchase_order(purchase_order=order, by=warehouse_clerk)

    suggestion = only(reorder.reorder_suggestions(review_period_days=30), "TEE-1")

    assert (suggestion.on_order, suggestion.suggested_quantity) == (23, 0)


@freeze_time("2026-03-31T08:00:00Z")
def test_nothing_to_order_is_refused(seeded, supplier, warehouse_clerk):
    with pytest.raises(PurchasingError) as caught:
        reorder.create_draft_from_suggestions(supplier=supplier, by=warehouse_clerk)

    assert caught.value.code == "nothing_to_order"

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.db.models import ProtectedError
from freezegun import freeze_time

from catalog.models import Variant
from inventory import services
from inventory.errors import InsufficientStock, StockError, UnknownSku, UnknownWarehouse
from inventory.models import MovementKind, StockLevel, StockMovement
from tests.inventory.factories import VariantFactory, WarehouseFactory


def levels(variant, warehouse) -> tuple[int, int, int]:
    """(on_hand, reserved, on_order) of one SKU in one warehouse."""
    return StockLevel.objects.values_list("on_hand", "reserved", "on_order").get(
        variant=variant, warehouse=warehouse
    )


def ledger(variant) -> list[tuple]:
    return list(
        StockMovement.objects.filter(variant=variant)
        .order_by("id")
        .values_list(
            "kind",
            "warehouse__code",
            "on_hand_change",
            "reserved_change",
            "on_hand_after",
            "reserved_after",
        )
    )


# -- happy paths ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_receiving_raises_on_hand_and_records_who_why_and_the_document(
    main_warehouse, variant, warehouse_clerk
):
    movement = services.receive(
        variant=variant,
        quantity=12,
        by=warehouse_clerk,
        reason="Supplier delivery",
        document_type="purchase_order",
        document_id="PO-0001",
    )

    assert levels(variant, main_warehouse) == (12, 0, 0)
    assert (movement.kind, movement.on_hand_change, movement.on_hand_after) == ("receipt", 12, 12)
    assert movement.created_by == warehouse_clerk
    assert movement.reason == "Supplier delivery"
    assert (movement.document_type, movement.document_id) == ("purchase_order", "PO-0001")


@pytest.mark.django_db
def test_reserving_sets_units_aside_and_leaves_on_hand_alone(
    stocked, main_warehouse, warehouse_clerk
):
    movement = services.reserve(
        variant=stocked,
        quantity=4,
        by=warehouse_clerk,
        reason="Order paid",
        document_type="order_line",
        document_id="1001",
    )

    assert levels(stocked, main_warehouse) == (10, 4, 0)
    assert (movement.kind, movement.on_hand_change, movement.reserved_change) == (
        "reservation",
        0,
        4,
    )
    assert (movement.on_hand_after, movement.reserved_after, movement.available_after) == (10, 4, 6)


@pytest.mark.django_db
def test_releasing_gives_reserved_units_back_to_available(stocked, main_warehouse, warehouse_clerk):
    services.reserve(variant=stocked, quantity=4, by=warehouse_clerk, reason="Order paid")

    services.release(variant=stocked, quantity=3, by=warehouse_clerk, reason="Order cancelled")

    assert levels(stocked, main_warehouse) == (10, 1, 0)
    assert ledger(stocked)[-1] == ("release", "WH-MAIN", 0, -3, 10, 1)


@pytest.mark.django_db
def test_shipping_deducts_on_hand_and_the_reservation(stocked, main_warehouse, warehouse_clerk):
    services.reserve(variant=stocked, quantity=4, by=warehouse_clerk, reason="Order paid")

    services.ship(variant=stocked, quantity=4, by=warehouse_clerk, reason="Handed to courier")

    assert levels(stocked, main_warehouse) == (6, 0, 0)
    assert ledger(stocked)[-1] == ("shipment", "WH-MAIN", -4, -4, 6, 0)


@pytest.mark.django_db
def test_shipping_unreserved_units_takes_them_from_available(
    stocked, main_warehouse, warehouse_clerk
):
    services.reserve(variant=stocked, quantity=2, by=warehouse_clerk, reason="Order paid")

    services.ship(
        variant=stocked, quantity=3, by=warehouse_clerk, reason="Sample", from_reserved=False
    )

    assert levels(stocked, main_warehouse) == (7, 2, 0)


@pytest.mark.django_db
def test_restocking_a_return_puts_units_back_on_hand(stocked, main_warehouse, warehouse_clerk):
    services.restock_return(
        variant=stocked, quantity=2, by=warehouse_clerk, reason="Buyer returned, sellable"
    )

    assert levels(stocked, main_warehouse) == (12, 0, 0)
    assert ledger(stocked)[-1] == ("return_to_stock", "WH-MAIN", 2, 0, 12, 0)


@pytest.mark.django_db
def test_writing_off_removes_available_units(stocked, main_warehouse, warehouse_clerk):
    services.write_off(variant=stocked, quantity=3, by=warehouse_clerk, reason="Water damage")

    assert levels(stocked, main_warehouse) == (7, 0, 0)
    assert ledger(stocked)[-1] == ("write_off", "WH-MAIN", -3, 0, 7, 0)


@pytest.mark.django_db
def test_adjusting_to_a_count_sets_on_hand_and_posts_the_difference(
    stocked, main_warehouse, warehouse_clerk
):
    movement = services.adjust_to_count(
        variant=stocked, counted=7, by=warehouse_clerk, reason="Stocktake 2026-Q1"
    )

    assert levels(stocked, main_warehouse) == (7, 0, 0)
    assert (movement.kind, movement.on_hand_change, movement.on_hand_after) == (
        "stocktake_adjustment",
        -3,
        7,
    )


@pytest.mark.django_db
def test_a_count_that_matches_still_leaves_a_ledger_row_with_no_change(
    stocked, main_warehouse, warehouse_clerk
):
    services.adjust_to_count(variant=stocked, counted=10, by=warehouse_clerk, reason="Stocktake")

    assert levels(stocked, main_warehouse) == (10, 0, 0)
    assert ledger(stocked)[-1] == ("stocktake_adjustment", "WH-MAIN", 0, 0, 10, 0)


@pytest.mark.django_db
def test_counting_a_sku_never_stocked_creates_its_level(main_warehouse, variant, warehouse_clerk):
    services.adjust_to_count(
        variant=variant, counted=5, by=warehouse_clerk, reason="Found on shelf"
    )

    assert levels(variant, main_warehouse) == (5, 0, 0)


@pytest.mark.django_db
def test_transfer_moves_available_units_and_writes_an_out_and_an_in_row(
    stocked, main_warehouse, second_warehouse, warehouse_clerk
):
    out_row, in_row = services.transfer(
        variant=stocked,
        from_warehouse=main_warehouse,
        to_warehouse="WH-SOUTH",
        quantity=4,
        by=warehouse_clerk,
        reason="Rebalance before sale",
    )

    assert levels(stocked, main_warehouse) == (6, 0, 0)
    assert levels(stocked, second_warehouse) == (4, 0, 0)
    assert (out_row.kind, out_row.on_hand_change, out_row.on_hand_after) == ("transfer_out", -4, 6)
    assert (in_row.kind, in_row.on_hand_change, in_row.on_hand_after) == ("transfer_in", 4, 4)


@pytest.mark.django_db
def test_on_order_rises_when_ordered_and_falls_when_received_or_cancelled(
    main_warehouse, variant, warehouse_clerk
):
    services.place_on_order(variant=variant, quantity=20, by=warehouse_clerk, reason="PO-7")

    services.receive(
        variant=variant, quantity=15, on_order_cleared=15, by=warehouse_clerk, reason="PO-7"
    )
    services.cancel_on_order(variant=variant, quantity=5, by=warehouse_clerk, reason="PO-7 short")

    assert levels(variant, main_warehouse) == (15, 0, 0)


@pytest.mark.django_db
def test_a_sku_code_can_stand_in_for_the_variant(stocked, main_warehouse, warehouse_clerk):
    services.reserve(variant="TEE-RED-M", quantity=1, by=warehouse_clerk, reason="Order paid")

    assert levels(stocked, main_warehouse) == (10, 1, 0)


@freeze_time("2026-03-01 17:30:00")
@pytest.mark.django_db
def test_a_movement_belongs_to_the_store_local_business_day(stocked, warehouse_clerk):
    movement = services.reserve(variant=stocked, quantity=1, by=warehouse_clerk, reason="Paid")

    # 17:30 UTC is 01:30 the next morning in Asia/Shanghai.
    assert movement.business_date == dt.date(2026, 3, 2)


# -- refused calls change nothing -----------------------------------------------------------


def assert_unchanged(variant, warehouse, *, expected_levels, expected_rows):
    assert levels(variant, warehouse) == expected_levels
    assert StockMovement.objects.filter(variant=variant).count() == expected_rows


@pytest.mark.django_db
def test_reserving_more_than_available_is_refused_with_the_figures_and_changes_nothing(
    stocked, main_warehouse, warehouse_clerk
):
    services.reserve(variant=stocked, quantity=8, by=warehouse_clerk, reason="Order paid")

    with pytest.raises(InsufficientStock) as refused:
        services.reserve(variant=stocked, quantity=3, by=warehouse_clerk, reason="Order paid")

    error = refused.value
    assert (error.sku, error.warehouse, error.requested, error.available) == (
        "TEE-RED-M",
        "WH-MAIN",
        3,
        2,
    )
    assert str(error) == "Insufficient stock for TEE-RED-M in WH-MAIN: 3 requested, 2 available."
    assert_unchanged(stocked, main_warehouse, expected_levels=(10, 8, 0), expected_rows=2)


@pytest.mark.django_db
def test_reserving_a_sku_never_stocked_is_refused_as_insufficient(
    main_warehouse, variant, warehouse_clerk
):
    with pytest.raises(InsufficientStock) as refused:
        services.reserve(variant=variant, quantity=1, by=warehouse_clerk, reason="Order paid")

    assert refused.value.available == 0
    assert not StockLevel.objects.filter(variant=variant).exists()
    assert not StockMovement.objects.filter(variant=variant).exists()


@pytest.mark.django_db
def test_releasing_more_than_reserved_is_refused(stocked, main_warehouse, warehouse_clerk):
    services.reserve(variant=stocked, quantity=2, by=warehouse_clerk, reason="Order paid")

    with pytest.raises(InsufficientStock) as refused:
        services.release(variant=stocked, quantity=3, by=warehouse_clerk, reason="Cancelled")

    assert refused.value.available == 2
    assert_unchanged(stocked, main_warehouse, expected_levels=(10, 2, 0), expected_rows=2)


@pytest.mark.django_db
def test_shipping_more_than_reserved_is_refused(stocked, main_warehouse, warehouse_clerk):
    services.reserve(variant=stocked, quantity=2, by=warehouse_clerk, reason="Order paid")

    with pytest.raises(InsufficientStock):
        services.ship(variant=stocked, quantity=3, by=warehouse_clerk, reason="Shipped")

    assert_unchanged(stocked, main_warehouse, expected_levels=(10, 2, 0), expected_rows=2)


@pytest.mark.django_db
def test_writing_off_reserved_units_is_refused(stocked, main_warehouse, warehouse_clerk):
    services.reserve(variant=stocked, quantity=9, by=warehouse_clerk, reason="Order paid")

    with pytest.raises(InsufficientStock):
        services.write_off(variant=stocked, quantity=2, by=warehouse_clerk, reason="Damaged")

    assert_unchanged(stocked, main_warehouse, expected_levels=(10, 9, 0), expected_rows=2)


@pytest.mark.django_db
def test_a_count_below_what_is_reserved_is_refused(stocked, main_warehouse, warehouse_clerk):
    services.reserve(variant=stocked, quantity=6, by=warehouse_clerk, reason="Order paid")

    with pytest.raises(StockError) as refused:
        services.adjust_to_count(variant=stocked, counted=5, by=warehouse_clerk, reason="Count")

    assert refused.value.code == "count_below_reserved"
    assert_unchanged(stocked, main_warehouse, expected_levels=(10, 6, 0), expected_rows=2)


@pytest.mark.django_db
def test_a_transfer_of_more_than_available_changes_neither_warehouse(
    stocked, main_warehouse, second_warehouse, warehouse_clerk
):
    with pytest.raises(InsufficientStock):
        services.transfer(
            variant=stocked,
            from_warehouse=main_warehouse,
            to_warehouse=second_warehouse,
            quantity=11,
            by=warehouse_clerk,
            reason="Rebalance",
        )

    assert_unchanged(stocked, main_warehouse, expected_levels=(10, 0, 0), expected_rows=1)
    assert not StockLevel.objects.filter(warehouse=second_warehouse, on_hand__gt=0).exists()


@pytest.mark.django_db
def test_receiving_more_off_on_order_than_is_on_order_is_refused(
    main_warehouse, variant, warehouse_clerk
):
    services.place_on_order(variant=variant, quantity=5, by=warehouse_clerk, reason="PO-8")

    with pytest.raises(InsufficientStock):
        services.receive(
            variant=variant, quantity=6, on_order_cleared=6, by=warehouse_clerk, reason="PO-8"
        )

    assert_unchanged(variant, main_warehouse, expected_levels=(0, 0, 5), expected_rows=1)


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [0, -1, 1.5, Decimal("2"), "3", True, None])
def test_a_quantity_that_is_not_a_positive_whole_number_is_refused(
    stocked, main_warehouse, warehouse_clerk, quantity
):
    with pytest.raises(StockError) as refused:
        services.reserve(variant=stocked, quantity=quantity, by=warehouse_clerk, reason="Paid")

    assert refused.value.code == "invalid_quantity"
    assert_unchanged(stocked, main_warehouse, expected_levels=(10, 0, 0), expected_rows=1)


@pytest.mark.django_db
@pytest.mark.parametrize("counted", [-1, 2.5, False])
def test_a_count_that_is_not_a_whole_number_of_zero_or_more_is_refused(
    stocked, main_warehouse, warehouse_clerk, counted
):
    with pytest.raises(StockError) as refused:
        services.adjust_to_count(variant=stocked, counted=counted, by=warehouse_clerk, reason="C")

    assert refused.value.code == "invalid_quantity"
    assert_unchanged(stocked, main_warehouse, expected_levels=(10, 0, 0), expected_rows=1)


@pytest.mark.django_db
def test_an_unknown_sku_code_is_refused_by_name(main_warehouse, warehouse_clerk):
    with pytest.raises(UnknownSku) as refused:
        services.receive(variant="NO-SUCH-SKU", quantity=1, by=warehouse_clerk, reason="Delivery")

    assert str(refused.value) == "Unknown SKU code: NO-SUCH-SKU."
    assert StockMovement.objects.count() == 0
    assert StockLevel.objects.count() == 0


@pytest.mark.django_db
def test_an_unknown_warehouse_code_is_refused(stocked, main_warehouse, warehouse_clerk):
    with pytest.raises(UnknownWarehouse) as refused:
        services.reserve(
            variant=stocked, warehouse="WH-MOON", quantity=1, by=warehouse_clerk, reason="Paid"
        )

    assert refused.value.warehouse == "WH-MOON"
    assert_unchanged(stocked, main_warehouse, expected_levels=(10, 0, 0), expected_rows=1)


@pytest.mark.django_db
def test_without_a_default_warehouse_a_change_must_name_one(variant, warehouse_clerk):
    with pytest.raises(StockError) as refused:
        services.receive(variant=variant, quantity=1, by=warehouse_clerk, reason="Delivery")

    assert refused.value.code == "no_default_warehouse"
    assert StockMovement.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("by_nobody", "reason", "code"),
    [(True, "Paid", "missing_user"), (False, "  ", "missing_reason")],
)
def test_a_change_without_who_or_why_is_refused(
    stocked, main_warehouse, warehouse_clerk, by_nobody, reason, code
):
    with pytest.raises(StockError) as refused:
        services.reserve(
            variant=stocked, quantity=1, by=None if by_nobody else warehouse_clerk, reason=reason
        )

    assert refused.value.code == code
    assert_unchanged(stocked, main_warehouse, expected_levels=(10, 0, 0), expected_rows=1)


@pytest.mark.django_db
def test_a_closed_warehouse_takes_no_reservations(stocked, warehouse_clerk):
    closed = WarehouseFactory(code="WH-OLD", is_active=False)

    with pytest.raises(StockError) as refused:
        services.receive(
            variant=stocked, warehouse=closed, quantity=1, by=warehouse_clerk, reason="Delivery"
        )

    assert refused.value.code == "inactive_warehouse"
    assert not StockLevel.objects.filter(warehouse=closed).exists()


# -- idempotency ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_reserving_twice_with_the_same_key_reserves_once_and_returns_the_first_movement(
    stocked, main_warehouse, warehouse_clerk
):
    first = services.reserve(
        variant=stocked,
        quantity=3,
        by=warehouse_clerk,
        reason="Order paid",
        idempotency_key="order-line:1001:reserve",
    )

    again = services.reserve(
        variant=stocked,
        quantity=3,
        by=warehouse_clerk,
        reason="Order paid",
        idempotency_key="order-line:1001:reserve",
    )

    assert again.pk == first.pk
    assert levels(stocked, main_warehouse) == (10, 3, 0)
    assert StockMovement.objects.filter(kind=MovementKind.RESERVATION).count() == 1


@pytest.mark.django_db
def test_a_key_reused_for_a_different_change_is_refused(stocked, main_warehouse, warehouse_clerk):
    services.reserve(
        variant=stocked, quantity=3, by=warehouse_clerk, reason="Paid", idempotency_key="k-1"
    )

    with pytest.raises(StockError) as refused:
        services.ship(
            variant=stocked, quantity=3, by=warehouse_clerk, reason="Shipped", idempotency_key="k-1"
        )

    assert refused.value.code == "idempotency_key_reused"
    assert_unchanged(stocked, main_warehouse, expected_levels=(10, 3, 0), expected_rows=2)


@pytest.mark.django_db
def test_a_repeated_transfer_with_the_same_key_moves_stock_once(
    stocked, main_warehouse, second_warehouse, warehouse_clerk
):
    arguments = {
        "variant": stocked,
        "from_warehouse": main_warehouse,
        "to_warehouse": second_warehouse,
        "quantity": 4,
        "by": warehouse_clerk,
        "reason": "Rebalance",
        "idempotency_key": "transfer:T-9",
    }
    first = services.transfer(**arguments)

    again = services.transfer(**arguments)

    assert [row.pk for row in again] == [row.pk for row in first]
    assert levels(stocked, main_warehouse) == (6, 0, 0)
    assert levels(stocked, second_warehouse) == (4, 0, 0)


@pytest.mark.django_db
def test_a_repeated_count_with_the_same_key_posts_once(stocked, main_warehouse, warehouse_clerk):
    first = services.adjust_to_count(
        variant=stocked, counted=8, by=warehouse_clerk, reason="Count", idempotency_key="st:1:a"
    )
    services.receive(variant=stocked, quantity=5, by=warehouse_clerk, reason="Delivery")

    again = services.adjust_to_count(
        variant=stocked, counted=8, by=warehouse_clerk, reason="Count", idempotency_key="st:1:a"
    )

    assert again.pk == first.pk
    assert levels(stocked, main_warehouse) == (13, 0, 0)


# -- what the database itself refuses ------------------------------------------------------


@pytest.mark.django_db
def test_deleting_a_sku_with_ledger_rows_is_refused_and_keeps_its_ledger(stocked):
    with pytest.raises(ProtectedError) as refused:
        Variant.objects.filter(pk=stocked.pk).delete()

    protected_kinds = {type(row).__name__ for row in refused.value.protected_objects}
    assert protected_kinds == {"StockLevel", "StockMovement"}
    assert Variant.objects.filter(sku_code="TEE-RED-M").exists()
    assert StockMovement.objects.filter(variant=stocked).count() == 1


@pytest.mark.django_db
def test_a_sku_without_stock_history_can_still_be_deleted(main_warehouse):
    unused = VariantFactory(sku_code="NEVER-STOCKED")

    unused.delete()

    assert not Variant.objects.filter(sku_code="NEVER-STOCKED").exists()


@pytest.mark.django_db
def test_only_one_warehouse_can_be_the_default(main_warehouse):
    with pytest.raises(IntegrityError):
        WarehouseFactory(code="WH-2", is_default=True)


@pytest.mark.django_db
def test_the_database_refuses_reserving_more_than_is_on_hand(stocked, main_warehouse):
    with pytest.raises(IntegrityError):
        StockLevel.objects.filter(variant=stocked).update(reserved=11)

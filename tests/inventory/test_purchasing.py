"""Purchase orders: drafting, placing, receiving in several deliveries, cancelling."""

from decimal import Decimal

import pytest

from inventory import purchasing
from inventory.errors import PurchasingError, UnknownSku
from inventory.models import (
    MovementKind,
    PurchaseOrder,
    PurchaseOrderEvent,
    PurchaseOrderStatus,
    Receipt,
    StockLevel,
    StockMovement,
)
from inventory.purchasing import PurchaseLineInput, ReceiveLineInput
from tests.inventory.purchasing_factories import SuppliedVariantFactory, SupplierFactory


@pytest.fixture
def supplier(db):
    return SupplierFactory(code="SUP-COTTON", name="Cotton Mill", lead_time_days=10)


@pytest.fixture
def shirt(supplier):
    return SuppliedVariantFactory(sku_code="SHIRT-M", supplier=supplier, cost_price="12.40")


@pytest.fixture
def socks(supplier):
    return SuppliedVariantFactory(sku_code="SOCKS-L", supplier=supplier, cost_price="3.05")


@pytest.fixture
def draft(main_warehouse, supplier, shirt, socks, warehouse_clerk):
    return purchasing.create_draft(
        supplier=supplier,
        lines=[
            PurchaseLineInput(variant="SHIRT-M", quantity=10, unit_cost="11.90"),
            PurchaseLineInput(variant=socks, quantity=4),
        ],
        by=warehouse_clerk,
    )


@pytest.fixture
def ordered(draft, warehouse_clerk):
    return purchasing.place_purchase_order(purchase_order=draft, by=warehouse_clerk)


def level_of(variant) -> tuple[int, int]:
    level = StockLevel.objects.get(variant=variant)
    return level.on_hand, level.on_order


def test_a_draft_is_numbered_per_year_and_takes_the_cost_price_when_none_is_given(draft):
    lines = {line.variant.sku_code: line for line in draft.lines.all()}

    assert draft.number.startswith("PO-20")
    assert draft.number.endswith("-0001")
    assert draft.status == PurchaseOrderStatus.DRAFT
    assert lines["SHIRT-M"].unit_cost == Decimal("11.90")
    assert lines["SOCKS-L"].unit_cost == Decimal("3.05")
    assert not StockLevel.objects.exists()


def test_the_second_draft_of_a_year_gets_the_next_number(draft, supplier, warehouse_clerk):
    second = purchasing.create_draft(
        supplier=supplier, lines=[PurchaseLineInput("SHIRT-M", 1)], by=warehouse_clerk
    )

    assert second.number == draft.number[:-4] + "0002"


def test_creating_a_draft_twice_with_one_key_creates_one_order(
    main_warehouse, supplier, shirt, warehouse_clerk
):
    first = purchasing.create_draft(
        supplier=supplier,
        lines=[PurchaseLineInput("SHIRT-M", 1)],
        by=warehouse_clerk,
        idempotency_key="draft-1",
    )
    again = purchasing.create_draft(
        supplier=supplier,
        lines=[PurchaseLineInput("SHIRT-M", 1)],
        by=warehouse_clerk,
        idempotency_key="draft-1",
    )

    assert again.pk == first.pk
    assert PurchaseOrder.objects.count() == 1


@pytest.mark.parametrize("quantity", [0, -3, 2.5, "4", True])
def test_a_line_quantity_must_be_a_positive_whole_number(
    main_warehouse, supplier, shirt, warehouse_clerk, quantity
):
    with pytest.raises(PurchasingError) as caught:
        purchasing.create_draft(
            supplier=supplier, lines=[PurchaseLineInput("SHIRT-M", quantity)], by=warehouse_clerk
        )

    assert caught.value.code == "invalid_quantity"
    assert not PurchaseOrder.objects.exists()


def test_an_unknown_sku_is_refused(main_warehouse, supplier, warehouse_clerk):
    with pytest.raises(UnknownSku):
        purchasing.create_draft(
            supplier=supplier, lines=[PurchaseLineInput("NOPE", 1)], by=warehouse_clerk
        )

    assert not PurchaseOrder.objects.exists()


def test_a_negative_or_float_unit_cost_is_refused(main_warehouse, supplier, shirt, warehouse_clerk):
    for cost in ("-1.00", 1.5, "1.001", "abc"):
        with pytest.raises(PurchasingError) as caught:
            purchasing.create_draft(
                supplier=supplier,
                lines=[PurchaseLineInput("SHIRT-M", 1, unit_cost=cost)],
                by=warehouse_clerk,
            )
        assert caught.value.code == "invalid_unit_cost"


def test_editing_a_draft_replaces_its_lines_and_keeps_earlier_costs(draft, warehouse_clerk):
    purchasing.update_draft(
        purchase_order=draft,
        lines=[PurchaseLineInput("SHIRT-M", 7)],
        by=warehouse_clerk,
        note="fewer shirts",
    )

    line = draft.lines.get()
    assert (line.variant.sku_code, line.quantity_ordered, line.unit_cost) == (
        "SHIRT-M",
        7,
        Decimal("11.90"),
    )
    event = draft.events.last()
    assert event.kind == "edited"
    assert event.details["lines_before"][0]["quantity"] == 10


def test_placing_puts_every_line_on_order_with_the_order_number(ordered, shirt, socks):
    movements = StockMovement.objects.filter(kind=MovementKind.ON_ORDER).order_by("id")

    assert ordered.status == PurchaseOrderStatus.ORDERED
    assert ordered.ordered_by is not None
    assert level_of(shirt) == (0, 10)
    assert level_of(socks) == (0, 4)
    assert [(m.document_type, m.document_id, m.on_order_change) for m in movements] == [
        ("purchase_order", ordered.number, 10),
        ("purchase_order", ordered.number, 4),
    ]


def test_placing_twice_is_refused_and_on_order_is_unchanged(ordered, shirt, warehouse_clerk):
    with pytest.raises(PurchasingError) as caught:
        purchasing.place_purchase_order(purchase_order=ordered, by=warehouse_clerk)

    assert caught.value.code == "illegal_transition"
    assert level_of(shirt) == (0, 10)


def test_placing_again_with_the_same_key_changes_nothing(draft, shirt, warehouse_clerk):
    purchasing.place_purchase_order(purchase_order=draft, by=warehouse_clerk, idempotency_key="p1")
    again = purchasing.place_purchase_order(
        purchase_order=draft, by=warehouse_clerk, idempotency_key="p1"
    )

    assert again.status == PurchaseOrderStatus.ORDERED
    assert level_of(shirt) == (0, 10)


def test_an_ordered_purchase_order_cannot_be_edited(ordered, warehouse_clerk):
    with pytest.raises(PurchasingError) as caught:
        purchasing.update_draft(
            purchase_order=ordered, lines=[PurchaseLineInput("SHIRT-M", 1)], by=warehouse_clerk
        )

    assert caught.value.code == "not_editable"
    assert ordered.lines.count() == 2


def test_two_deliveries_receive_an_order_in_full(ordered, shirt, socks, warehouse_clerk):
    first = purchasing.receive_delivery(
        purchase_order=ordered,
        lines=[ReceiveLineInput("SHIRT-M", 6), ReceiveLineInput("SOCKS-L", 0)],
        by=warehouse_clerk,
        note="first truck",
    )
    ordered.refresh_from_db()
    after_first = (ordered.status, level_of(shirt), level_of(socks))

    purchasing.receive_delivery(
        purchase_order=ordered,
        lines=[ReceiveLineInput("SHIRT-M", 4), ReceiveLineInput("SOCKS-L", 4)],
        by=warehouse_clerk,
    )
    ordered.refresh_from_db()

    assert first.lines.get().quantity_expected == 10
    assert after_first == (PurchaseOrderStatus.PARTIALLY_RECEIVED, (6, 4), (0, 4))
    assert ordered.status == PurchaseOrderStatus.RECEIVED
    assert level_of(shirt) == (10, 0)
    assert level_of(socks) == (4, 0)
    receipts = StockMovement.objects.filter(kind=MovementKind.RECEIPT, variant=shirt)
    assert sorted((m.on_hand_change, m.on_order_change) for m in receipts) == [(4, -4), (6, -6)]
    assert {m.document_id for m in receipts} == {ordered.number}


def test_an_over_delivery_is_refused_without_confirmation(ordered, shirt, warehouse_clerk):
    with pytest.raises(PurchasingError) as caught:
        purchasing.receive_delivery(
            purchase_order=ordered, lines=[ReceiveLineInput("SHIRT-M", 12)], by=warehouse_clerk
        )

    assert caught.value.code == "over_delivery"
    assert caught.value.remaining == 10
    assert level_of(shirt) == (0, 10)
    assert not Receipt.objects.exists()


def test_an_over_delivery_needs_a_reason(ordered, shirt, warehouse_clerk):
    with pytest.raises(PurchasingError) as caught:
        purchasing.receive_delivery(
            purchase_order=ordered,
            lines=[ReceiveLineInput("SHIRT-M", 12)],
            by=warehouse_clerk,
            allow_over=True,
        )

    assert caught.value.code == "over_delivery_reason_required"
    assert level_of(shirt) == (0, 10)


def test_a_confirmed_over_delivery_books_every_unit_but_clears_only_what_was_on_order(
    ordered, shirt, warehouse_clerk
):
    receipt = purchasing.receive_delivery(
        purchase_order=ordered,
        lines=[ReceiveLineInput("SHIRT-M", 12)],
        by=warehouse_clerk,
        allow_over=True,
        over_reason="Supplier sent a full carton",
    )

    line = receipt.lines.get()
    assert (line.quantity, line.quantity_expected, line.difference) == (12, 10, 2)
    assert line.note == "Supplier sent a full carton"
    assert level_of(shirt) == (12, 0)
    ordered.refresh_from_db()
    # SOCKS-L is still open.
    assert ordered.status == PurchaseOrderStatus.PARTIALLY_RECEIVED


def test_receiving_with_the_same_key_twice_books_one_delivery(ordered, shirt, warehouse_clerk):
    for _attempt in range(2):
        purchasing.receive_delivery(
            purchase_order=ordered,
            lines=[ReceiveLineInput("SHIRT-M", 3)],
            by=warehouse_clerk,
            idempotency_key="truck-7",
        )

    assert Receipt.objects.count() == 1
    assert level_of(shirt) == (3, 7)


def test_a_draft_cannot_take_deliveries(draft, warehouse_clerk):
    with pytest.raises(PurchasingError) as caught:
        purchasing.receive_delivery(
            purchase_order=draft, lines=[ReceiveLineInput("SHIRT-M", 1)], by=warehouse_clerk
        )

    assert caught.value.code == "illegal_transition"


def test_a_delivery_of_nothing_is_refused(ordered, warehouse_clerk):
    with pytest.raises(PurchasingError) as caught:
        purchasing.receive_delivery(
            purchase_order=ordered, lines=[ReceiveLineInput("SHIRT-M", 0)], by=warehouse_clerk
        )

    assert caught.value.code == "empty_receipt"


def test_a_delivery_of_a_sku_not_on_the_order_is_refused(ordered, warehouse_clerk):
    SuppliedVariantFactory(sku_code="HAT-1")

    with pytest.raises(PurchasingError) as caught:
        purchasing.receive_delivery(
            purchase_order=ordered, lines=[ReceiveLineInput("HAT-1", 1)], by=warehouse_clerk
        )

    assert caught.value.code == "unknown_line"


def test_cancelling_after_a_partial_delivery_releases_what_is_still_on_order(
    ordered, shirt, socks, warehouse_clerk
):
    purchasing.receive_delivery(
        purchase_order=ordered, lines=[ReceiveLineInput("SHIRT-M", 6)], by=warehouse_clerk
    )

    purchasing.cancel_purchase_order(
        purchase_order=ordered, by=warehouse_clerk, reason="Supplier out of stock"
    )

    ordered.refresh_from_db()
    assert ordered.status == PurchaseOrderStatus.CANCELLED
    assert level_of(shirt) == (6, 0)
    assert level_of(socks) == (0, 0)
    cancelled = StockMovement.objects.filter(kind=MovementKind.ON_ORDER_CANCELLED)
    assert sorted(m.on_order_change for m in cancelled) == [-4, -4]


def test_a_received_order_cannot_be_cancelled(ordered, shirt, warehouse_clerk):
    purchasing.receive_delivery(
        purchase_order=ordered,
        lines=[ReceiveLineInput("SHIRT-M", 10), ReceiveLineInput("SOCKS-L", 4)],
        by=warehouse_clerk,
    )

    with pytest.raises(PurchasingError) as caught:
        purchasing.cancel_purchase_order(purchase_order=ordered, by=warehouse_clerk, reason="x")

    assert caught.value.code == "illegal_transition"
    assert level_of(shirt) == (10, 0)


def test_cancelling_needs_a_reason(draft, warehouse_clerk):
    with pytest.raises(PurchasingError) as caught:
        purchasing.cancel_purchase_order(purchase_order=draft, by=warehouse_clerk, reason=" ")

    assert caught.value.code == "missing_reason"
    draft.refresh_from_db()
    assert draft.status == PurchaseOrderStatus.DRAFT


def test_every_status_change_is_on_the_timeline(ordered, warehouse_clerk):
    purchasing.receive_delivery(
        purchase_order=ordered, lines=[ReceiveLineInput("SHIRT-M", 2)], by=warehouse_clerk
    )
    purchasing.cancel_purchase_order(purchase_order=ordered, by=warehouse_clerk, reason="Late")

    timeline = list(
        PurchaseOrderEvent.objects.filter(purchase_order=ordered).values_list(
            "kind", "status_before", "status_after", "created_by__username"
        )
    )
    assert timeline == [
        ("created", "", "draft", "warehouse"),
        ("placed", "draft", "ordered", "warehouse"),
        ("received", "ordered", "partially_received", "warehouse"),
        ("cancelled", "partially_received", "cancelled", "warehouse"),
    ]

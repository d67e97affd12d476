import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from orders import services
from orders.errors import OrderError
from orders.models import EventKind, Order, OrderSettings, OrderStatus, ReviewState, ShipmentStatus
from tests.orders.conftest import stock_of
from tests.orders.factories import RateCardFactory, VariantFactory, build_order

pytestmark = pytest.mark.django_db


def test_an_order_that_passes_every_check_is_released_to_the_warehouse(tee, manager):
    order = build_order(by=manager, items=[(tee, 1)])

    assert (order.review_state, order.review_reasons) == (ReviewState.RELEASED, [])


def test_an_order_with_a_buyer_note_and_no_city_goes_to_the_exception_queue(tee, manager):
    order = build_order(by=manager, items=[(tee, 1)], buyer_note="请发顺丰", city="")

    assert order.review_state == ReviewState.EXCEPTION
    assert order.review_reasons == ["incomplete_address", "buyer_note"]


def test_a_first_order_above_the_new_buyer_limit_is_reviewed_but_not_a_repeat_buyers(tee, manager):
    build_order(by=manager, items=[(tee, 1)], buyer_nickname="loyal")
    rules = OrderSettings.load()
    rules.new_buyer_amount_limit = Decimal("100.00")
    rules.save()

    repeat = build_order(by=manager, items=[(tee, 2)], buyer_nickname="loyal")
    newcomer = build_order(by=manager, items=[(tee, 2)], buyer_nickname="newcomer")

    assert repeat.review_reasons == []
    assert newcomer.review_reasons == ["new_buyer_high_amount"]


def test_an_order_above_the_amount_limit_is_reviewed(tee, manager):
    rules = OrderSettings.load()
    rules.amount_limit = Decimal("150.00")
    rules.save()

    order = build_order(by=manager, items=[(tee, 2)], buyer_nickname="someone")

    assert "amount_above_limit" in order.review_reasons
    assert order.review_state == ReviewState.EXCEPTION


def test_a_second_order_to_the_same_phone_within_the_window_is_flagged(tee, manager):
    rules = OrderSettings.load()
    rules.duplicate_window_minutes = 30
    rules.save()
    placed = timezone.now()
    build_order(by=manager, items=[(tee, 1)], placed_at=placed - dt.timedelta(minutes=40))

    far = build_order(by=manager, items=[(tee, 1)], placed_at=placed - dt.timedelta(minutes=80))
    near = build_order(by=manager, items=[(tee, 1)], placed_at=placed - dt.timedelta(minutes=20))

    assert far.review_reasons == []
    assert near.review_reasons == ["duplicate_recipient"]


def test_approving_an_exception_releases_it_and_writes_the_timeline(tee, service_agent, manager):
    order = build_order(by=manager, items=[(tee, 1)], buyer_note="周末送")

    services.approve_order(order=order, by=service_agent, note="Note passed to warehouse")

    order.refresh_from_db()
    assert (order.review_state, order.review_reasons) == (ReviewState.RELEASED, [])
    event = order.events.get(kind=EventKind.APPROVED)
    assert event.before == {"review_state": "exception", "review_reasons": ["buyer_note"]}


def test_approving_an_out_of_stock_import_reserves_the_stock_once_it_has_arrived(tee, manager):
    order = build_order(by=manager, items=[(tee, 12)], is_imported=True, buyer_nickname="big")
    from inventory import services as inventory

    inventory.receive(variant=tee, quantity=5, by=manager, reason="Delivery")

    services.approve_order(order=order, by=manager)

    order.refresh_from_db()
    assert order.review_state == ReviewState.RELEASED
    assert stock_of(tee) == (15, 12)


def test_approving_an_out_of_stock_import_still_short_is_refused(tee, manager):
    order = build_order(by=manager, items=[(tee, 12)], is_imported=True, buyer_nickname="big")

    with pytest.raises(OrderError) as refused:
        services.approve_order(order=order, by=manager)

    order.refresh_from_db()
    assert refused.value.code == "insufficient_stock"
    assert order.review_state == ReviewState.EXCEPTION
    assert stock_of(tee) == (10, 0)


def test_an_order_on_hold_cannot_ship_until_approved(tee, manager, sf):
    order = build_order(by=manager, items=[(tee, 1)])
    services.hold_order(order=order, by=manager, reason="Buyer may change size")

    with pytest.raises(OrderError) as refused:
        services.ship_order(order=order, carrier=sf, tracking_number="SF9", by=manager)

    order.refresh_from_db()
    assert refused.value.code == "not_shippable"
    assert (order.review_state, order.review_note) == (ReviewState.ON_HOLD, "Buyer may change size")


def test_changing_the_address_records_before_and_after(tee, service_agent, manager):
    order = build_order(by=manager, items=[(tee, 1)])

    services.update_address(
        order=order,
        by=service_agent,
        recipient_name="李四",
        phone="139 0000 1111",
        province="上海市",
        city="上海市",
        address="浦东新区 1 号",
    )

    order.refresh_from_db()
    event = order.events.get(kind=EventKind.ADDRESS_CHANGED)
    assert (order.recipient_name, order.phone) == ("李四", "13900001111")
    assert event.before["city"] == "杭州市"
    assert event.after["address"] == "浦东新区 1 号"


def test_the_address_of_a_shipped_order_cannot_change(tee, manager, sf):
    order = build_order(by=manager, items=[(tee, 1)])
    services.ship_order(order=order, carrier=sf, tracking_number="SF1", by=manager)

    with pytest.raises(OrderError) as refused:
        services.update_address(
            order=order,
            by=manager,
            recipient_name="X",
            phone="1",
            province="P",
            city="C",
            address="A",
        )

    order.refresh_from_db()
    assert refused.value.code == "not_editable"
    assert order.recipient_name == "张三"


def test_swapping_a_lines_sku_moves_the_reservation(tee, manager):
    other = VariantFactory(
        sku_code="TEE-RED-L", price=Decimal("89.00"), cost_price=Decimal("36.00")
    )
    from inventory import services as inventory

    inventory.receive(variant=other, quantity=4, by=manager, reason="Delivery")
    order = build_order(by=manager, items=[(tee, 2)])

    line = services.change_line_variant(line=order.lines.get(), variant=other, by=manager)

    assert (line.sku_code, line.unit_cost, line.unit_price) == (
        "TEE-RED-L",
        Decimal("36.00"),
        Decimal("89.00"),
    )
    assert stock_of(tee) == (10, 0)
    assert stock_of(other) == (4, 2)


def test_splitting_plans_parcels_that_ship_one_by_one(tee, cap, manager, sf):
    order = build_order(by=manager, items=[(tee, 2), (cap, 1)])
    tee_line, cap_line = order.lines.order_by("pk")

    first, second = services.split_into_shipments(
        order=order, parts=[[(tee_line, 2)], [(cap_line, 1)]], by=manager
    )
    services.ship_order(order=order, carrier=sf, tracking_number="SF1", shipment=first, by=manager)

    order.refresh_from_db()
    first.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_SHIPPED
    assert (first.status, second.status) == (ShipmentStatus.SHIPPED, ShipmentStatus.PLANNED)
    assert stock_of(tee) == (8, 0)
    assert stock_of(cap) == (5, 1)


def test_a_split_that_plans_more_than_the_order_holds_is_refused(tee, manager):
    order = build_order(by=manager, items=[(tee, 2)])
    line = order.lines.get()

    with pytest.raises(OrderError) as refused:
        services.split_into_shipments(order=order, parts=[[(line, 2)], [(line, 1)]], by=manager)

    assert refused.value.code == "quantity_exceeds_remaining"
    assert order.shipments.count() == 0


def test_merged_orders_ship_in_one_parcel(tee, cap, manager, sf):
    first = build_order(by=manager, items=[(tee, 1)])
    second = build_order(by=manager, items=[(cap, 2)])

    primary = services.merge_orders(orders=[second, first], by=manager)
    shipment = services.ship_order(order=primary, carrier=sf, tracking_number="SF1", by=manager)

    assert primary.pk == first.pk
    assert Order.objects.filter(status=OrderStatus.SHIPPED).count() == 2
    assert shipment.lines.count() == 2
    assert stock_of(tee) == (9, 0)
    assert stock_of(cap) == (3, 0)


def test_orders_to_different_addresses_cannot_be_merged(tee, manager):
    first = build_order(by=manager, items=[(tee, 1)])
    second = build_order(by=manager, items=[(tee, 1)], address="另一个地址")

    with pytest.raises(OrderError) as refused:
        services.merge_orders(orders=[first, second], by=manager)

    assert refused.value.code == "not_same_recipient"
    assert Order.objects.filter(merged_into__isnull=False).count() == 0


def test_shipping_cost_comes_from_the_rate_card_by_weight(tee, manager, sf):
    RateCardFactory(
        carrier=sf, province="", first_price=Decimal("12.00"), additional_price=Decimal("5.00")
    )
    RateCardFactory(
        carrier=sf, province="浙江省", first_price=Decimal("8.00"), additional_price=Decimal("2.00")
    )
    tee.weight_kg = Decimal("0.600")
    tee.save()
    order = build_order(by=manager, items=[(tee, 4)])  # 2.4 kg to Zhejiang: first kg + 2 steps

    shipment = services.ship_order(order=order, carrier=sf, tracking_number="SF1", by=manager)

    assert (shipment.weight_kg, shipment.shipping_cost) == (Decimal("2.400"), Decimal("12.00"))
    assert shipment.is_cost_entered is False
    assert services.shipping_cost_for(
        carrier=sf, province="北京市", weight_kg=Decimal("1.0")
    ) == Decimal("12.00")


def test_a_shipping_cost_entered_by_hand_wins_over_the_rate_card(tee, manager, sf):
    RateCardFactory(carrier=sf, first_price=Decimal("12.00"))
    order = build_order(by=manager, items=[(tee, 1)])

    shipment = services.ship_order(
        order=order, carrier=sf, tracking_number="SF1", shipping_cost=Decimal("7.50"), by=manager
    )

    assert (shipment.shipping_cost, shipment.is_cost_entered) == (Decimal("7.50"), True)

"""The set-based orders import writes exactly what the per-order import writes."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import PriceKind, VariantPriceChange
from customers.models import Customer, SalesChannel
from inventory.models import StockLevel, StockMovement
from orders.models import Order, OrderEvent, OrderLine, OrderSettings, ReviewState
from storeops.imports import registry
from storeops.imports.runner import run_import
from tests.orders.factories import build_order

ORDERS = registry.get("orders")

HEADER = (
    "店铺,订单编号,订单状态,订单创建时间,付款时间,买家会员名,收货人姓名,联系手机,省,市,收货地址,"
    "商家编码,宝贝标题,购买数量,价格,单品优惠,店铺优惠,买家应付邮费,实付金额,买家留言,"
    "物流公司,物流单号,发货时间"
)


def row(
    order_no,
    *,
    status="买家已付款",
    buyer="tb_buyer_1",
    name="张三",
    phone="13800138000",
    city="杭州市",
    address="",
    sku="TEE-RED-M",
    quantity=1,
    price="89.00",
    order_discount="0.00",
    paid="89.00",
    paid_at="2026-03-01 10:05:00",
    placed_at="2026-03-01 10:00:00",
    note="",
    carrier="",
    tracking="",
    shipped_at="",
) -> str:
    return (
        f"淘宝,{order_no},{status},{placed_at},{paid_at},{buyer},{name},{phone},浙江省,{city},"
        f"{address or f'西湖区文三路 {order_no} 号'},{sku},,{quantity},{price},0.00,"
        f"{order_discount},0.00,{paid},"
        f"{note},{carrier},{tracking},{shipped_at}"
    )


def export(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("gb18030")


def snapshot() -> dict[str, list]:
    """The rows an import writes, keyed by natural keys instead of ids, times of "now" left out."""
    numbers = dict(Order.objects.values_list("pk", "order_no"))
    buyers = dict(Customer.objects.values_list("pk", "buyer_id"))
    orders = [
        (
            order.order_no,
            order.channel.code,
            buyers[order.customer_id],
            order.status,
            order.review_state,
            order.review_reasons,
            order.warehouse_id,
            order.placed_at,
            order.paid_at,
            order.business_date,
            order.shipped_at,
            order.completed_at,
            (order.goods_total, order.line_discount_total, order.order_discount_total),
            (order.shipping_fee, order.paid_total, order.refunded_total),
            (order.buyer_nickname, order.recipient_name, order.phone),
            (order.province, order.city, order.address, order.buyer_note),
            (order.coupon_code, order.promotion_text, order.is_imported, order.kind),
            order.created_by_id,
        )
        for order in Order.objects.order_by("order_no")
    ]
    lines = [
        (
            numbers[line.order_id],
            line.sku_code,
            line.title,
            line.quantity,
            line.unit_price,
            line.line_discount,
            line.order_discount_share,
            line.paid_amount,
            line.unit_cost,
            line.reserved_quantity,
            line.shipped_quantity,
        )
        for line in OrderLine.objects.order_by("order__order_no", "pk")
    ]
    events = [
        (
            numbers[event.order_id],
            event.kind,
            event.message,
            event.before,
            # A shipment's id differs between the runs (PostgreSQL sequences do not roll back).
            {key: value for key, value in event.after.items() if key != "shipment"},
            event.by_id,
            event.created_at if event.kind in ("created", "paid") else None,
        )
        for event in OrderEvent.objects.order_by("order__order_no", "pk")
    ]
    ledger = [
        (
            movement.variant.sku_code,
            movement.kind,
            movement.on_hand_change,
            movement.reserved_change,
            movement.on_hand_after,
            movement.reserved_after,
            movement.on_order_after,
            movement.reason,
            movement.document_type,
            numbers.get(int(movement.document_id)) if movement.document_id else "",
            movement.created_by_id,
        )
        for movement in StockMovement.objects.order_by("pk")
    ]
    customers = [
        (
            customer.buyer_id,
            customer.phone,
            customer.name,
            customer.order_count,
            customer.amount_spent,
            customer.first_order_at,
            customer.last_order_at,
        )
        for customer in Customer.objects.order_by("buyer_id", "phone")
    ]
    levels = list(
        StockLevel.objects.order_by("variant__sku_code").values_list(
            "variant__sku_code", "on_hand", "reserved"
        )
    )
    return {
        "orders": orders,
        "lines": lines,
        "events": events,
        "ledger": ledger,
        "customers": customers,
        "levels": levels,
    }


def import_both_ways(content: bytes, user, monkeypatch) -> tuple[dict, dict]:
    """Import through the per-order path (then roll it back), then set-based; both snapshots."""
    with transaction.atomic():
        monkeypatch.setattr(ORDERS, "set_based", False)
        result = run_import(ORDERS, io.BytesIO(content), name="mixed.csv", user=user)
        assert result.ok, result.problems
        per_order = snapshot()
        transaction.set_rollback(True)
    monkeypatch.setattr(ORDERS, "set_based", True)
    result = run_import(ORDERS, io.BytesIO(content), name="mixed.csv", user=user)
    assert result.ok, result.problems
    return per_order, snapshot()


@pytest.fixture
def mixed_export(manager, tee, cap, sf) -> bytes:
    """An export touching every rule of the set-based path, and a store set up for it."""
    rules = OrderSettings.load()
    rules.duplicate_window_minutes = 30
    rules.save()
    moment = timezone.make_aware(dt.datetime(2026, 2, 1, 9, 0))
    VariantPriceChange.objects.create(
        variant=tee, kind=PriceKind.COST, new_amount=Decimal("33.00"), effective_at=moment
    )
    VariantPriceChange.objects.create(
        variant=tee,
        kind=PriceKind.COST,
        new_amount=Decimal("40.00"),
        effective_at=moment + dt.timedelta(days=60),
    )
    taobao = SalesChannel.objects.get(code="taobao")
    Customer.objects.create(channel=taobao, buyer_id="tb_old", phone="", name="")
    build_order(
        by=manager,
        items=[(cap, 1)],
        order_no="STORED-1",
        phone="13900000009",
        placed_at=timezone.make_aware(dt.datetime(2026, 3, 1, 11, 50)),
    )
    return export(
        row("A1", quantity=2, sku="TEE-RED-M", paid="223.00"),
        row("A1", sku="CAP-BLUE", price="45.00", paid="223.00"),
        row(
            "A2",
            buyer="tb_buyer_2",
            phone="13700000002",
            address="西湖区文三路 A1 号",
            placed_at="2026-03-01 10:20:00",
        ),
        row("A3", buyer="tb_buyer_3", phone="13700000003", price="801.00", paid="801.00"),
        row("A4", status="等待买家付款", paid_at="", buyer="tb_buyer_4", phone="13700000004"),
        row(
            "A5",
            status="交易成功",
            buyer="tb_buyer_5",
            phone="13700000005",
            carrier="sf",
            tracking="SF500",
            shipped_at="2026-03-02 09:00:00",
        ),
        row("A6", buyer="tb_old", name="老客", phone="13700000006", note="请用顺丰"),
        row(
            "A7",
            buyer="tb_buyer_7",
            phone="13700000007",
            city="",
            sku="CAP-BLUE",
            price="45.00",
            paid="45.00",
        ),
        row(
            "A8",
            buyer="tb_buyer_8",
            phone="13900000009",
            placed_at="2026-03-01 20:00:00",
            sku="CAP-BLUE",
            price="45.00",
            paid="45.00",
        ),
        row(
            "A9",
            buyer="tb_buyer_9",
            phone="13700000009",
            sku="CAP-BLUE",
            quantity=4,
            price="45.00",
            paid="180.00",
            placed_at="2026-03-04 10:00:00",
            paid_at="2026-04-05 10:00:00",
        ),
        row(
            "B1",
            buyer="tb_buyer_1",
            phone="13700000010",
            quantity=30,
            paid="2670.00",
            paid_at="2026-04-05 10:00:00",
        ),
    )


def test_set_based_import_writes_what_the_per_order_import_writes(
    manager, mixed_export, monkeypatch
):
    per_order, set_based = import_both_ways(mixed_export, manager, monkeypatch)

    for table in per_order:
        assert set_based[table] == per_order[table], table


def test_set_based_import_matches_the_per_order_import_across_small_batches(
    manager, mixed_export, monkeypatch
):
    monkeypatch.setattr(ORDERS, "batch_size", 2)

    per_order, set_based = import_both_ways(mixed_export, manager, monkeypatch)

    for table in per_order:
        assert set_based[table] == per_order[table], table


def test_set_based_import_sends_orders_that_fail_checks_to_the_exception_queue(
    manager, mixed_export
):
    result = run_import(ORDERS, io.BytesIO(mixed_export), name="mixed.csv", user=manager)

    assert result.ok and result.created == 11
    states = dict(Order.objects.values_list("order_no", "review_reasons"))
    assert states["A1"] == []
    assert states["A2"] == ["duplicate_recipient"]
    assert states["A3"] == ["new_buyer_high_amount"]
    assert states["A6"] == ["buyer_note"]
    assert states["A7"] == ["incomplete_address"]
    assert states["A8"] == ["duplicate_recipient"]
    assert states["A9"] == ["out_of_stock"]
    assert states["B1"] == ["out_of_stock", "amount_above_limit"]
    assert Order.objects.get(order_no="B1").review_state == ReviewState.EXCEPTION
    assert Customer.objects.get(buyer_id="tb_old").name == "老客"
    assert Customer.objects.get(buyer_id="tb_buyer_1").order_count == 3


def test_importing_the_same_export_again_only_reads(manager, mixed_export):
    run_import(ORDERS, io.BytesIO(mixed_export), name="mixed.csv", user=manager)

    with CaptureQueriesContext(connection) as queries:
        again = run_import(ORDERS, io.BytesIO(mixed_export), name="mixed.csv", user=manager)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 11)
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []

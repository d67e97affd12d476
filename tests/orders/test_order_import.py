"""The orders import: a marketplace order export, one row per order line."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from orders import selectors
from orders.models import (
    EventKind,
    Order,
    OrderEvent,
    OrderStatus,
    ReviewReason,
    ReviewState,
    Shipment,
)
from storeops.imports import registry
from storeops.imports.runner import run_import
from tests.orders.conftest import stock_of

ORDERS = registry.get("orders")

HEADER = (
    "店铺,订单编号,订单状态,订单创建时间,付款时间,买家会员名,收货人姓名,联系手机,收货地址,"
    "商家编码,宝贝标题,购买数量,价格,单品优惠,店铺优惠,买家应付邮费,实付金额,买家留言,"
    "物流公司,物流单号,发货时间"
)
ADDRESS = "浙江省 杭州市 西湖区文三路 100 号"


def row(
    order_no="T1001",
    status="买家已付款",
    sku="TEE-RED-M",
    quantity=1,
    price="89.00",
    line_discount="0.00",
    order_discount="0.00",
    shipping="0.00",
    paid="89.00",
    paid_at="2026-03-01 10:05:00",
    carrier="",
    tracking="",
    shipped_at="",
    channel="淘宝",
    placed_at="2026-03-01 10:00:00",
    note="",
) -> str:
    return (
        f"{channel},{order_no},{status},{placed_at},{paid_at},tb_buyer_1,张三,13800138000,"
        f"{ADDRESS},{sku},红色T恤,{quantity},{price},{line_discount},{order_discount},"
        f"{shipping},{paid},{note},{carrier},{tracking},{shipped_at}"
    )


def csv_file(*rows: str, encoding: str = "gb18030") -> io.BytesIO:
    return io.BytesIO(("\n".join([HEADER, *rows]) + "\n").encode(encoding))


def run(source, user, name="orders.csv", **options):
    return run_import(ORDERS, source, name=name, user=user, **options)


def problems(result) -> list[tuple]:
    return [(p.row, p.column, p.message) for p in result.problems]


def test_gb18030_csv_with_chinese_headers_creates_a_paid_order_that_reserves_stock(
    manager, tee, cap
):
    source = csv_file(
        row(
            sku="TEE-RED-M",
            quantity=2,
            line_discount="8.00",
            order_discount="20.00",
            shipping="10.00",
            paid="205.00",
        ),
        row(
            sku="CAP-BLUE",
            quantity=1,
            price="45.00",
            line_discount="0.00",
            order_discount="20.00",
            shipping="10.00",
            paid="205.00",
        ),
    )

    result = run(source, manager)

    assert result.ok, problems(result)
    assert (result.encoding, result.created) == ("gb18030", 2)
    order = Order.objects.get(order_no="T1001")
    assert order.channel.code == "taobao" and order.is_imported
    assert order.status == OrderStatus.PAID
    assert (order.goods_total, order.line_discount_total) == (Decimal("223.00"), Decimal("8.00"))
    assert (order.order_discount_total, order.shipping_fee) == (Decimal("20.00"), Decimal("10.00"))
    assert order.paid_total == Decimal("205.00")
    assert order.buyer_nickname == "tb_buyer_1" and order.recipient_name == "张三"
    assert stock_of(tee) == (10, 2) and stock_of(cap) == (5, 1)
    note = order.events.get(kind=EventKind.NOTE)
    assert (note.message, note.by, note.after) == ("import orders.csv", manager, {"status": "paid"})


def test_xlsx_export_imports_like_csv(manager, tee):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(row(order_no="X1").split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = run(buffer, manager, name="orders.xlsx")

    assert result.ok, problems(result)
    assert result.file_format == "xlsx"
    assert Order.objects.get(order_no="X1").paid_total == Decimal("89.00")


def test_rows_of_one_order_far_apart_are_written_as_one_order_across_batches(
    manager, tee, cap, monkeypatch
):
    monkeypatch.setattr(ORDERS, "batch_size", 1)
    source = csv_file(
        row(order_no="A1", sku="TEE-RED-M", paid="134.00"),
        row(order_no="B2", sku="TEE-RED-M"),
        row(order_no="A1", sku="CAP-BLUE", price="45.00", paid="134.00"),
    )

    result = run(source, manager)

    assert result.ok, problems(result)
    assert result.created == 3
    assert Order.objects.get(order_no="A1").lines.count() == 2
    assert Order.objects.get(order_no="B2").lines.count() == 1


def test_rows_of_one_order_that_disagree_are_refused_on_the_disagreeing_row(manager, tee, cap):
    source = csv_file(
        row(sku="TEE-RED-M", paid="134.00"),
        row(sku="CAP-BLUE", price="45.00", paid="134.00", shipping="5.00"),
    )

    result = run(source, manager)

    assert [(p.row, p.column) for p in result.problems] == [(3, "Shipping fee")]
    assert "differ from its first row (row 2)" in result.problems[0].message
    assert not Order.objects.exists()


def test_a_paid_total_that_does_not_add_up_is_refused_with_its_row(manager, tee):
    source = csv_file(row(order_no="OK1"), row(order_no="BAD", paid="80.00"))

    result = run(source, manager)

    assert [(p.row, p.column) for p in result.problems] == [(3, "Amount paid")]
    assert "= 89.00" in result.problems[0].message
    assert not Order.objects.exists()


def test_unknown_sku_and_bad_dates_are_reported_with_their_rows(manager, tee):
    source = csv_file(
        row(order_no="A1"),
        row(order_no="A2", sku="NOPE-1"),
        row(order_no="A3", paid_at="2026-13-45 99:00"),
    )

    result = run(source, manager)

    assert [(p.row, p.column) for p in result.problems] == [(3, "SKU code"), (4, "Paid at")]
    assert "NOPE-1" in result.problems[0].message
    assert not Order.objects.exists()


def test_unknown_channel_is_refused(manager, tee):
    result = run(csv_file(row(channel="拼多多X")), manager)

    assert [(p.row, p.column) for p in result.problems] == [(2, "Channel")]


def test_importing_the_same_file_again_changes_nothing(manager, tee, sf):
    content = csv_file(
        row(status="卖家已发货", carrier="sf", tracking="SF100", shipped_at="2026-03-02 09:00:00")
    ).getvalue()
    run(io.BytesIO(content), manager)
    events = OrderEvent.objects.count()

    again = run(io.BytesIO(content), manager)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert OrderEvent.objects.count() == events
    assert Shipment.objects.count() == 1


def test_newer_export_moves_status_forward_and_writes_the_timeline(manager, tee, sf):
    run(csv_file(row()), manager, name="monday.csv")

    result = run(
        csv_file(
            row(
                status="卖家已发货",
                carrier="SF Express",
                tracking="SF200",
                shipped_at="2026-03-02 09:00:00",
            )
        ),
        manager,
        name="tuesday.csv",
    )

    assert result.updated == 1
    order = Order.objects.get(order_no="T1001")
    assert order.status == OrderStatus.SHIPPED
    shipment = order.shipments.get()
    assert (shipment.carrier, shipment.tracking_number) == (sf, "SF200")
    assert stock_of(tee) == (9, 0)
    note = order.events.filter(kind=EventKind.NOTE).last()
    assert (note.message, note.by) == ("import tuesday.csv", manager)
    assert (note.before, note.after) == ({"status": "paid"}, {"status": "shipped"})


def test_a_backward_status_is_ignored_not_an_error(manager, tee):
    run(csv_file(row(status="交易成功")), manager)
    events = OrderEvent.objects.count()

    result = run(csv_file(row(status="买家已付款")), manager)

    assert result.ok and result.unchanged == 1
    assert Order.objects.get().status == OrderStatus.COMPLETED
    assert OrderEvent.objects.count() == events


def test_an_out_of_stock_import_lands_in_the_exception_queue(manager, tee):
    result = run(csv_file(row(quantity=50, paid="4450.00")), manager)

    assert result.ok, problems(result)
    order = Order.objects.get()
    assert (order.status, order.review_state) == (OrderStatus.PAID, ReviewState.EXCEPTION)
    assert "out_of_stock" in order.review_reasons
    assert list(selectors.exception_queue()) == [order]
    assert stock_of(tee) == (10, 0)


def test_completed_history_moves_no_stock(manager, tee, sf):
    result = run(
        csv_file(
            row(
                status="交易成功",
                quantity=3,
                paid="267.00",
                carrier="sf",
                tracking="SF300",
                shipped_at="2026-03-02 09:00:00",
            )
        ),
        manager,
    )

    assert result.ok, problems(result)
    order = Order.objects.get()
    assert order.status == OrderStatus.COMPLETED
    assert order.business_date.isoformat() == "2026-03-01"
    assert order.shipments.get().tracking_number == "SF300"
    assert stock_of(tee) == (10, 0)


def test_closed_unpaid_order_is_recorded_without_payment(manager, tee):
    result = run(csv_file(row(status="交易关闭", paid_at="")), manager)

    assert result.ok, problems(result)
    order = Order.objects.get()
    assert (order.status, order.paid_at) == (OrderStatus.CLOSED, None)
    assert stock_of(tee) == (10, 0)


def test_a_warehouse_clerk_may_not_import_orders(warehouse_clerk, service_agent):
    assert "orders" not in registry.kinds_for(warehouse_clerk)
    assert "orders" in registry.kinds_for(service_agent)


def test_cli_imports_an_orders_file(tmp_path, tee, manager, capsys):
    path = tmp_path / "orders.csv"
    path.write_bytes(csv_file(row(order_no="CLI1")).getvalue())

    call_command("import", "orders", str(path))

    assert Order.objects.get(order_no="CLI1").status == OrderStatus.PAID
    assert "1" in capsys.readouterr().out


@pytest.mark.parametrize(
    "word, status",
    [
        ("等待买家付款", OrderStatus.PENDING_PAYMENT),
        ("等待卖家发货", OrderStatus.PAID),
        ("等待买家确认收货", OrderStatus.SHIPPED),
    ],
)
def test_marketplace_status_words_map_to_statuses(manager, tee, word, status):
    paid_at = "" if status == OrderStatus.PENDING_PAYMENT else "2026-03-01 10:05:00"

    result = run(csv_file(row(status=word, paid_at=paid_at)), manager)

    assert result.ok, problems(result)
    assert Order.objects.get().status == status


def test_a_one_column_address_gives_the_region_and_the_order_passes_the_address_check(manager, tee):
    result = run(csv_file(row()), manager)

    assert result.ok, problems(result)
    order = Order.objects.get(order_no="T1001")
    assert (order.province, order.city, order.address) == ("浙江省", "杭州市", ADDRESS)
    assert order.review_state == ReviewState.RELEASED, order.review_reasons


def test_an_address_without_a_region_still_waits_as_incomplete(manager, tee):
    source = io.BytesIO(
        ("\n".join([HEADER, row().replace(ADDRESS, "文三路 100 号")]) + "\n").encode("gb18030")
    )

    result = run(source, manager)

    assert result.ok, problems(result)
    order = Order.objects.get(order_no="T1001")
    assert (order.province, order.city) == ("", "")
    assert order.review_state == ReviewState.EXCEPTION
    assert ReviewReason.INCOMPLETE_ADDRESS in order.review_reasons

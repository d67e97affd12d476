"""The refunds import: a marketplace refund export, one row per refund number."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from orders.models import AfterSalesCase, CaseState, CaseType, OrderEvent, Refund
from storeops.imports import registry
from storeops.imports.runner import run_import
from tests.orders.factories import build_order

REFUNDS = registry.get("refunds")
HEADER = "店铺,订单编号,退款编号,商家编码,售后类型,退款原因,退款金额,申请时间,退款完成时间,退款状态"


def row(
    refund_no="R1",
    order_no="T1001",
    sku="",
    kind="仅退款",
    reason="质量问题",
    amount="50.00",
    status="退款成功",
    refunded_at="2026-03-03 12:00:00",
) -> str:
    return (
        f"淘宝,{order_no},{refund_no},{sku},{kind},{reason},{amount},2026-03-03 10:00:00,"
        f"{refunded_at},{status}"
    )


def csv_file(*rows: str) -> io.BytesIO:
    return io.BytesIO(("\n".join([HEADER, *rows]) + "\n").encode("gb18030"))


def run(source, user, name="refunds.csv"):
    return run_import(REFUNDS, source, name=name, user=user)


@pytest.fixture
def order(manager, tee, cap):
    """T1001: 1 × TEE-RED-M (89.00) + 1 × CAP-BLUE (45.00), paid 134.00."""
    return build_order(by=manager, items=[(tee, 1), (cap, 1)], order_no="T1001")


def test_refunded_row_moves_money_through_the_refund_services(manager, order):
    result = run(csv_file(row(amount="50.00")), manager)

    assert result.ok, result.problems
    assert result.created == 1
    order.refresh_from_db()
    assert order.refunded_total == Decimal("50.00")
    case = AfterSalesCase.objects.get(refund_no="R1")
    assert (case.kind, case.state, case.reason.code) == (
        CaseType.REFUND_ONLY,
        CaseState.REFUNDED,
        "quality",
    )
    refund = Refund.objects.get()
    assert (refund.amount, refund.status, refund.business_date.isoformat()) == (
        Decimal("50.00"),
        "completed",
        "2026-03-03",
    )


def test_a_requested_refund_moves_no_money_until_the_channel_reports_it_refunded(manager, order):
    run(csv_file(row(status="等待卖家同意", refunded_at="")), manager)
    order.refresh_from_db()
    assert order.refunded_total == Decimal("0.00")
    assert AfterSalesCase.objects.get().state == CaseState.REQUESTED

    result = run(csv_file(row(status="退款成功")), manager)

    assert result.updated == 1
    order.refresh_from_db()
    assert order.refunded_total == Decimal("50.00")
    assert AfterSalesCase.objects.get().state == CaseState.REFUNDED


def test_a_refund_of_one_sku_refunds_that_line(manager, order):
    result = run(csv_file(row(sku="CAP-BLUE", amount="45.00")), manager)

    assert result.ok, result.problems
    line = order.lines.get(sku_code="CAP-BLUE")
    assert (line.refunded_quantity, line.refunded_amount) == (1, Decimal("45.00"))


def test_the_same_file_twice_changes_nothing(manager, order):
    content = csv_file(row()).getvalue()
    run(io.BytesIO(content), manager)
    events = OrderEvent.objects.count()

    again = run(io.BytesIO(content), manager)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Refund.objects.count() == 1
    assert OrderEvent.objects.count() == events
    order.refresh_from_db()
    assert order.refunded_total == Decimal("50.00")


def test_refunds_never_exceed_what_was_paid(manager, order):
    source = csv_file(row(refund_no="R1", amount="100.00"), row(refund_no="R2", amount="40.00"))

    result = run(source, manager)

    assert [(p.row, p.column) for p in result.problems] == [(3, "")]
    assert "more than" in result.problems[0].message
    order.refresh_from_db()
    assert order.refunded_total == Decimal("0.00")
    assert not AfterSalesCase.objects.exists() and not Refund.objects.exists()


def test_unknown_order_and_unknown_sku_are_reported_with_their_rows(manager, order):
    source = csv_file(row(refund_no="R1", order_no="NOPE"), row(refund_no="R2", sku="HAT-1"))

    result = run(source, manager)

    assert [(p.row, p.column) for p in result.problems] == [
        (2, "Order number"),
        (3, "SKU code"),
    ]


def test_xlsx_refund_export_with_english_words(manager, order):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "channel",
            "order_no",
            "refund_no",
            "sku_code",
            "type",
            "reason",
            "amount",
            "requested_at",
            "refunded_at",
            "status",
        ]
    )
    sheet.append(
        [
            "taobao",
            "T1001",
            "R9",
            "",
            "refund_only",
            "other",
            "10.00",
            "2026-03-03 10:00:00",
            "",
            "approved",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = run(buffer, manager, name="refunds.xlsx")

    assert result.ok, result.problems
    assert AfterSalesCase.objects.get().state == CaseState.APPROVED
    order.refresh_from_db()
    assert order.refunded_total == Decimal("0.00")


def test_a_warehouse_clerk_may_not_import_refunds(warehouse_clerk):
    assert "refunds" not in registry.kinds_for(warehouse_clerk)

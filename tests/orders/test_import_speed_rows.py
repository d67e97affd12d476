"""The set-based orders import writes whole rows: every column as the per-order import has it."""

from __future__ import annotations

import gc
import io

import pytest

from customers.models import Customer, SalesChannel
from orders.models import Order, OrderLine
from orders.services import bulk_intake
from storeops.copy_insert import insert_new_rows
from storeops.imports.runner import run_import
from tests.orders.test_import_speed_path import (  # noqa: F401 (mixed_export: a fixture)
    ORDERS,
    export,
    import_both_ways,
    mixed_export,
    row,
)

# Columns that differ between two imports of the same file whatever the path.
NOT_COMPARED = {"id", "created_at", "updated_at"}


def whole_rows() -> dict[str, list]:
    """Every column of the orders and lines, ids replaced by natural keys."""
    buyers = dict(Customer.objects.values_list("pk", "buyer_id"))
    numbers = dict(Order.objects.values_list("pk", "order_no"))
    orders = []
    for values in Order.objects.order_by("order_no").values():
        values["customer_id"] = buyers[values["customer_id"]]
        orders.append({key: value for key, value in values.items() if key not in NOT_COMPARED})
    lines = []
    for values in OrderLine.objects.order_by("order__order_no", "pk").values():
        values["order_id"] = numbers[values["order_id"]]
        lines.append({key: value for key, value in values.items() if key not in NOT_COMPARED})
    return {"orders": orders, "lines": lines}


def test_set_based_import_writes_every_order_and_line_column_as_the_per_order_import(
    manager,
    mixed_export,  # noqa: F811 (the fixture imported above)
    monkeypatch,
):
    monkeypatch.setattr("tests.orders.test_import_speed_path.snapshot", whole_rows)

    per_order, set_based = import_both_ways(mixed_export, manager, monkeypatch)

    assert len(set_based["orders"]) == 11
    assert set_based["orders"] == per_order["orders"]
    assert set_based["lines"] == per_order["lines"]


def test_stored_statuses_finds_only_the_stored_orders_asked_for(manager, tee):
    run_import(ORDERS, io.BytesIO(export(row("S1"), row("S2"))), name="s.csv", user=manager)
    taobao = SalesChannel.objects.get(code="taobao")

    statuses = bulk_intake.stored_statuses(
        keys=[(taobao.pk, "S1"), (taobao.pk, "S3"), (taobao.pk + 1000, "S2")]
    )

    assert statuses == {(taobao.pk, "S1"): "paid"}


def test_insert_new_rows_returns_the_ids_in_the_order_given_and_fills_the_defaults(db):
    taobao = SalesChannel.objects.get(code="taobao")

    ids = insert_new_rows(
        Customer,
        fields=("channel_id", "buyer_id", "phone"),
        rows=[(taobao.pk, "first", ""), (taobao.pk, "second", "13800000000")],
    )

    stored = {customer.pk: customer for customer in Customer.objects.filter(pk__in=ids)}
    assert [stored[pk].buyer_id for pk in ids] == ["first", "second"]
    made = Customer(channel=taobao, buyer_id="second", phone="13800000000")
    assert (stored[ids[1]].name, stored[ids[1]].order_count, stored[ids[1]].amount_spent) == (
        made.name,
        made.order_count,
        made.amount_spent,
    )


def test_insert_new_rows_refuses_the_primary_key_and_automatic_stamps(db):
    with pytest.raises(ValueError):
        insert_new_rows(Customer, fields=("id", "buyer_id"), rows=[(1, "x")])
    with pytest.raises(ValueError):
        insert_new_rows(Customer, fields=("buyer_id", "created_at"), rows=[("x", None)])


@pytest.mark.parametrize("was_enabled", [True, False])
def test_an_import_leaves_the_garbage_collector_as_it_found_it(manager, tee, was_enabled):
    (gc.enable if was_enabled else gc.disable)()
    try:
        run_import(ORDERS, io.BytesIO(export(row("G1"))), name="g.csv", user=manager)

        assert gc.isenabled() is was_enabled
    finally:
        gc.enable()

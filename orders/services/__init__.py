"""Order services: every write to orders, shipments, after-sales and refunds.

``from orders import services`` gives the whole public API; each topic lives
in its own module (intake, review, shipping, lifecycle, refunds, after_sales).
"""

from orders.services.after_sales import (
    add_case_note,
    approve_case,
    close_case,
    create_replacement_order,
    mark_awaiting_return,
    open_case,
    receive_return,
    refund_case,
    reject_case,
)
from orders.services.common import unit_cost_at
from orders.services.customers import rebuild_customer_totals
from orders.services.intake import LineInput, create_order, pay_order
from orders.services.lifecycle import (
    add_note,
    assign_order,
    cancel_order,
    close_order,
    complete_order,
)
from orders.services.refunds import (
    approve_refund,
    refund_limit_for,
    refund_order,
    reject_refund,
)
from orders.services.review import (
    approve_order,
    change_line_variant,
    hold_order,
    merge_orders,
    split_into_shipments,
    update_address,
)
from orders.services.shipping import mark_delivered, ship_order, shipping_cost_for

__all__ = [
    "LineInput",
    "add_case_note",
    "add_note",
    "approve_case",
    "approve_order",
    "approve_refund",
    "assign_order",
    "cancel_order",
    "change_line_variant",
    "close_case",
    "close_order",
    "complete_order",
    "create_order",
    "create_replacement_order",
    "hold_order",
    "mark_awaiting_return",
    "mark_delivered",
    "merge_orders",
    "open_case",
    "pay_order",
    "rebuild_customer_totals",
    "receive_return",
    "refund_case",
    "refund_limit_for",
    "refund_order",
    "reject_case",
    "reject_refund",
    "ship_order",
    "shipping_cost_for",
    "split_into_shipments",
    "unit_cost_at",
    "update_address",
]

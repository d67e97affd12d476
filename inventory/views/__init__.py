"""Inventory pages, one module per area."""

from inventory.views.purchasing import (
    purchase_order_cancel,
    purchase_order_create,
    purchase_order_detail,
    purchase_order_edit,
    purchase_order_list,
    purchase_order_place,
    purchase_order_receive,
    reorder_create_draft,
    reorder_suggestions,
)
from inventory.views.slow_movers import slow_movers
from inventory.views.stock import sku_detail, stock_list
from inventory.views.stocktake import (
    stocktake_cancel,
    stocktake_count,
    stocktake_create,
    stocktake_detail,
    stocktake_finish,
    stocktake_list,
    stocktake_post,
    stocktake_reopen,
    stocktake_sheet,
)

__all__ = [
    "purchase_order_cancel",
    "purchase_order_create",
    "purchase_order_detail",
    "purchase_order_edit",
    "purchase_order_list",
    "purchase_order_place",
    "purchase_order_receive",
    "reorder_create_draft",
    "reorder_suggestions",
    "sku_detail",
    "slow_movers",
    "stock_list",
    "stocktake_cancel",
    "stocktake_count",
    "stocktake_create",
    "stocktake_detail",
    "stocktake_finish",
    "stocktake_list",
    "stocktake_post",
    "stocktake_reopen",
    "stocktake_sheet",
]

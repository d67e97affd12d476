"""Inventory models, one module per area; import them from here."""

from inventory.models.purchasing import (
    PurchaseOrder,
    PurchaseOrderEvent,
    PurchaseOrderEventKind,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Receipt,
    ReceiptLine,
)
from inventory.models.stock import MovementKind, StockLevel, StockMovement, Warehouse
from inventory.models.stocktake import Stocktake, StocktakeLine, StocktakeStatus

__all__ = [
    "MovementKind",
    "PurchaseOrder",
    "PurchaseOrderEvent",
    "PurchaseOrderEventKind",
    "PurchaseOrderLine",
    "PurchaseOrderStatus",
    "Receipt",
    "ReceiptLine",
    "StockLevel",
    "StockMovement",
    "Stocktake",
    "StocktakeLine",
    "StocktakeStatus",
    "Warehouse",
]

"""Orders, shipments, after-sales and their settings, one module per topic."""

from orders.models.after_sales import (
    AfterSalesCase,
    AfterSalesLine,
    AfterSalesReason,
    CaseState,
    CaseType,
    Refund,
    RefundLine,
    RefundStatus,
)
from orders.models.api import IdempotencyRecord
from orders.models.orders import (
    EventKind,
    Order,
    OrderEvent,
    OrderKind,
    OrderLine,
    OrderStatus,
    ReviewReason,
    ReviewState,
)
from orders.models.settings import OrderSettings
from orders.models.shipping import Carrier, RateCard, Shipment, ShipmentLine, ShipmentStatus

__all__ = [
    "AfterSalesCase",
    "AfterSalesLine",
    "AfterSalesReason",
    "Carrier",
    "CaseState",
    "CaseType",
    "EventKind",
    "IdempotencyRecord",
    "Order",
    "OrderEvent",
    "OrderKind",
    "OrderLine",
    "OrderSettings",
    "OrderStatus",
    "RateCard",
    "Refund",
    "RefundLine",
    "RefundStatus",
    "ReviewReason",
    "ReviewState",
    "Shipment",
    "ShipmentLine",
    "ShipmentStatus",
]

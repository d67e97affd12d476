"""Import kinds of the orders app: orders, refunds, shipments and carrier bills."""

from orders.importers import carrier_bill, orders, refunds, shipments

__all__ = ["carrier_bill", "orders", "refunds", "shipments"]

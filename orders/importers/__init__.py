"""Import kinds of the orders app: orders and refunds from a channel's export files."""

from orders.importers import orders, refunds, shipments

__all__ = ["orders", "refunds", "shipments"]

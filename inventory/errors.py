"""Errors the stock services raise. Each one means nothing was changed."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class StockError(ValidationError):
    """A refused stock change: bad input or a rule that would be broken.

    It is a ``ValidationError`` so that forms and the API can show it as one;
    ``code`` names the rule (``insufficient_stock``, ``unknown_sku`` ...).
    """

    def __init__(self, message: Any, *, code: str = "stock_error", **details: Any) -> None:
        super().__init__(message, code=code, params=details or None)
        self.details = details
        for name, value in details.items():
            setattr(self, name, value)

    def __str__(self) -> str:
        return str(self.message % self.params if self.params else self.message)


class InsufficientStock(StockError):
    """Fewer units are available than the change asks for."""

    def __init__(self, *, sku: str, warehouse: str, requested: int, available: int) -> None:
        super().__init__(
            _(
                "Insufficient stock for %(sku)s in %(warehouse)s: "
                "%(requested)s requested, %(available)s available."
            ),
            code="insufficient_stock",
            sku=sku,
            warehouse=warehouse,
            requested=requested,
            available=available,
        )


class UnknownSku(StockError):
    def __init__(self, *, sku: str) -> None:
        super().__init__(_("Unknown SKU code: %(sku)s."), code="unknown_sku", sku=sku)


class UnknownWarehouse(StockError):
    def __init__(self, *, warehouse: str) -> None:
        super().__init__(
            _("Unknown warehouse: %(warehouse)s."), code="unknown_warehouse", warehouse=warehouse
        )


class PurchasingError(StockError):
    """A refused purchase-order action: an illegal status move, a bad line or quantity.

    ``code`` names the rule (``illegal_transition``, ``over_delivery``, ``empty_order`` ...).
    """

    def __init__(self, message: Any, *, code: str = "purchasing_error", **details: Any) -> None:
        super().__init__(message, code=code, **details)


class StocktakeError(StockError):
    """A refused stocktake action: an illegal status move, a bad count, a SKU out of scope.

    ``code`` names the rule (``illegal_transition``, ``already_posted``, ``invalid_count`` ...).
    """

    def __init__(self, message: Any, *, code: str = "stocktake_error", **details: Any) -> None:
        super().__init__(message, code=code, **details)

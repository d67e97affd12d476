"""Money: Decimal amounts in the store currency, rounded half-up in one place."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import models

MAX_DIGITS = 14
DECIMAL_PLACES = 2
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def MoneyField(*args: Any, **kwargs: Any) -> models.DecimalField:
    """A money column: 14 digits, 2 places (the minor unit of STORE_CURRENCY)."""
    kwargs.setdefault("max_digits", MAX_DIGITS)
    kwargs.setdefault("decimal_places", DECIMAL_PLACES)
    return models.DecimalField(*args, **kwargs)


def RateField(*args: Any, **kwargs: Any) -> models.DecimalField:
    """A rate such as a commission of 0.0550 (5.5 %): wider than money."""
    kwargs.setdefault("max_digits", 9)
    kwargs.setdefault("decimal_places", 6)
    return models.DecimalField(*args, **kwargs)


def quantize(amount: Decimal) -> Decimal:
    """Round to the cent, half up. The only place StoreOps rounds money."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(value: Any) -> Decimal:
    """An exact Decimal from a str, int or Decimal; floats are refused."""
    if isinstance(value, float):
        raise TypeError("money must not be built from a float")
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError) as error:
        raise ValueError(f"not an amount: {value!r}") from error

"""Errors the order services raise. Each one means nothing was changed."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class OrderError(ValidationError):
    """A refused order or after-sales action, with a message for the user.

    A ``ValidationError`` so forms and the API show it as one; ``code`` names
    the rule (``illegal_transition``, ``refund_exceeds_paid`` ...).
    """

    def __init__(self, message: Any, *, code: str = "order_error", **details: Any) -> None:
        super().__init__(message, code=code, params=details or None)
        self.details = details

    def __str__(self) -> str:
        return str(self.message % self.params if self.params else self.message)

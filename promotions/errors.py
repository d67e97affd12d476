"""Errors the promotion services raise. Each one means nothing was changed."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class PromotionError(ValidationError):
    """A refused pricing or coupon action; ``code`` names the rule.

    A ``ValidationError`` so forms and the API show it as one. One with
    ``status_code = 409`` is answered by the API as a conflict.
    """

    def __init__(
        self, message: Any, *, code: str = "promotion_error", status_code: int = 400, **details: Any
    ) -> None:
        super().__init__(message, code=code, params=details or None)
        self.details = details
        self.status_code = status_code

    def __str__(self) -> str:
        return str(self.message % self.params if self.params else self.message)

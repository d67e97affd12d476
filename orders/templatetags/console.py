"""Template filters of the order console."""

from __future__ import annotations

from django import template

from customers.selectors import mask_phone

register = template.Library()


@register.filter
def masked_phone(phone: str) -> str:
    """Lists show phones masked (138****1234); only the order page shows them in full."""
    return mask_phone(phone or "")

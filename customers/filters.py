"""Filters on sales channels, for the apps above that list rows per channel."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from customers.models import SalesChannel


def sales_channel() -> django_filters.ModelChoiceFilter:
    """A sales channel picked by its code (`?channel=tmall`), all channels when empty."""
    return django_filters.ModelChoiceFilter(
        label=_("Channel"),
        queryset=SalesChannel.objects.order_by("position", "code"),
        to_field_name="code",
        empty_label=_("All channels"),
    )

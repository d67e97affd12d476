"""Filters shared by the list pages and API endpoints of several apps."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _


def day_range(field_name: str) -> tuple[django_filters.DateFilter, django_filters.DateFilter]:
    """`date_from` and `date_to` (inclusive) on the date field `field_name`, as date pickers.

    In a FilterSet: ``date_from, date_to = day_range("date")``.
    """
    return (
        django_filters.DateFilter(
            label=_("From"),
            field_name=field_name,
            lookup_expr="gte",
            widget=forms.DateInput(attrs={"type": "date"}),
        ),
        django_filters.DateFilter(
            label=_("To"),
            field_name=field_name,
            lookup_expr="lte",
            widget=forms.DateInput(attrs={"type": "date"}),
        ),
    )

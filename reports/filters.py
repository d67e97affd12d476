"""Filters of traffic and store ratings: one set serves the pages and the API."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import SalesChannel
from reports.models import DailyTraffic, StoreRating


class _DayRangeFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        label=_("From"),
        field_name="date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label=_("To"),
        field_name="date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    channel = django_filters.ModelChoiceFilter(
        label=_("Channel"),
        queryset=SalesChannel.objects.order_by("position", "code"),
        to_field_name="code",
        empty_label=_("All channels"),
    )


class TrafficFilter(_DayRangeFilter):
    source = django_filters.CharFilter(label=_("Traffic source"), field_name="source")

    class Meta:
        model = DailyTraffic
        fields = ["date_from", "date_to", "channel", "source"]


class StoreRatingFilter(_DayRangeFilter):
    class Meta:
        model = StoreRating
        fields = ["date_from", "date_to", "channel"]

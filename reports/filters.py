"""Filters of traffic and store ratings: one set serves the pages and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from customers.filters import sales_channel
from reports.models import DailyTraffic, StoreRating
from storeops.filters import day_range


class _DayRangeFilter(django_filters.FilterSet):
    date_from, date_to = day_range("date")
    channel = sales_channel()


class TrafficFilter(_DayRangeFilter):
    source = django_filters.CharFilter(label=_("Traffic source"), field_name="source")

    class Meta:
        model = DailyTraffic
        fields = ["date_from", "date_to", "channel", "source"]


class StoreRatingFilter(_DayRangeFilter):
    class Meta:
        model = StoreRating
        fields = ["date_from", "date_to", "channel"]

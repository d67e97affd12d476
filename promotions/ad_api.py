"""REST endpoint of paid traffic.

`GET /api/v1/ad-spend/` (VIEW_AD_SPEND) lists spend rows, filtered by
`date_from`, `date_to`, `channel` (ad channel code) and `campaign`; `POST` one
object or a list of objects with the ad spend import's columns (VIEW_AD_SPEND +
IMPORT_DATA): the same checks as a file import, every problem reported by
position (from 1), upsert on (date, channel, campaign), all or nothing.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from promotions import ad_selectors
from promotions.models import AdChannel, AdSpendDay
from storeops.filters import day_range
from storeops.imports.api import UPSERT_RESPONSES, upsert_records_response
from storeops.roles import Capability, CapabilityPermission


class AdSpendFilter(django_filters.FilterSet):
    """One filter for the ad spend page and the API."""

    date_from, date_to = day_range("date")
    channel = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Ad channel"),
        queryset=AdChannel.objects.order_by("position", "code"),
        to_field_name="code",
        empty_label=gettext_lazy("All ad channels"),
    )
    campaign = django_filters.CharFilter(label=gettext_lazy("Campaign"), field_name="campaign")

    class Meta:
        model = AdSpendDay
        fields = ["date_from", "date_to", "channel", "campaign"]


class AdSpendSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = AdSpendDay
        fields = [
            "id",
            "date",
            "channel",
            "campaign",
            "impressions",
            "clicks",
            "spend",
            "attributed_orders",
            "attributed_sales",
            "attribution_days",
            "updated_at",
        ]


class AdSpendViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Paid-traffic figures per ad channel, campaign (blank = channel total) and day."""

    permission_classes = [CapabilityPermission]
    serializer_class = AdSpendSerializer
    filterset_class = AdSpendFilter
    ordering_fields = ["date", "updated_at"]

    @property
    def required_capabilities(self) -> list[Capability]:
        if self.request is not None and self.request.method == "POST":
            return [Capability.VIEW_AD_SPEND, Capability.IMPORT_DATA]
        return [Capability.VIEW_AD_SPEND]

    def get_queryset(self):
        return ad_selectors.ad_spend_rows()

    @extend_schema(responses=UPSERT_RESPONSES)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return upsert_records_response("ad_spend", request)

"""REST endpoint of live-stream sessions.

`GET /api/v1/live-sessions/` (VIEW_AD_SPEND) lists sessions, filtered by
`date_from` and `date_to` (business days of the start, inclusive) and `channel`
(sales channel code); `POST` one object or a list of objects with the live
sessions import's columns (VIEW_AD_SPEND + IMPORT_DATA): the same checks as a
file import, every problem reported by position (from 1), upsert on
(channel, started_at), all or nothing. Sending the same sessions again
replaces them with the same figures ("unchanged"), so a retried POST is safe.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from customers.filters import sales_channel
from promotions import live_selectors
from promotions.models import LiveSession
from storeops.filters import day_range
from storeops.imports.api import UPSERT_RESPONSES, upsert_records_response
from storeops.roles import Capability, CapabilityPermission


class LiveSessionFilter(django_filters.FilterSet):
    """The API's filter of sessions: business days of the start and the channel."""

    date_from, date_to = day_range("business_date")
    channel = sales_channel()

    class Meta:
        model = LiveSession
        fields = ["date_from", "date_to", "channel"]


class LiveSessionSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = LiveSession
        fields = [
            "id",
            "channel",
            "started_at",
            "business_date",
            "title",
            "host",
            "duration_minutes",
            "viewers",
            "product_clicks",
            "buyers",
            "orders",
            "sales",
            "updated_at",
        ]


class LiveSessionRecordSerializer(serializers.Serializer):
    """One session as POSTed: the live sessions import's columns (documentation only)."""

    channel = serializers.CharField(help_text=gettext_lazy("Sales channel code or name."))
    started_at = serializers.CharField(
        help_text=gettext_lazy("Start time; store-local unless an offset is given.")
    )
    duration_minutes = serializers.CharField(
        required=False, help_text=gettext_lazy("Minutes (90) or hours:minutes:seconds (1:30:00).")
    )
    viewers = serializers.IntegerField(required=False, min_value=0)
    product_clicks = serializers.IntegerField(required=False, min_value=0)
    buyers = serializers.IntegerField(required=False, min_value=0)
    orders = serializers.IntegerField(required=False, min_value=0)
    sales = serializers.DecimalField(
        required=False, max_digits=14, decimal_places=2, min_value=0, coerce_to_string=True
    )
    title = serializers.CharField(required=False, allow_blank=True)
    host = serializers.CharField(required=False, allow_blank=True)


class LiveSessionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Live-stream sessions per sales channel, as the platforms report them."""

    permission_classes = [CapabilityPermission]
    serializer_class = LiveSessionSerializer
    filterset_class = LiveSessionFilter
    ordering_fields = ["started_at", "updated_at"]

    @property
    def required_capabilities(self) -> list[Capability]:
        if self.request is not None and self.request.method == "POST":
            return [Capability.VIEW_AD_SPEND, Capability.IMPORT_DATA]
        return [Capability.VIEW_AD_SPEND]

    def get_queryset(self):
        return live_selectors.live_sessions()

    @extend_schema(
        request=LiveSessionRecordSerializer,
        responses=UPSERT_RESPONSES,
        description=gettext_lazy(
            "Upsert sessions on (channel, started_at): one object or a list of objects. "
            "All or nothing; a bad row is reported by its position (from 1)."
        ),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return upsert_records_response("live_sessions", request)

"""REST endpoint for the pricing engine: ``POST /api/v1/pricing/quote``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.models import Customer, SalesChannel
from promotions import services
from storeops.api.errors import ErrorSerializer
from storeops.roles import Capability, has_capability

MAX_LINES = 200
MAX_COUPONS = 5
QUOTE_CAPABILITIES = (Capability.USE_ORDER_CONSOLE, Capability.MANAGE_PROMOTIONS)


class CanQuote(BasePermission):
    """Any one of the order console or promotion capabilities may ask for a quote."""

    message = _("Your role does not allow this.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated) and any(
            has_capability(request.user, capability) for capability in QUOTE_CAPABILITIES
        )


class QuoteLineSerializer(serializers.Serializer):
    sku_code = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)
    unit_price = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text=_("Defaults to the SKU's sale price."),
    )


class QuoteRequestSerializer(serializers.Serializer):
    lines = QuoteLineSerializer(many=True, allow_empty=False, max_length=MAX_LINES)
    customer_id = serializers.IntegerField(required=False, allow_null=True)
    channel_code = serializers.CharField(required=False, allow_blank=True, max_length=32)
    coupon_codes = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, max_length=MAX_COUPONS
    )
    at = serializers.DateTimeField(
        required=False, allow_null=True, help_text=_("The moment to price at; default now.")
    )

    def validate_customer_id(self, value: int | None) -> Customer | None:
        if value is None:
            return None
        customer = Customer.objects.filter(pk=value).first()
        if customer is None:
            raise serializers.ValidationError(_("No customer has this ID."))
        return customer

    def validate_channel_code(self, value: str) -> SalesChannel | None:
        if not value:
            return None
        channel = SalesChannel.objects.filter(code=value).first()
        if channel is None:
            raise serializers.ValidationError(_("No sales channel has this code."))
        return channel


class QuoteView(APIView):
    """Price a basket with the running promotions and the given coupons. Writes nothing."""

    permission_classes = [CanQuote]

    @extend_schema(
        request=QuoteRequestSerializer,
        responses={
            200: OpenApiResponse(description=str(_("The quote: lines, rules and totals."))),
            400: ErrorSerializer,
            403: ErrorSerializer,
        },
        tags=["pricing"],
    )
    def post(self, request: Request) -> Response:
        serializer = QuoteRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.quote(
            [
                (line["sku_code"], line["quantity"], line.get("unit_price"))
                for line in data["lines"]
            ],
            customer=data.get("customer_id"),
            channel=data.get("channel_code"),
            coupon_codes=data.get("coupon_codes", ()),
            at=data.get("at"),
        )
        return Response(result.as_dict())

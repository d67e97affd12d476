"""REST endpoints for orders and after-sales: serializers validate, services act."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import TokenAuthentication
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from catalog.selectors import products as catalog_selectors
from customers import selectors as customer_selectors
from customers.models import SalesChannel
from customers.selectors import mask_phone
from orders import selectors, services
from orders.errors import OrderError
from orders.models import (
    AfterSalesCase,
    AfterSalesReason,
    Carrier,
    CaseType,
    IdempotencyRecord,
    Order,
    OrderLine,
)
from storeops.api.auth import PreloadedTokenAuthentication
from storeops.api.errors import ApiError, error_body
from storeops.api.pagination import UncountedPagination
from storeops.api.permissions import PreloadedCapabilityPermission
from storeops.api.serializers import BuiltFieldsOnceMixin, ReadsWithBuiltFieldsMixin
from storeops.roles import Capability, has_capability


def _raise_api_error(error: OrderError) -> None:
    raise ApiError(
        str(error), code=error.code, status_code=getattr(error, "status_code", 400)
    ) from error


class OrderLineSerializer(ReadsWithBuiltFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = [
            "id",
            "sku_code",
            "title",
            "quantity",
            "unit_price",
            "line_discount",
            "order_discount_share",
            "paid_amount",
            "unit_cost",
            "shipped_quantity",
            "cancelled_quantity",
            "refunded_quantity",
            "refunded_amount",
        ]
        read_only_fields = fields


class OrderListSerializer(BuiltFieldsOnceMixin, serializers.ModelSerializer):
    """A list row: the phone is always masked here (138****8000)."""

    channel = serializers.CharField(source="channel.code")
    phone = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "channel",
            "order_no",
            "kind",
            "status",
            "review_state",
            "review_reasons",
            "buyer_nickname",
            "recipient_name",
            "phone",
            "province",
            "city",
            "placed_at",
            "paid_at",
            "business_date",
            "goods_total",
            "line_discount_total",
            "order_discount_total",
            "shipping_fee",
            "paid_total",
            "refunded_total",
            "updated_at",
        ]
        read_only_fields = fields

    def get_phone(self, order: Order) -> str:
        return mask_phone(order.phone)


class OrderDetailSerializer(ReadsWithBuiltFieldsMixin, OrderListSerializer):
    """One order: the full phone for roles that see customers; costs for roles that see costs."""

    lines = OrderLineSerializer(many=True, read_only=True)
    warehouse = serializers.CharField(source="warehouse.code", default=None)
    assigned_agent = serializers.CharField(source="assigned_agent.get_username", default=None)

    class Meta(OrderListSerializer.Meta):
        fields = [
            *OrderListSerializer.Meta.fields,
            "address",
            "buyer_note",
            "internal_notes",
            "coupon_code",
            "promotion_text",
            "warehouse",
            "assigned_agent",
            "is_imported",
            "lines",
        ]
        read_only_fields = fields

    def get_phone(self, order: Order) -> str:
        request = self.context.get("request")
        if request is not None and has_capability(request.user, Capability.VIEW_CUSTOMERS):
            return order.phone
        return mask_phone(order.phone)

    def to_representation(self, order: Order) -> dict[str, Any]:
        data = super().to_representation(order)
        request = self.context.get("request")
        if request is None or not has_capability(request.user, Capability.VIEW_COSTS):
            for line in data["lines"]:
                line.pop("unit_cost", None)
        return data


class LineInputSerializer(BuiltFieldsOnceMixin, serializers.Serializer):
    sku_code = serializers.CharField()
    quantity = serializers.IntegerField(min_value=1)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"))
    line_discount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0"), default=Decimal("0.00")
    )


class ChannelField(serializers.SlugRelatedField):
    """A sales channel by its code (``customers.selectors.channel_by_code``, read compiled once).

    Answers as ``SlugRelatedField(slug_field="code")`` does, errors included.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", queryset=SalesChannel.objects.all(), **kwargs)

    def to_internal_value(self, data: Any) -> SalesChannel:
        if not isinstance(data, str):
            return super().to_internal_value(data)
        channel = customer_selectors.channel_by_code(data)
        if channel is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return channel


class OrderCreateSerializer(BuiltFieldsOnceMixin, serializers.Serializer):
    channel = ChannelField()
    order_no = serializers.CharField(max_length=64)
    lines = LineInputSerializer(many=True)
    paid_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    order_discount_total = serializers.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    shipping_fee = serializers.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    placed_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(required=False, allow_null=True)
    buyer_nickname = serializers.CharField(max_length=100, required=False, default="")
    recipient_name = serializers.CharField(max_length=100, required=False, default="")
    phone = serializers.CharField(max_length=32, required=False, default="")
    province = serializers.CharField(max_length=50, required=False, default="")
    city = serializers.CharField(max_length=50, required=False, default="")
    address = serializers.CharField(max_length=300, required=False, default="")
    buyer_note = serializers.CharField(required=False, default="", allow_blank=True)
    coupon_code = serializers.CharField(max_length=64, required=False, default="")
    promotion_text = serializers.CharField(max_length=200, required=False, default="")
    is_imported = serializers.BooleanField(required=False, default=False)

    def validate_lines(self, lines: list[dict]) -> list[services.LineInput]:
        if not lines:
            raise serializers.ValidationError(_("An order needs at least one line."))
        codes = {line["sku_code"] for line in lines}
        variants = catalog_selectors.variants_by_sku(codes)
        missing = sorted(codes - set(variants))
        if missing:
            raise serializers.ValidationError(
                _("Unknown SKU codes: %(codes)s.") % {"codes": ", ".join(missing)}
            )
        return [
            services.LineInput(
                variant=variants[line["sku_code"]],
                quantity=line["quantity"],
                unit_price=line["unit_price"],
                line_discount=line["line_discount"],
            )
            for line in lines
        ]


class ShipSerializer(serializers.Serializer):
    carrier = serializers.SlugRelatedField(slug_field="code", queryset=Carrier.objects.all())
    tracking_number = serializers.CharField(max_length=64)
    shipping_cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


def _request_hash(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


# The project's authentication, with DRF's token check replaced by one that reads
# the token and its user with plain SQL (same answers, less CPU per request).
AUTHENTICATION_CLASSES = [
    PreloadedTokenAuthentication if auth_class is TokenAuthentication else auth_class
    for auth_class in api_settings.DEFAULT_AUTHENTICATION_CLASSES
]


class IdempotentCreateMixin:
    """POST with an ``Idempotency-Key`` header: a repeat gets the first response.

    The key is stored per user with a hash of the request and the response;
    the same key with a different request is refused with 409. The record is
    written in the transaction of the create itself: one commit instead of
    two, and never a created object without its record. When two requests
    with one key race, the loser's writes roll back and it answers as the
    winner did. ``perform_idempotent_create`` is told when it runs inside that
    transaction (``holds_transaction``): its service then needs no savepoint.
    """

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return self.perform_idempotent_create(request)
        if len(key) > 200:
            raise ApiError(_("The Idempotency-Key is too long."), code="idempotency_key_too_long")
        digest = _request_hash(request)
        earlier = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
        if earlier is not None:
            return self._replay(earlier, digest)
        try:
            with transaction.atomic():
                response = self.perform_idempotent_create(request, holds_transaction=True)
                if response.status_code < 500:
                    IdempotencyRecord.objects.create(
                        user=request.user,
                        key=key,
                        scope=request.path[:200],
                        request_hash=digest,
                        response_status=response.status_code,
                        response_body=json.loads(json.dumps(response.data, default=str)),
                    )
        except IntegrityError:
            earlier = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
            if earlier is None:
                raise
            return self._replay(earlier, digest)
        return response

    def _replay(self, record: IdempotencyRecord, digest: str) -> Response:
        if record.request_hash != digest:
            return Response(
                error_body(
                    "idempotency_key_reused",
                    _("This Idempotency-Key was already used with a different request."),
                ),
                status=status.HTTP_409_CONFLICT,
            )
        return Response(record.response_body, status=record.response_status)


class OrderViewSet(IdempotentCreateMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Orders. Filters: channel, status, review_state, business_date; search by number or buyer.

    Creating is idempotent on channel + order number (an existing order is
    returned with 200) and on the ``Idempotency-Key`` header.
    """

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = [PreloadedCapabilityPermission]
    required_capabilities = [Capability.USE_ORDER_CONSOLE]
    pagination_class = UncountedPagination  # no COUNT(*) over every order per page
    filterset_fields = {
        "status": ["exact", "in"],
        "review_state": ["exact"],
        "business_date": ["exact", "gte", "lte"],
        "channel__code": ["exact"],
        "kind": ["exact"],
    }
    search_fields = ["order_no", "buyer_nickname", "recipient_name"]
    ordering_fields = ["placed_at", "paid_at", "paid_total", "updated_at"]

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.orders_list().prefetch_related("lines")
        return selectors.orders_list()

    def get_serializer_class(self):
        if self.action == "list":
            return OrderListSerializer
        if self.action == "create":
            return OrderCreateSerializer
        if self.action == "ship":
            return ShipSerializer
        if self.action == "cancel":
            return ReasonSerializer
        return OrderDetailSerializer

    def _detail(self, order: Order, *, status_code: int = status.HTTP_200_OK) -> Response:
        order = selectors.orders_list().prefetch_related("lines").get(pk=order.pk)
        serializer = OrderDetailSerializer(order, context=self.get_serializer_context())
        return Response(serializer.data, status=status_code)

    def perform_idempotent_create(
        self, request: Request, *, holds_transaction: bool = False
    ) -> Response:
        serializer = OrderCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            # The Idempotency-Key's transaction, when there is one, holds the create:
            # an error raised here rolls it back whole.
            order, created = services.create_order(
                by=request.user, in_callers_transaction=holds_transaction, **data
            )
        except OrderError as error:
            _raise_api_error(error)
        # The service hands back the order row as it stored it (channel, warehouse and
        # customer attached); a new order comes with its lines as inserted, so only
        # an order that was already stored has its lines read.
        prefetch_related_objects([order], "lines")
        serializer = OrderDetailSerializer(order, context=self.get_serializer_context())
        return Response(serializer.data, status=status.HTTP_201_CREATED if created else 200)

    @action(detail=True, methods=["post"])
    def pay(self, request: Request, pk: str | None = None) -> Response:
        order = self.get_object()
        try:
            order = services.pay_order(order=order, by=request.user)
        except OrderError as error:
            _raise_api_error(error)
        return self._detail(order)

    @action(detail=True, methods=["post"])
    def ship(self, request: Request, pk: str | None = None) -> Response:
        if not has_capability(request.user, Capability.SHIP_ORDERS):
            self.permission_denied(request)
        order = self.get_object()
        serializer = ShipSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.ship_order(order=order, by=request.user, **serializer.validated_data)
        except OrderError as error:
            _raise_api_error(error)
        return self._detail(order)

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        order = self.get_object()
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            order = services.cancel_order(
                order=order, by=request.user, reason=serializer.validated_data["reason"]
            )
        except OrderError as error:
            _raise_api_error(error)
        return self._detail(order)


class CaseLineSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=1)


class CaseSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order.order_no", read_only=True)
    channel = serializers.CharField(source="channel.code", read_only=True)
    reason = serializers.CharField(source="reason.code", read_only=True)
    lines = serializers.SerializerMethodField()

    class Meta:
        model = AfterSalesCase
        fields = [
            "id",
            "order",
            "channel",
            "kind",
            "reason",
            "description",
            "state",
            "refund_no",
            "requested_amount",
            "refunded_amount",
            "requested_at",
            "first_response_at",
            "response_due_at",
            "resolved_at",
            "resolve_due_at",
            "refunded_at",
            "lines",
        ]
        read_only_fields = fields

    def get_lines(self, case: AfterSalesCase) -> list[dict]:
        return [
            {"line": row.line_id, "sku_code": row.line.sku_code, "quantity": row.quantity}
            for row in case.lines.all()
        ]


class CaseCreateSerializer(serializers.Serializer):
    order = serializers.PrimaryKeyRelatedField(queryset=Order.objects.all())
    kind = serializers.ChoiceField(choices=CaseType.choices)
    reason = serializers.SlugRelatedField(
        slug_field="code", queryset=AfterSalesReason.objects.filter(is_active=True)
    )
    lines = CaseLineSerializer(many=True, required=False, default=list)
    requested_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    description = serializers.CharField(required=False, default="", allow_blank=True)
    refund_no = serializers.CharField(max_length=64, required=False, default="")


class RefundActionSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    shipping_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, default=Decimal("0.00")
    )


class AfterSalesViewSet(
    IdempotentCreateMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """After-sales cases. Filters: state, kind, reason; actions approve, reject, receive,
    refund, close."""

    permission_classes = [PreloadedCapabilityPermission]
    required_capabilities = [Capability.HANDLE_AFTER_SALES]
    serializer_class = CaseSerializer
    pagination_class = UncountedPagination
    filterset_fields = {"state": ["exact", "in"], "kind": ["exact"], "reason__code": ["exact"]}
    search_fields = ["order__order_no", "refund_no"]
    ordering_fields = ["requested_at", "updated_at"]

    def get_queryset(self):
        return selectors.with_sla(selectors.cases_list()).prefetch_related("lines__line")

    def get_serializer_class(self):
        if self.action == "create":
            return CaseCreateSerializer
        if self.action == "reject":
            return ReasonSerializer
        if self.action == "refund":
            return RefundActionSerializer
        return CaseSerializer

    def _detail(self, case: AfterSalesCase, status_code: int = 200) -> Response:
        case = self.get_queryset().get(pk=case.pk)
        return Response(CaseSerializer(case).data, status=status_code)

    def perform_idempotent_create(
        self, request: Request, *, holds_transaction: bool = False
    ) -> Response:
        serializer = CaseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        order = data.pop("order")
        lines = [
            (get_object_or_404(OrderLine, pk=row["line"], order=order), row["quantity"])
            for row in data.pop("lines")
        ]
        try:
            case = services.open_case(
                order=order, lines=lines, by=request.user, requested_at=timezone.now(), **data
            )
        except OrderError as error:
            _raise_api_error(error)
        return self._detail(case, status.HTTP_201_CREATED)

    def _act(self, request: Request, service, **arguments: Any) -> Response:
        case = self.get_object()
        try:
            service(case=case, by=request.user, **arguments)
        except OrderError as error:
            _raise_api_error(error)
        return self._detail(case)

    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._act(request, services.approve_case)

    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._act(request, services.reject_case, reason=serializer.validated_data["reason"])

    @action(detail=True, methods=["post"])
    def receive(self, request: Request, pk: str | None = None) -> Response:
        return self._act(request, services.receive_return)

    @action(detail=True, methods=["post"])
    def refund(self, request: Request, pk: str | None = None) -> Response:
        serializer = RefundActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._act(request, services.refund_case, **serializer.validated_data)

    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        return self._act(request, services.close_case)

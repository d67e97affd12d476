"""REST endpoints for purchase orders: list, retrieve, create a draft; place, receive, cancel."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import Supplier
from inventory import purchasing, purchasing_selectors
from inventory.models import PurchaseOrder, PurchaseOrderEvent, PurchaseOrderLine, Warehouse
from storeops.roles import Capability, CapabilityPermission, has_capability


def _can_see_costs(context: dict[str, Any]) -> bool:
    request = context.get("request")
    return request is not None and has_capability(request.user, Capability.VIEW_COSTS)


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    sku_code = serializers.CharField(source="variant.sku_code")
    quantity_remaining = serializers.IntegerField()
    unit_cost = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)

    class Meta:
        model = PurchaseOrderLine
        fields = [
            "id",
            "sku_code",
            "quantity_ordered",
            "quantity_received",
            "quantity_cancelled",
            "quantity_remaining",
            "unit_cost",
        ]
        read_only_fields = fields

    def to_representation(self, instance: PurchaseOrderLine) -> dict[str, Any]:
        # Nested under the order, the context is only known here, not in __init__.
        data = super().to_representation(instance)
        if not _can_see_costs(self.context):
            data.pop("unit_cost", None)
        return data


class PurchaseOrderEventSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.get_username")

    class Meta:
        model = PurchaseOrderEvent
        fields = ["kind", "status_before", "status_after", "created_at", "created_by", "message"]
        read_only_fields = fields


class PurchaseOrderSerializer(serializers.ModelSerializer):
    supplier = serializers.CharField(source="supplier.code")
    warehouse = serializers.CharField(source="warehouse.code")
    created_by = serializers.CharField(source="created_by.get_username")
    lines = PurchaseOrderLineSerializer(many=True)
    events = PurchaseOrderEventSerializer(many=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "number",
            "supplier",
            "warehouse",
            "status",
            "expected_date",
            "note",
            "created_by",
            "created_at",
            "ordered_at",
            "lines",
            "events",
        ]
        read_only_fields = fields


class PurchaseOrderListSerializer(serializers.ModelSerializer):
    supplier = serializers.CharField(source="supplier.code")
    warehouse = serializers.CharField(source="warehouse.code")
    line_count = serializers.IntegerField()
    units_ordered = serializers.IntegerField()
    units_received = serializers.IntegerField()
    total_cost = serializers.DecimalField(max_digits=20, decimal_places=2, required=False)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "number",
            "supplier",
            "warehouse",
            "status",
            "expected_date",
            "created_at",
            "ordered_at",
            "line_count",
            "units_ordered",
            "units_received",
            "total_cost",
        ]
        read_only_fields = fields

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not _can_see_costs(self.context):
            self.fields.pop("total_cost")


class PurchaseLineInputSerializer(serializers.Serializer):
    sku_code = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1)
    unit_cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )


class CreatePurchaseOrderSerializer(serializers.Serializer):
    supplier = serializers.SlugRelatedField(slug_field="code", queryset=Supplier.objects.all())
    warehouse = serializers.SlugRelatedField(
        slug_field="code", queryset=Warehouse.objects.all(), required=False, allow_null=True
    )
    expected_date = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    lines = PurchaseLineInputSerializer(many=True, allow_empty=False)
    idempotency_key = serializers.CharField(max_length=150, required=False)


class ReceiveLineSerializer(serializers.Serializer):
    sku_code = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=0)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReceiveSerializer(serializers.Serializer):
    lines = ReceiveLineSerializer(many=True, allow_empty=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    allow_over = serializers.BooleanField(required=False, default=False)
    over_reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    idempotency_key = serializers.CharField(max_length=150, required=False)


class PlaceSerializer(serializers.Serializer):
    idempotency_key = serializers.CharField(max_length=150, required=False)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)
    idempotency_key = serializers.CharField(max_length=150, required=False)


class PurchaseOrderViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Purchase orders. Filter the list with ``status`` and ``supplier`` (code).

    ``POST`` creates a draft; ``place``, ``receive`` and ``cancel`` move it on.
    Unit costs and totals are only sent to callers allowed to see costs.
    """

    permission_classes = [CapabilityPermission]
    required_capabilities = [Capability.MANAGE_INVENTORY]
    search_fields: list[str] = []
    ordering_fields: list[str] = []

    def get_queryset(self) -> QuerySet[PurchaseOrder]:
        if self.action == "list":
            supplier = None
            code = self.request.query_params.get("supplier")
            if code:
                supplier = Supplier.objects.filter(code=code).first()
                if supplier is None:
                    return PurchaseOrder.objects.none()
            return purchasing_selectors.purchase_orders(
                status=self.request.query_params.get("status", ""),
                supplier=supplier,
                with_costs=has_capability(self.request.user, Capability.VIEW_COSTS),
            )
        return (
            PurchaseOrder.objects.select_related("supplier", "warehouse", "created_by")
            .prefetch_related("lines__variant", "events__created_by")
            .order_by("-created_at", "-id")
        )

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return {
            "list": PurchaseOrderListSerializer,
            "create": CreatePurchaseOrderSerializer,
            "place": PlaceSerializer,
            "receive": ReceiveSerializer,
            "cancel": CancelSerializer,
        }.get(self.action, PurchaseOrderSerializer)

    def _detail(self, order: PurchaseOrder, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=order.pk) if self.action != "list" else order
        return Response(
            PurchaseOrderSerializer(fresh, context=self.get_serializer_context()).data,
            status=status_code,
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with_costs = has_capability(request.user, Capability.VIEW_COSTS)
        order = purchasing.create_draft(
            supplier=data["supplier"],
            warehouse=data.get("warehouse"),
            expected_date=data.get("expected_date"),
            note=data.get("note", ""),
            lines=[
                purchasing.PurchaseLineInput(
                    variant=line["sku_code"],
                    quantity=line["quantity"],
                    # Without VIEW_COSTS a caller cannot set prices it may not see.
                    unit_cost=line.get("unit_cost") if with_costs else None,
                )
                for line in data["lines"]
            ],
            by=request.user,
            idempotency_key=data.get("idempotency_key"),
        )
        return self._detail(order, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def place(self, request: Request, pk: str | None = None) -> Response:
        order = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        purchasing.place_purchase_order(
            purchase_order=order,
            by=request.user,
            idempotency_key=serializer.validated_data.get("idempotency_key"),
        )
        return self._detail(order)

    @action(detail=True, methods=["post"])
    def receive(self, request: Request, pk: str | None = None) -> Response:
        order = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        purchasing.receive_delivery(
            purchase_order=order,
            lines=[
                purchasing.ReceiveLineInput(
                    line=line["sku_code"], quantity=line["quantity"], note=line["note"]
                )
                for line in data["lines"]
            ],
            by=request.user,
            note=data["note"],
            allow_over=data["allow_over"],
            over_reason=data["over_reason"],
            idempotency_key=data.get("idempotency_key"),
        )
        return self._detail(order)

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        order = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        purchasing.cancel_purchase_order(
            purchase_order=order,
            by=request.user,
            reason=serializer.validated_data["reason"],
            idempotency_key=serializer.validated_data.get("idempotency_key"),
        )
        return self._detail(order)

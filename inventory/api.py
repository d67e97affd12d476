"""Read-only REST endpoints for stock levels and the stock ledger."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets
from rest_framework.pagination import CursorPagination

from inventory import selectors
from inventory.filters import StockLevelFilter, StockMovementFilter
from inventory.models import StockLevel, StockMovement
from storeops.roles import Capability, CapabilityPermission, has_capability


class StockLevelSerializer(serializers.ModelSerializer):
    sku_code = serializers.CharField(source="variant.sku_code")
    warehouse = serializers.CharField(source="warehouse.code")
    available = serializers.IntegerField(source="available_quantity")
    value_at_cost = serializers.DecimalField(
        max_digits=20,
        decimal_places=2,
        required=False,
        help_text="On hand × cost price; only for callers allowed to see costs.",
    )

    class Meta:
        model = StockLevel
        fields = [
            "id",
            "sku_code",
            "warehouse",
            "on_hand",
            "reserved",
            "available",
            "on_order",
            "updated_at",
            "value_at_cost",
        ]
        read_only_fields = fields

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None or not has_capability(request.user, Capability.VIEW_COSTS):
            self.fields.pop("value_at_cost")


class StockMovementSerializer(serializers.ModelSerializer):
    sku_code = serializers.CharField(source="variant.sku_code")
    warehouse = serializers.CharField(source="warehouse.code")
    created_by = serializers.CharField(source="created_by.get_username")

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "sku_code",
            "warehouse",
            "kind",
            "on_hand_change",
            "reserved_change",
            "on_order_change",
            "on_hand_after",
            "reserved_after",
            "on_order_after",
            "created_at",
            "business_date",
            "created_by",
            "reason",
            "document_type",
            "document_id",
            "idempotency_key",
        ]
        read_only_fields = fields


class LedgerPagination(CursorPagination):
    """Cursor pages: the ledger is too long to count on every request."""

    ordering = ("-created_at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class StockLevelViewSet(viewsets.ReadOnlyModelViewSet):
    """Stock per SKU and warehouse. Filters: warehouse (code), category, stock=low|out, q."""

    serializer_class = StockLevelSerializer
    filterset_class = StockLevelFilter
    permission_classes = [CapabilityPermission]
    required_capabilities = [Capability.MANAGE_INVENTORY]
    search_fields: list[str] = []
    ordering_fields = ["on_hand", "reserved", "on_order", "updated_at"]

    def get_queryset(self) -> QuerySet[StockLevel]:
        return selectors.stock_levels(with_costs=self._with_costs())

    def _with_costs(self) -> bool:
        return has_capability(self.request.user, Capability.VIEW_COSTS)


class StockMovementViewSet(viewsets.ReadOnlyModelViewSet):
    """The stock ledger, newest first. Filter by sku, warehouse, kind, document, dates."""

    serializer_class = StockMovementSerializer
    filterset_class = StockMovementFilter
    pagination_class = LedgerPagination
    permission_classes = [CapabilityPermission]
    required_capabilities = [Capability.MANAGE_INVENTORY]
    search_fields: list[str] = []
    ordering_fields: list[str] = []

    def get_queryset(self) -> QuerySet[StockMovement]:
        return selectors.movements()

"""REST endpoint for suppliers: read and write with MANAGE_INVENTORY.

Writes go through `catalog.services.suppliers`, so each leaves a history row
naming the caller. Filters: `q` (code, name, contact, phone), `is_active`.
Many suppliers at once: `POST /api/v1/imports/records/` with kind "suppliers".
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from rest_framework import serializers, viewsets

from catalog.api.products import _as_api_error
from catalog.filters import SupplierFilter
from catalog.models import CatalogError, Supplier
from catalog.services import suppliers as services
from storeops.roles import Capability, CapabilityPermission


class SupplierSerializer(serializers.ModelSerializer):
    sku_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Supplier
        fields = ["id", *services.EDITABLE_FIELDS, "sku_count", "created_at", "updated_at"]
        read_only_fields = ["id", "sku_count", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            services.check(attrs, self.instance)
        except CatalogError as error:
            raise serializers.ValidationError({error.details.get("field"): [str(error)]}) from None
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Supplier:
        try:
            return services.save_supplier(validated_data, by=self.context["request"].user)
        except CatalogError as error:
            raise _as_api_error(error) from error

    def update(self, instance: Supplier, validated_data: dict[str, Any]) -> Supplier:
        try:
            return services.save_supplier(
                validated_data, by=self.context["request"].user, supplier=instance
            )
        except CatalogError as error:
            raise _as_api_error(error) from error

    def to_representation(self, instance: Supplier) -> dict[str, Any]:
        if not hasattr(instance, "sku_count"):
            instance.sku_count = instance.variants.count()
        return super().to_representation(instance)


class SupplierViewSet(viewsets.ModelViewSet):
    """Suppliers, with the number of SKUs each supplies. Deleting is not offered:
    mark a supplier inactive instead (its purchase history stays)."""

    permission_classes = [CapabilityPermission]
    required_capabilities = [Capability.MANAGE_INVENTORY]
    serializer_class = SupplierSerializer
    filterset_class = SupplierFilter
    ordering_fields = ["code", "name", "updated_at"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return Supplier.objects.annotate(sku_count=Count("variants", distinct=True)).order_by(
            "code"
        )

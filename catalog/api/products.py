"""REST endpoints for products (SPU) and variants (SKU).

Reading needs VIEW_CATALOG, writing CHANGE_CATALOG as well. Cost prices and
margins are left out of every response (and refused as input) unless the
caller holds VIEW_COSTS. Money is sent as strings. Writes go through
``catalog.services``, so status changes and price history are recorded.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.filters import ProductFilter, VariantFilter
from catalog.models import CatalogError, Category, Product, Supplier, Tag, Variant
from catalog.selectors import products as selectors
from catalog.services import products as services
from storeops.api.errors import ApiError
from storeops.roles import Capability, CapabilityPermission, has_capability

READ_METHODS = ("GET", "HEAD", "OPTIONS")


def _can_see_costs(context: dict[str, Any]) -> bool:
    request = context.get("request")
    return request is not None and has_capability(request.user, Capability.VIEW_COSTS)


def _as_api_error(error: CatalogError) -> ApiError:
    return ApiError(str(error), code=error.code, status_code=getattr(error, "status_code", 400))


class CatalogPermissionMixin:
    """VIEW_CATALOG to read; VIEW_CATALOG and CHANGE_CATALOG to write."""

    permission_classes = [CapabilityPermission]

    @property
    def required_capabilities(self) -> list[Capability]:
        if self.request.method in READ_METHODS:
            return [Capability.VIEW_CATALOG]
        return [Capability.VIEW_CATALOG, Capability.CHANGE_CATALOG]


class OptionsField(serializers.JSONField):
    def to_internal_value(self, data: Any) -> dict[str, str]:
        value = super().to_internal_value(data)
        if not isinstance(value, dict) or not all(
            isinstance(name, str) and isinstance(option, str | int)
            for name, option in value.items()
        ):
            raise serializers.ValidationError(
                gettext('Options are an object of names and values, e.g. {"colour": "red"}.')
            )
        return {name: str(option) for name, option in value.items()}


class VariantSerializer(serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="code", queryset=Product.objects.all())
    supplier = serializers.SlugRelatedField(
        slug_field="code", queryset=Supplier.objects.all(), allow_null=True, required=False
    )
    options = OptionsField(required=False)
    options_label = serializers.CharField(read_only=True)
    reason = serializers.CharField(
        write_only=True,
        required=False,
        max_length=200,
        help_text="Why a price or cost changes; stored in the price history.",
    )

    class Meta:
        model = Variant
        fields = [
            "id",
            "sku_code",
            "product",
            "options",
            "options_label",
            "barcode",
            "price",
            "cost_price",
            "weight_kg",
            "supplier",
            "supplier_item_code",
            "reorder_point",
            "safety_stock",
            "is_active",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["id", "updated_at"]
        # The services check codes and barcodes and say which one is taken.
        extra_kwargs = {"sku_code": {"validators": []}, "barcode": {"validators": []}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not _can_see_costs(self.context):
            self.fields.pop("cost_price")

    def get_validators(self) -> list:
        return []  # model constraints are checked by the services with clear errors

    def create(self, validated_data: dict[str, Any]) -> Variant:
        request = self.context["request"]
        validated_data.pop("reason", None)
        product = validated_data.pop("product")
        try:
            return services.create_variant(product=product, fields=validated_data, by=request.user)
        except CatalogError as error:
            raise _as_api_error(error) from error

    def update(self, instance: Variant, validated_data: dict[str, Any]) -> Variant:
        request = self.context["request"]
        reason = validated_data.pop("reason", "") or gettext("Changed through the API")
        if "product" in validated_data and validated_data.pop("product") != instance.product:
            raise serializers.ValidationError(
                {"product": [gettext("A SKU cannot move to another product.")]}
            )
        try:
            return services.update_variant(
                variant=instance, fields=validated_data, by=request.user, reason=reason
            )
        except CatalogError as error:
            raise _as_api_error(error) from error


class ProductSerializer(serializers.ModelSerializer):
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    tags = serializers.SlugRelatedField(
        slug_field="name", queryset=Tag.objects.all(), many=True, required=False
    )
    is_new_arrival = serializers.BooleanField(read_only=True)
    variant_count = serializers.IntegerField(read_only=True)
    price_min = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    price_max = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    available_quantity = serializers.IntegerField(read_only=True)
    cost_min = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    cost_max = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    margin_percent = serializers.DecimalField(max_digits=12, decimal_places=1, read_only=True)
    status_changed_by = serializers.CharField(
        source="status_changed_by.get_username", read_only=True, default=None
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "code",
            "title",
            "category",
            "brand",
            "description",
            "status",
            "status_changed_at",
            "status_changed_by",
            "season",
            "tags",
            "launch_date",
            "is_new_arrival",
            "list_price",
            "main_image_url",
            "variant_count",
            "price_min",
            "price_max",
            "available_quantity",
            "cost_min",
            "cost_max",
            "margin_percent",
            "updated_at",
        ]
        read_only_fields = ["id", "status_changed_at", "updated_at"]
        extra_kwargs = {"code": {"validators": []}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not _can_see_costs(self.context):
            for name in ("cost_min", "cost_max", "margin_percent"):
                self.fields.pop(name)

    def create(self, validated_data: dict[str, Any]) -> Product:
        request = self.context["request"]
        tags = validated_data.pop("tags", [])
        status_value = validated_data.pop("status", None)
        try:
            product = services.create_product(fields=validated_data, tags=tags, by=request.user)
            if status_value:
                services.change_status(products=[product], status=status_value, by=request.user)
        except CatalogError as error:
            raise _as_api_error(error) from error
        return selectors.products(with_costs=_can_see_costs(self.context)).get(pk=product.pk)

    def update(self, instance: Product, validated_data: dict[str, Any]) -> Product:
        request = self.context["request"]
        tags = validated_data.pop("tags", None)
        status_value = validated_data.pop("status", None)
        try:
            services.update_product(
                product=instance,
                fields=validated_data,
                tags=tags,
                by=request.user,
                reason=gettext("Changed through the API"),
            )
            if status_value:
                services.change_status(products=[instance], status=status_value, by=request.user)
        except CatalogError as error:
            raise _as_api_error(error) from error
        return selectors.products(with_costs=_can_see_costs(self.context)).get(pk=instance.pk)


class ProductViewSet(CatalogPermissionMixin, viewsets.ModelViewSet):
    """Products with price range, SKU count and available stock.

    Filters: q (title, product code, SKU code, barcode), category (with its
    sub-categories), status, season, tag, new_arrival, stock=in|low|out.
    Setting ``status`` records who changed it and when.
    """

    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    search_fields: list[str] = []
    ordering_fields = ["code", "title", "launch_date", "updated_at", "list_price"]

    def get_queryset(self) -> QuerySet[Product]:
        return selectors.products(
            with_costs=has_capability(self.request.user, Capability.VIEW_COSTS)
        ).select_related("status_changed_by")

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            services.delete_product(product=self.get_object(), by=request.user)
        except CatalogError as error:
            raise _as_api_error(error) from error
        return Response(status=status.HTTP_204_NO_CONTENT)


class VariantViewSet(CatalogPermissionMixin, viewsets.ModelViewSet):
    """SKUs. Filters: sku, barcode, product (code), supplier (code), is_active,
    updated_since. A price or cost change is written to the price history with
    the optional ``reason``."""

    serializer_class = VariantSerializer
    filterset_class = VariantFilter
    search_fields: list[str] = []
    ordering_fields = ["sku_code", "price", "updated_at"]

    def get_queryset(self) -> QuerySet[Variant]:
        return selectors.variants()

    def get_serializer(self, *args: Any, **kwargs: Any) -> VariantSerializer:
        serializer = super().get_serializer(*args, **kwargs)
        if self.request.method not in READ_METHODS and not has_capability(
            self.request.user, Capability.VIEW_COSTS
        ):
            data = kwargs.get("data")
            if isinstance(data, dict) and "cost_price" in data:
                raise serializers.ValidationError(
                    {"cost_price": [gettext("Your role may not set cost prices.")]}
                )
        return serializer

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            services.delete_variant(variant=self.get_object(), by=request.user)
        except CatalogError as error:
            raise _as_api_error(error) from error
        return Response(status=status.HTTP_204_NO_CONTENT)

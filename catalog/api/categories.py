"""REST endpoint for the category tree: read with VIEW_CATALOG, write with CHANGE_CATALOG.

Creating, renaming and moving go through ``catalog.services.categories``, so a
move under the category's own descendant is refused with a clear error.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api.products import CatalogPermissionMixin, _as_api_error
from catalog.filters import CategoryFilter
from catalog.models import CatalogError, Category
from catalog.selectors.categories import category_paths
from catalog.services import categories as services


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), allow_null=True, required=False
    )
    path = serializers.SerializerMethodField(help_text='The names from the root, "Women/Dresses".')
    product_count = serializers.IntegerField(
        read_only=True, help_text="Products filed directly here."
    )

    class Meta:
        model = Category
        fields = ["id", "name", "parent", "path", "product_count", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        validators: list = []  # the service names a taken sibling name clearly

    def get_path(self, category: Category) -> str:
        paths = self.context.setdefault("category_paths", category_paths())
        return paths.get(category.pk, category.name)

    def create(self, validated_data: dict[str, Any]) -> Category:
        self.context.pop("category_paths", None)
        try:
            return services.create_category(
                name=validated_data["name"], parent=validated_data.get("parent")
            )
        except CatalogError as error:
            raise _as_api_error(error) from error

    def update(self, instance: Category, validated_data: dict[str, Any]) -> Category:
        self.context.pop("category_paths", None)
        try:
            return services.update_category(
                category=instance,
                name=validated_data.get("name", instance.name),
                parent=validated_data.get("parent", instance.parent),
            )
        except CatalogError as error:
            raise _as_api_error(error) from error

    def to_representation(self, instance: Category) -> dict[str, Any]:
        if not hasattr(instance, "product_count"):
            instance.product_count = instance.products.count()
        return super().to_representation(instance)


class CategoryViewSet(CatalogPermissionMixin, viewsets.ModelViewSet):
    """Categories with their path and direct product count. Filters: parent, is_root."""

    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    search_fields: list[str] = []
    ordering_fields = ["name", "updated_at"]

    def get_queryset(self) -> QuerySet[Category]:
        return Category.objects.annotate(product_count=Count("products")).order_by("pk")

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            services.delete_category(category=self.get_object())
        except CatalogError as error:
            raise _as_api_error(error) from error
        return Response(status=status.HTTP_204_NO_CONTENT)

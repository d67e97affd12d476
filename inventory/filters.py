"""Filters of the stock list and the ledger: one set serves the pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from catalog.models import Category
from inventory import selectors
from inventory.models import MovementKind, StockLevel, StockMovement, Warehouse


class StockLevelFilter(django_filters.FilterSet):
    warehouse = django_filters.ModelChoiceFilter(
        label=_("Warehouse"),
        queryset=Warehouse.objects.order_by("-is_default", "code"),
        to_field_name="code",
        empty_label=_("All warehouses"),
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"),
        queryset=Category.objects.order_by("name"),
        empty_label=_("All categories"),
    )
    stock = django_filters.ChoiceFilter(
        label=_("Stock"), choices=selectors.StockState.CHOICES, empty_label=_("Any stock")
    )
    q = django_filters.CharFilter(label=_("SKU code or title"))

    class Meta:
        model = StockLevel
        fields = ["warehouse", "category", "stock", "q"]

    def filter_queryset(self, queryset: QuerySet[StockLevel]) -> QuerySet[StockLevel]:
        # The rules (category subtree, low/out of stock) live in one selector.
        data = self.form.cleaned_data
        return selectors.filter_stock_levels(
            queryset,
            warehouse=data.get("warehouse"),
            category=data.get("category"),
            stock_state=data.get("stock") or "",
            search=data.get("q") or "",
        )


class StockMovementFilter(django_filters.FilterSet):
    sku = django_filters.CharFilter(
        label=_("SKU code"), field_name="variant__sku_code", lookup_expr="exact"
    )
    warehouse = django_filters.CharFilter(
        label=_("Warehouse code"), field_name="warehouse__code", lookup_expr="exact"
    )
    kind = django_filters.MultipleChoiceFilter(label=_("Kind"), choices=MovementKind.choices)
    document_type = django_filters.CharFilter(label=_("Document type"))
    document_id = django_filters.CharFilter(label=_("Document"))
    business_date = django_filters.DateFromToRangeFilter(label=_("Business date"))
    created_at = django_filters.IsoDateTimeFromToRangeFilter(label=_("Created at"))

    class Meta:
        model = StockMovement
        fields = [
            "sku",
            "warehouse",
            "kind",
            "document_type",
            "document_id",
            "business_date",
            "created_at",
        ]

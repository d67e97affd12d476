"""Filters of products, SKUs and categories: one set serves the pages and the API."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Product, ProductStatus, Season, Supplier, Tag, Variant
from catalog.selectors import products as product_selectors
from catalog.selectors.categories import category_paths


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        widget=forms.TextInput(
            attrs={"placeholder": _("Title, product code, SKU code or barcode"), "type": "search"}
        ),
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"),
        queryset=Category.objects.order_by("name"),
        empty_label=_("All categories"),
        help_text=_("Includes its sub-categories."),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ProductStatus.choices, empty_label=_("Any status")
    )
    season = django_filters.ChoiceFilter(
        label=_("Season"), choices=Season.choices, empty_label=_("Any season")
    )
    tag = django_filters.ModelChoiceFilter(
        label=_("Tag"), queryset=Tag.objects.order_by("name"), empty_label=_("Any tag")
    )
    new_arrival = django_filters.BooleanFilter(
        label=_("New arrival"),
        widget=forms.Select(
            choices=[("", _("Any")), ("true", _("New arrivals")), ("false", _("Not new"))]
        ),
    )
    stock = django_filters.ChoiceFilter(
        label=_("Stock"),
        choices=product_selectors.StockState.CHOICES,
        empty_label=_("Any stock"),
    )

    class Meta:
        model = Product
        fields = ["q", "category", "status", "season", "tag", "new_arrival", "stock"]

    def __init__(self, *args, with_category_paths: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.category_paths: dict[int, str] = {}
        if with_category_paths:
            # Show "Women/Dresses" rather than "Dresses": names repeat across branches.
            paths = self.category_paths = category_paths()
            field = self.form.fields["category"]
            field.label_from_instance = lambda category: paths.get(category.pk, category.name)

    def filter_queryset(self, queryset: QuerySet[Product]) -> QuerySet[Product]:
        # The rules (search, subtree, new arrival, stock state) live in one selector.
        data = self.form.cleaned_data
        return product_selectors.filter_products(
            queryset,
            search=data.get("q") or "",
            category=data.get("category"),
            status=data.get("status") or "",
            season=data.get("season") or "",
            tag=data.get("tag"),
            is_new_arrival=data.get("new_arrival"),
            stock_state=data.get("stock") or "",
        )


class VariantFilter(django_filters.FilterSet):
    sku = django_filters.CharFilter(label=_("SKU code"), field_name="sku_code")
    barcode = django_filters.CharFilter(label=_("Barcode"))
    product = django_filters.CharFilter(label=_("Product code"), field_name="product__code")
    supplier = django_filters.CharFilter(label=_("Supplier code"), field_name="supplier__code")
    is_active = django_filters.BooleanFilter(label=_("Active"))
    updated_since = django_filters.IsoDateTimeFilter(
        label=_("Updated since"), field_name="updated_at", lookup_expr="gte"
    )

    class Meta:
        model = Variant
        fields = ["sku", "barcode", "product", "supplier", "is_active", "updated_since"]


class CategoryFilter(django_filters.FilterSet):
    parent = django_filters.NumberFilter(label=_("Parent id"), field_name="parent_id")
    is_root = django_filters.BooleanFilter(
        label=_("Top level"), field_name="parent", lookup_expr="isnull"
    )

    class Meta:
        model = Category
        fields = ["parent", "is_root"]


class SupplierFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(
            attrs={"placeholder": _("Code, name, contact or phone"), "type": "search"}
        ),
    )
    is_active = django_filters.BooleanFilter(
        label=_("Active"),
        widget=forms.Select(
            choices=[
                ("", _("Active and inactive")),
                ("true", _("Active")),
                ("false", _("Inactive")),
            ]
        ),
    )

    class Meta:
        model = Supplier
        fields = ["q", "is_active"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        from django.db.models import Q

        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(name__icontains=value)
            | Q(contact_name__icontains=value)
            | Q(phone__icontains=value)
        )

"""Admin for data repair. Status, prices and costs change through catalog.services,
so the history rows are written; those fields are read-only here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from catalog.models import (
    CatalogError,
    Category,
    Product,
    ProductStatus,
    Supplier,
    Tag,
    Variant,
    VariantPriceChange,
)
from catalog.services import products as product_services


@admin.register(Supplier)
class SupplierAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "contact_name", "lead_time_days", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "position"]
    search_fields = ["name"]
    list_select_related = ["parent"]
    # Moving under a descendant would close a loop: the tree page and API refuse it.
    readonly_fields = ["parent"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ["sku_code", "options", "barcode", "price", "cost_price", "is_active"]
    readonly_fields = ["price", "cost_price"]
    show_change_link = True


def _set_status(request: HttpRequest, queryset: QuerySet[Product], status: str) -> None:
    try:
        changed = product_services.change_status(
            products=list(queryset), status=status, by=request.user
        )
    except CatalogError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(count)s products changed status.") % {"count": len(changed)})


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title", "category", "status", "season", "launch_date"]
    list_filter = ["status", "season"]
    search_fields = ["code", "title"]
    list_select_related = ["category"]
    autocomplete_fields = ["tags"]
    readonly_fields = ["status", "status_changed_at", "status_changed_by"]
    inlines = [VariantInline]
    actions = ["put_on_sale", "take_off_sale"]

    @admin.action(description=_("Put on sale"))
    def put_on_sale(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        _set_status(request, queryset, ProductStatus.ON_SALE)

    @admin.action(description=_("Take off sale"))
    def take_off_sale(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        _set_status(request, queryset, ProductStatus.OFF_SALE)


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ["sku_code", "product", "price", "cost_price", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["sku_code", "barcode", "product__code", "product__title"]
    list_select_related = ["product"]
    raw_id_fields = ["product", "supplier"]
    readonly_fields = ["price", "cost_price"]


@admin.register(VariantPriceChange)
class VariantPriceChangeAdmin(admin.ModelAdmin):
    """The price history: readable, never edited."""

    list_display = ["variant", "kind", "old_amount", "new_amount", "effective_at", "changed_by"]
    list_filter = ["kind"]
    search_fields = ["variant__sku_code"]
    list_select_related = ["variant", "changed_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

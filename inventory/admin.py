"""Admin for data repair. Stock itself changes only through inventory.services."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from inventory.models import StockLevel, StockMovement, Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_default", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Levels and the ledger are written by the services only; here they can be read."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ["variant", "warehouse", "on_hand", "reserved", "on_order", "updated_at"]
    list_filter = ["warehouse"]
    list_select_related = ["variant", "warehouse"]
    search_fields = ["variant__sku_code"]
    show_full_result_count = False


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "variant",
        "warehouse",
        "kind",
        "on_hand_change",
        "reserved_change",
        "on_hand_after",
        "reserved_after",
        "created_by",
        "reason",
        "document_type",
        "document_id",
    ]
    list_filter = ["kind", "warehouse"]
    list_select_related = ["variant", "warehouse", "created_by"]
    search_fields = ["variant__sku_code", "document_id", "idempotency_key"]
    show_full_result_count = False

"""Admin for data repair; actions call the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from orders import services
from orders.errors import OrderError
from orders.models import (
    AfterSalesCase,
    AfterSalesLine,
    AfterSalesReason,
    Carrier,
    Order,
    OrderEvent,
    OrderLine,
    OrderSettings,
    RateCard,
    Refund,
    RefundLine,
    Shipment,
    ShipmentLine,
)


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ["variant"]
    readonly_fields = ["reserved_quantity", "shipped_quantity", "unit_cost"]


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "kind", "message", "by", "case", "before", "after"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "order_no",
        "channel",
        "status",
        "review_state",
        "paid_total",
        "refunded_total",
        "paid_at",
    ]
    list_filter = ["channel", "status", "review_state", "kind", "is_imported"]
    search_fields = ["order_no", "buyer_nickname", "recipient_name", "phone"]
    date_hierarchy = "placed_at"
    raw_id_fields = ["customer", "merged_into", "replaces_order", "assigned_agent"]
    readonly_fields = ["business_date", "created_at", "updated_at"]
    inlines = [OrderLineInline, OrderEventInline]
    actions = ["approve_selected", "rebuild_customer_totals"]

    @admin.action(description=_("Approve and release to the warehouse"))
    def approve_selected(self, request, queryset) -> None:
        for order in queryset:
            try:
                services.approve_order(order=order, by=request.user, note="admin")
            except OrderError as error:
                self.message_user(request, f"{order.order_no}: {error}", messages.ERROR)

    @admin.action(description=_("Recount the totals of these orders' customers"))
    def rebuild_customer_totals(self, request, queryset) -> None:
        customers = {order.customer for order in queryset.select_related("customer")}
        count = services.rebuild_customer_totals(customers=customers)
        self.message_user(request, _("%(count)s customers recounted.") % {"count": count})


class ShipmentLineInline(admin.TabularInline):
    model = ShipmentLine
    extra = 0
    raw_id_fields = ["line"]


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "order", "status", "shipping_cost", "shipped_at", "delivered_at"]
    list_filter = ["status", "carrier"]
    search_fields = ["tracking_number", "order__order_no"]
    raw_id_fields = ["order"]
    inlines = [ShipmentLineInline]


class RateCardInline(admin.TabularInline):
    model = RateCard
    extra = 0


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_active"]
    inlines = [RateCardInline]


class AfterSalesLineInline(admin.TabularInline):
    model = AfterSalesLine
    extra = 0
    raw_id_fields = ["line"]


@admin.register(AfterSalesCase)
class AfterSalesCaseAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "order",
        "kind",
        "reason",
        "state",
        "requested_amount",
        "requested_at",
    ]
    list_filter = ["state", "kind", "reason", "channel"]
    search_fields = ["order__order_no", "refund_no"]
    raw_id_fields = ["order", "replacement_order", "assigned_agent"]
    inlines = [AfterSalesLineInline]


@admin.register(AfterSalesReason)
class AfterSalesReasonAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_zh", "position", "is_active"]
    list_editable = ["position", "is_active"]


class RefundLineInline(admin.TabularInline):
    model = RefundLine
    extra = 0
    raw_id_fields = ["line"]


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "amount", "refunded_at", "business_date"]
    list_filter = ["status"]
    search_fields = ["order__order_no", "refund_no"]
    raw_id_fields = ["order", "case"]
    inlines = [RefundLineInline]


@admin.register(OrderSettings)
class OrderSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return not OrderSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

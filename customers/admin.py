from django.contrib import admin

from customers.models import Customer, SalesChannel


@admin.register(SalesChannel)
class SalesChannelAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_zh", "is_active", "position"]
    list_editable = ["is_active", "position"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "channel",
        "phone",
        "order_count",
        "amount_spent",
        "refunded_amount",
        "last_order_at",
    ]
    list_filter = ["channel"]
    search_fields = ["buyer_id", "name", "phone"]
    readonly_fields = ["created_at", "updated_at"]

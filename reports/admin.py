"""Admin for data repair of the platform layer and the report settings.

Targets are changed through their service (on the pages or the API) so that the
daily split always sums to the month; here they are read-only.
"""

from __future__ import annotations

from django.contrib import admin

from reports.models import (
    ChannelFeeRate,
    DailyTarget,
    DailyTraffic,
    MonthlyTarget,
    OperatingExpense,
    PackagingCost,
    StoreRating,
)


@admin.register(DailyTraffic)
class DailyTrafficAdmin(admin.ModelAdmin):
    list_display = ["date", "channel", "source", "visitors", "page_views", "updated_at"]
    list_filter = ["channel"]
    date_hierarchy = "date"


@admin.register(StoreRating)
class StoreRatingAdmin(admin.ModelAdmin):
    list_display = ["date", "channel", "description", "service", "logistics", "updated_at"]
    list_filter = ["channel"]
    date_hierarchy = "date"


class DailyTargetInline(admin.TabularInline):
    model = DailyTarget
    extra = 0
    can_delete = False
    readonly_fields = ["date", "amount", "updated_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MonthlyTarget)
class MonthlyTargetAdmin(admin.ModelAdmin):
    list_display = ["month", "channel", "amount", "split_method", "updated_at", "updated_by"]
    readonly_fields = [
        "month",
        "channel",
        "amount",
        "split_method",
        "weekday_weights",
        "updated_at",
        "updated_by",
    ]
    inlines = [DailyTargetInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ChannelFeeRate)
class ChannelFeeRateAdmin(admin.ModelAdmin):
    list_display = ["channel", "effective_from", "commission_rate", "payment_fee_rate"]
    list_filter = ["channel"]


@admin.register(PackagingCost)
class PackagingCostAdmin(admin.ModelAdmin):
    list_display = ["effective_from", "amount"]


@admin.register(OperatingExpense)
class OperatingExpenseAdmin(admin.ModelAdmin):
    list_display = ["date", "period", "label", "amount"]
    list_filter = ["period"]

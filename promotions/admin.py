"""Admin for data repair: promotions with their tiers and flash items, coupons and their use."""

from django.contrib import admin

from promotions.models import (
    Coupon,
    CouponBatch,
    CouponRedemption,
    FlashPriceItem,
    Promotion,
    PromotionTier,
    PromotionUsage,
)


class PromotionTierInline(admin.TabularInline):
    model = PromotionTier
    extra = 0


class FlashPriceItemInline(admin.TabularInline):
    model = FlashPriceItem
    extra = 0
    raw_id_fields = ["variant"]


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "scope",
        "starts_at",
        "ends_at",
        "priority",
        "stacking",
        "is_active",
    ]
    list_filter = ["kind", "scope", "stacking", "is_active"]
    search_fields = ["name"]
    inlines = [PromotionTierInline, FlashPriceItemInline]
    raw_id_fields = [
        "gift_variant",
        "products",
        "variants",
        "excluded_products",
        "excluded_variants",
    ]


@admin.register(PromotionUsage)
class PromotionUsageAdmin(admin.ModelAdmin):
    list_display = [
        "promotion",
        "channel_code",
        "order_no",
        "customer_id",
        "amount",
        "used_at",
        "returned_at",
    ]
    search_fields = ["order_no"]


@admin.register(CouponBatch)
class CouponBatchAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "amount_off",
        "percent_off",
        "min_spend",
        "valid_from",
        "valid_until",
        "count",
    ]
    search_fields = ["name"]


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ["code", "batch", "status"]
    list_filter = ["status"]
    search_fields = ["code"]
    raw_id_fields = ["batch"]


@admin.register(CouponRedemption)
class CouponRedemptionAdmin(admin.ModelAdmin):
    list_display = [
        "coupon",
        "channel_code",
        "order_no",
        "customer_id",
        "amount",
        "redeemed_at",
        "returned_at",
    ]
    search_fields = ["coupon__code", "order_no"]
    raw_id_fields = ["coupon"]

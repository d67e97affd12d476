"""Reads the promotion pages and the API share."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from promotions.models import CouponBatch, CouponStatus, Promotion, PromotionStatus


def promotions(*, status: str = "", search: str = "", at: dt.datetime | None = None) -> QuerySet:
    """Promotions, newest start first, optionally only running/upcoming/ended at ``at``."""
    at = at or timezone.now()
    queryset = Promotion.objects.select_related("created_by").annotate(
        use_count=Count("usages", filter=Q(usages__returned_at__isnull=True), distinct=True),
    )
    if status == PromotionStatus.RUNNING:
        queryset = queryset.filter(starts_at__lte=at, ends_at__gt=at)
    elif status == PromotionStatus.UPCOMING:
        queryset = queryset.filter(starts_at__gt=at)
    elif status == PromotionStatus.ENDED:
        queryset = queryset.filter(ends_at__lte=at)
    if search:
        queryset = queryset.filter(name__icontains=search)
    return queryset.order_by("-starts_at", "-pk")


def coupon_batches() -> QuerySet:
    """Coupon batches, newest first, with how many codes are redeemed."""
    return (
        CouponBatch.objects.select_related("created_by")
        .annotate(
            redeemed_count=Count(
                "coupons", filter=Q(coupons__status=CouponStatus.REDEEMED), distinct=True
            ),
            discount_given=Sum(
                "coupons__redemptions__amount",
                filter=Q(coupons__redemptions__returned_at__isnull=True),
            ),
        )
        .order_by("-created_at", "-pk")
    )

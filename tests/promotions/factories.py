"""Factories for the promotion and coupon tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from promotions.models import (
    CouponBatch,
    FlashPriceItem,
    Promotion,
    PromotionKind,
    PromotionTier,
)

NOW = dt.datetime(2025, 6, 18, 4, 0, tzinfo=dt.UTC)


class PromotionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Promotion

    name = factory.Sequence(lambda number: f"Promotion {number}")
    kind = PromotionKind.PERCENT_OFF
    percent_off = Decimal("10")
    starts_at = NOW - dt.timedelta(days=1)
    ends_at = NOW + dt.timedelta(days=1)


class PromotionTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PromotionTier

    promotion = factory.SubFactory(PromotionFactory, kind=PromotionKind.FULL_REDUCTION)
    threshold = Decimal("300.00")
    amount_off = Decimal("30.00")


class FlashPriceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FlashPriceItem

    promotion = factory.SubFactory(PromotionFactory, kind=PromotionKind.FLASH_PRICE)
    price = Decimal("59.00")


class CouponBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CouponBatch

    name = factory.Sequence(lambda number: f"Coupon batch {number}")
    amount_off = Decimal("20.00")
    min_spend = Decimal("100.00")
    valid_from = NOW - dt.timedelta(days=1)
    valid_until = NOW + dt.timedelta(days=7)
    count = 1

"""Promotions refused with a clear reason, and nothing written (issue: bad input)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from customers.models import SalesChannel
from promotions.coupons import generate_coupon_batch
from promotions.errors import PromotionError
from promotions.models import CouponBatch, Promotion, PromotionKind, Stacking
from promotions.planning import FlashItemInput, PromotionRelations, save_promotion
from tests.catalog.product_factories import VariantFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 12, 0, 0, tzinfo=dt.UTC)
TIERS = [(Decimal("300"), Decimal("30"))]


def save(relations=None, *, by, **overrides):
    values = {
        "name": "Weekend 满减",
        "kind": PromotionKind.FULL_REDUCTION,
        "starts_at": START,
        "ends_at": START + dt.timedelta(days=2),
        **overrides,
    }
    return save_promotion(
        promotion=None,
        fields=values,
        relations=relations or PromotionRelations(tiers=TIERS),
        by=by,
    )


def test_tiers_that_take_less_off_at_a_higher_threshold_are_refused(manager):
    relations = PromotionRelations(
        tiers=[(Decimal("300"), Decimal("30")), (Decimal("500"), Decimal("20"))]
    )

    with pytest.raises(ValidationError, match="higher threshold must take more off"):
        save(relations, by=manager)

    assert not Promotion.objects.exists()


def test_a_percent_over_100_is_refused(manager):
    with pytest.raises(ValidationError):
        save(
            PromotionRelations(),
            by=manager,
            kind=PromotionKind.PERCENT_OFF,
            percent_off=Decimal("120"),
        )

    assert not Promotion.objects.exists()


def test_a_flash_sale_without_a_cap_is_refused(manager):
    variant = VariantFactory(sku_code="FLASH-1", price=Decimal("99.00"))
    relations = PromotionRelations(flash_items=[FlashItemInput(variant, Decimal("59.00"), None)])

    with pytest.raises(ValidationError, match="quantity cap for every SKU; none for FLASH-1"):
        save(relations, by=manager, kind=PromotionKind.FLASH_PRICE, name="Flash")

    assert not Promotion.objects.exists()


def test_overlapping_exclusive_promotions_on_a_shared_channel_are_refused(manager):
    taobao = SalesChannel.objects.get(code="taobao")
    jd = SalesChannel.objects.get(code="jd")
    exclusive = Stacking.EXCLUSIVE
    save(
        PromotionRelations(tiers=TIERS, channels=[taobao]),
        by=manager,
        name="Taobao exclusive",
        stacking=exclusive,
    )

    # Another channel: allowed. Every channel, overlapping days: refused.
    save(PromotionRelations(tiers=TIERS, channels=[jd]), by=manager, name="JD", stacking=exclusive)
    with pytest.raises(ValidationError, match=r"(JD|Taobao exclusive) is also exclusive"):
        save(
            by=manager,
            name="Store-wide exclusive",
            stacking=exclusive,
            starts_at=START + dt.timedelta(days=1),
            ends_at=START + dt.timedelta(days=5),
        )

    assert sorted(Promotion.objects.values_list("name", flat=True)) == ["JD", "Taobao exclusive"]


def test_a_coupon_batch_of_zero_codes_is_refused(manager):
    with pytest.raises(PromotionError):
        generate_coupon_batch(
            name="Empty", count=0, valid_from=START, valid_until=START + dt.timedelta(days=1)
        )

    assert not CouponBatch.objects.exists()

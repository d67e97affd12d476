"""The demo seed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from promotions.demo import seed_promotions
from promotions.models import Coupon, CouponBatch, Promotion
from promotions.services import quote
from tests.catalog.product_factories import VariantFactory
from tests.promotions.factories import NOW

pytestmark = pytest.mark.django_db


def test_seeding_twice_creates_the_promotions_once():
    VariantFactory(price=Decimal("100.00"))

    first = seed_promotions(now=NOW)
    second = seed_promotions(now=NOW)

    assert (len(first), second) == (5, [])
    assert Promotion.objects.count() == 5
    assert (CouponBatch.objects.count(), Coupon.objects.count()) == (1, 50)


def test_the_seeded_flash_sale_prices_the_first_sku():
    variant = VariantFactory(price=Decimal("100.00"))
    seed_promotions(now=NOW)

    result = quote([(variant, 1)], at=NOW)

    assert result.payable_total == Decimal("70.00")
    assert [rule.name for rule in result.applied] == ["Demo: flash sale"]

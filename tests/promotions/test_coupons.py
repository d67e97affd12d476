"""Coupon redemption and return: limits, idempotency, locking."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections

from promotions.coupons import (
    generate_coupon_batch,
    record_promotion_usage,
    redeem_coupon,
    return_coupon,
)
from promotions.errors import PromotionError
from promotions.models import Coupon, CouponRedemption, CouponStatus, PromotionUsage
from tests.promotions.factories import NOW, PromotionFactory

WINDOW = {"valid_from": NOW - dt.timedelta(days=1), "valid_until": NOW + dt.timedelta(days=1)}


def batch_of(count: int = 1, **fields):
    fields.setdefault("amount_off", Decimal("20"))
    return generate_coupon_batch(name="Welcome", count=count, **WINDOW, **fields)


def codes(batch) -> list[str]:
    return list(batch.coupons.order_by("code").values_list("code", flat=True))


@pytest.mark.django_db
def test_redeeming_marks_the_coupon_used():
    code = codes(batch_of())[0]

    redemption = redeem_coupon(
        code=code,
        channel_code="taobao",
        order_no="T1",
        amount=Decimal("20.00"),
        customer_id=7,
        at=NOW,
    )

    assert (redemption.order_no, redemption.amount) == ("T1", Decimal("20.00"))
    assert Coupon.objects.get(code=code).status == CouponStatus.REDEEMED


@pytest.mark.django_db
def test_redeeming_again_for_the_same_order_changes_nothing():
    code = codes(batch_of())[0]
    first = redeem_coupon(
        code=code, channel_code="taobao", order_no="T1", amount=Decimal("20"), at=NOW
    )

    again = redeem_coupon(
        code=code.lower(), channel_code="taobao", order_no="T1", amount=Decimal("20"), at=NOW
    )

    assert again.pk == first.pk
    assert CouponRedemption.objects.count() == 1


@pytest.mark.django_db
def test_a_used_code_is_refused_for_another_order():
    code = codes(batch_of())[0]
    redeem_coupon(code=code, channel_code="taobao", order_no="T1", amount=Decimal("20"), at=NOW)

    with pytest.raises(PromotionError) as refused:
        redeem_coupon(code=code, channel_code="taobao", order_no="T2", amount=Decimal("20"), at=NOW)

    assert refused.value.code == "coupon_used"
    assert CouponRedemption.objects.count() == 1


@pytest.mark.django_db
def test_the_per_customer_limit_of_a_batch_holds():
    first, second = codes(batch_of(2, per_customer_limit=1))
    redeem_coupon(
        code=first, channel_code="jd", order_no="J1", amount=Decimal("20"), customer_id=5, at=NOW
    )

    with pytest.raises(PromotionError) as refused:
        redeem_coupon(
            code=second,
            channel_code="jd",
            order_no="J2",
            amount=Decimal("20"),
            customer_id=5,
            at=NOW,
        )

    assert refused.value.code == "customer_limit_reached"
    assert Coupon.objects.get(code=second).status == CouponStatus.AVAILABLE


@pytest.mark.django_db
def test_an_expired_or_unknown_coupon_is_refused():
    code = codes(batch_of())[0]

    with pytest.raises(PromotionError) as expired:
        redeem_coupon(
            code=code,
            channel_code="jd",
            order_no="J1",
            amount=Decimal("1"),
            at=NOW + dt.timedelta(days=2),
        )
    with pytest.raises(PromotionError) as unknown:
        redeem_coupon(
            code="NOSUCHCODE22", channel_code="jd", order_no="J1", amount=Decimal("1"), at=NOW
        )

    assert (expired.value.code, unknown.value.code) == ("coupon_expired", "coupon_unknown")
    assert CouponRedemption.objects.count() == 0


@pytest.mark.django_db
def test_cancelling_the_order_returns_a_returnable_coupon_once():
    code = codes(batch_of())[0]
    redeem_coupon(
        code=code, channel_code="jd", order_no="J1", amount=Decimal("20"), customer_id=5, at=NOW
    )

    returned = return_coupon(channel_code="jd", order_no="J1", at=NOW)
    again = return_coupon(channel_code="jd", order_no="J1", at=NOW)
    reused = redeem_coupon(
        code=code, channel_code="jd", order_no="J2", amount=Decimal("20"), customer_id=5, at=NOW
    )

    assert (len(returned), again) == (1, [])
    assert reused.order_no == "J2"


@pytest.mark.django_db
def test_a_non_returnable_coupon_stays_used_after_cancelling():
    code = codes(batch_of(is_returnable=False))[0]
    redeem_coupon(code=code, channel_code="jd", order_no="J1", amount=Decimal("20"), at=NOW)

    returned = return_coupon(channel_code="jd", order_no="J1", at=NOW)

    assert returned == []
    assert Coupon.objects.get(code=code).status == CouponStatus.REDEEMED


@pytest.mark.django_db
def test_promotion_usage_is_recorded_once_per_order():
    promotion = PromotionFactory()

    first = record_promotion_usage(
        promotion=promotion, channel_code="jd", order_no="J1", amount=Decimal("5")
    )
    again = record_promotion_usage(
        promotion=promotion, channel_code="jd", order_no="J1", amount=Decimal("9")
    )

    assert again.pk == first.pk
    assert PromotionUsage.objects.get().amount == Decimal("5.00")


@pytest.mark.django_db(transaction=True)
def test_two_orders_racing_for_one_code_get_it_once(postgres_only):
    code = codes(batch_of())[0]
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def take(order_no: str) -> None:
        try:
            barrier.wait()
            redeem_coupon(
                code=code, channel_code="jd", order_no=order_no, amount=Decimal("20"), at=NOW
            )
            outcomes.append("ok")
        except PromotionError as error:
            outcomes.append(error.code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=take, args=(f"J{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["coupon_used", "ok"]
    assert CouponRedemption.objects.count() == 1

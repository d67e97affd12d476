"""Coupon codes and the writes that use them: generation, redemption, return.

Orders live above promotions, so an order is named here by its natural key
(channel code, order number) as plain strings. The orders services call
``redeem_coupon`` when an order is placed and ``return_coupon`` when it is
cancelled.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from promotions.errors import PromotionError
from promotions.models import (
    Coupon,
    CouponBatch,
    CouponKind,
    CouponRedemption,
    CouponStatus,
    Promotion,
    PromotionUsage,
)
from storeops import money

# Upper-case letters and digits without the look-alikes 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
MAX_BATCH_SIZE = 100_000
INSERT_CHUNK = 1000


def normalize_code(code: str) -> str:
    """What a buyer typed, as stored: no spaces or dashes, upper case."""
    return "".join(code.split()).replace("-", "").upper()


def new_code(length: int = CODE_LENGTH) -> str:
    """An unguessable code (``secrets``): 12 characters of 31 give about 59 bits."""
    return "".join(secrets.choice(CODE_ALPHABET) for _position in range(length))


@transaction.atomic
def generate_coupon_batch(
    *,
    name: str,
    count: int,
    valid_from: dt.datetime,
    valid_until: dt.datetime,
    kind: str = CouponKind.AMOUNT,
    amount_off: Decimal = money.ZERO,
    percent_off: Decimal = Decimal(0),
    min_spend: Decimal = money.ZERO,
    per_customer_limit: int = 1,
    is_returnable: bool = True,
    by: Any = None,
) -> CouponBatch:
    """Create a batch and its ``count`` unique codes. Atomic: all codes or none."""
    if count < 1 or count > MAX_BATCH_SIZE:
        raise PromotionError(
            _("A batch holds between 1 and %(maximum)s codes."),
            code="invalid_count",
            maximum=MAX_BATCH_SIZE,
        )
    if valid_until <= valid_from:
        raise PromotionError(_("A batch must end after it starts."), code="invalid_window")
    if kind == CouponKind.AMOUNT and amount_off <= 0:
        raise PromotionError(
            _("An amount coupon needs an amount above zero."), code="invalid_amount"
        )
    if kind == CouponKind.PERCENT and not (0 < percent_off <= 100):
        raise PromotionError(
            _("A percent coupon needs a percentage between 0 and 100."), code="invalid_amount"
        )
    batch = CouponBatch.objects.create(
        name=name,
        kind=kind,
        amount_off=amount_off if kind == CouponKind.AMOUNT else money.ZERO,
        percent_off=percent_off if kind == CouponKind.PERCENT else Decimal(0),
        min_spend=min_spend,
        valid_from=valid_from,
        valid_until=valid_until,
        per_customer_limit=per_customer_limit,
        count=count,
        is_returnable=is_returnable,
        created_by=by if getattr(by, "pk", None) else None,
    )
    codes: set[str] = set()
    while len(codes) < count:
        wanted = {new_code() for _index in range(count - len(codes))}
        # A clash with an older batch is astronomically rare, but checked anyway.
        taken = set(Coupon.objects.filter(code__in=wanted).values_list("code", flat=True))
        codes |= wanted - taken
    ordered = sorted(codes)
    for start in range(0, len(ordered), INSERT_CHUNK):
        Coupon.objects.bulk_create(
            [Coupon(batch=batch, code=code) for code in ordered[start : start + INSERT_CHUNK]]
        )
    return batch


def redeem_coupon(
    *,
    code: str,
    channel_code: str,
    order_no: str,
    amount: Decimal,
    customer_id: int | None = None,
    at: dt.datetime | None = None,
) -> CouponRedemption:
    """Mark a coupon used by one order.

    Atomic and idempotent per order: redeeming the same code for the same
    (channel, order number) again returns the first redemption. Locks the
    batch row, then the coupon row (always in that order), so two orders
    cannot both take one code and a customer cannot pass the batch's
    per-customer limit by racing.
    """
    at = at or timezone.now()
    amount = money.to_decimal(amount)
    if amount < 0 or amount != money.quantize(amount):
        raise PromotionError(
            _("The discount must be an amount in cents, not %(value)s."),
            code="invalid_amount",
            value=amount,
        )
    code = normalize_code(code)
    batch_id = Coupon.objects.filter(code=code).values_list("batch_id", flat=True).first()
    if batch_id is None:
        raise PromotionError(_("Unknown coupon code."), code="coupon_unknown")
    with transaction.atomic():
        batch = CouponBatch.objects.select_for_update().get(pk=batch_id)
        coupon = Coupon.objects.select_for_update().get(code=code)
        current = CouponRedemption.objects.filter(coupon=coupon, returned_at__isnull=True).first()
        if current is not None:
            if (current.channel_code, current.order_no) == (channel_code, order_no):
                return current
            raise PromotionError(
                _("This coupon has already been used."), code="coupon_used", status_code=409
            )
        if coupon.status == CouponStatus.VOID:
            raise PromotionError(_("This coupon has been cancelled."), code="coupon_void")
        if at < batch.valid_from:
            raise PromotionError(_("This coupon is not valid yet."), code="coupon_not_started")
        if at >= batch.valid_until:
            raise PromotionError(_("This coupon has expired."), code="coupon_expired")
        if customer_id is not None:
            used = CouponRedemption.objects.filter(
                coupon__batch=batch, customer_id=customer_id, returned_at__isnull=True
            ).count()
            if used >= batch.per_customer_limit:
                raise PromotionError(
                    _("This customer has used this coupon batch as often as allowed."),
                    code="customer_limit_reached",
                    status_code=409,
                )
        redemption = CouponRedemption.objects.create(
            coupon=coupon,
            channel_code=channel_code,
            order_no=order_no,
            customer_id=customer_id,
            amount=amount,
            redeemed_at=at,
        )
        coupon.status = CouponStatus.REDEEMED
        coupon.save(update_fields=["status"])
    return redemption


def return_coupon(
    *, channel_code: str, order_no: str, at: dt.datetime | None = None
) -> list[CouponRedemption]:
    """An order was cancelled: give back its coupons whose batch allows it.

    Atomic and idempotent: a second call finds nothing left to return. A
    coupon of a non-returnable batch stays used. Returns the redemptions
    returned by this call.
    """
    at = at or timezone.now()
    returned = []
    with transaction.atomic():
        redemptions = list(
            CouponRedemption.objects.select_for_update()
            .filter(channel_code=channel_code, order_no=order_no, returned_at__isnull=True)
            .select_related("coupon__batch")
            .order_by("pk")
        )
        for redemption in redemptions:
            if not redemption.coupon.batch.is_returnable:
                continue
            redemption.returned_at = at
            redemption.save(update_fields=["returned_at"])
            Coupon.objects.filter(pk=redemption.coupon_id).update(status=CouponStatus.AVAILABLE)
            returned.append(redemption)
    return returned


def record_promotion_usage(
    *,
    promotion: Promotion,
    channel_code: str,
    order_no: str,
    amount: Decimal,
    customer_id: int | None = None,
    at: dt.datetime | None = None,
) -> PromotionUsage:
    """Count one order's use of a promotion (for usage limits and the budget).

    Idempotent per (promotion, channel, order number): a repeat returns the first row.
    """
    try:
        with transaction.atomic():
            usage, _created = PromotionUsage.objects.get_or_create(
                promotion=promotion,
                channel_code=channel_code,
                order_no=order_no,
                defaults={
                    "amount": amount,
                    "customer_id": customer_id,
                    "used_at": at or timezone.now(),
                },
            )
    except IntegrityError:
        usage = PromotionUsage.objects.get(
            promotion=promotion, channel_code=channel_code, order_no=order_no
        )
    return usage

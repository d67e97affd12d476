"""Factories and builders for order tests; orders are built through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from customers.models import SalesChannel
from orders import services
from orders.models import Carrier, Order, RateCard
from tests.inventory.factories import VariantFactory, WarehouseFactory

__all__ = ["CarrierFactory", "RateCardFactory", "VariantFactory", "WarehouseFactory", "build_order"]


class CarrierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Carrier
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda number: f"carrier{number}")
    name = factory.Sequence(lambda number: f"Carrier {number}")


class RateCardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RateCard

    carrier = factory.SubFactory(CarrierFactory)
    province = ""
    first_weight_kg = Decimal("1.000")
    first_price = Decimal("8.00")
    additional_weight_kg = Decimal("1.000")
    additional_price = Decimal("3.00")


_numbers = iter(range(1, 10**9))


def build_order(
    *,
    by,
    items,
    channel: str = "taobao",
    paid: bool = True,
    order_discount: str = "0.00",
    shipping_fee: str = "0.00",
    order_no: str | None = None,
    placed_at: dt.datetime | None = None,
    **fields,
) -> Order:
    """An order of ``items`` = [(variant, quantity), ...] at the variants' prices.

    The address is complete and there is no buyer note, so review passes
    unless a test changes that.
    """
    lines = [
        services.LineInput(variant=variant, quantity=quantity, unit_price=variant.price)
        for variant, quantity in items
    ]
    goods = sum((variant.price * quantity for variant, quantity in items), Decimal(0))
    paid_total = goods - Decimal(order_discount) + Decimal(shipping_fee)
    placed_at = placed_at or timezone.now()
    defaults = {
        "buyer_nickname": "tb_buyer_1",
        "recipient_name": "张三",
        "phone": "13800138000",
        "province": "浙江省",
        "city": "杭州市",
        "address": "西湖区文三路 100 号",
    }
    defaults.update(fields)
    order, _created = services.create_order(
        channel=SalesChannel.objects.get(code=channel),
        order_no=order_no or f"T{next(_numbers):08d}",
        lines=lines,
        paid_total=paid_total,
        order_discount_total=Decimal(order_discount),
        shipping_fee=Decimal(shipping_fee),
        placed_at=placed_at,
        paid_at=placed_at if paid else None,
        by=by,
        **defaults,
    )
    return order

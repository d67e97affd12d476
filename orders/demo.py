"""Demo orders: 90 days of trade across channels, shipments and after-sales.

History (before the last two days) is seeded in bulk as completed imported
orders that moved no stock, as imported completed orders may; the last two
days go through the services: paid orders reserve stock, some ship, some
sit in the exception queue. After-sales cases and refunds always go through
the services (returns come back to stock through ``inventory``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Sum

from catalog.models import Variant
from customers.models import Customer, SalesChannel
from inventory import demo as inventory_demo
from inventory import selectors as inventory_selectors
from orders import services
from orders.models import (
    Carrier,
    CaseType,
    EventKind,
    Order,
    OrderEvent,
    OrderKind,
    OrderLine,
    OrderStatus,
    RateCard,
    ReviewState,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)
from orders.services.common import allocate
from storeops import business_day, money

if TYPE_CHECKING:
    from storeops.demo import DemoContext

DEMO_USERNAME = "demo-orders"
CARRIERS = [
    ("sf", "顺丰速运", "12.00", "5.00"),
    ("zto", "中通快递", "5.50", "2.00"),
    ("yto", "圆通速递", "5.00", "2.00"),
    ("yunda", "韵达快递", "5.00", "1.50"),
    ("jt", "极兔速递", "4.50", "1.50"),
]
REMOTE_PROVINCES = {"新疆维吾尔自治区": "15.00", "西藏自治区": "18.00"}
ADDRESSES = [
    ("浙江省", "杭州市"),
    ("上海市", "上海市"),
    ("江苏省", "南京市"),
    ("江苏省", "苏州市"),
    ("广东省", "广州市"),
    ("广东省", "深圳市"),
    ("北京市", "北京市"),
    ("四川省", "成都市"),
    ("湖北省", "武汉市"),
    ("山东省", "青岛市"),
    ("福建省", "厦门市"),
    ("新疆维吾尔自治区", "乌鲁木齐市"),
]
PREFIX = {
    "taobao": "TB",
    "tmall": "TM",
    "jd": "JD",
    "douyin": "DY",
    "pdd": "PDD",
    "own_site": "WEB",
}
# Orders per hour of the day (store time): quiet nights, a lunch bump, an evening peak.
HOUR_WEIGHTS = [2, 1, 1, 1, 1, 1, 2, 3, 5, 6, 7, 8, 9, 8, 7, 7, 7, 8, 9, 10, 12, 14, 12, 6]
WEEKDAY_FACTOR = [0.9, 0.85, 0.9, 0.95, 1.0, 1.25, 1.3]  # Monday .. Sunday
BASE_ORDERS_PER_DAY = 22
SALE_DAY_FACTOR = 4
LIVE_DAYS = 2
REASONS = ["size", "size", "quality", "damaged", "wrong_item", "not_as_described", "changed_mind"]


def _carriers() -> list[Carrier]:
    carriers = []
    for code, name, first, additional in CARRIERS:
        carrier, _created = Carrier.objects.update_or_create(code=code, defaults={"name": name})
        RateCard.objects.update_or_create(
            carrier=carrier,
            province="",
            defaults={"first_price": Decimal(first), "additional_price": Decimal(additional)},
        )
        for province, price in REMOTE_PROVINCES.items():
            RateCard.objects.update_or_create(
                carrier=carrier,
                province=province,
                defaults={"first_price": Decimal(price), "additional_price": Decimal("8.00")},
            )
        carriers.append(carrier)
    return carriers


class _Builder:
    def __init__(self, context: DemoContext, by, carriers: list[Carrier]) -> None:
        self.rng = context.random
        self.by = by
        self.carriers = carriers
        self.variants = list(
            Variant.objects.filter(is_active=True).select_related("product").order_by("sku_code")
        )
        self.customers = list(Customer.objects.select_related("channel").order_by("pk"))
        self.costs: dict[tuple, Decimal] = {}
        self.serial = 0

    def moment(self, day: dt.date) -> dt.datetime:
        hour = self.rng.choices(range(24), HOUR_WEIGHTS)[0]
        return business_day.local_midnight(day) + dt.timedelta(
            hours=hour, minutes=self.rng.randrange(60), seconds=self.rng.randrange(60)
        )

    def basket(self, pool: list[Variant] | None = None) -> list[tuple[Variant, int]]:
        pool = pool or self.variants
        size = self.rng.choices([1, 2, 3], [70, 22, 8])[0]
        picked = self.rng.sample(pool, k=min(size, len(pool)))
        return [(variant, self.rng.choices([1, 2], [85, 15])[0]) for variant in picked]

    def money_for(self, basket, *, sale_day: bool) -> dict:
        goods = sum((money.quantize(v.price * q) for v, q in basket), money.ZERO)
        discount, promotion = money.ZERO, ""
        if sale_day and goods >= 200:
            discount, promotion = Decimal(int(goods // 200) * 30), "每满200减30"
        elif goods >= 299 and self.rng.random() < 0.3:
            discount, promotion = Decimal("20.00"), "店铺券 满299减20"
        shipping = money.ZERO if goods >= 99 else Decimal("6.00")
        return {"goods": goods, "discount": discount, "shipping": shipping, "promotion": promotion}

    def order_no(self, channel: SalesChannel, day: dt.date) -> str:
        self.serial += 1
        return f"{PREFIX.get(channel.code, 'MO')}{day:%y%m%d}{self.serial:06d}"

    def cost(self, carrier: Carrier, province: str, weight: Decimal) -> Decimal:
        key = (carrier.pk, province, weight)
        if key not in self.costs:
            self.costs[key] = services.shipping_cost_for(
                carrier=carrier, province=province, weight_kg=weight
            )
        return self.costs[key]


def _history(builder: _Builder, *, context: DemoContext) -> list[Order]:
    """Completed (or, lately, shipped/delivered) imported orders, in bulk."""
    rng = builder.rng
    first_day = context.today - dt.timedelta(days=context.days - 1)
    sale_day = context.today - dt.timedelta(days=min(30, context.days // 2))
    rows = []
    for offset in range(context.days - LIVE_DAYS):
        day = first_day + dt.timedelta(days=offset)
        factor = WEEKDAY_FACTOR[day.weekday()] * (SALE_DAY_FACTOR if day == sale_day else 1)
        for _number in range(round(BASE_ORDERS_PER_DAY * factor * rng.uniform(0.8, 1.2))):
            customer = rng.choice(builder.customers)
            basket = builder.basket()
            amounts = builder.money_for(basket, sale_day=day == sale_day)
            paid_at = builder.moment(day)
            age = (context.today - day).days
            status = (
                OrderStatus.COMPLETED
                if age > 10
                else rng.choice([OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED])
            )
            province, city = rng.choice(ADDRESSES)
            rows.append((customer, basket, amounts, paid_at, status, province, city, day))
    warehouse = inventory_selectors.default_warehouse()
    orders = []
    for customer, _basket, amounts, paid_at, status, province, city, day in rows:
        shipped_at = paid_at + dt.timedelta(hours=rng.randrange(3, 40))
        delivered_at = shipped_at + dt.timedelta(hours=rng.randrange(30, 90))
        paid_total = amounts["goods"] - amounts["discount"] + amounts["shipping"]
        orders.append(
            Order(
                channel=customer.channel,
                order_no=builder.order_no(customer.channel, day),
                is_imported=True,
                customer=customer,
                buyer_nickname=customer.buyer_id,
                recipient_name=customer.name,
                phone=customer.phone,
                province=province,
                city=city,
                address=f"{city}某区某路{rng.randrange(1, 300)}号",
                warehouse=warehouse,
                status=status,
                review_state=ReviewState.RELEASED,
                placed_at=paid_at - dt.timedelta(minutes=rng.randrange(1, 30)),
                paid_at=paid_at,
                business_date=day,
                shipped_at=shipped_at,
                delivered_at=delivered_at if status != OrderStatus.SHIPPED else None,
                completed_at=delivered_at + dt.timedelta(days=3)
                if status == OrderStatus.COMPLETED
                else None,
                goods_total=amounts["goods"],
                order_discount_total=amounts["discount"],
                shipping_fee=amounts["shipping"],
                paid_total=paid_total,
                promotion_text=amounts["promotion"],
                created_by=builder.by,
            )
        )
    Order.objects.bulk_create(orders, batch_size=500)
    lines, shipments, events = [], [], []
    for order, (_customer, basket, amounts, _paid_at, _status, _p, _c, _day) in zip(
        orders, rows, strict=True
    ):
        values = [money.quantize(variant.price * quantity) for variant, quantity in basket]
        shares = allocate(amounts["discount"], values)
        for (variant, quantity), value, share in zip(basket, values, shares, strict=True):
            lines.append(
                OrderLine(
                    order=order,
                    variant=variant,
                    sku_code=variant.sku_code,
                    title=variant.product.title,
                    quantity=quantity,
                    unit_price=variant.price,
                    order_discount_share=share,
                    paid_amount=value - share,
                    unit_cost=variant.cost_price,
                    shipped_quantity=quantity,
                )
            )
        carrier = builder.rng.choice(builder.carriers)
        weight = sum((v.weight_kg * q for v, q in basket), Decimal(0))
        shipments.append(
            Shipment(
                order=order,
                status=ShipmentStatus.SHIPPED
                if order.status == OrderStatus.SHIPPED
                else ShipmentStatus.DELIVERED,
                carrier=carrier,
                tracking_number=f"{carrier.code.upper()}{order.order_no}",
                weight_kg=weight,
                shipping_cost=builder.cost(carrier, order.province, weight),
                shipped_at=order.shipped_at,
                business_date=business_day.of(order.shipped_at),
                delivered_at=order.delivered_at,
                created_by=builder.by,
            )
        )
        events += [
            OrderEvent(
                order=order,
                kind=EventKind.CREATED,
                message="Imported from the channel",
                by=builder.by,
                created_at=order.placed_at,
            ),
            OrderEvent(order=order, kind=EventKind.PAID, by=builder.by, created_at=order.paid_at),
            OrderEvent(
                order=order, kind=EventKind.SHIPPED, by=builder.by, created_at=order.shipped_at
            ),
        ]
    OrderLine.objects.bulk_create(lines, batch_size=1000)
    Shipment.objects.bulk_create(shipments, batch_size=500)
    by_order: dict[int, list[OrderLine]] = {}
    for line in lines:
        by_order.setdefault(line.order_id, []).append(line)
    ShipmentLine.objects.bulk_create(
        [
            ShipmentLine(shipment=shipment, line=line, quantity=line.quantity)
            for shipment in shipments
            for line in by_order[shipment.order_id]
        ],
        batch_size=1000,
    )
    OrderEvent.objects.bulk_create(events, batch_size=1000)
    inventory_demo.backfill_history_shipments(
        [
            (
                line.variant_id,
                warehouse.pk,
                line.quantity,
                shipment.shipped_at,
                shipment.order.order_no,
            )
            for shipment in shipments
            for line in by_order[shipment.order_id]
        ],
        by=builder.by,
        opening_at=business_day.local_midnight(first_day) - dt.timedelta(hours=12),
    )
    return orders


def _after_sales(builder: _Builder, orders: list[Order], *, context: DemoContext) -> int:
    """About one order in twenty-five asks for after-sales, through the services."""
    rng = builder.rng
    by = builder.by
    cases = 0
    for order in orders:
        if rng.random() > 0.04:
            continue
        line = order.lines.first()
        kind = rng.choices(
            [CaseType.RETURN_REFUND, CaseType.REFUND_ONLY, CaseType.EXCHANGE, CaseType.REISSUE],
            [55, 30, 10, 5],
        )[0]
        requested_at = order.shipped_at + dt.timedelta(hours=rng.randrange(24, 120))
        reason = rng.choice(REASONS)
        amount = None if kind != CaseType.REFUND_ONLY else money.quantize(line.paid_amount / 2)
        if kind == CaseType.REFUND_ONLY:
            case = services.open_case(
                order=order,
                kind=kind,
                reason=reason,
                requested_amount=amount,
                by=by,
                requested_at=requested_at,
                refund_no=f"RF{order.order_no}",
            )
        else:
            case = services.open_case(
                order=order,
                kind=kind,
                reason=reason,
                lines=[(line, 1)],
                by=by,
                requested_at=requested_at,
                refund_no=f"RF{order.order_no}",
            )
        cases += 1
        recent = (context.today - business_day.of(requested_at)).days < 3
        if recent:
            continue  # left open for the console
        services.approve_case(case=case, by=by)
        if kind == CaseType.REFUND_ONLY:
            services.refund_case(case=case, by=by, imported=True)
        elif kind == CaseType.RETURN_REFUND:
            services.mark_awaiting_return(case=case, by=by, return_carrier="中通快递")
            services.receive_return(
                case=case, by=by, damaged={line.pk: 1} if reason == "damaged" else None
            )
            services.refund_case(case=case, by=by, imported=True)
        elif rng.random() < 0.5:
            services.reject_case(case=case, by=by, reason="超出售后期 / outside the return window")
        else:
            services.close_case(case=case, by=by, note="买家撤销 / withdrawn by the buyer")
    return cases


def _live(builder: _Builder, *, context: DemoContext) -> tuple[int, int]:
    """The last two days through the services: paid orders reserve stock; some ship."""
    rng = builder.rng
    available = inventory_selectors.available_by_variant([v.pk for v in builder.variants])
    in_stock = [variant for variant in builder.variants if available[variant.pk] >= 4]
    made = shipped = 0
    for offset in range(LIVE_DAYS, 0, -1):
        day = context.today - dt.timedelta(days=offset - 1)
        for _number in range(rng.randrange(18, 26)):
            customer = rng.choice(builder.customers)
            basket = builder.basket(in_stock)
            amounts = builder.money_for(basket, sale_day=False)
            placed_at = builder.moment(day)
            province, city = rng.choice(ADDRESSES)
            is_paid = rng.random() > 0.08
            order, _created = services.create_order(
                channel=customer.channel,
                order_no=builder.order_no(customer.channel, day),
                lines=[
                    services.LineInput(variant=variant, quantity=quantity, unit_price=variant.price)
                    for variant, quantity in basket
                ],
                order_discount_total=amounts["discount"],
                shipping_fee=amounts["shipping"],
                paid_total=amounts["goods"] - amounts["discount"] + amounts["shipping"],
                placed_at=placed_at,
                paid_at=placed_at + dt.timedelta(minutes=2) if is_paid else None,
                by=builder.by,
                is_imported=True,
                customer=customer,
                buyer_nickname=customer.buyer_id,
                recipient_name=customer.name,
                phone=customer.phone,
                province=province,
                city=city if rng.random() > 0.05 else "",
                address=f"{city}某区某路{rng.randrange(1, 300)}号",
                buyer_note=rng.choice(["", "", "", "", "", "", "请尽快发货", "不要放驿站"]),
            )
            made += 1
            order.refresh_from_db()
            if offset == LIVE_DAYS and order.can_be_shipped and rng.random() < 0.6:
                carrier = rng.choice(builder.carriers)
                services.ship_order(
                    order=order,
                    carrier=carrier,
                    tracking_number=f"{carrier.code.upper()}{order.order_no}",
                    shipped_at=order.paid_at + dt.timedelta(hours=rng.randrange(2, 20)),
                    by=builder.by,
                )
                shipped += 1
    return made, shipped


def seed(*, context: DemoContext) -> dict[str, int]:
    by, _created = get_user_model().objects.get_or_create(
        username=DEMO_USERNAME, defaults={"is_active": False}
    )
    carriers = _carriers()
    if Order.objects.filter(created_by=by).exists():
        return {"orders": 0}
    builder = _Builder(context, by, carriers)
    if not builder.variants or not builder.customers:
        return {"orders": 0}
    history = _history(builder, context=context)
    cases = _after_sales(builder, history, context=context)
    live, shipped = _live(builder, context=context)
    services.rebuild_customer_totals()
    return {
        "history orders": len(history),
        "live orders": live,
        "live orders shipped": shipped,
        "after-sales cases": cases,
        "replacement orders": Order.objects.filter(kind=OrderKind.REPLACEMENT).count(),
        "units reserved": OrderLine.objects.filter(order__status=OrderStatus.PAID).aggregate(
            total=Sum("reserved_quantity")
        )["total"]
        or 0,
    }

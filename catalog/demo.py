"""Demo suppliers: the factories and wholesalers a small apparel store buys from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from catalog.models import (
    Category,
    PriceKind,
    Product,
    ProductStatus,
    Season,
    Supplier,
    Tag,
    Variant,
    VariantPriceChange,
)
from storeops import business_day

if TYPE_CHECKING:
    from storeops.demo import DemoContext

# code, name, contact, city, lead time (days), payment terms, minimum order
SUPPLIERS = [
    ("SUP-HZ01", "杭州织美服饰有限公司", "王丽", "杭州", 7, "月结30天", "3000.00"),
    ("SUP-GZ02", "广州潮派制衣厂", "陈志强", "广州", 10, "款到发货", "5000.00"),
    ("SUP-SZ03", "深圳优品鞋业", "李娜", "深圳", 14, "月结45天", "8000.00"),
    ("SUP-YW04", "义乌百汇饰品批发", "张伟", "义乌", 5, "货到付款", "1000.00"),
    ("SUP-SH05", "上海简约包袋设计", "刘洋", "上海", 12, "月结30天", "4000.00"),
    ("SUP-QZ06", "泉州运动装备厂", "黄敏", "泉州", 9, "预付50%", "6000.00"),
    ("SUP-NB07", "宁波暖冬针织", "周杰", "宁波", 15, "月结60天", "10000.00"),
    ("SUP-SU08", "苏州丝韵家纺", "吴芳", "苏州", 8, "款到发货", "2000.00"),
]


# category path, product noun, season, price range (yuan), options, supplier code
PRODUCT_LINES = [
    ("女装/连衣裙", "连衣裙", Season.SUMMER, (129, 399), "clothing", "SUP-HZ01"),
    ("女装/T恤", "T恤", Season.SUMMER, (49, 129), "clothing", "SUP-GZ02"),
    ("女装/针织衫", "针织开衫", Season.AUTUMN, (159, 359), "clothing", "SUP-NB07"),
    ("女装/羽绒服", "轻薄羽绒服", Season.WINTER, (399, 899), "clothing", "SUP-NB07"),
    ("男装/衬衫", "商务衬衫", Season.ALL_SEASON, (99, 259), "clothing", "SUP-GZ02"),
    ("男装/夹克", "休闲夹克", Season.SPRING, (199, 499), "clothing", "SUP-QZ06"),
    ("鞋靴/运动鞋", "跑步鞋", Season.ALL_SEASON, (199, 599), "shoes", "SUP-SZ03"),
    ("鞋靴/靴子", "短靴", Season.WINTER, (259, 699), "shoes", "SUP-SZ03"),
    ("配饰/包袋", "托特包", Season.ALL_SEASON, (89, 329), "colour", "SUP-SH05"),
    ("配饰/饰品", "耳饰", Season.ALL_SEASON, (19, 89), "colour", "SUP-YW04"),
    ("家纺/床品", "四件套", Season.ALL_SEASON, (199, 599), "bedding", "SUP-SU08"),
]
STYLES = ["法式", "简约", "复古", "通勤", "宽松", "修身", "国潮", "甜美", "经典", "轻奢"]
COLOURS = ["黑色", "白色", "米色", "藏青", "酒红", "灰色"]
OPTION_SETS = {
    "clothing": [("size", ["S", "M", "L", "XL"])],
    "shoes": [("size", ["36", "37", "38", "39", "40", "41", "42"])],
    "colour": [],
    "bedding": [("size", ["1.5m", "1.8m"])],
}
TAGS = ["爆款", "新品", "清仓", "直播同款", "基础款"]
PRODUCTS_PER_LINE = 6


def ean13(twelve_digits: str) -> str:
    """A valid EAN-13 barcode: twelve digits plus their check digit."""
    total = sum(int(digit) * (3 if index % 2 else 1) for index, digit in enumerate(twelve_digits))
    return f"{twelve_digits}{(10 - total % 10) % 10}"


def _category(path: str) -> Category:
    parent = None
    for name in path.split("/"):
        parent, _created = Category.objects.get_or_create(parent=parent, name=name)
    return parent


def seed_products(*, context: DemoContext) -> tuple[int, int]:
    """About 60 products and 350 SKUs across categories, seasons and suppliers."""
    rng = context.random
    tags = {name: Tag.objects.get_or_create(name=name)[0] for name in TAGS}
    suppliers = {supplier.code: supplier for supplier in Supplier.objects.all()}
    created_at = business_day.local_midnight(context.today - dt.timedelta(days=context.days + 30))
    products = variants = 0
    for line_index, (path, noun, season, (low, high), option_kind, supplier_code) in enumerate(
        PRODUCT_LINES
    ):
        category = _category(path)
        for number in range(PRODUCTS_PER_LINE):
            code = f"P{line_index + 1:02d}{number + 1:02d}"
            style = STYLES[(line_index * 3 + number) % len(STYLES)]
            list_price = Decimal(rng.randrange(low, high + 1) // 10 * 10 + 9)
            is_new = number == PRODUCTS_PER_LINE - 1
            status = ProductStatus.ON_SALE
            if number == 0 and line_index % 4 == 3:
                status = ProductStatus.OFF_SALE
            elif is_new and line_index % 5 == 4:
                status = ProductStatus.DRAFT
            launch = context.today - dt.timedelta(
                days=rng.randrange(3, 25) if is_new else rng.randrange(60, 400)
            )
            product, _created = Product.objects.update_or_create(
                code=code,
                defaults={
                    "title": f"{style}{noun}",
                    "category": category,
                    "brand": "织时光",
                    "description": f"{style}{noun}，{path.split('/')[0]}精选。",
                    "status": status,
                    "status_changed_at": timezone.now(),
                    "season": season,
                    "launch_date": launch,
                    "list_price": list_price,
                },
            )
            product.tags.set(
                [tags["新品"]] if is_new else rng.sample(list(tags.values()), k=rng.randrange(0, 3))
            )
            products += 1
            colours = rng.sample(COLOURS, k=2 if option_kind != "colour" else 4)
            sizes = OPTION_SETS[option_kind][0][1] if OPTION_SETS[option_kind] else [None]
            discount = Decimal(rng.choice(["1.00", "0.90", "0.85", "0.80"]))
            for colour in colours:
                for size in sizes:
                    suffix = f"{COLOURS.index(colour)}{size or ''}".replace(".", "")
                    options = {"colour": colour} | ({"size": size} if size else {})
                    price = (list_price * discount).quantize(Decimal("1")) - Decimal("0.10")
                    cost = (price * Decimal(rng.choice(["0.35", "0.40", "0.45", "0.50"]))).quantize(
                        Decimal("0.01")
                    )
                    variant, was_created = Variant.objects.update_or_create(
                        sku_code=f"{code}-{suffix}",
                        defaults={
                            "product": product,
                            "options": options,
                            "barcode": ean13(f"692026{variants:06d}"),
                            "price": price,
                            "cost_price": cost,
                            "weight_kg": Decimal(rng.choice(["0.200", "0.350", "0.600", "1.100"])),
                            "supplier": suppliers.get(supplier_code),
                            "supplier_item_code": f"{supplier_code[-2:]}-{code}-{suffix}",
                            "reorder_point": rng.choice([5, 10, 20]),
                            "safety_stock": rng.choice([3, 5, 8]),
                        },
                    )
                    if was_created:
                        VariantPriceChange.objects.bulk_create(
                            [
                                VariantPriceChange(
                                    variant=variant,
                                    kind=kind,
                                    new_amount=amount,
                                    effective_at=created_at,
                                    reason="demo: initial price",
                                )
                                for kind, amount in (
                                    (PriceKind.PRICE, price),
                                    (PriceKind.COST, cost),
                                )
                            ]
                        )
                    variants += 1
    return products, variants


def seed(*, context: DemoContext) -> dict[str, int]:
    rng = context.random
    for index, (code, name, contact, city, lead_days, terms, minimum) in enumerate(SUPPLIERS):
        start = dt.date(context.today.year - 1, 1 + index, 1)
        Supplier.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "contact_name": contact,
                "phone": f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
                "email": f"sales@{code.lower().replace('-', '')}.example.cn",
                "address": f"{city}市",
                "lead_time_days": lead_days,
                "payment_terms": terms,
                "min_order_amount": Decimal(minimum),
                "contract_start": start,
                "contract_end": start.replace(year=start.year + 2),
                "is_active": code != "SUP-SU08",
            },
        )
    products, variants = seed_products(context=context)
    return {"suppliers": len(SUPPLIERS), "products": products, "SKUs": variants}

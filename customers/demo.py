"""Demo buyers: a pool of nicknames and phones across the marketplace channels."""

from __future__ import annotations

from typing import TYPE_CHECKING

from customers.models import Customer, SalesChannel

if TYPE_CHECKING:
    from storeops.demo import DemoContext

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "杰", "婷", "雪", "晨", "宇"]
NICK_PARTS = ["小", "爱", "momo", "喵", "的", "lucky", "tt", "糖", "阿", "Coco", "sun", "果"]
CHANNEL_SHARE = {"taobao": 30, "tmall": 25, "jd": 15, "douyin": 15, "pdd": 10, "own_site": 5}
BUYERS = 900


def seed(*, context: DemoContext) -> dict[str, int]:
    rng = context.random
    channels = {channel.code: channel for channel in SalesChannel.objects.all()}
    codes = list(CHANNEL_SHARE)
    weights = list(CHANNEL_SHARE.values())
    existing = set(Customer.objects.values_list("channel__code", "buyer_id"))
    new = []
    for number in range(BUYERS):
        code = rng.choices(codes, weights)[0]
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        phone = f"1{rng.choice('35789')}{rng.randrange(10**8, 10**9)}"
        buyer_id = "" if code == "own_site" else f"{rng.choice(NICK_PARTS)}{name}{number:04d}"
        if (code, buyer_id) in existing or (not buyer_id and (code, phone) in existing):
            continue
        new.append(Customer(channel=channels[code], buyer_id=buyer_id, phone=phone, name=name))
    Customer.objects.bulk_create(new, ignore_conflicts=True)
    return {"customers": len(new)}

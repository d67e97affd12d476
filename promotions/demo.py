"""Demo promotions and one coupon batch for a fresh store; running it twice changes nothing."""

from __future__ import annotations

import calendar
import datetime as dt
import random
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from catalog.models import Category, Variant
from customers.models import SalesChannel
from promotions.ad_services import (
    days_kept_per_order,
    record_ad_spend,
    record_affiliate_orders,
    set_ad_budget,
)
from promotions.campaigns import (
    add_campaign_task,
    create_campaign,
    set_campaign_item,
    set_task_done,
)
from promotions.coupons import generate_coupon_batch
from promotions.live_services import record_live_sessions
from promotions.models import (
    AdChannel,
    AffiliateOrderStatus,
    CampaignStatus,
    CouponBatch,
    CouponKind,
    PlatformCampaign,
    Promotion,
    PromotionKind,
    PromotionScope,
    Stacking,
)
from promotions.planning import FlashItemInput, PromotionRelations, save_promotion
from storeops import business_day, money

if TYPE_CHECKING:
    from storeops.demo import DemoContext

DEMO_BATCH_NAME = "Demo: welcome coupon 20 off 199"


@transaction.atomic
def seed_promotions(*, now: dt.datetime | None = None, by: Any = None) -> list[Promotion]:
    """Create the demo promotions (two running, one upcoming, one past) and one coupon batch.

    Idempotent: each promotion is looked up by name, the batch by its name;
    existing ones are left as they are. Returns the promotions created now.
    """
    now = now or timezone.now()
    variants = list(Variant.objects.filter(is_active=True).order_by("sku_code")[:3])
    top_category = Category.objects.filter(parent__isnull=True).order_by("position", "name").first()
    plans: list[tuple[dict[str, Any], PromotionRelations]] = [
        (
            {
                "name": "Demo: spend 300 save 30, spend 500 save 60",
                "kind": PromotionKind.FULL_REDUCTION,
                "starts_at": now - dt.timedelta(days=3),
                "ends_at": now + dt.timedelta(days=11),
                "priority": 10,
            },
            PromotionRelations(
                tiers=[(Decimal("300"), Decimal("30")), (Decimal("500"), Decimal("60"))]
            ),
        ),
        (
            {
                "name": "Demo: every 200 off 15 (last month)",
                "kind": PromotionKind.FULL_REDUCTION,
                "is_repeating": True,
                "starts_at": now - dt.timedelta(days=40),
                "ends_at": now - dt.timedelta(days=33),
            },
            PromotionRelations(tiers=[(Decimal("200"), Decimal("15"))]),
        ),
        (
            {
                "name": "Demo: members 5 % off",
                "kind": PromotionKind.MEMBER_PRICE,
                "percent_off": Decimal("5"),
                "member_min_orders": 2,
                "starts_at": now + dt.timedelta(days=5),
                "ends_at": now + dt.timedelta(days=35),
            },
            PromotionRelations(),
        ),
    ]
    if top_category is not None:
        plans.append(
            (
                {
                    "name": f"Demo: 10 % off {top_category.name}",
                    "kind": PromotionKind.PERCENT_OFF,
                    "percent_off": Decimal("10"),
                    "scope": PromotionScope.CATEGORIES,
                    "starts_at": now - dt.timedelta(days=1),
                    "ends_at": now + dt.timedelta(days=6),
                    "priority": 5,
                },
                PromotionRelations(categories=[top_category]),
            )
        )
    if variants:
        plans.append(
            (
                {
                    "name": "Demo: flash sale",
                    "kind": PromotionKind.FLASH_PRICE,
                    "stacking": Stacking.EXCLUSIVE,
                    "priority": 20,
                    "starts_at": now - dt.timedelta(hours=2),
                    "ends_at": now + dt.timedelta(hours=22),
                },
                PromotionRelations(
                    flash_items=[
                        FlashItemInput(
                            variant=variant,
                            price=(variant.price * Decimal("0.7")).quantize(Decimal("0.01")),
                            quantity_cap=2,
                        )
                        for variant in variants
                    ]
                ),
            )
        )
    created = []
    existing = set(
        Promotion.objects.filter(name__in=[fields["name"] for fields, _r in plans]).values_list(
            "name", flat=True
        )
    )
    for fields, relations in plans:
        if fields["name"] in existing:
            continue
        created.append(save_promotion(promotion=None, fields=fields, relations=relations, by=by))
    if not CouponBatch.objects.filter(name=DEMO_BATCH_NAME).exists():
        generate_coupon_batch(
            name=DEMO_BATCH_NAME,
            kind=CouponKind.AMOUNT,
            amount_off=Decimal("20"),
            min_spend=Decimal("199"),
            valid_from=now - dt.timedelta(days=1),
            valid_until=now + dt.timedelta(days=30),
            count=50,
            by=by,
        )
    return created


def seed(*, context: DemoContext) -> dict[str, int]:
    """The hook ``storeops.demo.seed_all`` discovers: the demo promotions around ``context.today``.

    Promotion times are fixed from the day (store-local noon), so a given seed
    makes the same promotions; coupon codes are random by design.
    """
    now = business_day.local_midnight(context.today) + dt.timedelta(hours=12)
    created = seed_promotions(now=now)
    return {
        "promotions": len(created),
        "coupon_batches": CouponBatch.objects.filter(name=DEMO_BATCH_NAME).count(),
        "campaigns": len(seed_campaigns(today=context.today)),
        # Per-order commission first: the daily affiliate rows are computed from it,
        # and seed_ad_spend leaves those days alone.
        **seed_affiliate_orders(context=context),
        **seed_ad_spend(context=context),
        **seed_live_sessions(context=context),
    }


# -- paid traffic ----------------------------------------------------------------------------

# channel code: [(campaign, daily spend on an ordinary weekday, ROAS around which it moves)]
DEMO_AD_PLAN: dict[str, list[tuple[str, int, str]]] = {
    "search_ads": [("Brand keywords", 420, "5.2"), ("Category keywords", 780, "2.6")],
    "display_ads": [("Retargeting", 260, "3.4"), ("New audiences", 340, "1.4")],
    "feed_ads": [("Feed: bestsellers", 180, "1.8")],
    "affiliate": [("", 150, "6.5")],
    "live_stream": [("Weekly live", 120, "2.9")],
}
# Shoppers browse more at the weekend; Monday first.
AD_WEEKDAY_FACTOR = [Decimal(f) for f in ("0.9", "0.9", "0.95", "1.0", "1.05", "1.25", "1.2")]
AD_SALE_DAY_FACTOR = Decimal("3.5")
DEMO_AD_BUDGET_HEADROOM = Decimal("1.05")


def seed_ad_spend(*, context: DemoContext) -> dict[str, int]:
    """Daily spend per channel and campaign for the ``context.days`` days up to today,
    with a weekly rhythm and a spike on the orders demo's sale day, plus monthly budgets.

    Idempotent: rows go through ``record_ad_spend`` (an upsert on date, channel,
    campaign) and budgets through ``set_ad_budget``; a second run replaces the
    same rows with the same figures.
    """
    rng = random.Random(f"ad-spend-{context.today.isoformat()}-{context.days}")
    channels = {channel.code: channel for channel in AdChannel.objects.all()}
    # Days whose commission is kept per order (seed_affiliate_orders) are computed from it.
    per_order = days_kept_per_order(
        {channel.pk for channel in channels.values() if channel.is_commission_based}
    )
    # The same day the orders demo makes its sale (orders/demo.py).
    sale_day = context.today - dt.timedelta(days=min(30, context.days // 2))
    rows: list[dict[str, Any]] = []
    monthly: dict[tuple[dt.date, str], Decimal] = {}
    for offset in range(context.days - 1, -1, -1):
        day = context.today - dt.timedelta(days=offset)
        factor = AD_WEEKDAY_FACTOR[day.weekday()]
        if day == sale_day:
            factor *= AD_SALE_DAY_FACTOR
        for code, campaigns in DEMO_AD_PLAN.items():
            channel = channels.get(code)
            if channel is None:
                continue
            for campaign, base, roas in campaigns:
                noise = Decimal(rng.randint(85, 115)) / 100
                spend = money.quantize(Decimal(base) * factor * noise)
                roas_today = Decimal(roas) * Decimal(rng.randint(80, 120)) / 100
                sales = money.quantize(spend * roas_today)
                if channel.is_commission_based:
                    clicks = rng.randint(300, 600) * int(factor * 10) // 10
                    impressions = clicks * rng.randint(8, 14)
                else:
                    cpc = Decimal(rng.randint(90, 220)) / 100
                    clicks = int(spend / cpc)
                    impressions = clicks * rng.randint(25, 60)
                orders = int(sales / Decimal(rng.randint(120, 180)))
                if (channel.pk, day) in per_order:
                    continue
                rows.append(
                    {
                        "date": day,
                        "channel": channel,
                        "campaign": campaign,
                        "impressions": impressions,
                        "clicks": clicks,
                        "spend": spend,
                        "attributed_orders": orders,
                        "attributed_sales": sales,
                        "attribution_days": 15,
                    }
                )
                month_key = (day.replace(day=1), code)
                monthly[month_key] = monthly.get(month_key, Decimal(0)) + Decimal(base)
    outcomes = record_ad_spend(rows)
    # Budgets: a straight-line month of the ordinary daily spend, with a little headroom.
    months = {month for month, _code in monthly} | {context.today.replace(day=1)}
    budgets = 0
    for month in sorted(months):
        days_in_month = calendar.monthrange(month.year, month.month)[1]
        for code, campaigns in DEMO_AD_PLAN.items():
            if code not in channels:
                continue
            daily = sum(Decimal(base) for _campaign, base, _roas in campaigns)
            amount = money.quantize(daily * days_in_month * DEMO_AD_BUDGET_HEADROOM)
            set_ad_budget(month=month, channel=channels[code], amount=amount)
            budgets += 1
    return {"ad_spend_rows": outcomes.count("created"), "ad_budgets": budgets}


# -- affiliate (淘宝客) orders ----------------------------------------------------------------

# Sales channels whose shoppers come through 淘宝客 links, with their share of the orders.
DEMO_AFFILIATE_CHANNELS = [("taobao", 3), ("tmall", 2)]
# Promotion slots (推广位) and their weights; blank: the report names none.
DEMO_AFFILIATE_SLOTS = [("内容达人推广", 5), ("导购站点", 3), ("", 2)]
DEMO_AFFILIATE_RATES = [Decimal(rate) for rate in ("0.10", "0.12", "0.15", "0.20")]
# The platform settles a commission about a fortnight after payment (after receipt).
DEMO_SETTLE_AFTER_DAYS = 15


def seed_affiliate_orders(*, context: DemoContext) -> dict[str, int]:
    """淘宝客 orders on Taobao and Tmall for the ``context.days`` days up to today, sized
    like the affiliate line of DEMO_AD_PLAN (about 150 yuan of commission on an ordinary
    day, same weekly rhythm and sale-day spike as the ad spend), 1 in 20 void.

    The affiliate channel's daily rows are computed from these orders (one per
    推广位) by ``record_affiliate_orders``, replacing the daily totals. The
    numbers are the platform's (not the orders demo's, which is seeded later and
    which promotions may not read). Idempotent: an upsert on the order number
    with figures drawn from a seed fixed by the day; a second run changes nothing.
    """
    affiliate = AdChannel.objects.filter(code="affiliate", is_commission_based=True).first()
    codes = [code for code, _weight in DEMO_AFFILIATE_CHANNELS]
    channels = {channel.code: channel for channel in SalesChannel.objects.filter(code__in=codes)}
    if affiliate is None or not channels:
        return {"affiliate_orders": 0}
    rng = random.Random(f"affiliate-orders-{context.today.isoformat()}-{context.days}")
    daily_commission = Decimal(sum(base for _slot, base, _roas in DEMO_AD_PLAN["affiliate"]))
    sale_day = context.today - dt.timedelta(days=min(30, context.days // 2))
    channel_codes = [code for code, weight in DEMO_AFFILIATE_CHANNELS for _n in range(weight)]
    slots = [slot for slot, weight in DEMO_AFFILIATE_SLOTS for _n in range(weight)]
    rows: list[dict[str, Any]] = []
    for offset in range(context.days - 1, -1, -1):
        day = context.today - dt.timedelta(days=offset)
        factor = AD_WEEKDAY_FACTOR[day.weekday()]
        if day == sale_day:
            factor *= AD_SALE_DAY_FACTOR
        target = daily_commission * factor * Decimal(rng.randint(85, 115)) / 100
        earned = Decimal(0)
        serial = 0
        while earned < target:
            serial += 1
            code = rng.choice(channel_codes)
            if code not in channels:
                continue
            amount = Decimal(rng.randint(9_000, 32_000)) / 100
            rate = rng.choice(DEMO_AFFILIATE_RATES)
            commission = money.quantize(amount * rate)
            if rng.randint(1, 20) == 1:
                status = AffiliateOrderStatus.INVALID
            elif (context.today - day).days > DEMO_SETTLE_AFTER_DAYS:
                status = AffiliateOrderStatus.SETTLED
                earned += commission
            else:
                status = AffiliateOrderStatus.PAID
                earned += commission
            moment = dt.datetime.combine(day, dt.time(rng.randint(8, 23), rng.randint(0, 59)))
            rows.append(
                {
                    "ad_channel": affiliate,
                    "channel": channels[code],
                    # Shaped like a Taobao parent order number: digits only.
                    "order_no": f"{day:%y%m%d}{rng.randint(10**9, 10**10 - 1)}{serial:03d}",
                    "campaign": rng.choice(slots),
                    "paid_at": business_day.make_aware_local(moment),
                    "order_amount": amount,
                    "commission_rate": rate,
                    "commission": commission,
                    "status": status,
                }
            )
    outcomes = record_affiliate_orders(rows)
    return {"affiliate_orders": outcomes.count("created")}


# -- live-stream sessions --------------------------------------------------------------------

# channel code: (weekday, Monday = 0; local start hour, minute; title; host; usual viewers;
# usual share of viewers who buy, in per mille). Sized to the orders demo: Douyin takes
# about 3 of its 22 orders a day, Taobao about 7, so a weekly session brings a handful
# to a dozen orders of 150-300 yuan.
DEMO_LIVE_PLAN: dict[str, tuple[int, int, int, str, str, int, int]] = {
    "douyin": (4, 20, 0, "周五宠粉夜 · 新品首发", "小美", 1200, 8),
    "taobao": (2, 19, 30, "周三店播 · 穿搭分享", "阿杰", 700, 10),
}


def seed_live_sessions(*, context: DemoContext) -> dict[str, int]:
    """One live session a week on Douyin and on Taobao over the ``context.days`` days
    before today, with figures the size of the orders demo's trade on those channels.

    Idempotent: sessions go through ``record_live_sessions`` (an upsert on channel
    and start time); a second run replaces them with the same figures.
    """
    rng = random.Random(f"live-sessions-{context.today.isoformat()}-{context.days}")
    channels = {
        channel.code: channel
        for channel in SalesChannel.objects.filter(code__in=list(DEMO_LIVE_PLAN))
    }
    rows: list[dict[str, Any]] = []
    for offset in range(context.days - 1, 0, -1):
        day = context.today - dt.timedelta(days=offset)
        for code, plan in DEMO_LIVE_PLAN.items():
            weekday, hour, minute, title, host, usual_viewers, per_mille = plan
            if code not in channels or day.weekday() != weekday:
                continue
            viewers = usual_viewers * rng.randint(60, 150) // 100
            buyers = max(1, viewers * per_mille * rng.randint(60, 140) // 100_000)
            orders = buyers + rng.randint(0, max(1, buyers // 4))
            order_value = Decimal(rng.randint(15_000, 30_000)) / 100
            rows.append(
                {
                    "channel": channels[code],
                    "started_at": business_day.make_aware_local(
                        dt.datetime.combine(day, dt.time(hour, minute))
                    ),
                    "title": title,
                    "host": host,
                    "duration_minutes": rng.choice([90, 105, 120, 150]),
                    "viewers": viewers,
                    "product_clicks": viewers * rng.randint(18, 45) // 100,
                    "buyers": buyers,
                    "orders": orders,
                    "sales": money.quantize(order_value * orders),
                }
            )
    outcomes = record_live_sessions(rows)
    return {"live_sessions": outcomes.count("created")}


# -- platform campaigns ----------------------------------------------------------------------

DEMO_CAMPAIGN_TASKS = [
    ("Sign up on the platform", 0),
    ("Choose SKUs and campaign prices", 0),
    ("Upload campaign images", 5),
    ("Reserve stock for the campaign", 7),
    ("Brief customer service on the rules", 9),
]


def _next_date(today: dt.date, month: int, day: int) -> dt.date:
    """The first ``month``/``day`` after ``today``."""
    candidate = dt.date(today.year, month, day)
    return candidate if candidate > today else dt.date(today.year + 1, month, day)


def _last_date(today: dt.date, month: int, day: int) -> dt.date:
    """The latest ``month``/``day`` before ``today``."""
    candidate = dt.date(today.year, month, day)
    return candidate if candidate < today else dt.date(today.year - 1, month, day)


@transaction.atomic
def seed_campaigns(*, today: dt.date) -> list[PlatformCampaign]:
    """A past 双11 (done), and an upcoming 双12 and 年货节 with SKUs and a checklist.

    Idempotent: each campaign is looked up by its name (which carries its
    year); an existing one is left as it is. Returns the campaigns created now.
    """
    double_eleven = _last_date(today, 11, 11)
    double_twelve = _next_date(today, 12, 12)
    new_year_fair = _next_date(today, 1, 10)
    plans = [
        (f"Demo: 双11 {double_eleven.year}", double_eleven, 1, CampaignStatus.DONE),
        (f"Demo: 双12 {double_twelve.year}", double_twelve, 1, CampaignStatus.PLANNED),
        (f"Demo: 年货节 {new_year_fair.year}", new_year_fair, 12, CampaignStatus.PLANNED),
    ]
    existing = set(
        PlatformCampaign.objects.filter(name__in=[name for name, *_rest in plans]).values_list(
            "name", flat=True
        )
    )
    variants = [
        variant
        for variant in Variant.objects.filter(is_active=True).order_by("sku_code")[:4]
        if variant.price > Decimal("1.00")
    ]
    created = []
    for name, first_day, length, status in plans:
        if name in existing:
            continue
        starts_at = business_day.local_midnight(first_day)
        campaign = create_campaign(
            name=name,
            starts_at=starts_at,
            ends_at=business_day.local_midnight(first_day + dt.timedelta(days=length)),
            signup_deadline=first_day - dt.timedelta(days=14),
            status=status,
        )
        for variant in variants:
            set_campaign_item(
                campaign=campaign,
                variant=variant,
                campaign_price=money.quantize(variant.price * Decimal("0.8")),
            )
        deadline = campaign.signup_deadline
        for title, days_after_deadline in DEMO_CAMPAIGN_TASKS:
            task = add_campaign_task(
                campaign=campaign,
                title=title,
                due_date=deadline + dt.timedelta(days=days_after_deadline),
            )
            if status == CampaignStatus.DONE or task.due_date < today:
                set_task_done(task=task)
        created.append(campaign)
    return created

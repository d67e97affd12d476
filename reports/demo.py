"""Demo reports data: what the platforms would report, the store's costs and targets,
then the daily summary of every demo day (this app seeds after orders).

Traffic is derived from the demo's own paying buyers (a conversion of about
3-5 %), so the dashboard's conversion rate looks like a real shop's; ratings,
the customer-service export, fee rates, packaging cost, monthly expenses and
monthly targets are the kind of figures an operations manager enters or
imports. Everything is upserted on its natural key: seeding twice changes
nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Count, Sum

from customers import services as customer_services
from customers.models import SalesChannel
from orders.models import Order, OrderKind
from reports import services
from reports.models import ExpensePeriod, SplitMethod
from reports.splitting import month_start
from storeops import money

if TYPE_CHECKING:
    from storeops.demo import DemoContext

# Commission and payment-fee percent per channel code (typical marketplace terms).
FEES = {
    "taobao": ("2.0", "0.6"),
    "tmall": ("5.0", "0.6"),
    "jd": ("6.0", "0.6"),
    "douyin": ("5.0", "0.6"),
    "pdd": ("0.6", "0.0"),
    "own_site": ("0.0", "0.6"),
}
AGENTS = ["service", "小美", "阿杰"]  # "service" is the demo user: matched to it
WEEKDAY_WEIGHTS = ["0.9", "0.85", "0.9", "0.95", "1.0", "1.25", "1.3"]


def seed(*, context: DemoContext) -> dict[str, int]:
    """Platform figures, costs and targets for the demo days, then build their summary."""
    rng = context.random
    start = context.today - dt.timedelta(days=context.days)
    buyers = _paying_buyers(start, context.today)
    channels = {channel.pk: channel for channel in SalesChannel.objects.all()}
    traffic, ratings, agent_rows = [], [], []
    for (channel_id, day), count in sorted(buyers.items()):
        channel = channels[channel_id]
        visitors = max(1, round(count / rng.uniform(0.03, 0.05)))
        traffic.append(
            {
                "channel": channel,
                "date": day,
                "source": "",
                "visitors": visitors,
                "page_views": round(visitors * rng.uniform(2.5, 4.0)),
            }
        )
        ratings.append(
            {
                "channel": channel,
                "date": day,
                "description": Decimal(f"{rng.uniform(4.75, 4.9):.2f}"),
                "service": Decimal(f"{rng.uniform(4.7, 4.9):.2f}"),
                "logistics": Decimal(f"{rng.uniform(4.7, 4.85):.2f}"),
            }
        )
        if channel.code in ("taobao", "tmall"):
            for agent in AGENTS:
                inquiries = max(1, round(count * rng.uniform(0.5, 0.9)))
                agent_rows.append(
                    {
                        "date": day,
                        "channel": channel,
                        "agent_name": agent,
                        "agent": None,
                        "inquiries": inquiries,
                        "inquiries_paid": round(inquiries * rng.uniform(0.25, 0.45)),
                        "avg_first_response_seconds": Decimal(f"{rng.uniform(12, 45):.1f}"),
                        "agent_sales": money.quantize(Decimal(inquiries * rng.randrange(60, 160))),
                    }
                )
    services.upsert_traffic(traffic)
    services.upsert_store_ratings(ratings)
    agents = _match_agents(agent_rows)
    customer_services.upsert_agent_days(rows=agents, imported_on=context.today)
    _costs(start, context.today)
    targets = _targets(start, context.today, rng)
    days = services.build_range(start, context.today)
    return {
        "traffic rows": len(traffic),
        "rating rows": len(ratings),
        "service agent rows": len(agents),
        "monthly targets": targets,
        "summary days": days,
    }


def _paying_buyers(start: dt.date, end: dt.date) -> dict[tuple[int, dt.date], int]:
    rows = (
        Order.objects.filter(
            business_date__gte=start, business_date__lte=end, kind=OrderKind.NORMAL
        )
        .order_by()
        .values("channel", "business_date")
        .annotate(buyers=Count("customer", distinct=True))
    )
    return {(row["channel"], row["business_date"]): row["buyers"] for row in rows}


def _match_agents(rows: list[dict]) -> list[dict]:
    users = {user.username: user for user in get_user_model().objects.filter(username__in=AGENTS)}
    for row in rows:
        row["agent"] = users.get(row["agent_name"])
    return rows


def _costs(start: dt.date, end: dt.date) -> None:
    for channel in SalesChannel.objects.filter(code__in=FEES):
        commission, payment = FEES[channel.code]
        services.save_fee_rate(
            channel=channel,
            effective_from=start,
            commission_percent=Decimal(commission),
            payment_fee_percent=Decimal(payment),
        )
    services.save_packaging_cost(effective_from=start, amount=Decimal("1.20"))
    month = month_start(start)
    while month <= end:
        for label, amount in (("Rent", "6000.00"), ("Staff", "15000.00")):
            services.save_operating_expense(
                period=ExpensePeriod.MONTH, date=month, label=label, amount=Decimal(amount)
            )
        month = month_start(month + dt.timedelta(days=32))


def _targets(start: dt.date, end: dt.date, rng) -> int:
    """A store target per month: about 5-15 % above what the month's days really sold."""
    sold = (
        Order.objects.filter(
            business_date__gte=month_start(start), business_date__lte=end, kind=OrderKind.NORMAL
        )
        .order_by()
        .values("business_date")
        .annotate(sales=Sum("paid_total"))
    )
    by_month: dict[dt.date, list[Decimal]] = {}
    for row in sold:
        by_month.setdefault(month_start(row["business_date"]), []).append(row["sales"])
    count = 0
    for month, days in sorted(by_month.items()):
        daily = sum(days, Decimal(0)) / len(days)
        next_month = month_start(month + dt.timedelta(days=32))
        amount = money.quantize(
            daily * (next_month - month).days * Decimal(f"{rng.uniform(1.05, 1.15):.3f}")
        )
        services.save_monthly_target(
            month=month,
            channel=None,
            amount=amount.quantize(Decimal("1000")),
            split_method=SplitMethod.WEEKDAY,
            weekday_weights=[Decimal(weight) for weight in WEEKDAY_WEIGHTS],
        )
        count += 1
    return count

"""Building a run of days at once gives exactly the rows that building each day alone gives."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from customers.models import AgentDay, SalesChannel
from orders import services as order_services
from promotions.models import AdChannel, AdSpendDay
from reports import services
from reports.models import DailySummary, ExpensePeriod, SplitMethod
from storeops import business_day
from tests.orders.factories import CarrierFactory, build_order
from tests.reports.summary_fixtures import DAY_1, DAY_2, at, buyer, expected

pytestmark = pytest.mark.django_db

RUN = (DAY_1 - dt.timedelta(days=1), DAY_2 + dt.timedelta(days=1))


def row_of(day: dt.date, code: str | None = None) -> DailySummary:
    if code:
        return DailySummary.objects.get(date=day, channel__code=code)
    return DailySummary.objects.get(date=day, channel__isnull=True)


def snapshot() -> dict[tuple[dt.date, int | None], dict[str, object]]:
    """Every built figure of every summary row (not `built_at`, which moves)."""
    fields = [name for name in services._BUILT_FIELDS if name != "built_at"]
    return {
        (row["date"], row["channel"]): {name: row[name] for name in fields}
        for row in DailySummary.objects.values("date", "channel", *fields)
    }


@pytest.fixture
def settings_of_the_run(trade, manager):
    """Targets, a monthly expense, a rate change, ratings, agents and ad spend around the trade."""
    taobao = SalesChannel.objects.get(code="taobao")
    tmall = SalesChannel.objects.get(code="tmall")
    services.save_monthly_target(
        month=DAY_1, channel=None, amount=Decimal("3100.00"), split_method=SplitMethod.EVEN
    )
    services.save_monthly_target(
        month=DAY_1, channel=tmall, amount=Decimal("1000.00"), split_method=SplitMethod.EVEN
    )
    services.save_operating_expense(
        period=ExpensePeriod.MONTH, date=DAY_1, label="Office", amount=Decimal("100.00")
    )
    services.save_fee_rate(
        channel=taobao,
        effective_from=DAY_2,
        commission_percent=Decimal("4"),
        payment_fee_percent=Decimal("0.6"),
    )
    services.save_packaging_cost(effective_from=DAY_2, amount=Decimal("2.00"))
    services.upsert_store_ratings(
        [
            {
                "channel": taobao,
                "date": DAY_2,
                "description": Decimal("4.8"),
                "service": Decimal("4.7"),
                "logistics": Decimal("4.9"),
            }
        ]
    )
    for channel, inquiries in ((taobao, 40), (None, 10)):
        AgentDay.objects.create(
            date=DAY_1,
            channel=channel,
            agent_name=f"agent {inquiries}",
            inquiries=inquiries,
            inquiries_paid=4,
            avg_first_response_seconds=Decimal("12.50"),
        )
    clicks = AdChannel.objects.create(code="ztc-run", name="ZTC")
    AdSpendDay.objects.create(date=DAY_2, channel=clicks, campaign="A", spend=Decimal("30.00"))
    return trade


@pytest.mark.parametrize("day", [DAY_1, DAY_2])
@pytest.mark.parametrize("code", [None, "taobao", "tmall"])
def test_a_run_of_days_matches_a_recomputation_from_raw_rows(trade, day, code):
    channel = SalesChannel.objects.get(code=code) if code else None

    services.build_range(*RUN)

    row = row_of(day, code)
    for part, value in expected(day, channel).items():
        assert getattr(row, part) == value, part


def test_a_run_builds_the_rows_that_single_days_build(settings_of_the_run):
    services.build_range(*RUN)
    as_a_run = snapshot()
    DailySummary.objects.all().delete()

    for day in business_day_range(*RUN):
        services.build_day(day)

    assert snapshot() == as_a_run
    assert row_of(DAY_2, "taobao").dsr_service == Decimal("4.7")
    assert row_of(DAY_1).inquiries == 50
    assert row_of(DAY_2).ad_spend == Decimal("30.00")


def test_rebuilding_a_run_updates_its_rows_in_place(settings_of_the_run):
    services.build_range(*RUN)
    keys = dict(DailySummary.objects.values_list("pk", "date"))
    before = row_of(DAY_2).shipping_cost

    services.save_packaging_cost(effective_from=DAY_2, amount=Decimal("3.00"))
    services.build_range(*RUN)

    assert dict(DailySummary.objects.values_list("pk", "date")) == keys
    # One parcel left on DAY_2: 1.00 more packaging.
    assert row_of(DAY_2).shipping_cost == before + Decimal("1.00")


def test_a_buyer_who_paid_within_365_days_is_not_new_in_a_run(manager, tee):
    day = DAY_2
    build_order(
        by=manager, items=[(tee, 1)], placed_at=at(day - dt.timedelta(days=365), 12), **buyer(1)
    )
    build_order(
        by=manager, items=[(tee, 1)], placed_at=at(day - dt.timedelta(days=366), 12), **buyer(2)
    )
    for number in (1, 2):
        build_order(by=manager, items=[(tee, 1)], placed_at=at(day, 12), **buyer(number))

    services.build_days(day - dt.timedelta(days=1), day)

    store = row_of(day)
    assert (store.paying_buyers, store.new_buyers) == (2, 1)


def test_orders_ship_on_the_store_day_in_a_zone_with_daylight_saving(settings, manager, tee):
    settings.STORE_TIMEZONE = "America/New_York"
    # Clocks went forward on 8 March 2026: 21:00 that evening is 01:00 UTC on the 9th.
    sunday = dt.date(2026, 3, 8)
    order = build_order(by=manager, items=[(tee, 1)], placed_at=at(sunday, 10), **buyer(1))
    order_services.ship_order(
        order=order,
        carrier=CarrierFactory(code="sf", name="SF Express"),
        tracking_number="SF9",
        by=manager,
        shipped_at=at(sunday, 21),
        shipping_cost=Decimal("5.00"),
    )

    services.build_range(sunday - dt.timedelta(days=1), sunday + dt.timedelta(days=1))

    assert business_day.of(order.paid_at) == sunday
    assert [
        row_of(day).shipped_orders
        for day in business_day_range(sunday - dt.timedelta(days=1), sunday + dt.timedelta(days=1))
    ] == [0, 1, 0]
    assert row_of(sunday).shipped_within_24h == 1


def business_day_range(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=offset) for offset in range((last - first).days + 1)]


def test_new_buyers_of_a_run_are_new_on_their_first_day_in_it_only(manager, tee):
    first, last = DAY_1, DAY_1 + dt.timedelta(days=10)
    before = [(1, first - dt.timedelta(days=360)), (2, first - dt.timedelta(days=350))]
    for number, day in before:
        build_order(by=manager, items=[(tee, 1)], placed_at=at(day, 12), **buyer(number))
    for number, day, channel in (
        (1, last, "taobao"),  # paid 370 days before `last`: new there
        (2, last, "taobao"),  # paid 360 days before `last`: returning
        (3, first + dt.timedelta(days=2), "taobao"),  # new on its first day in the run...
        (3, last, "taobao"),  # ...and not again
        (4, first + dt.timedelta(days=2), "taobao"),  # new (a customer is per channel)
        (4, first + dt.timedelta(days=2), "tmall"),
    ):
        build_order(
            by=manager, items=[(tee, 1)], channel=channel, placed_at=at(day, 12), **buyer(number)
        )

    services.build_days(first, last)

    third = first + dt.timedelta(days=2)
    assert (row_of(last).paying_buyers, row_of(last).new_buyers) == (3, 1)
    assert (row_of(third).paying_buyers, row_of(third).new_buyers) == (3, 3)
    assert (row_of(third, "taobao").new_buyers, row_of(third, "tmall").new_buyers) == (2, 1)
    for day in (third, last):
        for code in (None, "taobao", "tmall"):
            channel = SalesChannel.objects.get(code=code) if code else None
            assert row_of(day, code).new_buyers == expected(day, channel)["new_buyers"]

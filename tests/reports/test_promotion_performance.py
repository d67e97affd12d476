"""Promotion performance: figures per promotion and coupon batch, against the period before."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from freezegun import freeze_time

from promotions.coupons import generate_coupon_batch
from promotions.models import Coupon, CouponRedemption, CouponStatus, PromotionUsage
from reports.promotion_performance import Figures, Period, promotion_performance
from tests.orders.factories import build_order
from tests.promotions.factories import PromotionFactory
from tests.reports.summary_fixtures import at, buyer

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 3, 10), dt.date(2026, 3, 11)
BEFORE = dt.date(2026, 3, 9)


def use(promotion, order, amount: str) -> PromotionUsage:
    return PromotionUsage.objects.create(
        promotion=promotion,
        channel_code=order.channel.code,
        order_no=order.order_no,
        customer_id=order.customer_id,
        amount=Decimal(amount),
    )


def redeem(coupon: Coupon, order, amount: str) -> CouponRedemption:
    Coupon.objects.filter(pk=coupon.pk).update(status=CouponStatus.REDEEMED)
    return CouponRedemption.objects.create(
        coupon=coupon,
        channel_code=order.channel.code,
        order_no=order.order_no,
        customer_id=order.customer_id,
        amount=Decimal(amount),
    )


@pytest.fixture
def spring(tee, cap, manager):
    """A promotion "Spring sale" and a coupon batch of 4 codes, used on orders in both periods.

    In the period (10–11 March): by text and use 183.00 (buyer 1, discount 5.00),
    by use alone 45.00 (buyer 2, 3.50), by text alone 89.00 (buyer 1), plus an
    unrelated and an unpaid order. Before (9 March): 45.00 (buyer 4, 2.00).
    """
    promotion = PromotionFactory(
        name="Spring sale",
        starts_at=at(dt.date(2026, 3, 1), 0),
        ends_at=at(dt.date(2026, 4, 1), 0),
    )
    batch = generate_coupon_batch(
        name="Spring coupons",
        amount_off=Decimal("5.00"),
        min_spend=Decimal("100.00"),
        valid_from=at(dt.date(2026, 3, 1), 0),
        valid_until=at(dt.date(2026, 4, 1), 0),
        count=4,
    )
    first_code, second_code = batch.coupons.order_by("code")[:2]
    both = build_order(
        by=manager,
        items=[(tee, 2)],
        order_discount="5.00",
        shipping_fee="10.00",
        placed_at=at(START, 10),
        promotion_text="Spring sale 满减",
        **buyer(1),
    )
    by_use = build_order(by=manager, items=[(cap, 1)], placed_at=at(START, 11), **buyer(2))
    build_order(
        by=manager,
        items=[(tee, 1)],
        placed_at=at(END, 9),
        promotion_text="spring SALE",
        **buyer(1),
    )
    build_order(by=manager, items=[(tee, 1)], placed_at=at(END, 10), **buyer(3))
    build_order(
        by=manager,
        items=[(tee, 1)],
        paid=False,
        placed_at=at(END, 11),
        promotion_text="Spring sale",
        **buyer(5),
    )
    earlier = build_order(
        by=manager,
        items=[(cap, 1)],
        placed_at=at(BEFORE, 15),
        promotion_text="Spring sale",
        **buyer(4),
    )
    after = build_order(by=manager, items=[(cap, 1)], placed_at=at(END + dt.timedelta(days=1), 9))
    use(promotion, both, "5.00")
    use(promotion, by_use, "3.50")
    use(promotion, earlier, "2.00")
    use(promotion, after, "9.00")
    redeem(first_code, both, "5.00")
    redeem(second_code, earlier, "2.00")
    return promotion, batch


def test_the_previous_period_has_the_same_length_and_ends_the_day_before():
    assert Period(START, END).before() == Period(dt.date(2026, 3, 8), dt.date(2026, 3, 9))


def test_a_promotion_counts_orders_matched_by_text_or_by_use(spring):
    report = promotion_performance(start=START, end=END)

    row = report.promotions[0]
    assert row.current == Figures(
        orders=3, buyers=2, sales=Decimal("317.00"), discount=Decimal("8.50")
    )
    assert row.current.avg_order_value == Decimal("105.67")


def test_a_promotion_is_compared_with_the_period_before(spring):
    report = promotion_performance(start=START, end=END)

    row = report.promotions[0]
    changes = {change.key: change.percent for change in row.changes}
    assert row.before == Figures(
        orders=1, buyers=1, sales=Decimal("45.00"), discount=Decimal("2.00")
    )
    assert changes == {
        "orders": Decimal("200.00"),
        "buyers": Decimal("100.00"),
        "sales": Decimal("604.44"),
        "discount": Decimal("325.00"),
        "avg_order_value": Decimal("134.82"),
    }


def test_a_coupon_batch_counts_orders_its_codes_were_redeemed_on(spring):
    report = promotion_performance(start=START, end=END)

    row = report.coupon_batches[0]
    assert (row.current, row.before) == (
        Figures(orders=1, buyers=1, sales=Decimal("183.00"), discount=Decimal("5.00")),
        Figures(orders=1, buyers=1, sales=Decimal("45.00"), discount=Decimal("2.00")),
    )


def test_the_redemption_rate_is_redeemed_codes_over_issued_codes(spring):
    report = promotion_performance(start=START, end=END)

    row = report.coupon_batches[0]
    assert (row.issued, row.redeemed, row.redemption_rate) == (4, 2, Decimal("50.00"))


def test_a_period_without_matching_orders_has_no_average_and_no_change(spring):
    report = promotion_performance(start=dt.date(2026, 3, 20), end=dt.date(2026, 3, 21))

    row = report.promotions[0]
    assert row.current == Figures()
    assert row.current.avg_order_value is None
    assert {change.key: change.percent for change in row.changes}["sales"] is None


def test_promotions_outside_both_periods_are_not_listed(spring):
    PromotionFactory(
        name="Long gone",
        starts_at=at(dt.date(2025, 1, 1), 0),
        ends_at=at(dt.date(2025, 1, 2), 0),
    )

    report = promotion_performance(start=START, end=END)

    assert [row.name for row in report.promotions] == ["Spring sale"]


def test_the_report_takes_two_queries_however_many_promotions(spring, django_assert_num_queries):
    for number in range(4):
        PromotionFactory(
            name=f"Extra {number}",
            starts_at=at(dt.date(2026, 3, 1), 0),
            ends_at=at(dt.date(2026, 4, 1), 0),
        )

    with django_assert_num_queries(2):
        report = promotion_performance(start=START, end=END)

    assert len(report.promotions) == 5


def test_marketing_opens_the_page_for_a_range(client, marketer, spring):
    client.force_login(marketer)

    response = client.get(
        reverse("reports:promotion-performance"), {"start": "2026-03-10", "end": "2026-03-11"}
    )

    assert response.status_code == 200
    assert response.context["report"].promotions[0].current.sales == Decimal("317.00")
    assert "50.00 %" in response.content.decode()


def test_a_range_ending_before_it_starts_is_refused(client, marketer):
    client.force_login(marketer)

    response = client.get(
        reverse("reports:promotion-performance"), {"start": "2026-03-11", "end": "2026-03-10"}
    )

    assert response.status_code == 400
    assert response.context["report"] is None


def test_customer_service_cannot_open_the_performance_page(client, service_agent):
    client.force_login(service_agent)

    response = client.get(reverse("reports:promotion-performance"))

    assert response.status_code == 403


def test_the_promotion_list_links_to_the_performance_page(client, marketer):
    client.force_login(marketer)

    response = client.get(reverse("promotions:promotion-list"))

    assert reverse("reports:promotion-performance") in response.content.decode()


def test_without_a_range_the_page_shows_the_last_30_days(client, marketer):
    client.force_login(marketer)

    with freeze_time("2026-03-11 04:00:00"):
        response = client.get(reverse("reports:promotion-performance"))

    period = response.context["report"].period
    assert (response.status_code, period.start, period.end) == (
        200,
        dt.date(2026, 2, 10),
        dt.date(2026, 3, 11),
    )


def test_a_period_over_a_dst_change_spans_local_midnights(settings):
    settings.STORE_TIMEZONE = "Europe/Berlin"

    start, end = Period(dt.date(2026, 3, 29), dt.date(2026, 3, 29)).bounds()

    assert (start, end - start) == (
        dt.datetime(2026, 3, 28, 23, 0, tzinfo=dt.UTC),
        dt.timedelta(hours=23),
    )

"""The traffic, store-ratings and targets endpoints: same checks as imports, roles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from reports import selectors, services
from reports.models import DailyTraffic, MonthlyTarget, SplitMethod, StoreRating

pytestmark = pytest.mark.django_db

TRAFFIC_URL = "/api/v1/traffic/"
RATINGS_URL = "/api/v1/store-ratings/"
TARGETS_URL = "/api/v1/targets/"


def client_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_posting_traffic_twice_replaces_the_day(marketer):
    api = client_for(marketer)
    rows = [
        {"渠道": "淘宝", "日期": "2026-03-01", "访客数": 100, "浏览量": 400},
        {"渠道": "京东", "日期": "2026-03-01", "访客数": 5, "浏览量": 9},
    ]

    first = api.post(TRAFFIC_URL, rows, format="json")
    rows[0]["访客数"] = 120
    second = api.post(TRAFFIC_URL, rows, format="json")

    assert first.status_code == 201
    assert first.json() == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0}
    assert second.status_code == 200
    assert second.json() == {"rows": 2, "created": 0, "updated": 1, "unchanged": 1}
    assert DailyTraffic.objects.count() == 2
    assert DailyTraffic.objects.get(channel__code="taobao").visitors == 120


def test_posting_a_bad_rating_reports_the_position_and_writes_nothing(marketer):
    api = client_for(marketer)
    rows = [
        {
            "channel": "tmall",
            "date": "2026-03-01",
            "description": "4.8",
            "service": "4.9",
            "logistics": "4.7",
        },
        {
            "channel": "tmall",
            "date": "2026-03-02",
            "description": "6",
            "service": "4.9",
            "logistics": "4.7",
        },
    ]

    response = api.post(RATINGS_URL, rows, format="json")

    assert response.status_code == 400
    [problem] = response.json()["error"]["problems"]
    assert (problem["row"], problem["column"]) == (2, "Item as described")  # position from 1
    assert not StoreRating.objects.exists()


def test_traffic_list_filters_by_channel_and_date_range(marketer):
    api = client_for(marketer)
    api.post(
        TRAFFIC_URL,
        [
            {"channel": "taobao", "date": "2026-03-01", "visitors": 1, "page_views": 2},
            {"channel": "taobao", "date": "2026-03-05", "visitors": 3, "page_views": 4},
            {"channel": "tmall", "date": "2026-03-05", "visitors": 5, "page_views": 6},
        ],
        format="json",
    )

    response = api.get(TRAFFIC_URL, {"channel": "taobao", "date_from": "2026-03-02"})

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert (row["channel"], row["date"], row["visitors"]) == ("taobao", "2026-03-05", 3)


def test_customer_service_may_neither_read_nor_post_traffic(service_agent):
    api = client_for(service_agent)

    assert api.get(TRAFFIC_URL).status_code == 403
    response = api.post(
        TRAFFIC_URL,
        {"channel": "jd", "date": "2026-03-01", "visitors": 1, "page_views": 1},
        format="json",
    )
    assert response.status_code == 403
    assert not DailyTraffic.objects.exists()


def test_manager_posts_a_weekday_target_and_reads_its_days(manager):
    api = client_for(manager)

    response = api.post(
        TARGETS_URL,
        {
            "month": "2026-02-01",
            "channel": "tmall",
            "amount": "3600.00",
            "split_method": "weekday",
            "weekday_weights": ["1", "1", "1", "1", "1", "2", "2"],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "3600.00"
    assert body["days"]["2026-02-07"] == "200.00"
    assert len(body["days"]) == 28
    listed = api.get(TARGETS_URL).json()["results"]
    assert [(t["month"], t["channel"]) for t in listed] == [("2026-02-01", "tmall")]


def test_posting_a_target_again_replaces_it(manager):
    api = client_for(manager)
    payload = {"month": "2026-03-01", "amount": "31.00", "split_method": "even"}
    api.post(TARGETS_URL, payload, format="json")

    response = api.post(TARGETS_URL, {**payload, "amount": "62.00"}, format="json")

    assert response.status_code == 201
    assert MonthlyTarget.objects.count() == 1
    assert selectors.daily_target(dt.date(2026, 3, 9)) == Decimal("2.00")


def test_posting_a_target_by_hand_with_a_bad_sum_is_refused(manager):
    response = client_for(manager).post(
        TARGETS_URL,
        {
            "month": "2026-03-01",
            "amount": "100.00",
            "split_method": "manual",
            "daily_targets": {"2026-03-01": "40.00"},
        },
        format="json",
    )

    assert response.status_code == 400
    assert "amount" in response.json()["error"]["fields"]
    assert not MonthlyTarget.objects.exists()


def test_marketing_reads_targets_but_may_not_set_them(marketer):
    services.save_monthly_target(
        month=dt.date(2026, 3, 1),
        channel=None,
        amount=Decimal("31.00"),
        split_method=SplitMethod.EVEN,
    )
    api = client_for(marketer)

    assert api.get(TARGETS_URL).status_code == 200
    response = api.post(
        TARGETS_URL,
        {"month": "2026-03-01", "amount": "1.00", "split_method": "even"},
        format="json",
    )
    assert response.status_code == 403
    assert MonthlyTarget.objects.get().amount == Decimal("31.00")

"""The ad spend import and API: Chinese headers, channels by any name, replace-not-double,
row-numbered errors."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from promotions.models import AdSpendDay
from storeops.imports import registry
from storeops.imports.runner import run_import
from tests.promotions.ad_factories import AdSpendDayFactory

AD_SPEND = registry.get("ad_spend")

pytestmark = pytest.mark.django_db


def csv_bytes(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def problems(result) -> list[tuple]:
    return [(p.row, p.column, p.message) for p in result.problems]


def stored() -> dict[tuple, tuple]:
    return {
        (r.date, r.channel.code, r.campaign): (
            r.impressions, r.clicks, r.spend, r.attributed_orders, r.attributed_sales,
            r.attribution_days,
        )
        for r in AdSpendDay.objects.select_related("channel")
    }  # fmt: skip


def test_chinese_headers_and_channel_names_in_either_language(marketer):
    text = (
        "日期,推广渠道,推广计划,展现量,点击量,消耗,总成交笔数,总成交金额,归因周期\n"
        "2026-03-01,直通车,品牌词,10000,300,450.50,12,2400.00,15\n"
        "2026/3/1,Display ads,,5000,80,120,2,300,7\n"
        "2026-03-01,淘宝客,,0,0,88.80,5,999.00,\n"
    )

    result = run_import(AD_SPEND, csv_bytes(text, "gb18030"), name="ads.csv", user=marketer)

    assert result.ok, problems(result)
    assert result.created == 3
    day = dt.date(2026, 3, 1)
    assert stored() == {
        (day, "search_ads", "品牌词"): (10000, 300, Decimal("450.50"), 12, Decimal("2400.00"), 15),
        (day, "display_ads", ""): (5000, 80, Decimal("120.00"), 2, Decimal("300.00"), 7),
        (day, "affiliate", ""): (0, 0, Decimal("88.80"), 5, Decimal("999.00"), None),
    }


def test_commission_column_is_read_as_spend(marketer):
    text = "日期,渠道,佣金,成交金额\n2026-03-02,affiliate,12.34,200\n"

    result = run_import(AD_SPEND, csv_bytes(text), name="tbk.csv", user=marketer)

    assert result.ok, problems(result)
    assert AdSpendDay.objects.get().spend == Decimal("12.34")


def test_reimport_replaces_instead_of_doubling(marketer):
    first = "date,channel,campaign,impressions,clicks,spend\n2026-03-01,search_ads,A,100,10,50\n"
    second = "date,channel,campaign,impressions,clicks,spend\n2026-03-01,直通车,A,120,12,60\n"
    run_import(AD_SPEND, csv_bytes(first), name="a.csv", user=marketer)

    again = run_import(AD_SPEND, csv_bytes(first), name="a.csv", user=marketer)
    changed = run_import(AD_SPEND, csv_bytes(second), name="b.csv", user=marketer)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert (changed.created, changed.updated) == (0, 1)
    assert AdSpendDay.objects.count() == 1
    row = AdSpendDay.objects.get()
    assert (row.impressions, row.clicks, row.spend) == (120, 12, Decimal("60.00"))


def test_unknown_channel_and_too_many_clicks_are_row_errors_and_nothing_is_written(marketer):
    AdSpendDayFactory(date=dt.date(2026, 3, 1), spend=Decimal("7.00"))
    text = (
        "date,channel,campaign,impressions,clicks,spend\n"
        "2026-03-01,search_ads,,100,10,50\n"
        "2026-03-01,Facebook,,100,10,50\n"
        "2026-03-01,feed_ads,,100,101,50\n"
    )

    result = run_import(AD_SPEND, csv_bytes(text), name="bad.csv", user=marketer)

    assert not result.ok
    assert problems(result) == [
        (3, "Ad channel", "Unknown ad channel: Facebook."),
        (4, "Clicks", "101 clicks are more than the 100 impressions."),
    ]
    assert AdSpendDay.objects.get().spend == Decimal("7.00")


def test_the_same_key_twice_in_one_file_is_an_error(marketer):
    text = "date,channel,spend\n2026-03-01,search_ads,1\n2026-03-01,直通车,2\n"

    result = run_import(AD_SPEND, csv_bytes(text), name="dup.csv", user=marketer)

    assert [p.row for p in result.problems] == [3]
    assert AdSpendDay.objects.count() == 0


def test_customer_service_may_not_run_the_ad_spend_import(service_agent, marketer):
    assert "ad_spend" not in registry.kinds_for(service_agent)
    assert "ad_spend" in registry.kinds_for(marketer)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_post_a_list_then_list_it_filtered_by_channel(marketer):
    client = client_for(marketer)
    records = [
        {"date": "2026-03-01", "channel": "search_ads", "campaign": "A", "impressions": 100,
         "clicks": 10, "spend": "50.00", "attributed_sales": "150.00"},
        {"date": "2026-03-01", "channel": "引力魔方", "spend": "20.00"},
    ]  # fmt: skip

    created = client.post("/api/v1/ad-spend/", records, format="json")
    listed = client.get("/api/v1/ad-spend/", {"channel": "search_ads", "date_from": "2026-03-01"})

    assert created.status_code == 201, created.content
    assert created.json() == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0}
    body = listed.json()
    results = body["results"] if isinstance(body, dict) else body
    assert [(r["channel"], r["campaign"], r["spend"]) for r in results] == [
        ("search_ads", "A", "50.00")
    ]


def test_api_post_with_a_bad_row_reports_its_position_and_writes_nothing(marketer):
    client = client_for(marketer)
    records = [
        {"date": "2026-03-01", "channel": "search_ads", "spend": "1"},
        {"date": "2026-03-01", "channel": "nowhere", "spend": "1"},
    ]

    response = client.post("/api/v1/ad-spend/", records, format="json")

    assert response.status_code == 400
    assert [p["row"] for p in response.json()["error"]["problems"]] == [2]
    assert AdSpendDay.objects.count() == 0


def test_api_refuses_customer_service(service_agent):
    response = client_for(service_agent).get("/api/v1/ad-spend/")

    assert response.status_code == 403

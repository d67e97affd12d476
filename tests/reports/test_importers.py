"""The traffic, store ratings and daily targets imports: Chinese headers, channels by
any name, replace-not-double on re-import, and row-numbered errors."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from customers.models import SalesChannel
from reports import selectors
from reports.models import DailyTarget, DailyTraffic, MonthlyTarget, SplitMethod, StoreRating
from storeops.imports import registry
from storeops.imports.runner import run_import

TRAFFIC = registry.get("traffic")
RATINGS = registry.get("store_ratings")
TARGETS = registry.get("targets")


def csv_bytes(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def problems(result) -> list[tuple]:
    return [(p.row, p.column, p.message) for p in result.problems]


pytestmark = pytest.mark.django_db


def test_traffic_with_chinese_headers_matches_channels_by_any_name(manager):
    text = (
        "渠道,日期,访客数,浏览量\n"
        "淘宝,2026-03-01,1200,4800\n"
        "Tmall,2026/3/1,300,900\n"
        "jd,2026年3月2日,50,70\n"
    )

    result = run_import(TRAFFIC, csv_bytes(text, "gb18030"), name="traffic.csv", user=manager)

    assert result.ok, problems(result)
    assert result.created == 3
    rows = {
        (row.channel.code, row.date, row.source): (row.visitors, row.page_views)
        for row in DailyTraffic.objects.select_related("channel")
    }
    assert rows == {
        ("taobao", dt.date(2026, 3, 1), ""): (1200, 4800),
        ("tmall", dt.date(2026, 3, 1), ""): (300, 900),
        ("jd", dt.date(2026, 3, 2), ""): (50, 70),
    }


def test_traffic_reimport_replaces_instead_of_doubling(manager):
    first = (
        "channel,date,source,visitors,page_views\n"
        "taobao,2026-03-01,,100,400\n"
        "taobao,2026-03-01,search,60,200\n"
    )
    again = (
        "店铺,日期,来源,访客数,浏览量\n淘宝,2026-03-01,,110,420\n淘宝,2026-03-01,search,60,200\n"
    )
    run_import(TRAFFIC, csv_bytes(first), user=manager)

    result = run_import(TRAFFIC, csv_bytes(again), user=manager)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert DailyTraffic.objects.count() == 2
    total = DailyTraffic.objects.get(source="")
    assert (total.visitors, total.page_views) == (110, 420)


def test_traffic_unknown_channel_and_bad_date_are_reported_by_row_and_nothing_is_written(manager):
    text = (
        "渠道,日期,访客数,浏览量\n"
        "淘宝,2026-03-01,10,20\n"
        "亚马逊,2026-03-01,10,20\n"
        "淘宝,2026-13-45,10,20\n"
        "京东,2026-03-01,-5,20\n"
    )

    result = run_import(TRAFFIC, csv_bytes(text), user=manager)

    assert not result.ok
    assert [(row, column) for row, column, _message in problems(result)] == [
        (3, "Channel"),
        (4, "Date"),
        (5, "Visitors"),
    ]
    assert "亚马逊" in result.problems[0].message
    assert not DailyTraffic.objects.exists()


def test_traffic_same_channel_spelt_two_ways_is_a_repeated_row(manager):
    text = "channel,date,visitors,page_views\ntaobao,2026-03-01,1,1\n淘宝,2026-03-01,2,2\n"

    result = run_import(TRAFFIC, csv_bytes(text), user=manager)

    [(row, _column, message)] = problems(result)
    assert row == 3 and "Repeats row 2" in message
    assert not DailyTraffic.objects.exists()


def test_store_ratings_with_chinese_headers_are_stored_exactly(manager):
    text = "店铺,日期,描述相符,服务态度,物流服务\n天猫,2026-03-01,4.8523,4.9,4.7\n"

    result = run_import(RATINGS, csv_bytes(text), user=manager)

    assert result.ok, problems(result)
    rating = StoreRating.objects.get()
    assert rating.channel.code == "tmall"
    assert (rating.description, rating.service, rating.logistics) == (
        Decimal("4.8523"),
        Decimal("4.9000"),
        Decimal("4.7000"),
    )


def test_store_ratings_reimport_replaces_the_days_snapshot(manager):
    run_import(
        RATINGS,
        csv_bytes("channel,date,description,service,logistics\ntmall,2026-03-01,4.8,4.8,4.8\n"),
        user=manager,
    )

    result = run_import(
        RATINGS,
        csv_bytes("channel,date,description,service,logistics\nTmall,2026-03-01,4.7,4.8,4.9\n"),
        user=manager,
    )

    assert (result.created, result.updated) == (0, 1)
    rating = StoreRating.objects.get()
    assert (rating.description, rating.logistics) == (Decimal("4.7000"), Decimal("4.9000"))


def test_ratings_outside_zero_to_five_are_refused_with_the_row_number(manager):
    text = (
        "渠道,日期,描述相符,服务态度,物流服务\n"
        "淘宝,2026-03-01,4.8,4.8,4.8\n"
        "淘宝,2026-03-02,5.1,4.8,4.8\n"
        "淘宝,2026-03-03,4.8,-0.1,4.8\n"
        "淘宝,2026-03-04,4.8,4.8,good\n"
    )

    result = run_import(RATINGS, csv_bytes(text), user=manager)

    assert [(row, column) for row, column, _message in problems(result)] == [
        (3, "Item as described"),
        (4, "Service"),
        (5, "Logistics"),
    ]
    assert "0 to 5" in result.problems[0].message
    assert not StoreRating.objects.exists()


def test_daily_targets_import_sets_days_by_hand_and_sums_the_month(manager):
    text = "日期,渠道,日目标\n2026-02-01,,1000\n2026-02-02,,2000.50\n2026-02-01,天猫,300\n"

    result = run_import(TARGETS, csv_bytes(text), user=manager)

    assert result.ok, problems(result)
    store = MonthlyTarget.objects.get(channel=None)
    assert store.split_method == SplitMethod.MANUAL
    assert store.amount == Decimal("3000.50")
    assert store.days.count() == 28
    assert selectors.daily_target(dt.date(2026, 2, 2)) == Decimal("2000.50")
    assert selectors.daily_target(dt.date(2026, 2, 3)) == Decimal("0.00")
    tmall = SalesChannel.objects.get(code="tmall")
    assert selectors.daily_target(dt.date(2026, 2, 1), tmall) == Decimal("300.00")


def test_daily_targets_reimport_changes_only_the_days_named(manager):
    run_import(TARGETS, csv_bytes("date,amount\n2026-02-01,1000\n2026-02-02,2000\n"), user=manager)

    result = run_import(TARGETS, csv_bytes("date,amount\n2026-02-02,2500\n"), user=manager)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    assert MonthlyTarget.objects.get().amount == Decimal("3500.00")
    assert DailyTarget.objects.count() == 28


def test_targets_need_manage_settings_traffic_needs_view_reports(marketer, service_agent):
    assert "traffic" in registry.kinds_for(marketer)
    assert "store_ratings" in registry.kinds_for(marketer)
    assert "targets" not in registry.kinds_for(marketer)
    assert not {"traffic", "store_ratings", "targets"} & set(registry.kinds_for(service_agent))


def test_only_changed_rows_get_a_new_updated_at(manager):
    text = "channel,date,visitors,page_views\ntaobao,2026-03-01,1,1\ntaobao,2026-03-02,2,2\n"
    run_import(TRAFFIC, csv_bytes(text), user=manager)
    before = dict(DailyTraffic.objects.values_list("date", "updated_at"))

    run_import(TRAFFIC, csv_bytes(text.replace("2026-03-02,2,2", "2026-03-02,3,3")), user=manager)

    after = dict(DailyTraffic.objects.values_list("date", "updated_at"))
    assert after[dt.date(2026, 3, 1)] == before[dt.date(2026, 3, 1)]
    assert after[dt.date(2026, 3, 2)] > before[dt.date(2026, 3, 2)]


def test_daily_targets_with_an_unknown_channel_are_refused_by_row(manager):
    text = "date,channel,amount\n2026-02-01,,100\n2026-02-02,Amazon,100\n2026-02-31,,5\n"

    result = run_import(TARGETS, csv_bytes(text), user=manager)

    assert [(row, column) for row, column, _message in problems(result)] == [
        (3, "Channel"),
        (4, "Date"),
    ]
    assert not MonthlyTarget.objects.exists()

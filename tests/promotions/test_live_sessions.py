"""Live-stream sessions: the import (Chinese headers, durations, replace-not-double,
row-numbered errors), the API, the page (roles, derived figures, chart, constant
queries) and the demo seed."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from decimal import Decimal

import factory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from customers.models import SalesChannel
from promotions.demo import seed_live_sessions
from promotions.importers import duration_minutes
from promotions.live_selectors import LiveFigures
from promotions.models import LiveSession
from storeops import business_day
from storeops.demo import DemoContext
from storeops.imports import registry
from storeops.imports.parsers import CellError
from storeops.imports.runner import run_import

LIVE = registry.get("live_sessions")
URL = "/promotions/live/"
API = "/api/v1/live-sessions/"

pytestmark = pytest.mark.django_db


def channel(code: str) -> SalesChannel:
    return SalesChannel.objects.get(code=code)


def local(text: str) -> dt.datetime:
    """A store-local wall-clock time (Asia/Shanghai by default), aware."""
    return business_day.make_aware_local(dt.datetime.fromisoformat(text))


class LiveSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LiveSession

    channel = factory.LazyFunction(lambda: channel("douyin"))
    started_at = factory.Sequence(lambda n: local("2026-03-06 20:00") - dt.timedelta(days=n))
    business_date = factory.LazyAttribute(lambda session: business_day.of(session.started_at))
    duration_minutes = 120
    viewers = 1000
    product_clicks = 250
    buyers = 10
    orders = 12
    sales = Decimal("2400.00")


def csv_bytes(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def problems(result) -> list[tuple]:
    return [(p.row, p.column, p.message) for p in result.problems]


def stored() -> dict[tuple, tuple]:
    return {
        (s.channel.code, s.started_at): (
            s.business_date, s.duration_minutes, s.viewers, s.product_clicks, s.buyers,
            s.orders, s.sales, s.title,
        )
        for s in LiveSession.objects.select_related("channel")
    }  # fmt: skip


# -- import ----------------------------------------------------------------------------------


def test_chinese_headers_durations_and_channel_names_in_either_language(marketer):
    text = (
        "渠道,开播时间,直播时长(分钟),观看人数,商品点击次数,成交人数,成交笔数,成交金额,直播标题\n"
        '抖音,2026-03-06 20:00:00,1:30:00,1500,420,12,14,"¥2,980.00",周五宠粉夜\n'
        "Taobao,2026/3/4 19:30,90,800,900,8,8,1200,\n"
        "tmall,2026-03-05 23:30,2小时15分钟,0,0,0,0,0,凌晨场\n"
    )

    result = run_import(LIVE, csv_bytes(text, "gb18030"), name="live.csv", user=marketer)

    assert result.ok, problems(result)
    assert result.created == 3
    assert stored() == {
        ("douyin", local("2026-03-06 20:00")): (
            dt.date(2026, 3, 6), 90, 1500, 420, 12, 14, Decimal("2980.00"), "周五宠粉夜"),
        ("taobao", local("2026-03-04 19:30")): (
            dt.date(2026, 3, 4), 90, 800, 900, 8, 8, Decimal("1200.00"), ""),
        ("tmall", local("2026-03-05 23:30")): (
            dt.date(2026, 3, 5), 135, 0, 0, 0, 0, Decimal("0.00"), "凌晨场"),
    }  # fmt: skip
    assert LiveSession.objects.get(channel__code="douyin").imported_by == marketer


def test_other_chinese_aliases_of_the_export_are_read(marketer):
    text = (
        "平台,直播开始时间,直播时长,观看人次,商品点击人数,成交人数,成交订单数,成交金额,主播\n"
        "douyin,2026-03-06 20:00,45,300,60,3,4,400.5,小美\n"
    )

    result = run_import(LIVE, csv_bytes(text), name="live.csv", user=marketer)

    assert result.ok, problems(result)
    session = LiveSession.objects.get()
    assert (session.duration_minutes, session.viewers, session.product_clicks, session.orders,
            session.sales, session.host) == (45, 300, 60, 4, Decimal("400.50"), "小美")  # fmt: skip


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("90", 90),
        ("1:30:00", 90),
        ("01:30", 90),
        ("0:45:29", 45),
        ("0:45:30", 46),
        ("2小时", 120),
        ("1小时5分", 65),
        ("95分钟", 95),
        ("5400秒", 90),
        ("1h30m", 90),
    ],
)
def test_durations_are_read_as_whole_minutes(text, minutes):
    assert duration_minutes()(text) == minutes


@pytest.mark.parametrize("text", ["ninety", "1:75:00", "-5", "1小时半"])
def test_unreadable_durations_are_refused(text):
    with pytest.raises(CellError):
        duration_minutes()(text)


def test_reimport_of_a_session_replaces_its_figures_and_never_doubles(marketer, manager):
    header = "channel,started_at,viewers,buyers,orders,sales\n"
    first = header + "douyin,2026-03-06 20:00,1000,10,12,2400\n"
    # The platform settles late orders: the next day's export says more.
    second = header + "抖音,2026-03-06T12:00:00Z,1100,11,13,2600\n"
    run_import(LIVE, csv_bytes(first), name="a.csv", user=marketer)

    again = run_import(LIVE, csv_bytes(first), name="a.csv", user=marketer)
    changed = run_import(LIVE, csv_bytes(second), name="b.csv", user=manager)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 0)
    session = LiveSession.objects.get()
    assert (session.viewers, session.buyers, session.orders, session.sales) == (
        1100, 11, 13, Decimal("2600.00"))  # fmt: skip
    assert session.imported_by == manager


def test_a_figure_left_out_of_a_reimport_does_not_survive(marketer):
    run_import(LIVE, csv_bytes("channel,started_at,viewers,sales,title\n"
                               "douyin,2026-03-06 20:00,1000,500,Old\n"),
               name="a.csv", user=marketer)  # fmt: skip

    run_import(LIVE, csv_bytes("channel,started_at,viewers\ndouyin,2026-03-06 20:00,1000\n"),
               name="b.csv", user=marketer)  # fmt: skip

    session = LiveSession.objects.get()
    assert (session.sales, session.title) == (Decimal("0.00"), "")


def test_bad_rows_are_reported_with_their_numbers_and_nothing_is_written(marketer):
    LiveSessionFactory(started_at=local("2026-03-06 20:00"), viewers=7, buyers=1)
    text = (
        "channel,started_at,duration_minutes,viewers,product_clicks,buyers,orders,sales\n"
        "douyin,2026-03-06 20:00,90,1000,100,10,10,100\n"
        "kuaishou,2026-03-06 20:00,90,1000,100,10,10,100\n"
        "taobao,2026-03-06 20:00,90,100,100,101,101,100\n"
        "taobao,2026-13-01 20:00,90,100,100,1,1,100\n"
        "taobao,2026-03-07 20:00,90,-5,100,1,1,100\n"
        "taobao,2026-03-08 20:00,90,100,100,1,1,-1.00\n"
        "taobao,2026-03-09 20:00,long,100,100,1,1,1\n"
    )

    result = run_import(LIVE, csv_bytes(text), name="bad.csv", user=marketer)

    assert not result.ok
    assert [(row, column) for row, column, _message in problems(result)] == [
        (3, "Channel"),
        (4, "Buyers"),
        (5, "Started at"),
        (6, "Viewers"),
        (7, "Sales"),
        (8, "Duration (minutes)"),
    ]
    assert problems(result)[:2] == [
        (3, "Channel", "Unknown channel: kuaishou."),
        (4, "Buyers", "101 buyers are more than the 100 viewers."),
    ]
    assert LiveSession.objects.get().viewers == 7


def test_the_same_session_twice_in_one_file_is_an_error(marketer):
    text = "channel,started_at,viewers\ndouyin,2026-03-06 20:00,1\n抖音,2026-03-06 20:00:00,2\n"

    result = run_import(LIVE, csv_bytes(text), name="dup.csv", user=marketer)

    assert [p.row for p in result.problems] == [3]
    assert LiveSession.objects.count() == 0


def test_customer_service_and_warehouse_may_not_run_the_import(
    service_agent, warehouse_clerk, marketer
):
    assert "live_sessions" not in registry.kinds_for(service_agent)
    assert "live_sessions" not in registry.kinds_for(warehouse_clerk)
    assert "live_sessions" in registry.kinds_for(marketer)


# -- API -------------------------------------------------------------------------------------


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def results(response) -> list[dict]:
    body = response.json()
    return body["results"] if isinstance(body, dict) else body


def test_api_post_a_list_then_list_it_filtered_by_channel_and_dates(marketer):
    client = client_for(marketer)
    records = [
        {"channel": "douyin", "started_at": "2026-03-06 20:00", "duration_minutes": "1:30:00",
         "viewers": 1500, "product_clicks": 420, "buyers": 12, "orders": 14, "sales": "2980.00",
         "title": "周五宠粉夜"},
        {"channel": "淘宝", "started_at": "2026-03-04T11:30:00Z", "viewers": 800, "sales": "10"},
        {"channel": "douyin", "started_at": "2026-02-27 20:00", "viewers": 900},
    ]  # fmt: skip

    created = client.post(API, records, format="json")
    listed = client.get(API, {"channel": "douyin", "date_from": "2026-03-01"})

    assert created.status_code == 201, created.content
    assert created.json() == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0}
    assert [
        (r["channel"], r["business_date"], r["duration_minutes"], r["viewers"], r["sales"])
        for r in results(listed)
    ] == [("douyin", "2026-03-06", 90, 1500, "2980.00")]


def test_api_repeated_post_is_unchanged_and_a_corrected_one_updates(marketer):
    client = client_for(marketer)
    record = {"channel": "douyin", "started_at": "2026-03-06 20:00", "viewers": 100, "sales": "5"}
    client.post(API, record, format="json")

    repeated = client.post(API, record, format="json")
    corrected = client.post(API, {**record, "sales": "7.50"}, format="json")

    assert (repeated.status_code, repeated.json()) == (
        200, {"rows": 1, "created": 0, "updated": 0, "unchanged": 1})  # fmt: skip
    assert (corrected.status_code, corrected.json()["updated"]) == (200, 1)
    assert list(LiveSession.objects.values_list("sales", flat=True)) == [Decimal("7.50")]


def test_api_post_with_a_bad_row_reports_its_position_and_writes_nothing(marketer):
    client = client_for(marketer)
    records = [
        {"channel": "douyin", "started_at": "2026-03-06 20:00", "viewers": 10},
        {"channel": "douyin", "started_at": "2026-03-07 20:00", "viewers": 10, "buyers": 11},
    ]

    response = client.post(API, records, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_rows"
    assert [(p["row"], p["column"]) for p in error["problems"]] == [(2, "Buyers")]
    assert LiveSession.objects.count() == 0


@pytest.mark.parametrize("fixture", ["service_agent", "warehouse_clerk"])
def test_api_refuses_customer_service_and_warehouse(request, fixture):
    client = client_for(request.getfixturevalue(fixture))

    listed = client.get(API)
    posted = client.post(API, {"channel": "douyin", "started_at": "2026-03-06 20:00"},
                         format="json")  # fmt: skip

    assert (listed.status_code, posted.status_code) == (403, 403)
    assert LiveSession.objects.count() == 0


# -- page ------------------------------------------------------------------------------------


def chart_data(response) -> dict:
    html = response.content.decode()
    marker = '<script id="live-data" type="application/json">'
    start = html.index(marker) + len(marker)
    return json.loads(html[start : html.index("</script>", start)])


@pytest.mark.parametrize("fixture", ["service_agent", "warehouse_clerk"])
def test_customer_service_and_warehouse_get_403_on_the_page(client, request, fixture):
    client.force_login(request.getfixturevalue(fixture))

    response = client.get(URL)

    assert response.status_code == 403


@pytest.mark.parametrize("fixture", ["manager", "marketer"])
def test_manager_and_marketing_see_the_page_its_nav_entry_and_import_link(client, request, fixture):
    client.force_login(request.getfixturevalue(fixture))

    response = client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="{URL}"' in html
    assert 'href="/imports/new/?kind=live_sessions"' in html


def test_page_shows_derived_figures_and_totals_recomputed_from_parts(client, marketer):
    today = business_day.today()
    evening = business_day.make_aware_local(dt.datetime.combine(today, dt.time(20, 0)))
    LiveSessionFactory(
        started_at=evening - dt.timedelta(days=1),
        viewers=1000,
        product_clicks=250,
        buyers=10,
        orders=12,
        sales=Decimal("2400.00"),
    )
    LiveSessionFactory(
        started_at=evening - dt.timedelta(days=2),
        channel=channel("taobao"),
        viewers=0,
        product_clicks=0,
        buyers=0,
        orders=0,
        sales=Decimal("0.00"),
    )
    LiveSessionFactory(
        started_at=evening - dt.timedelta(days=3),
        viewers=3000,
        product_clicks=450,
        buyers=50,
        orders=48,
        sales=Decimal("4800.00"),
    )
    LiveSessionFactory(started_at=evening - dt.timedelta(days=200), sales=Decimal("999.00"))
    client.force_login(marketer)

    response = client.get(URL)

    rows = response.context["rows"]
    assert [(r.figures.click_rate_percent, r.figures.conversion_percent,
             r.figures.sales_per_viewer, r.figures.average_order_value) for r in rows] == [
        (Decimal("25.00"), Decimal("1.00"), Decimal("2.40"), Decimal("200.00")),
        (None, None, None, None),
        (Decimal("15.00"), Decimal("1.67"), Decimal("1.60"), Decimal("100.00")),
    ]  # fmt: skip
    totals = response.context["totals"]
    assert (totals.sessions, totals.viewers, totals.sales) == (3, 4000, Decimal("7200.00"))
    # From the sums (700 / 4000), not the mean of 25 %, – and 15 %.
    assert (totals.click_rate_percent, totals.conversion_percent, totals.sales_per_viewer,
            totals.average_order_value) == (
        Decimal("17.50"), Decimal("1.50"), Decimal("1.80"), Decimal("120.00"))  # fmt: skip
    html = response.content.decode()
    assert "17.50%" in html
    assert html.count('<td class="number">–</td>') == 4


def test_the_chart_gets_sales_and_viewers_per_session_oldest_first(client, marketer):
    LiveSessionFactory(started_at=local("2026-03-06 20:00"), sales=Decimal("2400.00"), viewers=1000)
    LiveSessionFactory(
        started_at=local("2026-03-04 19:30"),
        channel=channel("taobao"),
        sales=Decimal("1200.50"),
        viewers=800,
    )
    client.force_login(marketer)

    response = client.get(URL, {"date_from": "2026-03-01", "date_to": "2026-03-31"})

    data = chart_data(response)
    assert data["sessions"] == ["2026-03-04 19:30 Taobao", "2026-03-06 20:00 Douyin"]
    assert (data["sales"], data["viewers"]) == (["1200.50", "2400.00"], [800, 1000])


def test_channel_filter_limits_table_and_totals(client, marketer):
    LiveSessionFactory(started_at=local("2026-03-06 20:00"), viewers=1000)
    LiveSessionFactory(started_at=local("2026-03-04 19:30"), channel=channel("taobao"), viewers=800)
    client.force_login(marketer)

    response = client.get(
        URL, {"date_from": "2026-03-01", "date_to": "2026-03-31", "channel": "taobao"}
    )

    assert [r.session.channel.code for r in response.context["rows"]] == ["taobao"]
    assert response.context["totals"].viewers == 800


def test_a_session_counts_on_its_store_local_day(client, marketer):
    # 00:30 in Shanghai on 1 March is still 28 February in UTC.
    LiveSessionFactory(started_at=local("2026-03-01 00:30"))
    client.force_login(marketer)

    march = client.get(URL, {"date_from": "2026-03-01", "date_to": "2026-03-31"})
    february = client.get(URL, {"date_from": "2026-02-01", "date_to": "2026-02-28"})

    assert (march.context["totals"].sessions, february.context["totals"].sessions) == (1, 0)
    assert "2026-03-01 00:30" in march.content.decode()


def _seed_sessions(count: int, first: int = 0) -> None:
    today = business_day.today()
    evening = business_day.make_aware_local(dt.datetime.combine(today, dt.time(20, 0)))
    for number in range(first, first + count):
        LiveSessionFactory(
            started_at=evening - dt.timedelta(days=number // 2 + 1),
            channel=channel("douyin" if number % 2 else "taobao"),
        )


def test_page_query_count_is_the_same_for_5_and_50_sessions(client, marketer):
    client.force_login(marketer)
    _seed_sessions(5)
    client.get(URL)  # warm caches (session, permissions)

    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    _seed_sessions(45, first=5)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)

    assert response.status_code == 200
    assert response.context["totals"].sessions == 50
    assert len(many) == len(few)


# -- figures and demo ------------------------------------------------------------------------


def test_empty_figures_have_no_ratios():
    figures = LiveFigures()

    assert (figures.click_rate_percent, figures.conversion_percent, figures.sales_per_viewer,
            figures.average_order_value) == (None, None, None, None)  # fmt: skip


def test_demo_seed_makes_a_weekly_session_per_channel_once():
    today = dt.date(2026, 3, 31)

    def context() -> DemoContext:
        return DemoContext(random=random.Random(1), days=90, today=today)

    first = seed_live_sessions(context=context())
    second = seed_live_sessions(context=context())

    assert first["live_sessions"] == LiveSession.objects.count()
    assert second["live_sessions"] == 0
    per_channel = {
        code: LiveSession.objects.filter(channel__code=code).count()
        for code in ("douyin", "taobao")
    }
    # The 89 days before Tuesday 31 March 2026 hold 13 Fridays and 12 Wednesdays.
    assert per_channel == {"douyin": 13, "taobao": 12}
    assert {business_day.of(s.started_at).weekday() for s in LiveSession.objects.filter(
        channel__code="douyin")} == {4}  # fmt: skip
    assert all(s.buyers <= s.viewers and s.orders >= s.buyers for s in LiveSession.objects.all())

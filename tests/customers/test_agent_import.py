"""The customer-service agents import: Chinese headers, response times in any form,
replace-not-double on re-import, row-numbered errors and agents matched to users."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import override_settings

from customers.importers import response_time
from customers.models import AgentDay
from storeops.imports import registry
from storeops.imports.parsers import CellError
from storeops.imports.runner import run_import
from storeops.roles import Role

AGENTS = registry.get("service_agents")

pytestmark = pytest.mark.django_db

# Imports run "today" = 2026-03-10 in these tests unless a test says otherwise.
TODAY = dt.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("storeops.business_day.today", lambda: TODAY)


def csv_bytes(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def problems(result) -> list[tuple]:
    return [(p.row, p.column, p.message) for p in result.problems]


def test_chinese_headers_are_read_into_agent_days(manager):
    text = (
        "日期,店铺,客服,询单人数,询单→最终付款人数,平均响应时长,客服销售额\n"
        '2026-03-01,淘宝,小美,120,30,1分30秒,"¥4,560.50"\n'
        "2026/3/1,天猫,阿强,80,20,00:00:45,1200\n"
    )

    result = run_import(AGENTS, csv_bytes(text, "gb18030"), name="agents.csv", user=manager)

    assert result.ok, problems(result)
    assert result.created == 2
    rows = {
        (row.date, row.channel.code, row.agent_name): (
            row.inquiries,
            row.inquiries_paid,
            row.avg_first_response_seconds,
            row.agent_sales,
        )
        for row in AgentDay.objects.select_related("channel")
    }
    assert rows == {
        (dt.date(2026, 3, 1), "taobao", "小美"): (120, 30, Decimal("90.00"), Decimal("4560.50")),
        (dt.date(2026, 3, 1), "tmall", "阿强"): (80, 20, Decimal("45.00"), Decimal("1200.00")),
    }


@pytest.mark.parametrize("header", ["询单→最终付款人数", "询单->最终付款人数", "最终付款人数"])
def test_every_spelling_of_the_paid_inquirers_header_is_accepted(manager, header):
    text = f"日期,旺旺,询单人数,{header},平均响应时间(秒)\n2026-03-01,小美,10,4,12\n"

    result = run_import(AGENTS, csv_bytes(text), user=manager)

    assert result.ok, problems(result)
    row = AgentDay.objects.get()
    assert (row.channel, row.inquiries_paid, row.agent_sales) == (None, 4, Decimal("0.00"))


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("90", Decimal("90.00")),
        ("12.5", Decimal("12.50")),
        ("90秒", Decimal("90.00")),
        ("1分30秒", Decimal("90.00")),
        ("2分钟", Decimal("120.00")),
        ("1小时2分3秒", Decimal("3723.00")),
        ("00:01:30", Decimal("90.00")),
        ("01:30", Decimal("90.00")),
        ("1:02:03", Decimal("3723.00")),
        ("45s", Decimal("45.00")),
    ],
)
def test_response_time_reads_seconds_and_minute_second_forms(raw, seconds):
    assert response_time()(raw) == seconds


@pytest.mark.parametrize("raw", ["soon", "1分70", "00:75:00", "-5", "1.234"])
def test_response_time_refuses_what_is_not_a_duration(raw):
    with pytest.raises(CellError):
        response_time()(raw)


def test_reimport_of_the_same_day_channel_and_agent_replaces_instead_of_doubling(manager):
    first = (
        "date,channel,agent,inquiries,inquiries_paid,avg_first_response_seconds,agent_sales\n"
        "2026-03-01,taobao,小美,100,20,30,1000\n"
        "2026-03-01,taobao,阿强,50,10,40,500\n"
    )
    again = (
        "日期,店铺,客服昵称,询单人数,最终付款人数,平均响应时长,客服销售额\n"
        "2026-03-01,淘宝,小美,110,25,28,1100\n"
        "2026-03-01,淘宝,阿强,50,10,40秒,500\n"
    )
    run_import(AGENTS, csv_bytes(first), user=manager)

    result = run_import(AGENTS, csv_bytes(again), user=manager)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert AgentDay.objects.count() == 2
    mei = AgentDay.objects.get(agent_name="小美")
    assert (mei.inquiries, mei.inquiries_paid, mei.avg_first_response_seconds) == (
        110,
        25,
        Decimal("28.00"),
    )
    assert mei.agent_sales == Decimal("1100.00")


def test_same_agent_without_channel_is_replaced_too(manager):
    text = (
        "date,agent,inquiries,inquiries_paid,avg_first_response_seconds\n2026-03-01,小美,10,1,5\n"
    )
    run_import(AGENTS, csv_bytes(text), user=manager)

    result = run_import(AGENTS, csv_bytes(text.replace(",10,1,", ",12,1,")), user=manager)

    assert (result.created, result.updated) == (0, 1)
    assert list(AgentDay.objects.values_list("channel", "inquiries")) == [(None, 12)]


def test_paid_above_inquiries_is_a_row_error_with_its_number_and_nothing_is_written(manager):
    text = (
        "日期,客服,询单人数,询单→最终付款人数,平均响应时长\n"
        "2026-03-01,小美,10,4,12\n"
        "2026-03-01,阿强,5,6,12\n"
    )

    result = run_import(AGENTS, csv_bytes(text), user=manager)

    assert not result.ok
    [(row, column, message)] = problems(result)
    assert (row, column) == (3, "Inquirers who paid")
    assert message == "6 inquirers paid, more than the 5 who inquired."
    assert not AgentDay.objects.exists()


def test_bad_response_time_and_unknown_channel_are_reported_by_row(manager):
    text = (
        "日期,店铺,客服,询单人数,询单→最终付款人数,平均响应时长\n"
        "2026-03-01,亚马逊,小美,10,4,12\n"
        "2026-03-01,淘宝,阿强,10,4,很快\n"
    )

    result = run_import(AGENTS, csv_bytes(text), user=manager)

    assert [(row, column) for row, column, _message in problems(result)] == [
        (2, "Channel"),
        (3, "Average first response"),
    ]
    assert not AgentDay.objects.exists()


def test_agent_is_matched_to_a_user_by_username_or_full_name(manager, make_user):
    mei = make_user(Role.CUSTOMER_SERVICE, username="xiaomei")
    qiang = make_user(Role.CUSTOMER_SERVICE, username="aq", first_name="强", last_name="阿")
    text = (
        "日期,客服,询单人数,询单→最终付款人数,平均响应时长\n"
        "2026-03-01,XiaoMei,10,4,12\n"
        "2026-03-01,阿强,10,4,12\n"
        "2026-03-01,临时工,10,4,12\n"
    )

    result = run_import(AGENTS, csv_bytes(text), user=manager)

    assert result.ok, problems(result)
    agents = dict(AgentDay.objects.values_list("agent_name", "agent"))
    assert agents == {"XiaoMei": mei.pk, "阿强": qiang.pk, "临时工": None}


def test_sub_account_names_and_configured_aliases_match_users(manager, make_user):
    mei = make_user(Role.CUSTOMER_SERVICE, username="xiaomei")
    text = (
        "日期,客服,询单人数,询单→最终付款人数,平均响应时长\n"
        "2026-03-01,旗舰店:xiaomei,10,4,12\n"
        "2026-03-02,美美,10,4,12\n"
    )

    with override_settings(SERVICE_AGENT_ALIASES={"美美": "xiaomei"}):
        result = run_import(AGENTS, csv_bytes(text), user=manager)

    assert result.ok, problems(result)
    assert set(AgentDay.objects.values_list("agent", flat=True)) == {mei.pk}


def test_rows_of_the_import_day_are_provisional_until_a_later_import(manager, monkeypatch):
    text = (
        "date,agent,inquiries,inquiries_paid,avg_first_response_seconds\n"
        "2026-03-09,小美,10,3,12\n"
        "2026-03-10,小美,10,1,12\n"
    )
    run_import(AGENTS, csv_bytes(text), user=manager)
    assert dict(AgentDay.objects.values_list("date", "is_provisional")) == {
        dt.date(2026, 3, 9): False,
        dt.date(2026, 3, 10): True,
    }
    monkeypatch.setattr("storeops.business_day.today", lambda: dt.date(2026, 3, 11))

    result = run_import(AGENTS, csv_bytes(text.replace(",10,1,", ",10,2,")), user=manager)

    assert (result.updated, result.unchanged) == (1, 1)
    settled = AgentDay.objects.get(date=dt.date(2026, 3, 10))
    assert (settled.is_provisional, settled.inquiries_paid) == (False, 2)


def test_customer_service_may_run_the_import_but_warehouse_and_marketing_may_not(make_user):
    allowed = {
        role: "service_agents" in registry.kinds_for(make_user(role))
        for role in (Role.OPERATIONS_MANAGER, Role.CUSTOMER_SERVICE, Role.WAREHOUSE, Role.MARKETING)
    }

    assert allowed == {
        Role.OPERATIONS_MANAGER: True,
        Role.CUSTOMER_SERVICE: True,
        Role.WAREHOUSE: False,
        Role.MARKETING: False,
    }

"""Console search stays on indexes (PostgreSQL plans) and keeps its answers."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from orders import selectors
from tests.orders.factories import build_order

pytestmark = pytest.mark.django_db


def _search_queries(query: str) -> list[tuple[str, tuple]]:
    """The (sql, params) that search_orders runs for ``query``."""
    captured: list[tuple[str, tuple]] = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        selectors.search_orders(query)
    return captured


def _plans(query: str) -> list[tuple[str, str]]:
    """(sql, plan) of each search query, with sequential scans priced out.

    The test tables are tiny, so the planner would rightly scan them; with
    ``enable_seqscan`` off it still does when no index can answer the query.
    On a tiny table walking the newest-first index (``order_placed_idx``) and
    filtering can look as cheap as the search's own index, so that index is
    dropped for the test's transaction: the plans then show whether each
    search has an index of its own.
    """
    queries = _search_queries(query)
    plans = []
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS order_placed_idx")
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql, params in queries:
            cursor.execute("EXPLAIN " + sql, params)
            plans.append((sql, "\n".join(row[0] for row in cursor.fetchall())))
    return plans


def test_last_4_digits_search_uses_the_phone_last4_index(postgres_only):
    plans = _plans("5678")
    last4 = [plan for sql, plan in plans if "RIGHT(" in sql.upper()]

    assert len(last4) == 1
    assert "order_phone_last4_idx" in last4[0]
    assert "Seq Scan" not in last4[0]


def test_name_searches_use_the_nickname_and_recipient_indexes(postgres_only):
    plan = "\n".join(plan for sql, plan in _plans("小红") if "buyer_nickname" in sql)

    # Twice each: the exact names and the prefixes (LIKE '小红%').
    assert plan.count("on order_nickname_idx") == 2, plan
    assert plan.count("on order_recipient_idx") == 2, plan
    assert "Seq Scan" not in plan, plan


def test_every_search_query_can_use_an_index(postgres_only):
    for text in ["TB1001", "SF1234567890", "13912345678", "5678", "李四"]:
        for sql, plan in _plans(text):
            assert "Seq Scan" not in plan, f"{text}: {sql}\n{plan}"


def test_last_4_digits_match_the_end_of_the_phone_only(tee, service_agent):
    ends = build_order(by=service_agent, items=[(tee, 1)], order_no="A1", phone="13912345678")
    build_order(by=service_agent, items=[(tee, 1)], order_no="A2", phone="13956781234")
    build_order(by=service_agent, items=[(tee, 1)], order_no="A3", phone="")

    assert selectors.search_orders("5678") == [ends]
    assert selectors.search_orders("56-78") == [ends]


def test_one_union_query_and_the_kind_by_kind_loop_give_the_same_answer(
    tee, service_agent, monkeypatch
):
    """PostgreSQL merges the kinds in one UNION ALL; SQLite runs one query per kind."""
    now = timezone.now()
    for number, (nickname, recipient, phone) in enumerate(
        [
            ("1234", "王伟", "13900001234"),  # nickname = the text and the phone's end
            ("阿猫", "1234", "13900005678"),  # recipient = the text
            ("12345x", "李四", "13900001234"),  # nickname prefix and the phone's end
            ("阿狗", "12349", "13811112222"),  # recipient prefix
            ("阿猫", "王伟", "13900001234"),  # phone's end only
            ("阿猫", "王伟", "13911111111"),  # nothing
        ]
    ):
        build_order(
            by=service_agent,
            items=[(tee, 1)],
            order_no="1234" if number == 5 else f"N{number}",
            buyer_nickname=nickname,
            recipient_name=recipient,
            phone=phone,
            placed_at=now - dt.timedelta(minutes=number % 3),
        )
    features = connection.features
    answers = {}
    for merged in (True, False):
        monkeypatch.setattr(features, "supports_slicing_ordering_in_compound", merged)
        if merged and connection.vendor == "sqlite":
            continue  # SQLite refuses ORDER BY inside a compound statement
        answers[merged] = [
            [order.order_no for order in selectors.search_orders("1234", limit=limit)]
            for limit in (2, 4, 20)
        ]
    assert answers[False][-1] == ["1234", "N0", "N4", "N2", "N1", "N3"]
    for found in answers.values():
        assert found == [answers[False][-1][:2], answers[False][-1][:4], answers[False][-1]]

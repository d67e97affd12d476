"""On PostgreSQL, a rebuild of many runs of days builds them side by side on their own
connections, and gives exactly the rows that building them one by one gives."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from reports import services
from reports.models import DailySkuSummary, DailySummary, SummaryWatermark
from tests.orders.factories import build_order
from tests.reports.summary_fixtures import DAY_1, DAY_2, at, buyer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Three runs of at most 31 days: DAY_1..DAY_2, and two more a month and two apart.
LATER = (DAY_2 + dt.timedelta(days=40), DAY_2 + dt.timedelta(days=75))


def every_row() -> tuple[dict, dict]:
    fields = [name for name in services._BUILT_FIELDS if name != "built_at"]
    summaries = {
        (row["date"], row["channel"]): {name: row[name] for name in fields}
        for row in DailySummary.objects.values("date", "channel", *fields)
    }
    skus = {
        (row.pop("date"), row.pop("channel"), row.pop("variant")): row
        for row in DailySkuSummary.objects.values(
            "date", "channel", "variant", *services.SKU_FIGURES
        )
    }
    return summaries, skus


def forget_the_build() -> None:
    DailySummary.objects.all().delete()
    DailySkuSummary.objects.all().delete()
    SummaryWatermark.objects.all().delete()


def threads_calling(monkeypatch, name: str) -> set[str]:
    """The names of the threads that call ``services.<name>`` from now on."""
    threads: set[str] = set()
    function = getattr(services, name)

    def spying(*args, **kwargs):
        threads.add(threading.current_thread().name)
        return function(*args, **kwargs)

    monkeypatch.setattr(services, name, spying)
    return threads


@pytest.fixture
def trade_over_three_runs(postgres_only, trade, tee, manager):
    for number, day in enumerate(LATER, start=10):
        build_order(by=manager, items=[(tee, 1)], placed_at=at(day, 11), **buyer(number))
        build_order(by=manager, items=[(tee, 1)], channel="jd", placed_at=at(day, 15), **buyer(1))


def test_runs_built_side_by_side_equal_runs_built_one_by_one(
    trade_over_three_runs, settings, monkeypatch
):
    settings.SUMMARY_BUILD_WORKERS = 1
    one_by_one = services.rebuild_touched()
    expected = every_row()
    forget_the_build()

    threads = threads_calling(monkeypatch, "_build_days")
    settings.SUMMARY_BUILD_WORKERS = 2
    side_by_side = services.rebuild_touched()

    assert side_by_side == one_by_one
    assert len(services._runs(side_by_side)) == 3
    assert every_row() == expected
    assert expected[0][(DAY_1, None)]["paid_orders"] == 3
    assert expected[0][(LATER[1], None)]["paid_orders"] == 2
    # Built on the pool's threads, not on this one.
    assert threads and all(name.startswith(services.BUILD_THREADS) for name in threads)


def test_the_range_command_reports_progress_as_each_run_is_built(trade_over_three_runs, settings):
    settings.SUMMARY_BUILD_WORKERS = 2
    seen: list[tuple[int, int]] = []
    first, last = DAY_1, LATER[1]

    built = services.build_range(
        first, last, progress=lambda done, total: seen.append((done, total))
    )

    total = (last - first).days + 1
    assert built == total
    assert len(seen) == len(services._runs(services.days_between(first, last)))
    assert sorted(done for done, _total in seen) == [done for done, _total in seen]
    assert seen[-1] == (total, total)
    assert DailySummary.objects.filter(channel__isnull=True).count() == total


def test_inside_a_transaction_the_runs_are_built_on_this_connection(
    trade_over_three_runs, settings, monkeypatch
):
    from django.db import transaction

    settings.SUMMARY_BUILD_WORKERS = 2
    threads = threads_calling(monkeypatch, "_build_days")
    with transaction.atomic():
        services.rebuild_touched()

    assert threads == {threading.current_thread().name}
    assert DailySummary.objects.filter(date=LATER[0], channel__isnull=True).exists()


def test_a_day_built_with_its_order_figures_read_aside_equals_one_built_on_one_connection(
    trade_over_three_runs, settings, monkeypatch
):
    settings.SUMMARY_BUILD_WORKERS = 1
    for day in (DAY_1, DAY_2, *LATER):
        services.build_day(day)
    expected = every_row()
    forget_the_build()

    threads = threads_calling(monkeypatch, "_order_figures")
    settings.SUMMARY_BUILD_WORKERS = 2
    for day in (DAY_1, DAY_2, *LATER):
        services.build_day(day)

    assert every_row() == expected
    assert expected[0][(DAY_2, None)]["paid_orders"] == 1
    # Read on the side thread's own connection, while this one wrote the per-SKU rows.
    assert threads and all(name.startswith(services.BUILD_THREADS) for name in threads)

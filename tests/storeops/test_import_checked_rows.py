"""The runner writes the rows it checked without parsing them again (kinds that allow it),
and the cell parsers' fast paths read exactly what the general path reads."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storeops.imports import parsers
from storeops.imports.parsers import CellError
from storeops.imports.runner import run_import
from storeops.imports.spec import Column, ImportContext, ImportKind, Outcome


def counting_parser(calls: list[str]) -> parsers.Parser:
    read = parsers.text(20)

    def parse(raw: str) -> str:
        calls.append(raw)
        return read(raw)

    return parse


def kind_for(*, reuses: bool, parsed: list[str], written: list[tuple[int, dict]]) -> type:
    class Kind(ImportKind):
        key = "test-rows"
        label = "Rows"
        natural_key = ("code",)
        batch_size = 2
        reuses_checked_rows = reuses
        columns = (
            Column("code", "Code", counting_parser(parsed), required=True),
            Column("amount", "Amount", parsers.money(), default=Decimal("0.00")),
        )

        def write(self, rows: list[Any], context: ImportContext) -> list[Outcome]:
            written.extend((row.number, row.values) for row in rows)
            return [Outcome.CREATED] * len(rows)

    return Kind


def export(count: int) -> io.BytesIO:
    lines = ["code,amount", *(f"C{number},{number}.50" for number in range(count))]
    return io.BytesIO(("\n".join(lines) + "\n").encode())


EXPECTED = [
    (number + 2, {"code": f"C{number}", "amount": Decimal(f"{number}.50")}) for number in range(5)
]


@pytest.mark.django_db
def test_a_kind_reusing_checked_rows_parses_each_row_once():
    parsed, written = [], []

    result = run_import(kind_for(reuses=True, parsed=parsed, written=written), export(5), user=None)

    assert (result.ok, result.created) == (True, 5)
    assert parsed == ["C0", "C1", "C2", "C3", "C4"]
    assert written == EXPECTED


@pytest.mark.django_db
def test_rows_beyond_the_memory_budget_are_read_again_in_file_order(settings):
    settings.IMPORT_KEEP_CHECKED_ROWS = 2
    parsed, written = [], []

    result = run_import(kind_for(reuses=True, parsed=parsed, written=written), export(5), user=None)

    assert (result.ok, result.created) == (True, 5)
    assert parsed == ["C0", "C1", "C2", "C3", "C4", "C2", "C3", "C4"]
    assert written == EXPECTED


@pytest.mark.django_db
def test_a_kind_not_reusing_checked_rows_parses_the_file_twice():
    parsed, written = [], []

    result = run_import(
        kind_for(reuses=False, parsed=parsed, written=written), export(3), user=None
    )

    assert (result.ok, result.created) == (True, 3)
    assert parsed == ["C0", "C1", "C2"] * 2
    assert written == EXPECTED[:3]


@pytest.mark.django_db
def test_a_file_with_a_bad_row_writes_nothing_even_with_rows_kept():
    parsed, written = [], []
    content = io.BytesIO(b"code,amount\nC0,1.00\nC1,abc\nC2,2.00\n")

    result = run_import(kind_for(reuses=True, parsed=parsed, written=written), content, user=None)

    assert (result.ok, result.created, result.written) == (False, 0, False)
    assert [(problem.row, problem.column) for problem in result.problems] == [(3, "Amount")]
    assert written == []


# Fast paths of the cell parsers


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_plain_amounts_read_as_the_general_path_reads_them(amount):
    fast = parsers.money()
    text = f"{amount:.2f}"

    first, again = fast(text), fast(text)

    assert first == again == Decimal(text)
    assert first.as_tuple().exponent == -2
    assert fast(f"¥{amount:,.2f}") == first


def test_a_memoised_amount_is_still_checked_against_the_minimum():
    parse = parsers.money(minimum=Decimal(0))
    assert parse("5.00") == Decimal("5.00")

    with pytest.raises(CellError):
        parse("-5.00")
    with pytest.raises(CellError):
        parse("5.001")


@pytest.mark.parametrize(
    "raw, expected", [("7", 7), ("007", 7), ("1,000", 1000), ("+3", 3), ("2.0", 2), ("１２", 12)]
)
def test_whole_numbers_read_plain_and_spelled_out(raw, expected):
    assert parsers.integer(minimum=1)(raw) == expected


@pytest.mark.parametrize("raw", ["0", "2.5", "²", "-4"])
def test_whole_numbers_refuse_what_is_not_one_above_the_minimum(raw):
    with pytest.raises(CellError):
        parsers.integer(minimum=1)(raw)


def test_a_memoised_date_time_follows_the_store_time_zone(settings):
    parse = parsers.datetime()
    settings.STORE_TIMEZONE = "Asia/Shanghai"
    in_shanghai = parse("2026-03-29 10:00:00")

    settings.STORE_TIMEZONE = "Europe/Berlin"
    in_berlin = parse("2026-03-29 10:00:00")

    assert in_shanghai == dt.datetime(2026, 3, 29, 2, 0, tzinfo=dt.UTC)
    # Berlin moved to summer time (UTC+2) that night.
    assert in_berlin == dt.datetime(2026, 3, 29, 8, 0, tzinfo=dt.UTC)

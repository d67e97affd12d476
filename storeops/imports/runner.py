"""Run one import: check every row, then write all of them or none.

Two passes over the file keep memory bounded whatever its size: the first
parses and checks every row, remembering the natural keys (to catch a key
repeated inside the file) and the problems; the second, reached only when
there are no problems, hands batches of rows to the kind inside one
transaction. A dry run performs the second pass too and then rolls it back,
so it reports exactly what a real run would create and update.

A kind whose ``clean`` depends on nothing its ``write`` changes may set
``reuses_checked_rows``: the first pass then keeps its checked rows (up to
``IMPORT_KEEP_CHECKED_ROWS`` of them) and the second pass writes those
without parsing them again, reading the file again only for the rows beyond.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from storeops.imports.parsers import CellError
from storeops.imports.readers import FileRefused, RecordsTable, Table, open_table
from storeops.imports.spec import (
    Column,
    ImportContext,
    ImportKind,
    Outcome,
    RowError,
    normalise_header,
)

PROGRESS_EVERY = 500
# Checked rows kept for the write (kinds with reuses_checked_rows): an order import
# of 100,000 lines peaks at about 360 MB with them all kept; beyond, rows are read again.
KEEP_CHECKED_ROWS = 100_000

ProgressCallback = Callable[[str, float], None]


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class ParsedRow:
    number: int
    values: dict[str, Any]


@dataclass
class ImportResult:
    rows_total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    message: str = ""
    file_format: str = ""
    encoding: str = ""
    written: bool = False

    @property
    def ok(self) -> bool:
        return self.problem_count == 0 and not self.message

    def add(self, problem: Problem, limit: int) -> None:
        self.problem_count += 1
        if len(self.problems) < limit:
            self.problems.append(problem)


class _Rejected(Exception):
    """Raised inside the write transaction to roll it back."""


def _map_headers(kind: type[ImportKind], table: Table, result: ImportResult, limit: int):
    """Column for each header position (None = ignored); header problems go to `result`."""
    by_header: dict[str, Column] = {}
    for column in kind.columns:
        for header in column.headers():
            by_header[header] = column
    mapping: list[Column | None] = []
    seen: dict[str, int] = {}
    for position, header in enumerate(table.headers):
        normalised = normalise_header(header)
        if not normalised:
            mapping.append(None)
            continue
        column = by_header.get(normalised)
        if column is None:
            if not getattr(kind, "ignore_unknown_columns", False):
                expected = ", ".join(str(c.name) for c in kind.columns)
                result.add(
                    Problem(
                        1,
                        header,
                        _("Unknown column “%(header)s”. The columns are: %(expected)s")
                        % {"header": header, "expected": expected},
                    ),
                    limit,
                )
            mapping.append(None)
            continue
        if column.name in seen:
            result.add(
                Problem(
                    1,
                    header,
                    _("Column “%(header)s” appears twice (columns %(first)d and %(second)d).")
                    % {"header": header, "first": seen[column.name] + 1, "second": position + 1},
                ),
                limit,
            )
            mapping.append(None)
            continue
        seen[column.name] = position
        mapping.append(column)
    for column in kind.columns:
        if column.required and column.name not in seen:
            result.add(
                Problem(
                    1,
                    str(column.label),
                    _("Required column “%(name)s” is missing (accepted headers: %(aliases)s).")
                    % {
                        "name": column.name,
                        "aliases": ", ".join([column.name, str(column.label), *column.aliases]),
                    },
                ),
                limit,
            )
    return mapping


def _parse_rows(
    kind: ImportKind,
    table: Table,
    mapping: list[Column | None],
    context: ImportContext,
    report: Callable[[Problem], None],
    rejected: Callable[[int, dict[str, Any]], None] | None = None,
    skip: int = 0,
) -> Iterator[ParsedRow]:
    """Parsed and cleaned rows; rows with problems are reported and not yielded.

    ``rejected`` (if given) still sees a bad row's number and the cells that
    did parse, so a repeated key is reported even on a row with other errors.

    A column missing from the file is missing from `values` too, so that an
    update leaves that field alone; an empty cell gives the column's default.
    The first ``skip`` rows are read but neither parsed nor yielded.
    """
    width = len(mapping)
    # The mapped positions in file order, each with its column and parser.
    mapped = [
        (position, column, column.name, column.parser)
        for position, column in enumerate(mapping)
        if column is not None
    ]
    rows = table.rows()
    for _skipped in itertools.islice(rows, skip):
        pass
    for row in rows:
        cells = row.cells
        count = len(cells)
        values: dict[str, Any] = {}
        bad = False
        # Problems are reported in column order: the mapped cells (a missing
        # trailing cell reads as empty), then any value beyond the headers.
        for position, column, name, parse in mapped:
            cell = cells[position] if position < count else ""
            try:
                # Readers strip every cell, so a non-empty one goes straight to the
                # column's parser; an empty one gets the column's default (or error).
                values[name] = parse(cell) if cell else column.parse(cell)
            except CellError as error:
                report(Problem(row.number, str(column.label), str(error)))
                bad = True
        if count > width:
            for position in range(width, count):
                if cells[position]:
                    report(
                        Problem(
                            row.number,
                            "",
                            _("The row has a value in column %(position)d, which has no header.")
                            % {"position": position + 1},
                        )
                    )
                    bad = True
        if bad:
            if rejected is not None:
                rejected(row.number, values)
            continue
        context.row_number = row.number
        try:
            cleaned = kind.clean(values, context)
        except RowError as error:
            label = str(kind.column(error.column).label) if error.column else ""
            report(Problem(row.number, label, error.message))
            if rejected is not None:
                rejected(row.number, values)
            continue
        yield ParsedRow(row.number, cleaned)


def _open(source: IO[bytes] | list, name: str) -> Table:
    if isinstance(source, list):
        return RecordsTable(source)
    source.seek(0)
    return open_table(source, name)


def run_import(
    kind_class: type[ImportKind],
    source: IO[bytes] | list[dict[str, Any]],
    *,
    name: str = "",
    user: Any,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
    error_limit: int = 1000,
) -> ImportResult:
    """Check `source` against `kind_class` and, if every row is right, write it all.

    `source` is a binary file (CSV or XLSX) or, for the REST endpoints, a list
    of JSON objects keyed by the same headers; both get the same checks.
    """
    with _cyclic_collection_paused():
        return _run_import(
            kind_class,
            source,
            name=name,
            user=user,
            dry_run=dry_run,
            progress=progress,
            error_limit=error_limit,
        )


@contextlib.contextmanager
def _cyclic_collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while one import runs.

    An import holds its checked rows (up to KEEP_CHECKED_ROWS dicts and their
    values) and makes hundreds of thousands of small objects on the way, so
    the collector keeps running full collections that walk all of them and
    find next to nothing: 15 of the 33 CPU seconds of a 100,000-line order
    import. Reference counting still frees everything outside a cycle; the
    few cycles an import leaves are collected once it is over.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _run_import(
    kind_class: type[ImportKind],
    source: IO[bytes] | list[dict[str, Any]],
    *,
    name: str,
    user: Any,
    dry_run: bool,
    progress: ProgressCallback | None,
    error_limit: int,
) -> ImportResult:
    result = ImportResult()
    # The checked rows kept for the write, and how many rows of the file they cover.
    kept: list[ParsedRow] = []
    kept_through = 0
    kind = kind_class()
    context = ImportContext(user=user, dry_run=dry_run, source_name=name)
    notify = progress or (lambda phase, fraction: None)

    def report(problem: Problem) -> None:
        result.add(problem, error_limit)

    # Pass 1: check.
    try:
        table = _open(source, name)
    except FileRefused as refusal:
        result.message = str(refusal)
        return result
    result.file_format, result.encoding = table.format, table.encoding
    try:
        mapping = _map_headers(kind_class, table, result, error_limit)
        if result.problem_count:
            return result
        first_row_of: dict[tuple, int] = {}

        natural_key = set(kind_class.natural_key)
        key_of = kind_class.key_of

        def check_key(number: int, values: dict[str, Any]) -> None:
            if not natural_key <= values.keys():
                return  # the key itself was unreadable: reported already
            key = key_of(values)
            if key not in first_row_of:
                first_row_of[key] = number
                return
            report(
                Problem(
                    number,
                    ", ".join(str(kind_class.column(n).label) for n in kind_class.natural_key),
                    _("Repeats row %(row)d (same %(key)s “%(value)s”); each may appear once.")
                    % {
                        "row": first_row_of[key],
                        "key": ", ".join(kind_class.natural_key),
                        "value": " / ".join(str(part) for part in key),
                    },
                )
            )

        keep_limit = (
            getattr(settings, "IMPORT_KEEP_CHECKED_ROWS", KEEP_CHECKED_ROWS)
            if getattr(kind_class, "reuses_checked_rows", False)
            else 0
        )
        for parsed in _parse_rows(kind, table, mapping, context, report, check_key):
            check_key(parsed.number, parsed.values)
            if len(kept) < keep_limit and not result.problem_count:
                kept.append(parsed)
                kept_through = table.rows_read
            if table.rows_read % PROGRESS_EVERY == 0:
                notify("checking", table.fraction_read())
        result.rows_total = table.rows_read
        first_row_of.clear()  # free the keys before the write pass
        for error in kind.check_file(context):
            label = str(kind_class.column(error.column).label) if error.column else ""
            report(Problem(error.row, label, error.message))
    except FileRefused as refusal:
        result.message = str(refusal)
        return result
    finally:
        table.close()
    if result.problem_count:
        return result
    if result.rows_total == 0:
        result.message = _("The file has a header row but no data rows.")
        return result

    # Pass 2: write everything in one transaction (rolled back on a dry run).
    table = None
    done = 0

    def checked_rows() -> Iterator[ParsedRow]:
        nonlocal table
        yield from kept
        if kept_through == result.rows_total:
            return
        table = _open(source, name)
        mapping = _map_headers(kind_class, table, ImportResult(), error_limit)
        yield from _parse_rows(kind, table, mapping, context, report, skip=kept_through)

    try:
        with transaction.atomic():
            batch: list[ParsedRow] = []
            for parsed in checked_rows():
                batch.append(parsed)
                if len(batch) >= kind_class.batch_size:
                    done += _write(kind, batch, context, result)
                    batch = []
                    notify("writing", done / result.rows_total)
            if batch:
                done += _write(kind, batch, context, result)
            if result.problem_count:
                raise _Rejected
            if dry_run:
                transaction.set_rollback(True)
            else:
                result.written = True
    except _Rejected:
        result.created = result.updated = result.unchanged = 0
    finally:
        kept.clear()
        if table is not None:
            table.close()
    notify("done", 1.0)
    return result


def _write(kind: ImportKind, batch: list[ParsedRow], context, result: ImportResult) -> int:
    try:
        outcomes = kind.write(batch, context)
    except RowError as error:
        # A rule that only the database can check (e.g. a reference that vanished).
        label = str(kind.column(error.column).label) if error.column else ""
        result.add(Problem(error.row, label, error.message), 1000)
        raise _Rejected from error
    for outcome in outcomes:
        if outcome == Outcome.CREATED:
            result.created += 1
        elif outcome == Outcome.UPDATED:
            result.updated += 1
        else:
            result.unchanged += 1
    return len(batch)

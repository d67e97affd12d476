"""Querysets compiled once with stand-in values, then run with real ones.

Building a queryset and rendering its SQL can cost the ORM more CPU than the
database takes to answer it: a millisecond or more for a lookup by a unique
key, a dozen for a UNION of fifteen sources. That is most of the work of the
reads an order create or a summary rebuild repeats every time. A
`CompiledQuery` builds its queryset once per database (and per `key` the
caller names) with stand-ins in place of the values that change from call to
call: moments, days, ids, texts, or lists of them. Later calls swap the
stand-ins in the compiled parameters for the real values, adapted as the ORM
adapts them, run the same SQL, and hand back what the queryset would: rows
through the ORM's converters, or model instances (with their `select_related`
objects).

Only whole parameters are swapped: a value must reach the SQL as it is (an
exact lookup, `__in`, a comparison), not transformed into another parameter
(a LIKE pattern); compiling refuses a value the SQL does not hold. A stand-in
is a value no real query uses (a moment in 1900, a negative id, a text with
NUL characters).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.db.models import QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler

_FIRST_STAND_IN_DAY = dt.date(1900, 1, 1)
_FIRST_STAND_IN_ID = -7_770_001
_SCALARS = (str, int, dt.date)  # dt.datetime is a dt.date


def _stand_in(value: Any, index: int) -> Any:
    if isinstance(value, dt.datetime):
        return dt.datetime(1900, 1, 1, 0, 0, index + 1, tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return _FIRST_STAND_IN_DAY + dt.timedelta(days=index)
    if isinstance(value, bool):
        raise TypeError("no stand-in for a bool: give the query two shapes (a key)")
    if isinstance(value, int):
        return _FIRST_STAND_IN_ID - index
    if isinstance(value, str):
        return f"\x00stand-in-{index}\x00"
    raise TypeError(f"no stand-in for a {type(value).__name__}")


def _adapted(value: Any, connection: Any) -> Any:
    """The parameter the ORM passes to the database for `value` (a lookup's right-hand side)."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _flat(values: dict[str, Any]) -> list[tuple[str, Any]]:
    """(name, value) of every scalar by name, a list's items each under its name."""
    flat = []
    for name, value in sorted(values.items()):
        items = value if isinstance(value, (list, tuple)) else [value]
        flat += [(name, item) for item in items]
    return flat


def _shape(values: dict[str, Any]) -> tuple[Any, ...]:
    """What the SQL depends on besides the values: their names and the lengths of lists."""
    return tuple(
        (name, len(value) if isinstance(value, (list, tuple)) else None)
        for name, value in sorted(values.items())
    )


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    stand_ins: list[tuple[str, Any]]  # as `_flat` lists the values
    compiler: SQLCompiler
    model: type[models.Model]


class CompiledQuery:
    """The queryset `build(**values)`, compiled once with stand-ins and bound per call.

    `build` takes the changing values as keyword arguments (datetimes, dates,
    ints, texts, or non-empty lists of them) and returns a queryset. It may
    branch on which values it is given (the names given are part of what is
    compiled, as are the lengths of lists), never on the values themselves.
    `key` keeps apart compilations that depend on something else (a setting).
    """

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self._build = build
        self._compiled: dict[Hashable, _Compiled] = {}

    def _compiled_for(self, key: Hashable, values: dict[str, Any]) -> _Compiled:
        compiled_key = (connection.vendor, key, _shape(values))
        found = self._compiled.get(compiled_key)
        if found is None:
            stand_ins = [
                (name, _stand_in(value, index)) for index, (name, value) in enumerate(_flat(values))
            ]
            arguments: dict[str, Any] = {}
            for name, stand_in in stand_ins:
                if isinstance(values[name], (list, tuple)):
                    arguments.setdefault(name, []).append(stand_in)
                else:
                    arguments[name] = stand_in
            queryset = self._build(**arguments)
            compiler = queryset.query.get_compiler(using=queryset.db)
            sql, params = compiler.as_sql()
            missing = {
                name
                for name, stand_in in stand_ins
                if _adapted(stand_in, compiler.connection) not in params
            }
            if missing:
                raise ValueError(f"the SQL does not hold these values whole: {sorted(missing)}")
            found = _Compiled(sql, tuple(params), stand_ins, compiler, queryset.model)
            self._compiled[compiled_key] = found
        return found

    def sql(self, *, key: Hashable = (), **values: Any) -> tuple[str, list[Any]]:
        """SQL and parameters of the queryset for `values`."""
        compiled = self._compiled_for(key, values)
        swap = {
            _adapted(stand_in, connection): _adapted(value, connection)
            for (_name, stand_in), (_same, value) in zip(
                compiled.stand_ins, _flat(values), strict=True
            )
        }
        params = [
            swap.get(param, param)
            if isinstance(param, _SCALARS) and not isinstance(param, bool)
            else param
            for param in compiled.params
        ]
        return compiled.sql, params

    def _fetch(self, key: Hashable, values: dict[str, Any]) -> tuple[_Compiled, list[Any]]:
        compiled = self._compiled_for(key, values)
        sql, params = self.sql(key=key, **values)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        # The ORM's converters (SQLite hands back text and floats where PostgreSQL does not).
        return compiled, list(compiled.compiler.results_iter(results=[fetched]))

    def rows(self, *, key: Hashable = (), **values: Any) -> list[Sequence[Any]]:
        """The rows of the queryset for `values`, in its select order, converted as the ORM does."""
        return self._fetch(key, values)[1]

    def instances(self, *, key: Hashable = (), **values: Any) -> list[models.Model]:
        """The model instances the queryset gives for `values` (``select_related`` ones too)."""
        compiled, rows = self._fetch(key, values)
        compiler = compiled.compiler
        klass_info, select = compiler.klass_info, compiler.select
        first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        attnames = [column[0].target.attname for column in select[first:last]]
        populators = get_related_populators(klass_info, select, compiler.using)
        found = []
        for row in rows:
            instance = compiled.model.from_db(compiler.using, attnames, row[first:last])
            for populator in populators:
                populator.populate(row, instance)
            found.append(instance)
        return found

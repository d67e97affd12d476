"""Querysets compiled once with stand-in values, then run with real ones.

Building a queryset and rendering its SQL can cost the ORM more CPU than the
database takes to answer it (a dozen milliseconds for a UNION of fifteen
sources, or for a few aggregates with filtered counts). A `CompiledQuery`
builds its queryset once per database vendor (and per `key` the caller names)
with stand-ins in place of the values that change from call to call: moments,
days, ids. Later calls swap the stand-ins in the compiled parameters for the
real values, adapted as the ORM would adapt them, and run the same SQL.

Only whole parameters are swapped, never parts of one (a LIKE pattern built
from a value is not a stand-in), and a stand-in is a value no real query uses
(a moment in 1900, a negative id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from typing import Any

from django.db import connection
from django.db.models import QuerySet

_FIRST_STAND_IN_DAY = dt.date(1900, 1, 1)
_FIRST_STAND_IN_ID = -7_770_001


def _stand_in(value: Any, index: int) -> Any:
    if isinstance(value, dt.datetime):
        return dt.datetime(1900, 1, 1, 0, 0, index + 1, tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return _FIRST_STAND_IN_DAY + dt.timedelta(days=index)
    if isinstance(value, int) and not isinstance(value, bool):
        return _FIRST_STAND_IN_ID - index
    raise TypeError(f"no stand-in for a {type(value).__name__}")


def _adapted(value: Any) -> Any:
    """The parameter the ORM passes to the database for `value` (a lookup's right-hand side)."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return connection.ops.adapt_datefield_value(value)
    return value


class CompiledQuery:
    """The SQL of `build(**values)`, compiled once with stand-ins and bound per call.

    `build` takes the changing values as keyword arguments (datetimes, dates or
    ints) and returns a queryset; it must not branch on them.
    """

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self._build = build
        self._compiled: dict[Hashable, tuple[str, tuple[Any, ...], dict[str, Any]]] = {}

    def sql(self, *, key: Hashable = (), **values: Any) -> tuple[str, list[Any]]:
        """SQL and parameters of the queryset for `values`."""
        compiled_key = (connection.vendor, key, tuple(sorted(values)))
        if compiled_key not in self._compiled:
            stand_ins = {
                name: _stand_in(value, index) for index, (name, value) in enumerate(values.items())
            }
            queryset = self._build(**stand_ins)
            sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
            self._compiled[compiled_key] = (sql, tuple(params), stand_ins)
        sql, params, stand_ins = self._compiled[compiled_key]
        swap = {_adapted(stand_ins[name]): _adapted(value) for name, value in values.items()}
        return sql, [_swapped(param, swap) for param in params]

    def rows(self, *, key: Hashable = (), **values: Any) -> list[tuple[Any, ...]]:
        """The rows of the queryset for `values`, as tuples in its select order."""
        sql, params = self.sql(key=key, **values)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


def _swapped(param: Any, swap: dict[Any, Any]) -> Any:
    if isinstance(param, (str, int, dt.date)) and not isinstance(param, bool):
        return swap.get(param, param)
    return param

"""Insert many new rows of one model at once: PostgreSQL ``COPY``, else ``bulk_create``.

``bulk_create`` prepares every value through its field and, on PostgreSQL,
binds each column as an array; for the tens of thousands of rows of an order
import that costs far more than the database's own work. ``COPY`` streams
the values as they are. The primary keys are taken from the table's sequence
first (one query), so the objects come back with their ids exactly as
``bulk_create`` would give them, in the order given.

The values written are the ones ``bulk_create`` writes: ``auto_now`` and
``auto_now_add`` stamps are set through the field, a foreign key set as an
object (saved meanwhile) gives its id, and a field of any type not listed in
``_AS_IS`` is prepared through the field (JSON, arrays ...). Multi-table
children and objects that already have a primary key go to ``bulk_create``.

:func:`insert_rows` takes plain tuples instead of objects, for rows written
by the ten thousand (timeline, ledger) where building model instances would
cost more than writing them. :func:`insert_new_rows` takes tuples of some of
the fields, fills in the rest as a new instance would have them and returns
the new primary keys: for rows whose ids the caller needs (orders, lines).
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, models, router
from django.utils import timezone

# Field types whose Python value psycopg writes just as the field would prepare it
# (choices are str or int enums, which psycopg writes by value).
_AS_IS = (
    models.AutoField,
    models.BigAutoField,
    models.BigIntegerField,
    models.BooleanField,
    models.CharField,
    models.DateField,
    models.DateTimeField,
    models.DecimalField,
    models.IntegerField,
    models.PositiveBigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.TextField,
)


def insert_all(objects: Sequence[models.Model]) -> None:
    """Insert ``objects`` (all new, all of one model) and give each its primary key.

    Takes part in the caller's transaction; a constraint violation raises
    ``IntegrityError`` as ``bulk_create`` would.
    """
    if not objects:
        return
    model = type(objects[0])
    meta = model._meta
    alias = router.db_for_write(model)
    connection = connections[alias]
    if (
        connection.vendor != "postgresql"
        or meta.parents
        or any(obj.pk is not None for obj in objects)
    ):
        model.objects.bulk_create(objects)
        return
    fields = [field for field in meta.concrete_fields if not field.generated]
    getter = operator.attrgetter(*(field.attname for field in fields))
    conversions = [
        (index, convert)
        for index, field in enumerate(fields)
        if (convert := _conversion(field, connection)) is not None
    ]
    pk_index = fields.index(meta.pk)
    with connection.cursor() as cursor:
        ids = _next_ids(cursor, model, len(objects))
        with cursor.copy(_copy_statement(connection, model, fields)) as copy:
            for obj, pk in zip(objects, ids, strict=True):
                obj.pk = pk
                row = list(getter(obj))
                row[pk_index] = pk
                for index, convert in conversions:
                    row[index] = convert(obj, row[index])
                copy.write_row(row)
    for obj in objects:
        obj._state.adding = False
        obj._state.db = alias


def insert_rows(
    model: type[models.Model], *, fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` of ``model``; their primary keys come from the table's default.

    ``fields`` names (by attname: ``order_id``) every concrete field but the
    primary key, each row gives their values as the model would hold them.
    Nothing is filled in: a default or ``auto_now`` is the caller's to give.
    For rows nobody reads back at once (ledger, timeline): the ids are not returned.
    """
    meta = model._meta
    expected = {field.attname for field in meta.concrete_fields if field is not meta.pk}
    if set(fields) != expected or len(fields) != len(expected):
        raise ValueError(f"insert_rows({model.__name__}) needs exactly: {sorted(expected)}")
    if not rows:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in rows])
        return
    by_attname = {field.attname: field for field in meta.concrete_fields}
    prepared = [
        (index, _preparation(by_attname[name], connection))
        for index, name in enumerate(fields)
        if type(by_attname[name]) not in _AS_IS and not by_attname[name].is_relation
    ]
    columns = [by_attname[name] for name in fields]
    with (
        connection.cursor() as cursor,
        cursor.copy(_copy_statement(connection, model, columns)) as copy,
    ):
        if not prepared:
            for row in rows:
                copy.write_row(row)
            return
        for row in rows:
            values = list(row)
            for index, prepare in prepared:
                values[index] = prepare(values[index])
            copy.write_row(values)


def insert_new_rows(
    model: type[models.Model],
    *,
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    with_ids: bool = True,
) -> list[Any]:
    """Insert ``rows`` of ``model`` and return their new primary keys, in the order given.

    ``fields`` names (by attname) some concrete fields; each row gives their
    values as the model would hold them. Every other field but the primary
    key gets what ``model()`` and ``bulk_create`` would give it: its default,
    and the time of the call for ``auto_now`` and ``auto_now_add`` (one time
    for all the rows). Takes part in the caller's transaction; a constraint
    violation raises ``IntegrityError`` as ``bulk_create`` would. With
    ``with_ids=False`` the table's default gives the keys and none are
    returned, which saves asking the sequence for them first.
    """
    meta = model._meta
    by_attname = {field.attname: field for field in meta.concrete_fields}
    unknown = [
        name
        for name in fields
        if name not in by_attname or by_attname[name] is meta.pk or _is_stamp(by_attname[name])
    ]
    if unknown or len(set(fields)) != len(fields) or meta.parents:
        raise ValueError(f"insert_new_rows({model.__name__}) cannot write: {unknown or fields}")
    if not rows:
        return []
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        model.objects.bulk_create(objects)
        return [obj.pk for obj in objects] if with_ids else []
    given = set(fields)
    now = timezone.now()
    rest = [
        field
        for field in meta.concrete_fields
        if field is not meta.pk and field.attname not in given and not field.generated
    ]
    # The other fields' values, prepared once: they are the same on every row.
    filled = tuple(
        _prepared_value(field, connection, now if _is_stamp(field) else field.get_default())
        for field in rest
    )
    columns = [*(by_attname[name] for name in fields), *rest]
    prepared = [
        (index, _preparation(by_attname[name], connection))
        for index, name in enumerate(fields)
        if type(by_attname[name]) not in _AS_IS and not by_attname[name].is_relation
    ]
    with connection.cursor() as cursor:
        if with_ids:
            ids = _next_ids(cursor, model, len(rows))
            columns.insert(0, meta.pk)
            keyed_rows = ((pk, *row) for pk, row in zip(ids, rows, strict=True))
        else:
            ids = []
            keyed_rows = iter(rows)
        offset = 1 if with_ids else 0
        with cursor.copy(_copy_statement(connection, model, columns)) as copy:
            for row in keyed_rows:
                if prepared:
                    row = list(row)
                    for index, prepare in prepared:
                        row[index + offset] = prepare(row[index + offset])
                copy.write_row((*row, *filled))
    return ids


def _is_stamp(field: models.Field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


def _prepared_value(field: models.Field, connection: Any, value: Any) -> Any:
    if type(field) in _AS_IS or field.is_relation:
        return value
    return _preparation(field, connection)(value)


def _next_ids(cursor: Any, model: type[models.Model], count: int) -> list[Any]:
    """``count`` new primary keys from the table's sequence, ascending."""
    meta = model._meta
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
        [cursor.db.ops.quote_name(meta.db_table), meta.pk.column, count],
    )
    return sorted(pk for (pk,) in cursor.fetchall())


def _copy_statement(connection: Any, model: type[models.Model], fields: list) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    return f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"


def _conversion(field: models.Field, connection: Any) -> Callable[[Any, Any], Any] | None:
    """How to turn ``field``'s attribute value into the value written; None: as it is."""
    if field.primary_key:
        return None
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj, _value: field.pre_save(obj, True)
    if field.many_to_one or field.one_to_one:
        return lambda obj, value: value if value is not None else _related_id(field, obj)
    if type(field) in _AS_IS:
        return None
    prepare = _preparation(field, connection)
    return lambda obj, _value: prepare(field.pre_save(obj, True))


def _preparation(field: models.Field, connection: Any) -> Callable[[Any], Any]:
    """The field's own preparation of a value; JSON goes as its text, which COPY reads."""
    if isinstance(field, models.JSONField):
        dumps = functools.partial(json.dumps, cls=field.encoder)
        # Texts by the id of the value (kept alive here, so the id stays its own): a
        # caller writing one object on many rows has it encoded once.
        texts: dict[int, tuple[Any, str]] = {}

        def prepare(value: Any) -> Any:
            # None is SQL NULL, as JSONField.get_db_prep_save has it.
            if value is None:
                return None
            known = texts.get(id(value))
            if known is not None:
                return known[1]
            text = dumps(value)
            texts[id(value)] = (value, text)
            return text

        return prepare
    return functools.partial(_prepare, field, connection)


def _prepare(field: models.Field, connection: Any, value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


def _related_id(field: models.Field, obj: models.Model) -> Any:
    """The id of a related object set before it was saved (as ``save`` picks it up)."""
    if not field.is_cached(obj):
        return None
    related = field.get_cached_value(obj)
    if related is None:
        return None
    if related.pk is None:
        raise ValueError(
            f"{type(obj).__name__}.{field.name} is an unsaved {type(related).__name__}."
        )
    value = getattr(related, field.target_field.attname)
    setattr(obj, field.attname, value)
    return value


def insert_returning_pks(
    objects: Sequence[models.Model], *, skip_conflicts_on: Sequence[str] = ()
) -> None:
    """Insert new ``objects`` of one model in one ``INSERT ... RETURNING`` and give each its id.

    The row ``bulk_create`` (or ``save(force_insert=True)``) writes: every
    value goes through its field's ``pre_save`` (``auto_now`` stamps are set,
    on the object too) and ``get_db_prep_save``; the objects end as saved
    ones. No signals are sent, as with ``bulk_create`` (these models have no
    receivers). Without ``RETURNING`` of several rows it is ``bulk_create``.
    ``skip_conflicts_on`` (fields of a unique constraint; one object): when
    a row with the same values is stored already, nothing is inserted and
    the object keeps no primary key (``ON CONFLICT ... DO NOTHING``), where a
    plain INSERT would abort the transaction.
    Building the statement through the ORM cost more CPU than the database
    spends on it, for the two inserts every order create makes.
    """
    if not objects:
        return
    model = type(objects[0])
    meta = model._meta
    alias = router.db_for_write(model)
    connection = connections[alias]
    if skip_conflicts_on and len(objects) != 1:
        raise ValueError("skip_conflicts_on takes one object.")
    if (
        not connection.features.can_return_rows_from_bulk_insert
        or meta.parents
        or any(obj.pk is not None for obj in objects)
    ):
        model.objects.bulk_create(objects)
        return
    fields = [
        field for field in meta.concrete_fields if field is not meta.pk and not field.generated
    ]
    quote = connection.ops.quote_name
    params = []
    for obj in objects:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        params.extend(
            field.get_db_prep_save(field.pre_save(obj, add=True), connection) for field in fields
        )
    row = f"({', '.join(['%s'] * len(fields))})"
    columns = ", ".join(quote(field.column) for field in fields)
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([row] * len(objects))}"
    if skip_conflicts_on:
        targets = ", ".join(quote(meta.get_field(name).column) for name in skip_conflicts_on)
        sql += f" ON CONFLICT ({targets}) DO NOTHING"
    sql += f" RETURNING {quote(meta.pk.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [pk for (pk,) in cursor.fetchall()]
    if skip_conflicts_on and not ids:
        return
    for obj, pk in zip(objects, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = alias

"""Database helpers the ORM lacks."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

# Field types whose Python values the database drivers take as they are.
_PLAIN = {
    "CharField",
    "TextField",
    "BooleanField",
    "IntegerField",
    "BigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "ForeignKey",
    "OneToOneField",
    "FloatField",
    "AutoField",
    "BigAutoField",
    "BinaryField",  # bytes go to sqlite3 and psycopg as they are
}


def _params(
    fields: Sequence[models.Field], objs: Iterable[Any], *, with_pk: bool
) -> list[list]:
    """Each object's values for `fields` (and its pk), converted for the database.

    Only fields whose values need converting (dates, binaries ...) go through Django's
    get_db_prep_save; on a large import the rest would spend seconds doing nothing.
    """
    names = [f.attname for f in fields] + (["pk"] if with_pk else [])
    getter = attrgetter(*names)
    special = [
        (i, f) for i, f in enumerate(fields) if f.get_internal_type() not in _PLAIN
    ]
    # Many rows share a value (one import's timestamp, common birth dates): convert once.
    memo: dict[tuple[int, Any], Any] = {}
    rows = []
    for obj in objs:
        row = list(getter(obj)) if len(names) > 1 else [getter(obj)]
        for i, f in special:
            value = row[i]
            if isinstance(value, (dict, list)):  # JSON: unhashable, convert each
                row[i] = f.get_db_prep_save(value, connection)
                continue
            key = (i, value)
            if key not in memo:
                memo[key] = f.get_db_prep_save(value, connection)
            row[i] = memo[key]
        rows.append(row)
    return rows


def update_rows(
    model: type[models.Model], fields: Sequence[str], objs: Iterable[Any]
) -> int:
    """Write `fields` of each object by primary key, as one prepared UPDATE run many times.

    Django's bulk_update builds one CASE expression per field over the whole batch, which
    costs seconds for a few thousand rows; an executemany of a plain UPDATE costs
    milliseconds on SQLite and PostgreSQL alike.
    """
    meta = model._meta
    concrete = [meta.get_field(f) for f in fields]
    quote = connection.ops.quote_name
    # Only model metadata is interpolated (quoted names), never values: those are params.
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
        quote(meta.db_table),
        ", ".join(f"{quote(f.column)} = %s" for f in concrete),
        quote(meta.pk.column),
    )
    params = _params(concrete, objs, with_pk=True)
    if not params:
        return 0
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)


def insert_rows(
    model: type[models.Model], fields: Sequence[str], objs: Iterable[Any]
) -> int:
    """Insert objects in multi-row INSERT statements; their ids are not read back.

    A few hundred rows per statement: PostgreSQL then parses and plans once per batch
    instead of once per row, and both databases stay far below their parameter limits.
    """
    meta = model._meta
    concrete = [meta.get_field(f) for f in fields]
    quote = connection.ops.quote_name
    params = _params(concrete, objs, with_pk=False)
    if connection.vendor == "postgresql" and params:
        # COPY is PostgreSQL's bulk path: no per-row parse, bind or plan.
        columns = ", ".join(quote(f.column) for f in concrete)
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(
                f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
            ) as copy:
                for row in params:
                    copy.write_row(row)
        return len(params)
    row_sql = "(" + ", ".join(["%s"] * len(concrete)) + ")"
    batch = max(1, min(500, 30000 // len(concrete)))
    with connection.cursor() as cursor:
        for start in range(0, len(params), batch):
            rows = params[start : start + batch]
            # Only model metadata is interpolated (quoted names), never values.
            sql = "INSERT INTO {} ({}) VALUES {}".format(  # noqa: S608
                quote(meta.db_table),
                ", ".join(quote(f.column) for f in concrete),
                ", ".join([row_sql] * len(rows)),
            )
            cursor.execute(sql, [v for row in rows for v in row])
    return len(params)


@functools.cache
def _insert_statement(
    model: type[models.Model], vendor: str
) -> tuple[tuple[models.Field, ...], str]:
    """The columns and the INSERT ... RETURNING of a model, built once per process."""
    meta = model._meta
    fields = tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field)
    quote = connection.ops.quote_name
    # Only model metadata is interpolated (quoted names), never values.
    sql = "INSERT INTO {} ({}) VALUES ({}) RETURNING {}".format(  # noqa: S608
        quote(meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
        quote(meta.pk.column),
    )
    return fields, sql


def insert_one(obj: models.Model) -> models.Model:
    """Insert one new instance and set its primary key, as `save(force_insert=True)`.

    For the busiest writes (a case and its timeline at intake): Django's save walks
    signals, parents and a freshly compiled statement on every call; this runs one
    statement built once per model, with each field's own pre-save and conversion (so
    auto_now and JSON behave as under save). No signals are sent: use it only for
    models that have no receivers.
    """
    fields, sql = _insert_statement(type(obj), connection.vendor)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj


# --- hand-written reads on hot paths ------------------------------------------------
# The ORM spends ~1-2 ms of CPU compiling a select_related query and building its
# objects; the handful of reads every API call makes (token, grants, the household)
# run as plain SQL over these helpers instead, still yielding model instances.


@functools.cache
def _shape(
    model: type[models.Model], wrapper: Any
) -> tuple[tuple[str, ...], tuple[tuple[int, tuple[Any, ...], Any], ...]]:
    """A model's concrete attribute names and, per column, the converters Django
    applies to a value read from this connection (e.g. SQLite's text datetimes).

    Keyed by the connection object: each thread has its own, and a converter is a
    method of its connection's operations."""
    fields = model._meta.concrete_fields
    converting = []
    for i, field in enumerate(fields):
        col = field.get_col(model._meta.db_table)
        found = tuple(
            wrapper.ops.get_db_converters(col) + field.get_db_converters(wrapper)
        )
        if found:
            converting.append((i, found, col))
    return tuple(f.attname for f in fields), tuple(converting)


@functools.cache
def select_list(model: type[models.Model], alias: str) -> str:
    """The quoted columns of `model` under table alias `alias`, in hydrate() order."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


def hydrate(model: type[models.Model], values: Sequence[Any]) -> Any:
    """A model instance from a row read with select_list(model, ...)."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    names, converting = _shape(model, wrapper)
    row = list(values)
    for i, converters, col in converting:
        for converter in converters:
            row[i] = converter(row[i], col, wrapper)
    return model.from_db(connection.alias, names, row)


def fetch_models(
    sql: str, params: Sequence[Any], *models: type[models.Model]
) -> tuple[Any, ...] | None:
    """The first row of `sql`, which selects select_list(m, ...) of each of `models`
    in turn, as one instance per model (None for a left join that found nothing);
    None when there is no row."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    found, start = [], 0
    for model in models:
        end = start + len(model._meta.concrete_fields)
        values = row[start:end]
        pk = values[model._meta.concrete_fields.index(model._meta.pk)]
        found.append(None if pk is None else hydrate(model, values))
        start = end
    return tuple(found)

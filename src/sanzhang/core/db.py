"""Database helpers the ORM lacks."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from operator import attrgetter
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction

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
    params = _insert_values(obj, fields)
    with hot_cursor() as cursor:
        cursor.execute(sql, params)
        _mark_saved(obj, cursor.fetchone()[0])
    return obj


def _insert_values(obj: models.Model, fields: Sequence[models.Field]) -> list[Any]:
    """A new instance's values for `fields`, as save() would write them (auto_now,
    JSON and UUID conversions included)."""
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


@functools.cache
def _link_field(child: type[models.Model], parent: type[models.Model]) -> models.Field:
    """The one foreign key of `child` that points at `parent`."""
    found = [
        f
        for f in child._meta.local_concrete_fields
        if f.is_relation and f.related_model is parent
    ]
    if len(found) != 1:
        raise ValueError(f"{child.__name__} needs exactly one key to {parent.__name__}")
    return found[0]


@functools.cache
def _family_statement(
    parent: type[models.Model], children: tuple[tuple[type[models.Model], int], ...]
) -> tuple[str, tuple[tuple[models.Field, ...], ...]]:
    """PostgreSQL's one-statement INSERT of a row and rows that point at it: one
    data-modifying CTE per child model (`count` rows), each taking the parent's new id
    from the first CTE. Returns the statement and, per CTE, the fields to bind."""
    quote = connection.ops.quote_name
    pk = quote(parent._meta.pk.column)
    parent_fields, parent_insert = _insert_statement(parent, connection.vendor)
    parts = [f"p AS ({parent_insert})"]
    shapes = [parent_fields]
    ids = [f"(SELECT {pk} FROM p)"]  # noqa: S608
    for n, (child, count) in enumerate(children):
        link = _link_field(child, parent)
        meta = child._meta
        fields = tuple(
            f for f in meta.local_concrete_fields if f is not meta.auto_field
        )
        row = "({})".format(
            ", ".join(f"(SELECT {pk} FROM p)" if f is link else "%s" for f in fields)  # noqa: S608
        )
        child_pk = quote(meta.pk.column)
        # Only model metadata is interpolated (quoted names), never values.
        parts.append(
            "c{} AS (INSERT INTO {} ({}) VALUES {} RETURNING {})".format(  # noqa: S608
                n,
                quote(meta.db_table),
                ", ".join(quote(f.column) for f in fields),
                ", ".join([row] * count),
                child_pk,
            )
        )
        shapes.append(tuple(f for f in fields if f is not link))
        # The rows of one VALUES list take their ids in list order.
        ids.append(f"(SELECT array_agg({child_pk} ORDER BY {child_pk}) FROM c{n})")  # noqa: S608
    return f"WITH {', '.join(parts)} SELECT {', '.join(ids)}", tuple(shapes)


def insert_family(parent: models.Model, children: Sequence[models.Model]) -> None:
    """Insert `parent` and `children` (new rows with a foreign key to it), all or none,
    and set every primary key, as insert_one would one by one in this order.

    On PostgreSQL this is one statement (data-modifying CTEs), so it needs neither a
    transaction of its own nor a round trip per row: intake writes a case with its
    household link and first events this way. Elsewhere it runs insert_one per row
    inside a transaction.
    """
    link = {type(c): _link_field(type(c), type(parent)).name for c in children}
    if connection.vendor != "postgresql":
        with transaction.atomic():
            insert_one(parent)
            for child in children:
                setattr(child, link[type(child)], parent)
                insert_one(child)
        return
    groups: dict[type[models.Model], list[models.Model]] = {}
    for child in children:
        groups.setdefault(type(child), []).append(child)
    shape_key = tuple((model, len(rows)) for model, rows in groups.items())
    sql, shapes = _family_statement(type(parent), shape_key)
    params = _insert_values(parent, shapes[0])
    for rows, fields in zip(groups.values(), shapes[1:], strict=True):
        for obj in rows:
            params += _insert_values(obj, fields)
    # Inside a caller's transaction a failed statement would abort all of it: a
    # savepoint keeps a refused insert (a repeated client key) recoverable there.
    guard = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with guard, hot_cursor() as cursor:
        cursor.execute(sql, params)
        parent_id, *child_ids = cursor.fetchone()
    _mark_saved(parent, parent_id)
    for rows, pks in zip(groups.values(), child_ids, strict=True):
        for obj, pk in zip(rows, pks, strict=True):
            setattr(obj, link[type(obj)], parent)
            _mark_saved(obj, pk)


def _mark_saved(obj: models.Model, pk: Any) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias


@functools.cache
def _hot_cursor_class() -> type:
    """Django's server-binding psycopg cursor, converting each statement's placeholders
    once per process.

    psycopg caches that conversion only for statements of up to 50 parameters; the
    intake insert has about 90, and converting it took 0.6 ms of every intake. The
    statements run here are a fixed handful built from model metadata, so a small
    cache holds them all. (Leans on psycopg's query class, pinned in pyproject.toml;
    tests/core cover it.)
    """
    from django.db.backends.postgresql.base import ServerBindingCursor
    from psycopg import _queries

    convert_once = functools.lru_cache(maxsize=64)(_queries._query2pg_nocache)

    class HotQuery(_queries.PostgresQuery):
        def convert(self, query: Any, vars: Any) -> None:
            if vars is None or not isinstance(query, str):
                super().convert(query, vars)
                return
            encoding = self._tx.encoding
            self.query, self._want_formats, self._order, self._parts = convert_once(
                query.encode(encoding), encoding
            )
            self.dump(vars)

    class HotCursor(ServerBindingCursor):
        _query_cls = HotQuery

    return HotCursor


# --- statements every request runs ----------------------------------------------------
@contextmanager
def hot_cursor() -> Iterator[Any]:
    """A cursor for the handful of statements nearly every request runs (the token,
    the grants, the household, the intake insert).

    Django binds parameters on the client, so PostgreSQL parses and plans each statement
    anew: planning the grants query took 0.3 ms against 0.09 ms to run it. This cursor
    binds on the server, so psycopg prepares a statement after its fifth run on a
    connection and PostgreSQL plans it once. It is still Django's cursor wrapper (error
    translation, query logging); on other databases it is the ordinary cursor.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = _hot_cursor_class()(connection.connection)
    cursor = connection._prepare_cursor(raw)  # Django's own wrapping, as cursor() does
    try:
        yield cursor
    finally:
        cursor.close()


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
    with hot_cursor() as cursor:
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

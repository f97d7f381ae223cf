"""Database helpers the ORM lacks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any

from django.db import connection, models

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

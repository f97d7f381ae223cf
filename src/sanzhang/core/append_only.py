"""Tables whose rows may be added but never changed or removed, enforced by the database.

The audit log and each case's timeline are the record of who did what; a bug or a hand
with a SQL prompt must not be able to rewrite them. Triggers refuse UPDATE and DELETE
(and, on PostgreSQL, TRUNCATE, which skips row triggers). Tests that empty the database
lift them for the flush with `unlock_all` and put them back with `lock_all`.
"""

from __future__ import annotations

from typing import Any

# Every append-only table; a migration installs each one's triggers.
TABLES: tuple[str, ...] = ("core_auditevent", "cases_caseevent")

_PG_FUNCTION = """CREATE OR REPLACE FUNCTION sanzhang_refuse_change() RETURNS trigger
   LANGUAGE plpgsql AS $$
   BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$;"""


def _sqlite_lock(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
           BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;""",
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
           BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;""",
    ]


def _pg_lock(table: str) -> list[str]:
    return [
        _PG_FUNCTION,
        f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};",
        f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
           FOR EACH ROW EXECUTE FUNCTION sanzhang_refuse_change();""",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
           FOR EACH STATEMENT EXECUTE FUNCTION sanzhang_refuse_change();""",
    ]


def _unlock_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
            f"DROP TRIGGER IF EXISTS {table}_no_change ON {table};",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update;",
        f"DROP TRIGGER IF EXISTS {table}_no_delete;",
    ]


def lock(connection: Any, table: str) -> None:
    """Install the triggers on `table` (idempotent)."""
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for sql in _pg_lock(table) if pg else _sqlite_lock(table):
            cursor.execute(sql)


def unlock(connection: Any, table: str) -> None:
    with connection.cursor() as cursor:
        for sql in _unlock_sql(connection.vendor, table):
            cursor.execute(sql)


def lock_all(connection: Any) -> None:
    for table in TABLES:
        lock(connection, table)


def unlock_all(connection: Any) -> None:
    for table in TABLES:
        unlock(connection, table)

"""The visits rollup (models.VisitDay): its triggers, its refill, and whether it can be
trusted.

Counting a county's year of visits (2M rows) per township read every visit row: 3 s
on SQLite. The rollup holds one row per (township, village, day), kept by triggers on
visits_visit in the same statement as each insert, update or delete (and a TRUNCATE on
PostgreSQL), so it is exact at every commit. reports.grouped reads it only while
`ready()` finds the triggers: SQLite drops a table's triggers when a migration
rebuilds the table (cases lost its search triggers that way), and then the reports
count the visits themselves until `sanzhang reports_rollup` puts the triggers back and
refills the rollup.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

# The SQL below is built from the constant names here only (S608: no outside input).

TABLE = "reports_visitday"
SOURCE = "visits_visit"
KEY = "township_id, village_id, day"

SQLITE_TRIGGERS = ("reports_visitday_ai", "reports_visitday_ad", "reports_visitday_au")
PG_TRIGGERS = ("reports_visitday_row", "reports_visitday_truncate")


def _where(row: str) -> str:
    return (
        f"township_id = COALESCE({row}.township_id, 0)"
        f" AND village_id = COALESCE({row}.village_id, 0)"
        f" AND day = {row}.visited_on"
    )


def _sqlite_add(row: str, sign: str) -> str:
    return (
        f"UPDATE {TABLE} SET visits = visits {sign} 1,"  # noqa: S608
        f" people_served = people_served {sign} {row}.people_served"
        f" WHERE {_where(row)};"
    )


def _sqlite_key(row: str) -> str:
    return (
        f"INSERT OR IGNORE INTO {TABLE} ({KEY}, visits, people_served) VALUES"  # noqa: S608
        f" (COALESCE({row}.township_id, 0), COALESCE({row}.village_id, 0),"
        f" {row}.visited_on, 0, 0);"
    )


def sqlite_sql() -> list[str]:
    ai, ad, au = SQLITE_TRIGGERS
    cols = "township_id, village_id, visited_on, people_served"
    return [
        *(f"DROP TRIGGER IF EXISTS {t};" for t in SQLITE_TRIGGERS),
        f"""CREATE TRIGGER {ai} AFTER INSERT ON {SOURCE} BEGIN
            {_sqlite_key("NEW")} {_sqlite_add("NEW", "+")} END;""",
        f"""CREATE TRIGGER {ad} AFTER DELETE ON {SOURCE} BEGIN
            {_sqlite_add("OLD", "-")} END;""",
        f"""CREATE TRIGGER {au} AFTER UPDATE OF {cols} ON {SOURCE} BEGIN
            {_sqlite_add("OLD", "-")} {_sqlite_key("NEW")} {_sqlite_add("NEW", "+")}
            END;""",
    ]


def pg_sql() -> list[str]:
    row, trunc = PG_TRIGGERS
    return [
        f"""CREATE OR REPLACE FUNCTION reports_visitday_apply() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE {TABLE} SET visits = visits - 1,
                   people_served = people_served - OLD.people_served
             WHERE {_where("OLD")};
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO {TABLE} ({KEY}, visits, people_served)
            VALUES (COALESCE(NEW.township_id, 0), COALESCE(NEW.village_id, 0),
                    NEW.visited_on, 1, NEW.people_served)
            ON CONFLICT ({KEY}) DO UPDATE
               SET visits = {TABLE}.visits + 1,
                   people_served = {TABLE}.people_served + EXCLUDED.people_served;
          END IF;
          RETURN NULL;
        END; $$;""",  # noqa: S608
        f"""CREATE OR REPLACE FUNCTION reports_visitday_empty() RETURNS trigger
        LANGUAGE plpgsql AS $$ BEGIN DELETE FROM {TABLE}; RETURN NULL; END; $$;""",  # noqa: S608
        f"DROP TRIGGER IF EXISTS {row} ON {SOURCE};",
        f"""CREATE TRIGGER {row} AFTER INSERT OR DELETE
            OR UPDATE OF township_id, village_id, visited_on, people_served
            ON {SOURCE} FOR EACH ROW EXECUTE FUNCTION reports_visitday_apply();""",
        f"DROP TRIGGER IF EXISTS {trunc} ON {SOURCE};",
        f"""CREATE TRIGGER {trunc} AFTER TRUNCATE ON {SOURCE}
            FOR EACH STATEMENT EXECUTE FUNCTION reports_visitday_empty();""",
    ]


REFILL = [
    f"DELETE FROM {TABLE};",  # noqa: S608
    f"""INSERT INTO {TABLE} ({KEY}, visits, people_served)
        SELECT COALESCE(township_id, 0), COALESCE(village_id, 0), visited_on,
               COUNT(*), COALESCE(SUM(people_served), 0)
          FROM {SOURCE} GROUP BY 1, 2, 3;""",  # noqa: S608
]


def install(conn: Any = None) -> None:
    """(Re)create the triggers and refill the rollup from the visits, in one
    transaction (the visits table is locked for writes meanwhile)."""
    conn = conn or connection
    statements = pg_sql() if conn.vendor == "postgresql" else sqlite_sql()
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {SOURCE} IN SHARE ROW EXCLUSIVE MODE")
        for sql in statements + REFILL:
            cursor.execute(sql)


def uninstall(conn: Any = None) -> None:
    conn = conn or connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            for t in PG_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {t} ON {SOURCE}")
        else:
            for t in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {t}")


def ready(conn: Any = None) -> bool:
    """Are all the rollup's triggers in place (and enabled)? One catalogue read."""
    conn = conn or connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = ANY(%s)"
                " AND tgrelid = to_regclass(%s) AND tgenabled <> 'D'",
                [list(PG_TRIGGERS), SOURCE],
            )
            want = len(PG_TRIGGERS)
        else:
            names = ", ".join("%s" for _t in SQLITE_TRIGGERS)
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"  # noqa: S608
                f" AND tbl_name = %s AND name IN ({names})",
                [SOURCE, *SQLITE_TRIGGERS],
            )
            want = len(SQLITE_TRIGGERS)
        return cursor.fetchone()[0] == want

"""The rollups (models.VisitDay, models.RelayCount): their triggers, their refill, and
whether they can be trusted.

Counting a county's year of visits (2M rows) per township read every visit row: 3 s
on SQLite; its notice relays (a row per household and notice, 1.4-2M a year) 0.7-1 s.
Each rollup holds a few rows per village (visits: per day; relays: per notice), kept
by triggers on the source table in the same statement as each insert, update or
delete (and a TRUNCATE on PostgreSQL), so it is exact at every commit.
reports.grouped reads a rollup only while `ready()` finds its triggers: SQLite drops a
table's triggers when a migration rebuilds the table (cases lost its search triggers
that way), and then the reports count the source rows themselves until
`sanzhang reports_rollup` puts the triggers back and refills the rollups.

Triggers per row, except the relays' on PostgreSQL: a county notice writes 200,000
relays in one statement, and a row trigger (an upsert each) would cost PostgreSQL
seconds; statement triggers with transition tables add each statement's rows up by
(notice, village) once. SQLite has only row triggers: ~6 µs a relay row (a county
send 200,420 rows: ~1.2 s more on a 5 s send, the target there being 10 s).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

# The SQL below is built from the constant names here only (S608: no outside input).


@dataclass(frozen=True)
class Rollup:
    name: str
    table: str
    source: str
    sqlite_triggers: tuple[str, ...]
    pg_triggers: tuple[str, ...]
    sqlite_sql: Callable[[], list[str]]
    pg_sql: Callable[[], list[str]]
    refill: Callable[[str], tuple[str, ...]]  # the database vendor -> statements


def _pg_truncate(table: str, source: str, trigger: str) -> list[str]:
    """PostgreSQL: a TRUNCATE of the source (no row triggers fire) empties the rollup."""
    return [
        f"""CREATE OR REPLACE FUNCTION {table}_empty() RETURNS trigger
        LANGUAGE plpgsql AS $$ BEGIN DELETE FROM {table}; RETURN NULL; END; $$;""",  # noqa: S608
        f"DROP TRIGGER IF EXISTS {trigger} ON {source};",
        f"""CREATE TRIGGER {trigger} AFTER TRUNCATE ON {source}
            FOR EACH STATEMENT EXECUTE FUNCTION {table}_empty();""",
    ]


# --- visits: one row per (township, village, day) -----------------------------------
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
        f"DROP TRIGGER IF EXISTS {row} ON {SOURCE};",
        f"""CREATE TRIGGER {row} AFTER INSERT OR DELETE
            OR UPDATE OF township_id, village_id, visited_on, people_served
            ON {SOURCE} FOR EACH ROW EXECUTE FUNCTION reports_visitday_apply();""",
        *_pg_truncate(TABLE, SOURCE, trunc),
    ]


REFILL = (
    f"DELETE FROM {TABLE};",  # noqa: S608
    f"""INSERT INTO {TABLE} ({KEY}, visits, people_served)
        SELECT COALESCE(township_id, 0), COALESCE(village_id, 0), visited_on,
               COUNT(*), COALESCE(SUM(people_served), 0)
          FROM {SOURCE} GROUP BY 1, 2, 3;""",  # noqa: S608
)

VISITS = Rollup(
    "visits", TABLE, SOURCE, SQLITE_TRIGGERS, PG_TRIGGERS, sqlite_sql, pg_sql,
    lambda vendor: REFILL,
)  # fmt: skip


# --- notice relays: one row per (notice, township, village) -------------------------
R_TABLE = "reports_relaycount"
R_SOURCE = "notices_noticerelay"
R_KEY = "notice_id, township_id, village_id"
R_SQLITE_TRIGGERS = (
    "reports_relaycount_ai",
    "reports_relaycount_ad",
    "reports_relaycount_au",
)
R_PG_TRIGGERS = (
    "reports_relaycount_ins",
    "reports_relaycount_del",
    "reports_relaycount_upd",
    "reports_relaycount_truncate",
)


def _r_key(row: str) -> str:
    return (
        f"{row}.notice_id, COALESCE({row}.township_id, 0),"
        f" COALESCE({row}.village_id, 0)"
    )


def _r_upsert(values: str) -> str:
    """Add (relays, relayed) to the key's row, made if missing. `values`: a VALUES
    list or a SELECT (SQLite needs a WHERE in an upsert's SELECT)."""
    return (
        f"INSERT INTO {R_TABLE} ({R_KEY}, relays, relayed) {values}"  # noqa: S608
        f" ON CONFLICT ({R_KEY}) DO UPDATE"
        f" SET relays = {R_TABLE}.relays + excluded.relays,"
        f" relayed = {R_TABLE}.relayed + excluded.relayed"
    )


def _r_sqlite_sub(row: str) -> str:
    return (
        f"UPDATE {R_TABLE} SET relays = relays - 1,"  # noqa: S608
        f" relayed = relayed - ({row}.relayed_at IS NOT NULL)"
        f" WHERE notice_id = {row}.notice_id"
        f" AND township_id = COALESCE({row}.township_id, 0)"
        f" AND village_id = COALESCE({row}.village_id, 0);"
    )


def _r_sqlite_add(row: str) -> str:
    return _r_upsert(f"VALUES ({_r_key(row)}, 1, {row}.relayed_at IS NOT NULL)") + ";"


def relays_sqlite_sql() -> list[str]:
    ai, ad, au = R_SQLITE_TRIGGERS
    cols = "notice_id, township_id, village_id, relayed_at"
    return [
        *(f"DROP TRIGGER IF EXISTS {t};" for t in R_SQLITE_TRIGGERS),
        f"""CREATE TRIGGER {ai} AFTER INSERT ON {R_SOURCE} BEGIN
            {_r_sqlite_add("NEW")} END;""",
        f"""CREATE TRIGGER {ad} AFTER DELETE ON {R_SOURCE} BEGIN
            {_r_sqlite_sub("OLD")} END;""",
        f"""CREATE TRIGGER {au} AFTER UPDATE OF {cols} ON {R_SOURCE} BEGIN
            {_r_sqlite_sub("OLD")} {_r_sqlite_add("NEW")} END;""",
    ]


def _r_rows(table: str, sign: str = "") -> str:
    """One signed (key, 1, relayed?) row per relay row of a transition table."""
    return (
        f"SELECT {_r_key(table)}, {sign}1 AS n,"  # noqa: S608
        f" {sign}(({table}.relayed_at IS NOT NULL)::int) AS r FROM {table}"
    )


def _r_delta(*parts: str) -> str:
    """The rows' signed counts added up per key (in key order, so two statements
    lock the rollup's rows in the same order); keys whose counts cancel are left."""
    union = " UNION ALL ".join(parts)
    return (
        f"SELECT notice_id, township_id, village_id, SUM(n), SUM(r)"  # noqa: S608
        f" FROM ({union}) AS d(notice_id, township_id, village_id, n, r)"
        f" GROUP BY 1, 2, 3 HAVING SUM(n) <> 0 OR SUM(r) <> 0 ORDER BY 1, 2, 3"
    )


def relays_pg_sql() -> list[str]:
    ins, dele, upd, trunc = R_PG_TRIGGERS
    return [
        f"""CREATE OR REPLACE FUNCTION reports_relaycount_apply() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            {_r_upsert(_r_delta(_r_rows("new_rows")))};
          ELSIF TG_OP = 'DELETE' THEN
            {_r_upsert(_r_delta(_r_rows("old_rows", "-")))};
          ELSE
            {_r_upsert(_r_delta(_r_rows("new_rows"), _r_rows("old_rows", "-")))};
          END IF;
          RETURN NULL;
        END; $$;""",
        *(f"DROP TRIGGER IF EXISTS {t} ON {R_SOURCE};" for t in R_PG_TRIGGERS),
        f"""CREATE TRIGGER {ins} AFTER INSERT ON {R_SOURCE}
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
            EXECUTE FUNCTION reports_relaycount_apply();""",
        f"""CREATE TRIGGER {dele} AFTER DELETE ON {R_SOURCE}
            REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
            EXECUTE FUNCTION reports_relaycount_apply();""",
        # No column list: PostgreSQL refuses one on a trigger with transition tables.
        f"""CREATE TRIGGER {upd} AFTER UPDATE ON {R_SOURCE}
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION reports_relaycount_apply();""",
        *_pg_truncate(R_TABLE, R_SOURCE, trunc),
    ]


RELAYS = Rollup(
    "relays",
    R_TABLE,
    R_SOURCE,
    R_SQLITE_TRIGGERS,
    R_PG_TRIGGERS,
    relays_sqlite_sql,
    relays_pg_sql,
    lambda vendor: (
        f"DELETE FROM {R_TABLE};",  # noqa: S608
        f"""INSERT INTO {R_TABLE} ({R_KEY}, relays, relayed)
            SELECT notice_id, COALESCE(township_id, 0), COALESCE(village_id, 0),
                   COUNT(*), COUNT(relayed_at)
              FROM {R_SOURCE} GROUP BY 1, 2, 3;""",  # noqa: S608
    ),
)

# --- households' visit years: one row per (household, calendar year) ----------------
H_TABLE = "reports_householdyear"
H_KEY = "household_id, year"
H_SQLITE_TRIGGERS = (
    "reports_householdyear_ai",
    "reports_householdyear_ad",
    "reports_householdyear_au",
)
H_PG_TRIGGERS = ("reports_householdyear_row", "reports_householdyear_truncate")


def _h_sqlite_year(row: str) -> str:
    return f"CAST(strftime('%Y', {row}.visited_on) AS INTEGER)"


def _h_sqlite_add(row: str) -> str:
    return (
        f"INSERT INTO {H_TABLE} ({H_KEY}, first_on, last_on) VALUES"  # noqa: S608
        f" ({row}.household_id, {_h_sqlite_year(row)}, {row}.visited_on,"
        f" {row}.visited_on) ON CONFLICT ({H_KEY}) DO UPDATE"
        f" SET first_on = MIN(COALESCE(first_on, excluded.first_on), excluded.first_on),"
        f" last_on = MAX(COALESCE(last_on, excluded.last_on), excluded.last_on);"
    )


def _h_recount(row: str, year: str, lo: str, hi: str) -> str:
    """The (household, year) row of `row` worked out again from the visits left (a
    delete, or a visit moved away): two seeks on the (household, visited_on) index;
    the row goes when no visit is left."""
    visits = (
        f"FROM {SOURCE} v WHERE v.household_id = {row}.household_id"
        f" AND v.visited_on >= {lo} AND v.visited_on < {hi}"
    )
    where = f"household_id = {row}.household_id AND year = {year}"
    return (
        f"UPDATE {H_TABLE} SET first_on = (SELECT MIN(v.visited_on) {visits}),"  # noqa: S608
        f" last_on = (SELECT MAX(v.visited_on) {visits}) WHERE {where};"
        f" DELETE FROM {H_TABLE} WHERE {where} AND first_on IS NULL;"  # noqa: S608
    )


def _h_sqlite_sub(row: str) -> str:
    return _h_recount(
        row,
        _h_sqlite_year(row),
        f"date({row}.visited_on, 'start of year')",
        f"date({row}.visited_on, 'start of year', '+1 year')",
    )


def households_sqlite_sql() -> list[str]:
    ai, ad, au = H_SQLITE_TRIGGERS
    return [
        *(f"DROP TRIGGER IF EXISTS {t};" for t in H_SQLITE_TRIGGERS),
        f"""CREATE TRIGGER {ai} AFTER INSERT ON {SOURCE} BEGIN
            {_h_sqlite_add("NEW")} END;""",
        f"""CREATE TRIGGER {ad} AFTER DELETE ON {SOURCE} BEGIN
            {_h_sqlite_sub("OLD")} END;""",
        f"""CREATE TRIGGER {au} AFTER UPDATE OF household_id, visited_on ON {SOURCE}
            BEGIN {_h_sqlite_sub("OLD")} {_h_sqlite_add("NEW")} END;""",
    ]


def households_pg_sql() -> list[str]:
    row, trunc = H_PG_TRIGGERS
    year = "EXTRACT(YEAR FROM {r}.visited_on)::int"
    lo = "date_trunc('year', OLD.visited_on)::date"
    recount = _h_recount(
        "OLD", year.format(r="OLD"), lo, f"({lo} + interval '1 year')::date"
    )
    return [
        f"""CREATE OR REPLACE FUNCTION reports_householdyear_apply() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            {recount}
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO {H_TABLE} ({H_KEY}, first_on, last_on)
            VALUES (NEW.household_id, {year.format(r="NEW")}, NEW.visited_on,
                    NEW.visited_on)
            ON CONFLICT ({H_KEY}) DO UPDATE
               SET first_on = LEAST({H_TABLE}.first_on, EXCLUDED.first_on),
                   last_on = GREATEST({H_TABLE}.last_on, EXCLUDED.last_on);
          END IF;
          RETURN NULL;
        END; $$;""",  # noqa: S608
        f"DROP TRIGGER IF EXISTS {row} ON {SOURCE};",
        f"""CREATE TRIGGER {row} AFTER INSERT OR DELETE
            OR UPDATE OF household_id, visited_on
            ON {SOURCE} FOR EACH ROW EXECUTE FUNCTION reports_householdyear_apply();""",
        *_pg_truncate(H_TABLE, SOURCE, trunc),
    ]


def _h_refill(vendor: str) -> tuple[str, ...]:
    year = (
        f"EXTRACT(YEAR FROM {SOURCE}.visited_on)::int"
        if vendor == "postgresql"
        else _h_sqlite_year(SOURCE)
    )
    return (
        f"DELETE FROM {H_TABLE};",  # noqa: S608
        f"""INSERT INTO {H_TABLE} ({H_KEY}, first_on, last_on)
            SELECT household_id, {year}, MIN(visited_on), MAX(visited_on)
              FROM {SOURCE} GROUP BY 1, 2;""",  # noqa: S608
    )


HOUSEHOLD_YEARS = Rollup(
    "household_years",
    H_TABLE,
    SOURCE,
    H_SQLITE_TRIGGERS,
    H_PG_TRIGGERS,
    households_sqlite_sql,
    households_pg_sql,
    _h_refill,
)


# --- volunteer hours: one row per activity -----------------------------------------
A_TABLE = "reports_activityhours"
A_SOURCE = "activities_attendance"
A_SQLITE_TRIGGERS = (
    "reports_activityhours_ai",
    "reports_activityhours_ad",
    "reports_activityhours_au",
)
A_PG_TRIGGERS = ("reports_activityhours_row", "reports_activityhours_truncate")


def _a_add(row: str) -> str:
    return (
        f"INSERT INTO {A_TABLE} (activity_id, hours) VALUES"  # noqa: S608
        f" ({row}.activity_id, {row}.hours) ON CONFLICT (activity_id) DO UPDATE"
        f" SET hours = {A_TABLE}.hours + excluded.hours;"
    )


def _a_sub(row: str) -> str:
    return (
        f"UPDATE {A_TABLE} SET hours = hours - {row}.hours"  # noqa: S608
        f" WHERE activity_id = {row}.activity_id;"
    )


def activity_hours_sqlite_sql() -> list[str]:
    ai, ad, au = A_SQLITE_TRIGGERS
    return [
        *(f"DROP TRIGGER IF EXISTS {t};" for t in A_SQLITE_TRIGGERS),
        f"CREATE TRIGGER {ai} AFTER INSERT ON {A_SOURCE} BEGIN {_a_add('NEW')} END;",
        f"CREATE TRIGGER {ad} AFTER DELETE ON {A_SOURCE} BEGIN {_a_sub('OLD')} END;",
        f"""CREATE TRIGGER {au} AFTER UPDATE OF activity_id, hours ON {A_SOURCE}
            BEGIN {_a_sub("OLD")} {_a_add("NEW")} END;""",
    ]


def activity_hours_pg_sql() -> list[str]:
    row, trunc = A_PG_TRIGGERS
    return [
        f"""CREATE OR REPLACE FUNCTION reports_activityhours_apply() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN {_a_sub("OLD")} END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN {_a_add("NEW")} END IF;
          RETURN NULL;
        END; $$;""",
        f"DROP TRIGGER IF EXISTS {row} ON {A_SOURCE};",
        f"""CREATE TRIGGER {row} AFTER INSERT OR DELETE OR UPDATE OF activity_id, hours
            ON {A_SOURCE} FOR EACH ROW EXECUTE FUNCTION reports_activityhours_apply();""",
        *_pg_truncate(A_TABLE, A_SOURCE, trunc),
    ]


ACTIVITY_HOURS = Rollup(
    "activity_hours",
    A_TABLE,
    A_SOURCE,
    A_SQLITE_TRIGGERS,
    A_PG_TRIGGERS,
    activity_hours_sqlite_sql,
    activity_hours_pg_sql,
    lambda vendor: (
        f"DELETE FROM {A_TABLE};",  # noqa: S608
        f"""INSERT INTO {A_TABLE} (activity_id, hours)
            SELECT activity_id, SUM(hours) FROM {A_SOURCE} GROUP BY 1;""",  # noqa: S608
    ),
)


ALL = (VISITS, RELAYS, HOUSEHOLD_YEARS, ACTIVITY_HOURS)


def install(conn: Any = None, rollups: Iterable[Rollup] = ALL) -> None:
    """(Re)create the triggers and refill each rollup from its source, in one
    transaction each (the source table is locked for writes meanwhile)."""
    conn = conn or connection
    for r in rollups:
        pg = conn.vendor == "postgresql"
        statements = r.pg_sql() if pg else r.sqlite_sql()
        with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
            if pg:
                cursor.execute(f"LOCK TABLE {r.source} IN SHARE ROW EXCLUSIVE MODE")
            for sql in [*statements, *r.refill(conn.vendor)]:
                cursor.execute(sql)


def uninstall(conn: Any = None, rollups: Iterable[Rollup] = ALL) -> None:
    conn = conn or connection
    with conn.cursor() as cursor:
        for r in rollups:
            if conn.vendor == "postgresql":
                for t in r.pg_triggers:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {t} ON {r.source}")
            else:
                for t in r.sqlite_triggers:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {t}")


def ready(conn: Any = None, rollup: Rollup = VISITS) -> bool:
    """Are all the rollup's triggers in place (and enabled)? One catalogue read."""
    conn = conn or connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = ANY(%s)"
                " AND tgrelid = to_regclass(%s) AND tgenabled <> 'D'",
                [list(rollup.pg_triggers), rollup.source],
            )
            want = len(rollup.pg_triggers)
        else:
            names = ", ".join("%s" for _t in rollup.sqlite_triggers)
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"  # noqa: S608
                f" AND tbl_name = %s AND name IN ({names})",
                [rollup.source, *rollup.sqlite_triggers],
            )
            want = len(rollup.sqlite_triggers)
        return cursor.fetchone()[0] == want


def ready_names(conn: Any = None) -> frozenset[str]:
    """The names of the rollups whose triggers are all in place: `ready()` for every
    rollup in one catalogue read (reports.grouped asks once per computation)."""
    conn = conn or connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            names = [t for r in ALL for t in r.pg_triggers]
            cursor.execute(
                "SELECT tgname, tgrelid::regclass::text FROM pg_trigger"
                " WHERE tgname = ANY(%s) AND tgenabled <> 'D'",
                [names],
            )
        else:
            names = [t for r in ALL for t in r.sqlite_triggers]
            marks = ", ".join("%s" for _t in names)
            cursor.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"  # noqa: S608
                f" AND name IN ({marks})",
                names,
            )
        found = set(cursor.fetchall())
    pg = conn.vendor == "postgresql"
    return frozenset(
        r.name
        for r in ALL
        if all(
            (t, r.source) in found for t in (r.pg_triggers if pg else r.sqlite_triggers)
        )
    )

#!/usr/bin/env bash
# Run every test: SQLite, then PostgreSQL (a throwaway local cluster), browser tests
# in Debian's headless Chromium. Installs the system packages it needs when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export DEBIAN_FRONTEND=noninteractive PYTHONDONTWRITEBYTECODE=1
T0=$SECONDS
log() { printf '\n== [+%ss] %s\n' "$((SECONDS - T0))" "$*"; }

# --- 1. system packages -------------------------------------------------------------
APT_PKGS=(postgresql chromium fonts-noto-cjk poppler-utils gettext)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- 2. Python environment ----------------------------------------------------------
log "python environment"
bash scripts/install.sh
VPY=$ROOT/.venv/bin/python

# --- 3. throwaway PostgreSQL cluster ------------------------------------------------
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGPORT=${SANZHANG_TEST_PGPORT:-55432}
PGDATA=$(mktemp -d /tmp/sanzhang-pg.XXXXXX)
RUN_AS=()
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$PGDATA"; RUN_AS=(runuser -u postgres --); fi
stop_pg() {
  "${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PGDATA"
}
trap stop_pg EXIT
log "PostgreSQL $("$PGBIN/postgres" -V | awk '{print $3}') on :$PGPORT"
"${RUN_AS[@]}" "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 -N >/dev/null
"${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
  -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null
psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
  -c "CREATE ROLE sanzhang LOGIN PASSWORD 'sanzhang' CREATEDB" \
  -c "CREATE DATABASE sanzhang OWNER sanzhang"
PG_URL="postgres://sanzhang:sanzhang@127.0.0.1:$PGPORT/sanzhang"

# --- 4. tests -----------------------------------------------------------------------
export SANZHANG_VAR=$(mktemp -d /tmp/sanzhang-var.XXXXXX)
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
pt() { local rc=0; "$VPY" -m pytest -q --durations=12 "$@" || rc=$?; [ "$rc" -eq 5 ] && rc=0; return "$rc"; }
log "lint (ruff)"
.venv/bin/ruff check src tests
# The two databases run side by side (2 cores): each suite writes its own log, shown
# in full when it ends, so the closing pytest lines of both are printed.
log "tests on SQLite and on PostgreSQL, in parallel"
LOGS=$(mktemp -d /tmp/sanzhang-logs.XXXXXX)
(set +e; pt > "$LOGS/sqlite.log" 2>&1; echo $? > "$LOGS/sqlite.rc") &
(set +e; DATABASE_URL=$PG_URL SANZHANG_VAR=$(mktemp -d /tmp/sanzhang-var.XXXXXX) pt > "$LOGS/postgres.log" 2>&1; echo $? > "$LOGS/postgres.rc") &
wait
rc=0
for db in sqlite postgres; do
  log "pytest on $db (exit $(cat "$LOGS/$db.rc"))"
  cat "$LOGS/$db.log"
  [ "$(cat "$LOGS/$db.rc")" -eq 0 ] || rc=1
done
log "done"
exit $rc

#!/usr/bin/env bash
# Throwaway PostgreSQL server on loopback for the dispatch tests and benchmark.
#
#   scripts/test_postgres.sh [start] [DIR]   install (apt-get) if missing, init DIR, start on
#                                            127.0.0.1:${REXIAN_PG_PORT:-55432}, create the database,
#                                            print its URL (postgresql+psycopg://...) on stdout
#   scripts/test_postgres.sh stop [DIR]      stop the server (the cluster stays in DIR)
#   scripts/test_postgres.sh url [DIR]       print the URL only
#
# DIR defaults to $REXIAN_PG_DIR or /tmp/rexian-pg. Idempotent: running start twice is harmless.
# Typical use:  export REXIAN_TEST_PG_URL="$(scripts/test_postgres.sh start)"
set -euo pipefail

cmd="${1:-start}"
case "$cmd" in start|stop|url) shift || true ;; *) cmd=start ;; esac
DIR="${1:-${REXIAN_PG_DIR:-/tmp/rexian-pg}}"
PORT="${REXIAN_PG_PORT:-55432}"
DB="${REXIAN_PG_DB:-rexian_dispatch_test}"
PGUSER_NAME=postgres
URL="postgresql+psycopg://${PGUSER_NAME}@127.0.0.1:${PORT}/${DB}"

log() { echo "test_postgres: $*" >&2; }

find_bindir() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
    done
    if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"; return 0
    fi
    return 1
}

ensure_installed() {
    if ! find_bindir >/dev/null; then
        log "PostgreSQL not found, installing with apt-get"
        if [ "$(id -u)" -ne 0 ]; then log "need root to apt-get install postgresql"; exit 1; fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update >&2
        apt-get install -y --no-install-recommends postgresql >&2
    fi
}

# Run a PostgreSQL binary as the postgres user when we are root (initdb/postgres refuse root).
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        if command -v runuser >/dev/null 2>&1; then runuser -u postgres -- "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
    else
        "$@"
    fi
}

if [ "$cmd" = url ]; then echo "$URL"; exit 0; fi

if [ "$cmd" = stop ]; then
    BIN="$(find_bindir || true)"
    if [ -n "$BIN" ] && [ -f "$DIR/data/PG_VERSION" ] && as_pg "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
        as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2
        log "stopped"
    else
        log "not running"
    fi
    exit 0
fi

ensure_installed
BIN="$(find_bindir)"
if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
fi
mkdir -p "$DIR"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$DIR"; chmod 700 "$DIR"; fi

if [ ! -f "$DIR/data/PG_VERSION" ]; then
    log "initialising cluster in $DIR/data"
    as_pg "$BIN/initdb" -D "$DIR/data" -U "$PGUSER_NAME" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >&2 \
        || as_pg "$BIN/initdb" -D "$DIR/data" -U "$PGUSER_NAME" --auth=trust --encoding=UTF8 --no-locale >&2
fi

if ! as_pg "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
    log "starting on 127.0.0.1:$PORT"
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
        -o "-p $PORT -c listen_addresses=127.0.0.1 -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >&2
fi

psql_cmd() { "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U "$PGUSER_NAME" -d postgres -v ON_ERROR_STOP=1 -tAq "$@"; }
for _ in $(seq 1 30); do
    if psql_cmd -c "SELECT 1" >/dev/null 2>&1; then break; fi
    sleep 1
done
if [ "$(psql_cmd -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
    psql_cmd -c "CREATE DATABASE $DB" >&2
    log "created database $DB"
fi
echo "$URL"

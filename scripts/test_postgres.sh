#!/usr/bin/env bash
# Throwaway PostgreSQL server on loopback for the dispatch tests and benchmark.
#
#   scripts/test_postgres.sh run [--] CMD [ARG...]
#                               a private server for one command (what `make test` uses): a fresh directory
#                               (mktemp -d under ${TMPDIR:-/tmp}) and a free loopback port; runs CMD with
#                               REXIAN_TEST_PG_URL set, then stops that server and deletes its directory (also
#                               on Ctrl-C / SIGTERM). Exit status: CMD's. Two checkouts can run at once.
#   scripts/test_postgres.sh [start] [DIR]
#                               install (apt-get) if missing, init DIR, start on 127.0.0.1:PORT, create the
#                               database, print its URL (postgresql+psycopg://...) on stdout
#   scripts/test_postgres.sh stop [DIR]      stop the server in DIR (the cluster stays in DIR)
#   scripts/test_postgres.sh url [DIR]       print the URL only
#
# start/stop/url are for a long-lived server you start by hand: DIR defaults to $REXIAN_PG_DIR or
# /tmp/rexian-pg and is shared by everything that uses the same DIR; running start twice is harmless. PORT is
# $REXIAN_PG_PORT, else the port recorded for DIR (DIR/port), else a free port, recorded in DIR/port.
# Typical use:  export REXIAN_TEST_PG_URL="$(scripts/test_postgres.sh start)"
set -euo pipefail
shopt -s inherit_errexit 2>/dev/null || true   # set -e also inside $(...)

cmd="${1:-start}"
case "$cmd" in start|stop|url|run) shift || true ;; *) cmd=start ;; esac
DB="${REXIAN_PG_DB:-rexian_dispatch_test}"
PGUSER_NAME=postgres

log() { echo "test_postgres: $*" >&2; }

url_for() { echo "postgresql+psycopg://${PGUSER_NAME}@127.0.0.1:$1/${DB}"; }

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

# A TCP port nobody listens on at 127.0.0.1 (the kernel's choice, through whichever Python is at hand).
free_port() {
    local py
    for py in python3 "$(dirname "$0")/../.venv/app/bin/python" python; do
        if command -v "$py" >/dev/null 2>&1; then
            "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' \
                && return 0
        fi
    done
    local p
    for _ in $(seq 1 50); do          # no Python: a random high port that does not answer
        p=$(( 20000 + RANDOM % 40000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
    done
    log "no free port found"; return 1
}

running() { [ -f "$1/data/PG_VERSION" ] && as_pg "$BIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1; }

# The port of DIR: the running server's (line 4 of postmaster.pid), else REXIAN_PG_PORT, else DIR/port, else
# a new free port (recorded in DIR/port).
port_of() {
    local dir="$1" live
    if [ -n "${BIN:-}" ] && running "$dir"; then
        live="$(sed -n 4p "$dir/data/postmaster.pid" 2>/dev/null || true)"
        if [ -n "$live" ]; then echo "$live"; return 0; fi
        if [ -s "$dir/port" ]; then cat "$dir/port"; return 0; fi
    fi
    if [ -n "${REXIAN_PG_PORT:-}" ]; then echo "$REXIAN_PG_PORT"; return 0; fi
    if [ -s "$dir/port" ]; then cat "$dir/port"; return 0; fi
    mkdir -p "$dir"
    free_port > "$dir/port"
    cat "$dir/port"
}

# Init DIR if needed, start it (on a fresh free port after a failed start when the port is not fixed), create
# the database, print the URL.
start_cluster() {
    local dir="$1" port tries=1
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
    fi
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; chmod 700 "$dir"; fi

    if [ ! -f "$dir/data/PG_VERSION" ]; then
        log "initialising cluster in $dir/data"
        as_pg "$BIN/initdb" -D "$dir/data" -U "$PGUSER_NAME" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >&2 \
            || as_pg "$BIN/initdb" -D "$dir/data" -U "$PGUSER_NAME" --auth=trust --encoding=UTF8 --no-locale >&2
    fi

    port="$(port_of "$dir")"
    if [ -z "${REXIAN_PG_PORT:-}" ]; then tries=5; fi
    while ! running "$dir"; do
        log "starting $dir on 127.0.0.1:$port"
        if as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >&2; then
            break
        fi
        tries=$((tries - 1))
        if [ "$tries" -le 0 ]; then
            log "could not start the server; end of $dir/server.log:"; tail -n 20 "$dir/server.log" >&2 || true
            return 1
        fi
        port="$(free_port)"; echo "$port" > "$dir/port"        # taken meanwhile: another free port
    done
    echo "$port" > "$dir/port"

    psql_cmd() { "$BIN/psql" -h 127.0.0.1 -p "$port" -U "$PGUSER_NAME" -d postgres -v ON_ERROR_STOP=1 -tAq "$@"; }
    for _ in $(seq 1 30); do
        if psql_cmd -c "SELECT 1" >/dev/null 2>&1; then break; fi
        sleep 1
    done
    if [ "$(psql_cmd -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
        psql_cmd -c "CREATE DATABASE $DB" >&2
        log "created database $DB"
    fi
    url_for "$port"
}

stop_cluster() {
    local dir="$1"
    if [ -n "${BIN:-}" ] && running "$dir"; then
        as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >&2 \
            || as_pg "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
        log "stopped $dir"
    else
        log "not running"
    fi
}

# A fresh directory for one run, usable by the postgres user when we are root, with a short enough path
# for the server's unix socket (DIR/.s.PGSQL.PORT, at most 107 bytes).
make_run_dir() {
    local parent dir
    for parent in "${TMPDIR:-/tmp}" /tmp; do
        dir="$(mktemp -d "${parent%/}/rexian-pg.XXXXXXXX")" || continue
        if [ "${#dir}" -le 90 ]; then
            if [ "$(id -u)" -ne 0 ]; then echo "$dir"; return 0; fi
            chown postgres "$dir" && chmod 700 "$dir"
            if as_pg test -w "$dir"; then echo "$dir"; return 0; fi
        fi
        rm -rf "$dir"
    done
    log "cannot create a directory for the server"; return 1
}

if [ "$cmd" = run ]; then
    if [ "${1:-}" = "--" ]; then shift; fi
    if [ "$#" -eq 0 ]; then log "usage: $0 run [--] CMD [ARG...]"; exit 2; fi
    ensure_installed
    BIN="$(find_bindir)"
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
    fi
    RUN_DIR="$(make_run_dir)"
    cleanup() {
        # only this run's server and directory
        if [ -f "$RUN_DIR/data/PG_VERSION" ]; then stop_cluster "$RUN_DIR" 2>/dev/null || true; fi
        rm -rf "$RUN_DIR"
    }
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    REXIAN_TEST_PG_URL="$(start_cluster "$RUN_DIR")"
    export REXIAN_TEST_PG_URL
    log "server for this run: $REXIAN_TEST_PG_URL ($RUN_DIR)"
    set +e
    "$@"
    status=$?
    set -e
    exit "$status"
fi

DIR="${1:-${REXIAN_PG_DIR:-/tmp/rexian-pg}}"
BIN="$(find_bindir || true)"

if [ "$cmd" = url ]; then url_for "$(port_of "$DIR")"; exit 0; fi

if [ "$cmd" = stop ]; then stop_cluster "$DIR"; exit 0; fi

ensure_installed
BIN="$(find_bindir)"
start_cluster "$DIR"

#!/usr/bin/env bash
# Start (or stop) a throwaway PostgreSQL for the test suite on a loopback port.
#   scripts/pg-test.sh start   -> prints the admin URL (postgresql+psycopg://...)
#   scripts/pg-test.sh stop
# Data lives in $CHILDGUARD_TEST_PG_DIR (default: a folder under /tmp, which the `postgres` user
# can reach wherever the checkout is). Uses Debian's postgresql package (installed by
# scripts/install-system.sh). PostgreSQL refuses to run as root, so when root it runs as `postgres`.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${CHILDGUARD_TEST_PG_PORT:-54329}"
DIR="${CHILDGUARD_TEST_PG_DIR:-${TMPDIR:-/tmp}/childguard-test-pg-$PORT}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$BIN" ]; then echo "PostgreSQL binaries not found (apt-get install postgresql)" >&2; exit 1; fi
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}
case "${1:-start}" in
  start)
    if [ ! -s "$DIR/data/PG_VERSION" ]; then
      rm -rf "$DIR"; mkdir -p "$DIR"
      [ "$(id -u)" -eq 0 ] && chown postgres "$DIR"
      as_pg "'$BIN/initdb' -D '$DIR/data' -U childguard --auth=trust -E UTF8 >/dev/null"
    fi
    if ! as_pg "'$BIN/pg_ctl' -D '$DIR/data' status" >/dev/null 2>&1; then
      as_pg "'$BIN/pg_ctl' -D '$DIR/data' -l '$DIR/log' -w -o \"-p $PORT -k '$DIR' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300\" start" >/dev/null
    fi
    echo "postgresql+psycopg://childguard@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    as_pg "'$BIN/pg_ctl' -D '$DIR/data' -m fast stop" >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

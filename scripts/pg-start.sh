#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on loopback for tests (as root, no systemd), all files under
# $PGROOT. Prints TEST_DATABASE_URL=… on its last line. Stop it with: scripts/pg-start.sh stop
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PGPORT="${PGPORT:-55432}"; PGROOT="${PGROOT:-/tmp/jiuzhu-ci-pg}"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends postgresql >/dev/null
fi
PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
if [ "${1:-}" = "stop" ]; then
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGROOT/data" -m fast -w stop >/dev/null 2>&1 || true
  exit 0
fi
mkdir -p "$PGROOT"; chown postgres:postgres "$PGROOT"
if [ ! -s "$PGROOT/data/PG_VERSION" ]; then
  runuser -u postgres -- "$PGBIN/initdb" -D "$PGROOT/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
if ! runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGROOT/data" status >/dev/null 2>&1; then
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGROOT -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=1000" start >/dev/null
fi
"$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT"
# The test role may create a database per test.
psql -h 127.0.0.1 -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -qc "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'jiuzhu') THEN CREATE ROLE jiuzhu LOGIN CREATEDB PASSWORD 'jiuzhu'; END IF; END \$\$" >/dev/null
psql -h 127.0.0.1 -p "$PGPORT" -U postgres -qtc "SELECT 1 FROM pg_database WHERE datname = 'jiuzhu_test'" | grep -q 1 \
  || psql -h 127.0.0.1 -p "$PGPORT" -U postgres -qc "CREATE DATABASE jiuzhu_test OWNER jiuzhu" >/dev/null
echo "TEST_DATABASE_URL=postgres://jiuzhu:jiuzhu@127.0.0.1:$PGPORT/jiuzhu_test?tlsmode=disable"

#!/usr/bin/env bash
# Makes sure a PostgreSQL server with its own pg_dump exists under /usr/lib/postgresql/*/bin, for the test that
# loads a real pg_dump file with `gaterun db up --schema` (pg_dump refuses newer servers, so the test dumps a
# server of pg_dump's own version). Idempotent; Debian/Ubuntu.
set -euo pipefail
for dir in /usr/lib/postgresql/*/bin; do
  if [ -x "$dir/pg_dump" ] && [ -x "$dir/postgres" ] && [ -x "$dir/initdb" ]; then
    "$dir/pg_dump" --version
    exit 0
  fi
done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-pg-dump: no /usr/lib/postgresql/*/bin with pg_dump, postgres and initdb, and no apt-get; install PostgreSQL by hand" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The server package brings initdb/postgres and, through its dependency, pg_dump of the same version.
$SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
ls /usr/lib/postgresql/*/bin/pg_dump

#!/usr/bin/env bash
# Runs the PostgreSQL event-store tests of crates/events against the local
# cluster of Debian's postgresql package: starts it, creates the role
# `cautery` and the database `cautery_events_test` if they are missing, and
# runs the tests with CAUTERY_REQUIRE_POSTGRES=1 so that they cannot skip.
# As root.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v pg_lsclusters >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql
fi
read -r version cluster port status _ < <(pg_lsclusters -h | head -n 1)
if [ "$status" != online ]; then
  pg_ctlcluster "$version" "$cluster" start
fi
psql() { su postgres -c "psql -p $port -tAc \"$1\""; }
if [ "$(psql "SELECT 1 FROM pg_roles WHERE rolname = 'cautery'")" != 1 ]; then
  psql "CREATE ROLE cautery LOGIN PASSWORD 'cautery'"
fi
if [ "$(psql "SELECT 1 FROM pg_database WHERE datname = 'cautery_events_test'")" != 1 ]; then
  psql "CREATE DATABASE cautery_events_test OWNER cautery"
fi
psql "ALTER DATABASE cautery_events_test OWNER TO cautery" >/dev/null

export CAUTERY_TEST_POSTGRES="postgresql://cautery:cautery@localhost:$port/cautery_events_test"
export CAUTERY_REQUIRE_POSTGRES=1
cargo test -p cautery-events postgres -- --nocapture

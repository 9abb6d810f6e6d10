#!/usr/bin/env bash
# Figures for the README's "Lookup index" section: the first lookup of a
# range (builds the index), a warm lookup of one name, `lookup < /dev/null`,
# and a year of every family and seed built under a 3 GiB address-space
# limit, each with elapsed time and peak RSS. Uses a fresh data directory.
#   scripts/bench-lookup.sh            # release build of this tree
#   BIN=/path/to/cautery scripts/bench-lookup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-target/release/cautery}
[ -n "${BIN:-}" ] || cargo build --release --quiet --bin cautery
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
t() { /usr/bin/time -f '   %e s elapsed, %U s user, %M KiB peak RSS, exit %x' "$@"; }
today=$(date -u +%F)
name=$("$bin" generate necurs --date "$today" | head -1)

echo "== cold: lookup $name, default range (30 days back to 30 ahead), every family"
t "$bin" lookup --data-dir "$data" --stats "$name" >/dev/null
echo "== warm: the same lookup, three times"
for _ in 1 2 3; do t "$bin" lookup --data-dir "$data" "$name" >/dev/null; done
echo "== lookup < /dev/null"
t "$bin" lookup --data-dir "$data" </dev/null
echo "== a year of every family (2026-01-01..2026-12-31) under ulimit -v 3 GiB: build, then warm"
(ulimit -v $((3 << 20)); t "$bin" lookup --data-dir "$data" --from 2026-01-01 --to 2026-12-31 --stats "$name" >/dev/null) || true
(ulimit -v $((3 << 20)); t "$bin" lookup --data-dir "$data" --from 2026-01-01 --to 2026-12-31 "$name" >/dev/null) || true
du -sh "$data"/lookup-index/*

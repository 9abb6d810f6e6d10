#!/usr/bin/env bash
# Whole-command figures for the README's Performance section: a year of
# every family and seed on one core, and reverse lookup of 1M names against
# 60 days of every family and seed (index build, lookups per second, peak
# memory). Criterion covers per-family windows:
#   cargo bench -p cautery-dga --bench families
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/cautery
time_cmd() { /usr/bin/time -f '%e s elapsed, %M KiB peak RSS' "$@"; }

echo "== generate all --all-seeds, 2026-01-01..2026-12-31, one core"
names=$("$bin" generate all --all-seeds --from 2026-01-01 --to 2026-12-31 --format plain | wc -l)
start=$(date +%s.%N)
time_cmd taskset -c 0 "$bin" generate all --all-seeds --from 2026-01-01 --to 2026-12-31 --format plain >/dev/null
end=$(date +%s.%N)
echo "$names names, $(python3 -c "print(f'{$names/($end-$start):,.0f}')") names/s"

echo "== slowest families (one year, default seed, names/s)"
# Families seeded by public data (bedep, orchard-balance, ...) need an archived
# input and are left out; a family that fails must not end the script.
for family in $("$bin" families --format json | python3 -c 'import json,sys; print(" ".join(f["name"] for f in json.load(sys.stdin) if f["deterministic"]))'); do
  start=$(date +%s.%N)
  n=$(taskset -c 0 "$bin" generate "$family" --all-seeds --from 2026-01-01 --to 2026-12-31 2>/dev/null | wc -l) || continue
  [ "$n" -gt 0 ] || continue
  end=$(date +%s.%N)
  python3 -c "print(f'{$n/($end-$start):14,.0f} names/s  {$n:>10} names  $family')"
done | sort -n | head -8

echo "== lookup of 1M names against 60 days (2026-06-01..2026-07-30) of every family and seed"
probe=$(mktemp)
"$bin" generate all --all-seeds --from 2026-06-01 --to 2026-07-30 | shuf -n 1000000 -r --random-source=<(yes) >"$probe"
index_dir=$(mktemp -d)
echo "-- first call: builds the persistent index in $index_dir"
time_cmd "$bin" lookup --data-dir "$index_dir" --from 2026-06-01 --to 2026-07-30 --stats <"$probe" >/dev/null
echo "-- warm: opens it"
time_cmd "$bin" lookup --data-dir "$index_dir" --from 2026-06-01 --to 2026-07-30 --stats <"$probe" >/dev/null
rm -rf "$probe" "$index_dir"

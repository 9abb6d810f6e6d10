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

# CPU time (user + system) of a command on core 0, in seconds: the machine
# is shared, and wall time there measures the neighbours.
cpu_time() {
  /usr/bin/time -o "${TMPDIR:-/tmp}/cautery-bench-time" -f '%U %S' taskset -c 0 "$@" >/dev/null
  python3 -c "u, s = map(float, open('${TMPDIR:-/tmp}/cautery-bench-time').read().split()[-2:]); print(u + s)"
}

echo "== generate all --all-seeds, 2026-01-01..2026-12-31, one core, through a pipe"
names=$("$bin" generate all --all-seeds --from 2026-01-01 --to 2026-12-31 --format plain | wc -l)
start=$(date +%s.%N)
time_cmd taskset -c 0 "$bin" generate all --all-seeds --from 2026-01-01 --to 2026-12-31 --format plain | taskset -c 1 cat >/dev/null
end=$(date +%s.%N)
cpu=$(cpu_time "$bin" generate all --all-seeds --from 2026-01-01 --to 2026-12-31 --format plain)
echo "$names names, $(python3 -c "print(f'{$names/($end-$start):,.0f}')") names/s wall; $cpu s of CPU time"

echo "== necurs, one 2,048-name window (magic 9, 2015-08-29): cautery against plain Python, one core"
# scripts/necurs-reference.py is written from Bader's write-up; both must
# print the same names. Whole processes in interleaved rounds, CPU time from
# wait4, medians (scripts/bench-necurs.py).
python3 scripts/bench-necurs.py "$bin"

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

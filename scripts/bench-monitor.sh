#!/usr/bin/env bash
# The registration watch's zone-file join (README, "Monitor"): a synthetic
# .com-sized zone file (LINES NS lines, two per domain as CZDS lists them)
# written to disk under /tmp (and gzip-compressed too with GZIP=1), joined
# with the predictions of every family and seed over DAYS back and DAYS
# ahead (about 5 million names at 27/27). Reports the time and peak memory
# (/usr/bin/time -v) of planning alone and of `cautery monitor check` on
# the file (planning included), and checks that exactly the injected
# predicted names are found. The files are deleted at the end.
# Goal at full size: under 60 s and 2 GB.
#   scripts/bench-monitor.sh [LINES] [DAYS]       (default 160000000 27)
# Environment: BIN=path uses that cautery instead of a release build;
# GZIP=1 also joins the gzip file; TASKSET="taskset -c 0" pins the runs.
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-160000000}
days=${2:-27}
inject=1000
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=$PWD/target/release/cautery
fi
work=$(mktemp -d /tmp/cautery-bench-monitor.XXXXXX)
trap 'rm -rf "$work"' EXIT
# One line of /usr/bin/time -v: elapsed, CPU and peak memory.
measure() {
  local label=$1
  shift
  ${TASKSET:-} /usr/bin/time -v "$@" 2>"$work/time" || { cat "$work/time" >&2; exit 1; }
  awk -v label="$label" -F': ' '
    /Elapsed \(wall clock\)/ { wall = $2 }
    /User time/ { user = $2 }
    /System time/ { sys = $2 }
    /Maximum resident set size/ { rss = $2 }
    END { printf "%s: %s elapsed, %s s user + %s s system, %d KiB = %.2f GiB peak RSS\n", label, wall, user, sys, rss, rss / 1048576 }
  ' "$work/time"
  grep -v -e '^\s' -e '^Command' "$work/time" >&2 || true
}
rustc -O --edition 2021 -o "$work/synth-zone" scripts/synth-zone.rs
at=2026-11-26T00:00:00Z
cat >"$work/all.toml" <<TOML
version = 1
name = "all"
[[target]]
family = "all"
seeds = "all"
[horizon]
days-back = $days
days-ahead = $days
[zone]
name = "rpz.bench"
TOML

echo "== plan alone: every family and seed, $days days back and ahead"
measure "plan" sh -c "\"$BIN\" plan \"$work/all.toml\" --at $at >\"$work/plan\""
cut -f1 "$work/plan" >"$work/names"
echo "$(wc -l <"$work/names") predicted names"
# The names to inject: every n-th predicted .com name, absolute.
grep '\.com$' "$work/names" | awk -v n="$inject" 'NR % 97 == 1 && c < n { print; c++ }' >"$work/inject"
rm -f "$work/plan" "$work/names"

echo "== writing $lines zone lines to $work/com.zone"
"$work/synth-zone" "$lines" "$work/inject" >"$work/com.zone"
echo "$(du -h "$work/com.zone" | cut -f1) on disk, $(wc -l <"$work/inject") predicted .com names injected"
check() {
  local file=$1
  measure "monitor check $(basename "$file")" \
    sh -c "\"$BIN\" monitor check \"$work/all.toml\" --zone-file \"$file\" --at $at >\"$work/found\""
  found=$(wc -l <"$work/found")
  expected=$(wc -l <"$work/inject")
  echo "$found names found registered (expected $expected)"
  [ "$found" -eq "$expected" ] || { echo "MISMATCH" >&2; exit 1; }
}
echo "== monitor check: plan + read + join, plain file"
check "$work/com.zone"
if [ "${GZIP:-0}" = 1 ]; then
  echo "== gzip -1"
  gzip -1 "$work/com.zone"
  echo "$(du -h "$work/com.zone.gz" | cut -f1) compressed"
  echo "== monitor check: plan + read + join, gzip file"
  check "$work/com.zone.gz"
fi

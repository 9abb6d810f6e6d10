#!/usr/bin/env bash
# The registration watch's zone-file join (README, "Monitor"): a synthetic
# .com-sized zone file (LINES NS lines, generated on the fly and piped in,
# never stored) joined with the predictions of every family and seed over
# DAYS back and DAYS ahead (about 5 million names at 60/60). Reports the
# time and peak memory of `cautery monitor check`, which includes planning
# the campaign, and checks that exactly the injected predicted names are
# found. Goal at full size: under 60 s and 2 GB.
#   scripts/bench-monitor.sh [LINES] [DAYS]       (default 160000000 60)
# Environment: BIN=path uses that cautery instead of a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-160000000}
days=${2:-60}
inject=1000
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=$PWD/target/release/cautery
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
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
/usr/bin/time -f '%e s elapsed, %M KiB peak RSS' "$BIN" plan "$work/all.toml" --at "$at" \
  | cut -f1 >"$work/names"
echo "$(wc -l <"$work/names") predicted names"
# The names to inject: every n-th predicted .com name, absolute.
grep '\.com$' "$work/names" | awk -v n="$inject" 'NR % 97 == 1 && c < n { print; c++ }' >"$work/inject"
echo "$(wc -l <"$work/inject") predicted .com names injected into $lines zone lines"

echo "== monitor check: plan + stream + join"
"$work/synth-zone" "$lines" "$work/inject" \
  | /usr/bin/time -f '%e s elapsed (%U s user, %S s system), %M KiB peak RSS' \
      "$BIN" monitor check "$work/all.toml" --zone-file - --at "$at" >"$work/found"
found=$(wc -l <"$work/found")
expected=$(wc -l <"$work/inject")
echo "$found names found registered (expected $expected)"
[ "$found" -eq "$expected" ] || { echo "MISMATCH" >&2; exit 1; }

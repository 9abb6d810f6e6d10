#!/usr/bin/env bash
# Seed discovery figures for the README (issue 15):
#  1. a necurs magic found from 20 of its names (one epoch's range), every core;
#  2. candidates per second per family on one core (a capped search over one
#     day with names no seed makes), and the full search each implies on
#     every core: the `per_second` figures in crates/dga/src/discover.rs
#     come from here.
# The machine is shared: figures are noisy; run it twice.
# Usage: scripts/bench-discover.sh [MAGIC]   (default 40000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/cautery
magic=${1:-40000}
cores=$(nproc)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== necurs: magic $magic from 20 names, epoch 2017-07-01..03, $cores cores"
"$bin" generate necurs --seed "$magic" --date 2017-07-02 | awk 'NR % 100 == 1' | head -20 > "$tmp/necurs.txt"
start=$(date +%s.%N)
"$bin" discover necurs --from 2017-07-01 --to 2017-07-03 < "$tmp/necurs.txt"
end=$(date +%s.%N)
python3 -c "print(f'found in {$end-$start:.1f} s')"

echo "== candidates per second, one core, one day; full search on $cores cores"
rate() { # family name count
  local start end
  start=$(date +%s.%N)
  taskset -c 0 "$bin" discover "$1" "$2" --all --threads 1 --max-candidates "$3" \
    --from 2026-03-05 --to 2026-03-05 >/dev/null || true
  end=$(date +%s.%N)
  python3 -c "
r = $3 / ($end - $start)
print(f'{r:12,.0f} /s  $1')"
}
rate necurs qqqqqqqqqqqq.com 2000
rate locky qqqqqqqqqqqq.com 200000
rate qadars qqqqqqqqqqqq.net 20000
rate ranbyus qqqqqqqqqqqq.com 20000
rate corebot qqqqqqqqqqqq.ddns.net 100000
rate newgoz qqqqqqqqqqqq.com 20000
rate murofet-v2 qqqqqqqqqqqq.com 5000
rate ramnit qqqqqqqqqqqq.com 20000
"$bin" families | awk 'NR == 1 || $5 != "-"' | cut -c1-80

#!/usr/bin/env bash
# Seed discovery figures for the README (issue 15):
#  1. a necurs magic found from 20 of its names (one epoch's range), every core;
#  2. candidates per second of CPU time per family on one core (a capped
#     search over one day with names no seed makes): the `per_second`
#     calibration constants in crates/dga/src/discover.rs come from here;
#  3. the inversions of kraken-v1, kraken-v2 and tinba from a few names;
#  4. a full locky search (both versions, one epoch) on every core;
#  5. murofet-v2's sieve: keys per CPU-second with names of one TLD and of
#     all five, and key 8811EEA2 found from 360 Netlab's 36 names of
#     2016-09-07 in a slice of 2^24 keys around it (FULL_MUROFET=1 adds the
#     whole 2^32 key space of one day, hours);
#  6. qadars with TLDs of its own (compared by label), whole space.
# The machine is shared: figures are noisy; run it twice.
# Usage: scripts/bench-discover.sh [MAGIC]   (default 40000)
# Set SKIP_FULL=1 to leave out the full locky search (minutes), CAUTERY_BIN
# to time another build (a copy keeps a long run safe from rebuilds).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=${CAUTERY_BIN:-target/release/cautery}
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

echo "== candidates per second of CPU time, one core (taskset), one epoch; full search on $cores cores"
# CPU time, not wall time: the machine is shared and wall time is noisy.
rate() { # family name count [skip]
  local cpu
  # shellcheck disable=SC2086 # $2 may hold several names
  /usr/bin/time -o "$tmp/time" -f '%U %S' taskset -c 0 "$bin" discover "$1" $2 --all \
    --threads 1 --max-candidates "$3" --skip-candidates "${4:-0}" \
    --from 2026-03-05 --to 2026-03-05 >/dev/null 2>&1 || true
  cpu=$(tail -1 "$tmp/time")
  python3 -c "
u, s = map(float, '$cpu'.split())
print(f'{$3 / (u + s):14,.0f} /s  $1 ${4:+(from candidate $4)} ($(echo $2 | wc -w) names)')"
}
rate necurs qqqqqqqqqqqq.com 20000
rate locky qqqqqqqqqqqq.ru 40000000            # v2 seeds
rate locky qqqqqqqqqqqq.ru 20000000 4294967296 # v3 seeds
# ranbyus's sieve wants labels of its lengths: 14 letters (may), 17 (september).
rate ranbyus qqqqqqqqqqqqqq.com 2000000
rate ranbyus qqqqqqqqqqqqqqqqq.com 20000000 4294967296
rate murofet qqqqqqqqqqqq.com 2
rate corebot qqqqqqqqqqqq.ddns.net 100000
rate newgoz qqqqqqqqqqqq.com 20000
# murofet-v2's sieve tries only the index pairs whose TLDs hold an observed
# name's: .com names need 272 of the 510, every TLD all 510.
rate murofet-v2 qqqqqqqqqqqq.com 2000000
rate murofet-v2 "qqqqqqqqqqqq.com qqqqqqqqqqqq.net qqqqqqqqqqqq.org qqqqqqqqqqqq.biz qqqqqqqqqqqq.info" 1000000
rate ramnit qqqqqqqqqqqq.com 20000
rate dnschanger qqqqqqqqqqqq.com 100000
rate reconyc qqqqqqqqqqqq.com 2000
rate dircrypt qqqqqqqqqqqq.com 50000
rate m0yv qqqqqqqqqqqq.biz 50000
rate mydoom qqqqqqqqqqqq.com 50000
rate ngioweb qqqqqqqqqqqq.net 5000
rate pitou qqqqqqqqqqqq.com 50000
rate ramdo qqqqqqqqqqqq.org 500
rate tufik qqqqqqqqqqqq.biz 2000
echo "== inversions (the whole space each), one core"
inversion() { # family file
  /usr/bin/time -f "$1: %e s wall, %U s user CPU" taskset -c 0 "$bin" discover "$1" < "$2" || true
}
"$bin" generate kraken-v1 --seed 7f123456:00abcdef | awk 'NR % 97 == 5' | head -6 > "$tmp/kraken.txt"
inversion kraken-v1 "$tmp/kraken.txt"
"$bin" generate kraken-v2 --seed 3141592:com,net,tv,cc --date 2026-06-11 > "$tmp/kraken2-week.txt"
awk 'NR % 59 == 1' "$tmp/kraken2-week.txt" | head -20 > "$tmp/kraken2.txt"
inversion2() { # label file from to
  /usr/bin/time -f "kraken-v2 $1: %e s wall, %U s user CPU" taskset -c 0 "$bin" discover kraken-v2 \
    --from "$3" --to "$4" < "$2" | cut -f1-3 || true
}
inversion2 "20 names, one week" "$tmp/kraken2.txt" 2026-06-11 2026-06-11
inversion2 "20 names, a year's range" "$tmp/kraken2.txt" 2026-01-01 2026-12-31
awk 'NR % 12 == 1' "$tmp/kraken2-week.txt" | head -100 > "$tmp/kraken2-100.txt"
inversion2 "100 names, one week" "$tmp/kraken2-100.txt" 2026-06-11 2026-06-11
inversion2 "the whole week (1185 names)" "$tmp/kraken2-week.txt" 2026-06-11 2026-06-11
"$bin" generate tinba --seed Xy12Kq9PzLm0Wn4b:justanothername.com:com,ru:1000 | sed -n '40p;42p;150p;700p' > "$tmp/tinba.txt"
inversion tinba "$tmp/tinba.txt"   # two names of consecutive rounds link at once
sed -n '1p;4p' "$tmp/tinba.txt" > "$tmp/tinba-far.txt"
inversion tinba "$tmp/tinba-far.txt"   # 330 rounds apart: every key pair followed 200 rounds, none found
"$bin" families | awk 'NR == 1 || $5 != "-"' | cut -c1-80
echo "== murofet-v2: key 8811EEA2 from 360 Netlab's 36 names of 2016-09-07, 2^24 keys around it, $cores cores"
grep '^2016-09-07 ' test-data/murofet/netlab_issue11_8811eea2.txt | cut -d' ' -f2 > "$tmp/murofet.txt"
/usr/bin/time -f "%e s wall, %U s user CPU" "$bin" discover murofet-v2 --from 2016-09-07 --to 2016-09-07 \
  --skip-candidates $((0x8811EEA2 - (1 << 23))) --max-candidates $((1 << 24)) < "$tmp/murofet.txt" || true
echo "== qadars: seed 5EED with TLDs xyz,info,biz from 5 names, whole space by label, 1 core"
"$bin" generate qadars --seed 5EED:xyz,info,biz --date 2026-06-10 | awk 'NR % 40 == 3' > "$tmp/qadars.txt"
/usr/bin/time -f "qadars: %e s wall, %U s user CPU" taskset -c 0 "$bin" discover qadars \
  --from 2026-06-10 --to 2026-06-10 < "$tmp/qadars.txt" || true
if [ -n "${FULL_MUROFET:-}" ]; then
  echo "== murofet-v2: every 32-bit key over one day (2016-09-07), $cores cores"
  /usr/bin/time -f 'full murofet-v2 search: %e s wall, %U s user, %S s system CPU' \
    "$bin" discover murofet-v2 --all --from 2016-09-07 --to 2016-09-07 < "$tmp/murofet.txt" || true
fi
[ -n "${SKIP_FULL:-}" ] && exit 0
echo "== locky: the full space (2 x 2^32 seeds) over one epoch, $cores cores"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f 'full locky search: %e s wall, %U s user, %S s system CPU' \
  "$bin" discover locky qqqqqqqqqqqq.ru --all --from 2026-03-05 --to 2026-03-05 || true
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

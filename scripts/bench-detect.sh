#!/usr/bin/env bash
# cautery detect's parse and attribution rate on one core: a synthetic BIND
# query log (print-time, category and severity on, as a real resolver's
# `queries` channel writes it) of LINES lines, 2000 clients, 1% of the
# lines asking for names necurs and qakbot use on DAY (20 infected clients),
# the rest for benign-looking names. `cautery detect --stats` reports the
# time to read (parse and keep every line), to build the reverse index over
# the log's days plus the slack, and to attribute; lines/s here leave the
# index build out (its cost depends on the days covered, not on the log).
# Then the same for a synthetic dnstap file of DNSTAP messages (default
# 1000000; client query and response pairs as BIND logs them,
# scripts/dnstap-synth.py): messages/s decoded and kept, and attributed.
# On a loaded machine wall times mislead: with perf installed, each rate
# is also given in CPU time (perf stat task-clock of the pinned process),
# less a run on a tiny input of the same day (the index build and start).
# Usage: [CALLGRIND=1] [BIN=...] scripts/bench-detect.sh [LINES]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
DAY=${DAY:-2026-11-26}
WORK=$(mktemp -d /tmp/cautery-detect-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# BIN=path/to/cautery measures that binary instead of a fresh release build.
if [ -z "${BIN:-}" ]; then
  cargo build --release -q
  BIN=$PWD/target/release/cautery
fi
"$BIN" generate necurs --date "$DAY" | head -200 > "$WORK/necurs"
"$BIN" generate qakbot --date "$DAY" | head -200 > "$WORK/qakbot"
awk -v lines="$LINES" -v day="$DAY" '
  BEGIN { srand(7); split(day, d, "-"); month = "JanFebMarAprMayJunJulAugSepOctNovDec";
          stamp = sprintf("%02d-%s-%04d", d[3], substr(month, (d[2] - 1) * 3 + 1, 3), d[1]) }
  FNR == 1 { file++ }
  file == 1 { necurs[n1++] = $0; next }
  file == 2 { qakbot[n2++] = $0; next }
  END {
    for (i = 0; i < lines; i++) {
      second = int(i * 86000 / lines)
      client = int(rand() * 2000)
      if (i % 100 == 0) {
        infected = int(rand() * 20)
        client = infected
        name = (infected < 10) ? necurs[int(rand() * n1)] : qakbot[int(rand() * n2)]
      } else {
        name = sprintf("www%d.site%d.example.com", int(rand() * 50), int(rand() * 20000))
      }
      printf "%s %02d:%02d:%02d.%03d queries: info: client @0x7f0d2c0a6b68 10.%d.%d.%d#%d (%s): query: %s IN A +E(0)K (10.0.0.53)\n",
        stamp, second / 3600, (second / 60) % 60, second % 60, i % 1000,
        int(client / 65536) % 256, int(client / 256) % 256, client % 256, 1024 + i % 60000, name, name
    }
  }' "$WORK/necurs" "$WORK/qakbot" > "$WORK/queries.log"
echo "log: $(wc -l < "$WORK/queries.log") lines, $(du -h "$WORK/queries.log" | cut -f1)"
STATS=$(taskset -c 0 "$BIN" detect --stats "$WORK/queries.log" 2>&1 >"$WORK/findings")
echo "$STATS"
echo "findings: $(wc -l < "$WORK/findings") (expected 20)"
echo "$STATS" | awk -v lines="$LINES" '
  /read .* queries/ { for (i = 1; i <= NF; i++) { if ($i == "in" && $(i+2) == "s;" && !read) read = $(i+1);
                                                  if ($i == "attributed") attributed = $(i+2) } }
  END { printf "parse: %.0f lines/s; parse + attribute: %.0f lines/s (one core)\n",
        lines / read, lines / (read + attributed) }'

# CPU milliseconds of one pinned run of the binary (args as given).
cpu_ms() {
  perf stat -e task-clock -x, taskset -c 0 "$BIN" "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ { print $1 }'
}
if command -v perf >/dev/null; then
  head -3 "$WORK/queries.log" > "$WORK/small.log"
  FULL=$(cpu_ms detect "$WORK/queries.log"); BASE=$(cpu_ms detect "$WORK/small.log")
  awk -v f="$FULL" -v b="$BASE" -v n="$LINES" 'BEGIN { printf "BIND, CPU time: %.0f lines/s parsed and attributed (%.0f ms, less %.0f ms for the index)\n", n / ((f - b) / 1000), f, b }'
fi
# Instructions per line, which a loaded machine does not disturb (perf stat
# -e instructions needs hardware counters, which a VM often lacks): with
# CALLGRIND=1 and valgrind installed, the whole run less the index build.
if [ "${CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null; then
  valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" "$BIN" detect "$WORK/queries.log" >/dev/null 2>&1
  callgrind_annotate --inclusive=yes "$WORK/callgrind.out" 2>/dev/null | awk -v n="$LINES" '
    { gsub(",", "", $1) }
    /PROGRAM TOTALS/ { total = $1 }
    /lookup::build_index \[/ { index_build = $1 }
    /LineParser::parse_into \[/ { parse = $1 }
    /Collection::add \[/ { intern = $1 }
    /Collection::findings \[/ { attribute = $1 }
    END { printf "BIND, instructions per line: %.0f (parse %.0f, intern %.0f, attribute %.0f; index build left out)\n",
          (total - index_build) / n, parse / n, intern / n, attribute / n }'
fi

# The other formats: the same queries rewritten as Unbound, dnsmasq, Zeek
# (TSV and JSON) logs and a pcap of the query packets
# (scripts/detect-formats-synth.py), each read and attributed on one core;
# FORMATS=none skips them.
FORMATS=${FORMATS:-unbound dnsmasq zeek-tsv zeek-json pcap}
if [ "$FORMATS" != none ]; then
  python3 scripts/detect-formats-synth.py "$WORK/queries.log" "$WORK/queries"
  head -3 "$WORK/queries.log" > "$WORK/small.log"
  python3 scripts/detect-formats-synth.py "$WORK/small.log" "$WORK/small"
  YEAR=${DAY%%-*}
  for format in $FORMATS; do
    FILE="$WORK/queries.$format"
    STATS=$(taskset -c 0 "$BIN" detect --year "$YEAR" --stats "$FILE" 2>&1 >"$WORK/findings.$format")
    found=$(wc -l < "$WORK/findings.$format")
    line=$(echo "$STATS" | awk -v lines="$LINES" -v f="$format" '
      /read .* queries/ { for (i = 1; i <= NF; i++) { if ($i == "in" && $(i+2) == "s;" && !read) read = $(i+1);
                                                      if ($i == "attributed") attributed = $(i+2) } }
      END { printf "%s: %.0f lines/s read; read + attribute: %.0f lines/s (wall, one core)", f, lines / read, lines / (read + attributed) }')
    echo "$line; findings: $found (expected 20); $(du -h "$FILE" | cut -f1)"
    if command -v perf >/dev/null; then
      FULL=$(cpu_ms detect --year "$YEAR" "$FILE"); BASE=$(cpu_ms detect --year "$YEAR" "$WORK/small.$format")
      awk -v f="$FULL" -v b="$BASE" -v n="$LINES" -v fmt="$format" 'BEGIN { printf "%s, CPU time: %.0f lines/s parsed and attributed (%.0f ms, less %.0f ms for the index)\n", fmt, n / ((f - b) / 1000), f, b }'
    fi
  done
  rm -f "$WORK"/queries.unbound "$WORK"/queries.dnsmasq "$WORK"/queries.zeek-* "$WORK"/queries.pcap
fi

# dnstap: decoded (Frame Streams, protobuf, DNS question) and kept, then
# attributed, on one core.
DNSTAP=${DNSTAP:-1000000}
python3 scripts/dnstap-synth.py "$DNSTAP" "$DAY" "$WORK/dnstap.fstrm" "$WORK/necurs" "$WORK/qakbot"
echo "dnstap: $DNSTAP messages, $(du -h "$WORK/dnstap.fstrm" | cut -f1)"
STATS=$(taskset -c 0 "$BIN" detect --stats "$WORK/dnstap.fstrm" 2>&1 >"$WORK/findings.dnstap")
echo "$STATS"
echo "findings: $(wc -l < "$WORK/findings.dnstap") (expected 20)"
echo "$STATS" | awk -v messages="$DNSTAP" '
  /read .* queries/ { for (i = 1; i <= NF; i++) { if ($i == "in" && $(i+2) == "s;" && !read) read = $(i+1);
                                                  if ($i == "attributed") attributed = $(i+2) } }
  END { printf "dnstap: %.0f messages/s read; read + attribute: %.0f messages/s (one core)\n",
        messages / read, messages / (read + attributed) }'
if command -v perf >/dev/null; then
  python3 scripts/dnstap-synth.py 200 "$DAY" "$WORK/small.fstrm" "$WORK/necurs" "$WORK/qakbot"
  FULL=$(cpu_ms detect "$WORK/dnstap.fstrm"); BASE=$(cpu_ms detect "$WORK/small.fstrm")
  awk -v f="$FULL" -v b="$BASE" -v n="$DNSTAP" 'BEGIN { printf "dnstap, CPU time: %.0f messages/s decoded and attributed (%.0f ms, less %.0f ms for the index)\n", n / ((f - b) / 1000), f, b }'
fi

# The classifier: names/s of `cautery classify --no-lookup` on one core over
# the log's names (benign-looking and DGA), then the leave-family-out
# evaluation beside dgaintel's and dgad's ONNX models when the datasets and onnxruntime
# are there (DATASETS, default ../shared/datasets/detect).
awk '{ print $NF == "(10.0.0.53)" ? $(NF-4) : "" }' "$WORK/queries.log" | grep . > "$WORK/names"
taskset -c 0 "$BIN" classify --no-lookup --stats < "$WORK/names" 2>&1 >/dev/null
if command -v perf >/dev/null; then
  FULL=$(cpu_ms classify --no-lookup < "$WORK/names"); BASE=$(cpu_ms classify --no-lookup x.example)
  awk -v f="$FULL" -v b="$BASE" -v n="$(wc -l < "$WORK/names")" 'BEGIN { printf "classify, CPU time: %.0f names/s (%.0f ms, less %.0f ms to start)\n", n / ((f - b) / 1000), f, b }'
fi
DATASETS=${DATASETS:-../shared/datasets/detect}
if [ -d "$DATASETS" ] && python3 -c 'import sklearn, onnxruntime' 2>/dev/null; then
  python3 scripts/train-classifier.py --binary "$BIN" --datasets "$DATASETS" --onnx --out "$WORK/model.json"
else
  echo "skipped the classifier evaluation: needs $DATASETS, scikit-learn and onnxruntime (pip install onnxruntime)"
fi

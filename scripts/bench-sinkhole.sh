#!/usr/bin/env bash
# The connection sinkhole's figures, on loopback:
#  1. HTTP requests per second against cautery's HTTP sinkhole (every
#     request recorded as an event in SQLite) and against nginx answering the
#     same fixed response with its access log on, same client (wrk), same
#     run, rounds alternating. Both close the connection after each answer
#     (a sinkhole records each connection), so wrk reconnects every time.
#  2. Events stored and dropped during the cautery rounds.
#  3. Event inserts per second into SQLite and PostgreSQL, and a day of 10M
#     events from 2M sources: store size, report time and memory (the
#     crate's measurements).
# Needs: nginx (nginx-light) and wrk. Usage: scripts/bench-sinkhole.sh [SECONDS]
# Environment: ROUNDS (default 3), CONNECTIONS (default 64), ONLY=http or
# ONLY=store (one half), CAUTERY_TEST_POSTGRES (a database for the
# PostgreSQL inserts), CAUTERY_BENCH_STORE=FILE (keep the big day's SQLite
# store there; a second run reports from it without filling it again).
# On a machine shared with other jobs, the crate's figures in CPU seconds
# are the steadier ones.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-10}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
ONLY=${ONLY:-}
WORK=$(mktemp -d /tmp/cautery-sinkhole-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
cargo build --release -q
BIN=$PWD/target/release/cautery
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_until() { local limit=$1; shift; for _ in $(seq $((limit * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "timed out: $*" >&2; return 1; }
hwm() { awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' "/proc/$1/status"; }

if [ "$ONLY" != store ]; then
NAME=$("$BIN" generate necurs --date 2026-11-26 | head -1)
DNS=$(free_port); METRICS=$(free_port); HTTP=$(free_port); NGINX=$(free_port)
echo "2026-11-26T12:00:00Z" > "$WORK/clock"
cat > "$WORK/cautery.toml" <<TOML
version = 1
[server]
listen = ["127.0.0.1:$DNS"]
state-dir = "$WORK/state"
[metrics]
listen = "127.0.0.1:$METRICS"
[sinkhole]
http-listen = ["127.0.0.1:$HTTP"]
max-connections-per-source = 4096
[[zone]]
name = "sink.rpz"
families = ["necurs"]
seeds = "default"
days-back = 0
days-ahead = 0
action = "sinkhole"
sinkhole-v4 = ["127.0.0.1"]
TOML
"$BIN" serve --config "$WORK/cautery.toml" --clock-file "$WORK/clock" 2>"$WORK/cautery.log" &
CAUTERY=$!; PIDS+=($CAUTERY)
wait_until 120 grep -q "sinkhole listening" "$WORK/cautery.log"

mkdir -p "$WORK/nginx"
BODY='This domain is sinkholed.'
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log $WORK/nginx/access.log;
  client_body_temp_path $WORK/nginx;
  keepalive_timeout 0;
  server {
    listen 127.0.0.1:$NGINX;
    location / { default_type text/plain; return 200 "$BODY\n"; }
  }
}
CONF
nginx -c "$WORK/nginx/nginx.conf" &
PIDS+=($!)
wait_until 30 curl -sf "http://127.0.0.1:$NGINX/"

echo "== HTTP sinkhole: wrk -t2 -c$CONNECTIONS -d${SECONDS_PER_RUN}s, Host $NAME, $ROUNDS rounds, $(nproc) cores, $(date -u +%FT%TZ)"
run() { # label port
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" -H "Host: $NAME" -H "User-Agent: bench/1.0" \
    "http://127.0.0.1:$2/gate.php?id=1" 2>&1 | awk -v l="$1" '/Requests\/sec/ {r=$2} /Non-2xx|Socket errors/ {e=e" "$0} END {print l, r, e}'
}
: > "$WORK/rps.txt"
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then order="cautery nginx"; else order="nginx cautery"; fi
  for s in $order; do
    if [ "$s" = cautery ]; then run cautery "$HTTP"; else run nginx "$NGINX"; fi | tee -a "$WORK/rps.txt"
  done
done
median() { awk -v l="$1" '$1 == l {print $2}' "$WORK/rps.txt" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "cautery median $(median cautery) requests/s; nginx median $(median nginx) requests/s; ratio $(echo "scale=3; $(median cautery) / $(median nginx)" | bc)"
sleep 2
curl -s "http://127.0.0.1:$METRICS/metrics" | grep '^cautery_events_total'
echo "cautery memory: $(hwm "$CAUTERY"); event store: $(du -h "$WORK/state/events.sqlite"* | awk '{print $1}' | paste -sd+) for $(curl -s "http://127.0.0.1:$METRICS/metrics" | awk '/result="stored"/ {print $2}') events"

kill "$CAUTERY" 2>/dev/null || true
fi
[ "$ONLY" = http ] && exit 0

echo "== event inserts into SQLite and PostgreSQL (crates/events, release; PostgreSQL when CAUTERY_TEST_POSTGRES is set)"
CAUTERY_BENCH_BATCH=100000 cargo test -q --release -p cautery-events -- --ignored --nocapture sqlite_insert_rate postgres_insert_rate 2>&1 | grep -i -E "events/s|inserted|skipped" || true
echo "== a big day: CAUTERY_BENCH_EVENTS (10M) events from CAUTERY_BENCH_SOURCES (2M) addresses, per-AS reports of 1,000 ASes"
cargo test -q --release -p cautery-events -- --ignored --nocapture report_of_a_big_day 2>&1 | grep -E "stored|reports of the day" || true

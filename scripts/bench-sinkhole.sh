#!/usr/bin/env bash
# The connection sinkhole's figures, on loopback:
#  1. HTTP requests per second against cautery's HTTP sinkhole (every
#     request recorded as an event in SQLite) and against nginx answering the
#     same fixed response with its access log on, same client (wrk), same
#     run, rounds alternating. Both close the connection after each answer
#     (a sinkhole records each connection), so wrk reconnects every time.
#  2. Events stored and dropped during the cautery rounds.
#  3. Event inserts per second into SQLite and PostgreSQL (one after the
#     other, and the PostgreSQL backends' CPU time), and a day of 10M
#     events from 2M sources: store size, report time and memory (the
#     crate's measurements).
# Beside each rate, the CPU time the server's processes spent (user and
# system, from /proc, nginx's master and workers summed): requests per CPU
# second compare the two servers even on a machine other jobs load.
# Needs: nginx (nginx-light) and wrk. Usage: scripts/bench-sinkhole.sh [SECONDS]
# Environment: ROUNDS (default 3), CONNECTIONS (default 64), ONLY=http or
# ONLY=store (one half), CAUTERY_TEST_POSTGRES (a database for the
# PostgreSQL inserts), CAUTERY_BENCH_STORE=FILE (keep the big day's SQLite
# store there; a second run reports from it without filling it again),
# CAUTERY_BENCH_READERS (the report's readers; 0, the default, one per
# core; 1 for the single-reader figure),
# BIN=FILE (a cautery binary to measure instead of a fresh release build).
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
if [ -z "${BIN:-}" ]; then cargo build --release -q; BIN=$PWD/target/release/cautery; fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_until() { local limit=$1; shift; for _ in $(seq $((limit * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "timed out: $*" >&2; return 1; }
hwm() { awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' "/proc/$1/status"; }

if [ "$ONLY" != store ]; then
# Today's name on the system clock: a --clock-file is read for every event
# stamped, which is a test's clock, not a sinkhole's.
NAME=$("$BIN" generate necurs --date "$(date -u +%F)" | head -1)
DNS=$(free_port); METRICS=$(free_port); HTTP=$(free_port); NGINX=$(free_port)
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
"$BIN" serve --config "$WORK/cautery.toml" 2>"$WORK/cautery.log" &
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
NGINX_PID=$!; PIDS+=($NGINX_PID)
wait_until 30 curl -sf "http://127.0.0.1:$NGINX/"

echo "== HTTP sinkhole: wrk -t2 -c$CONNECTIONS -d${SECONDS_PER_RUN}s, Host $NAME, $ROUNDS rounds, $(nproc) cores, $(date -u +%FT%TZ)"
# CPU ticks (user + system) of a process and its children's threads.
ticks() { for p in "$@" $(pgrep -P "$1" || true); do awk '{print $14 + $15}' "/proc/$p/stat"; done | awk '{t += $1} END {print t}'; }
run() { # label port pid
  local before after
  before=$(ticks "$3")
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" -H "Host: $NAME" -H "User-Agent: bench/1.0" \
    "http://127.0.0.1:$2/gate.php?id=1" > "$WORK/wrk.txt" 2>&1
  after=$(ticks "$3")
  awk -v l="$1" -v cpu="$(echo "scale=2; ($after - $before) / $(getconf CLK_TCK)" | bc)" -v d="$SECONDS_PER_RUN" \
    '/Requests\/sec/ {r=$2} /Non-2xx|Socket errors/ {e=e" "$0}
     END {printf "%s %s requests/s, server CPU %.2f s, %.0f requests per CPU second%s\n", l, r, cpu, (cpu > 0 ? r * d / cpu : 0), e}' "$WORK/wrk.txt"
}
: > "$WORK/rps.txt"
for round in $(seq "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then order="cautery nginx"; else order="nginx cautery"; fi
  for s in $order; do
    if [ "$s" = cautery ]; then run cautery "$HTTP" "$CAUTERY"; else run nginx "$NGINX" "$NGINX_PID"; fi | tee -a "$WORK/rps.txt"
  done
done
median() { awk -v l="$1" -v f="${2:-2}" '$1 == l {print $f}' "$WORK/rps.txt" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "cautery median $(median cautery) requests/s; nginx median $(median nginx) requests/s; ratio $(echo "scale=3; $(median cautery) / $(median nginx)" | bc)"
echo "per CPU second: cautery median $(median cautery 8); nginx median $(median nginx 8); ratio $(echo "scale=3; $(median cautery 8) / $(median nginx 8)" | bc)"
sleep 2
curl -s "http://127.0.0.1:$METRICS/metrics" | grep '^cautery_events_total'
echo "cautery memory: $(hwm "$CAUTERY"); event store: $(du -h "$WORK/state/events.sqlite"* | awk '{print $1}' | paste -sd+) for $(curl -s "http://127.0.0.1:$METRICS/metrics" | awk '/result="stored"/ {print $2}') events"

kill "$CAUTERY" 2>/dev/null || true
fi
[ "$ONLY" = http ] && exit 0

echo "== event inserts into SQLite and PostgreSQL (crates/events, release; PostgreSQL when CAUTERY_TEST_POSTGRES is set)"
CAUTERY_BENCH_BATCH=100000 cargo test -q --release -p cautery-events -- --ignored --nocapture --test-threads=1 sqlite_insert_rate postgres_insert_rate 2>&1 | grep -i -E "events/s|inserted|skipped|backends" || true
echo "== a big day: CAUTERY_BENCH_EVENTS (10M) events from CAUTERY_BENCH_SOURCES (2M) addresses, per-AS reports of 1,000 ASes"
cargo test -q --release -p cautery-events -- --ignored --nocapture report_of_a_big_day 2>&1 | grep -E "stored|sources held|reports of the day" || true

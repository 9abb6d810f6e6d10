#!/usr/bin/env bash
# The HTTP API and console under load, and what that load does to the DNS
# sinkhole beside it, on loopback:
#  1. the sinkhole's DNS latency alone (dnsperf, A queries for predicted
#     necurs names at a fixed rate);
#  2. the same while wrk asks the console's overview (the page and its
#     API calls) and the hot endpoints (lookup, zones, families,
#     predictions, victims) at about RATE requests/s in all (each of
#     CONNECTIONS connections waits CONNECTIONS/RATE s between requests);
#  3. the API's most requests/s (wrk without the pause).
# Each phase prints the daemon's CPU time (user + system, from /proc) per
# request or query, which says more than rates on a machine shared with
# other work; the load average is printed beside it.
# Needs: wrk and dnsperf. Usage: scripts/bench-api.sh [SECONDS]
# The pause does not count each request's own time, so the rate reached is
# a little below RATE (more so on a loaded machine): the default asks for
# 1,250 to reach 1,000.
# Environment: RATE (default 1250), CONNECTIONS (default 10), QPS (DNS
# queries/s, default 2000), CAUTERY_BIN (default: a release build),
# PATH_SECONDS (each path alone, default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-15}
RATE=${RATE:-1250}
CONNECTIONS=${CONNECTIONS:-10}
QPS=${QPS:-2000}
WORK=$(mktemp -d /tmp/cautery-api-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
if [ -z "${CAUTERY_BIN:-}" ]; then
  cargo build --release -q
  CAUTERY_BIN=$PWD/target/release/cautery
fi
BIN=$CAUTERY_BIN
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_until() { local limit=$1; shift; for _ in $(seq $((limit * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "timed out: $*" >&2; return 1; }

NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ); DAY=${NOW%T*}
DNS=$(free_port); HTTP=$(free_port); SINK=$(free_port)
echo "$NOW" > "$WORK/clock"
# A monitored campaign and a zone file in which two of its names are
# delegated, so that the monitor endpoints answer from real state.
cat > "$WORK/campaign.toml" <<TOML
version = 1
name = "watch"
[[target]]
family = "necurs"
seeds = "default"
[horizon]
days-back = 0
days-ahead = 0
[zone]
name = "watch.rpz"
TOML
"$BIN" plan "$WORK/campaign.toml" --at "$NOW" | head -2 | awk -F'\t' '{print $1 ". NS ns1.evil.test."}' > "$WORK/tld.zone"
cat > "$WORK/cautery.toml" <<TOML
version = 1
[server]
listen = ["127.0.0.1:$DNS"]
state-dir = "$WORK/state"
[http]
listen = "127.0.0.1:$HTTP"
[sinkhole]
http-listen = ["127.0.0.1:$SINK"]
[[zone]]
name = "sink.rpz"
families = ["necurs"]
seeds = "default"
days-back = 0
days-ahead = 0
action = "sinkhole"
sinkhole-v4 = ["127.0.0.1"]
[monitor]
campaigns = ["$WORK/campaign.toml"]
zone-files = ["$WORK/tld.zone"]
state = "monitor.sqlite"
TOML
"$BIN" serve --config "$WORK/cautery.toml" --clock-file "$WORK/clock" 2>"$WORK/cautery.log" &
PIDS+=($!)
wait_until 120 curl -sf "http://127.0.0.1:$HTTP/health"
# The monitor's first cycle has found the two delegated names.
wait_until 60 sh -c "curl -sf 'http://127.0.0.1:$HTTP/api/v1/monitor' | grep -q ns1.evil.test"
"$BIN" generate necurs --date "$DAY" > "$WORK/names"
awk '{print $1, "A"}' "$WORK/names" > "$WORK/queries"
NAME=$(head -1 "$WORK/names")
# Some events for the victims endpoint to count.
for _ in $(seq 200); do curl -s -o /dev/null -H "Host: $NAME" "http://127.0.0.1:$SINK/" || true; done

cat > "$WORK/load.lua" <<LUA
local paths = {
  "/", "/api/v1/zones", "/api/v1/families?limit=1", "/api/v1/victims?hours=1",
  "/api/v1/monitor?limit=1", "/api/v1/victims?hours=24",
  "/api/v1/lookup?name=$NAME", "/api/v1/lookup?name=example.com",
  "/api/v1/families?q=nec", "/api/v1/families/necurs/predictions?limit=100",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
local pause = tonumber(os.getenv("PAUSE_MS") or "0")
if pause > 0 then delay = function() return pause end end
LUA

# The daemon's CPU seconds so far (user + system).
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.3f", ($14 + $15) / hz}' "/proc/${PIDS[0]}/stat"; }
# "what: N per CPU-second ..." from the CPU seconds before and after and a count.
per_cpu() {
  awk -v a="$2" -v b="$3" -v n="$4" -v what="$1" 'BEGIN {
    c = b - a; if (n > 0) printf "   %s: %d in %.2f daemon CPU-s, %.1f us of CPU each\n", what, n, c, c * 1e6 / n }'
}
dns_latency() {
  dnsperf -s 127.0.0.1 -p "$DNS" -d "$WORK/queries" -l "$SECONDS_PER_RUN" -Q "$QPS" -c 4 2>&1 \
    | awk '/Queries completed/ {done=$3} /Queries lost/ {lost=$3} /Average Latency/ {avg=$4} /Latency StdDev/ {sd=$4}
           END {printf "%s completed, %s lost, average %.3f ms, stddev %.3f ms\n", done, lost, avg*1000, sd*1000}'
}

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); binary $BIN"
echo "== 1. sinkhole DNS latency alone ($QPS queries/s, ${SECONDS_PER_RUN} s)"
C0=$(cpu)
dns_latency | tee "$WORK/dns-alone.txt"
per_cpu "DNS queries" "$C0" "$(cpu)" "$(awk '{print $1}' "$WORK/dns-alone.txt")"
echo "== 2. the same while wrk asks the overview and hot endpoints at ~$RATE requests/s"
PAUSE_MS=$((CONNECTIONS * 1000 / RATE)) wrk -t2 -c"$CONNECTIONS" -d"$((SECONDS_PER_RUN + 2))s" --latency \
  -s "$WORK/load.lua" "http://127.0.0.1:$HTTP" > "$WORK/wrk-paced.txt" &
WRK=$!; PIDS+=($WRK)
C0=$(cpu)
sleep 1
dns_latency
wait "$WRK" || true
C1=$(cpu)
grep -E "Requests/sec|Latency  |99%|Non-2xx|Socket errors" "$WORK/wrk-paced.txt" | sed 's/^/   api: /'
# Both loads share the daemon's CPU; subtract the DNS queries' share as measured alone.
REQUESTS=$(awk '/requests in/ {print $1}' "$WORK/wrk-paced.txt")
per_cpu "API requests and DNS queries (DNS's share included)" "$C0" "$C1" "$REQUESTS"
echo "   load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== 3. the API's most requests/s (no pause, $CONNECTIONS connections)"
C0=$(cpu)
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s "$WORK/load.lua" "http://127.0.0.1:$HTTP" \
  > "$WORK/wrk-most.txt"
C1=$(cpu)
grep -E "Requests/sec|Latency  |99%|Non-2xx|Socket errors" "$WORK/wrk-most.txt" | sed 's/^/   api: /'
per_cpu "API requests" "$C0" "$C1" "$(awk '/requests in/ {print $1}' "$WORK/wrk-most.txt")"
echo "   load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== 4. each path alone (${PATH_SECONDS:-3} s of wrk, 2 connections): requests/s, daemon CPU per request"
for p in $(awk -F'"' '/^  "/ {for (i = 2; i <= NF; i += 2) print $i}' "$WORK/load.lua"); do
  C0=$(cpu)
  wrk -t1 -c2 -d"${PATH_SECONDS:-3}s" "http://127.0.0.1:$HTTP$p" > "$WORK/wrk-path.txt"
  C1=$(cpu)
  awk -v a="$C0" -v b="$C1" -v p="$p" '/requests in/ {n = $1} /Requests\/sec/ {r = $2} /Non-2xx/ {bad = $5}
    END {printf "   %-48s %8.0f/s %8.1f us CPU each%s\n", p, r, (b - a) * 1e6 / n, bad ? " (" bad " not 2xx)" : ""}' \
    "$WORK/wrk-path.txt"
done
echo "== events stored: $(curl -s "http://127.0.0.1:$HTTP/metrics" | awk '/^cautery_events_total{result="stored"}/ {print $2}')"
echo "== daemon memory high-water mark: $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/${PIDS[0]}/status)"

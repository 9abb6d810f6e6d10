#!/usr/bin/env bash
# Benchmarks of `cautery serve`, side by side with NSD, all on loopback:
#  1. sinkhole queries per second (dnsperf) against cautery and against NSD
#     serving an equivalent zone (the same names, A records, in zone ".");
#  2. peak memory (VmHWM) of cautery with about 1M and 10M rules;
#  3. one day's IXFR size against the full zone (AXFR);
#  4. time from a plan change to a BIND secondary answering the new policy.
# Needs: bind9 dnsutils dnsperf nsd. Usage: scripts/bench-serve.sh [SECONDS]
# Environment: ROUNDS (default 3) dnsperf rounds, each running every server
# back to back in an order that rotates per round, medians reported;
# QPS_ONLY=1 stops after the throughput part; BASELINE_BIN=path adds a
# second cautery built from another commit to the rounds (before/after);
# NSD_SERVERS (default 1) sets NSD's server-count; DNSPERF_ARGS adds dnsperf
# options, e.g. "-e" for EDNS0 queries as resolvers send them; SPLIT_DAYS
# (default 11) is the split-days of the second rollover run (the first serves
# one zone); 0 skips it; ROLLOVER_ONLY=1 runs parts 3 and 4 alone;
# BIND_OPTIONS adds statements to BIND's options block; SUBDOMAINS=false
# serves the predicted names without their subdomains (the default since
# 2026-12-02 covers them, doubling the rules); EVENTS_STORE="" turns the
# recording of every sinkhole query as an event off (on by default, as in
# the daemon's defaults).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-20}
ROUNDS=${ROUNDS:-3}
WORK=$(mktemp -d /tmp/cautery-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
cargo build --release -q
BIN=$PWD/target/release/cautery
DAY1=2026-11-26T12:00:00Z
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_until() { # seconds, command...
  local limit=$1; shift
  for _ in $(seq $((limit * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "timed out: $*" >&2; return 1
}
hwm() { awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' "/proc/$1/status"; }

# start_cautery NAME DAYS_BACK DAYS_AHEAD ACTION [NOTIFY_PORT [BINARY]]
start_cautery() {
  local name=$1 back=$2 ahead=$3 action=$4 notify=${5:-} bin=${6:-$BIN}
  local dir=$WORK/$name port metrics
  mkdir -p "$dir"; port=$(free_port); metrics=$(free_port)
  echo "$DAY1" > "$dir/clock"
  cat > "$dir/cautery.toml" <<TOML
version = 1
[server]
listen = ["127.0.0.1:$port"]
state-dir = "$dir/state"
[metrics]
listen = "127.0.0.1:$metrics"
[events]
store = "${EVENTS_STORE-events.sqlite}"
[transfer]
notify = [${notify:+\"127.0.0.1:$notify\"}]
[[zone]]
name = "cautery.rpz"
split-days = ${CAUTERY_SPLIT:-0}
days-back = $back
days-ahead = $ahead
action = "$action"
subdomains = ${SUBDOMAINS:-true}
sinkhole-v4 = ["192.0.2.1"]
TOML
  "$bin" serve --config "$dir/cautery.toml" --clock-file "$dir/clock" 2>"$dir/log" &
  PIDS+=($!); CAUTERY_PID=$!; CAUTERY_PORT=$port; CAUTERY_DIR=$dir
  wait_until 300 grep -q listening "$dir/log"
}

echo "== cautery $(git rev-parse --short HEAD), $(nproc) cores, $(date -u +%FT%TZ)"

if [ -z "${ROLLOVER_ONLY:-}" ]; then
# 1 and 2 (1M): a sinkhole zone of about a million names.
start_cautery sink 7 7 sinkhole
SINK_PID=$CAUTERY_PID; SINK_PORT=$CAUTERY_PORT
dig @127.0.0.1 -p "$SINK_PORT" cautery.rpz AXFR +noall +answer > "$WORK/axfr.txt"
awk '$4 == "A" {sub(/\.cautery\.rpz\.$/, "", $1); print $1}' "$WORK/axfr.txt" | sort -u > "$WORK/names.txt"
NAMES=$(wc -l < "$WORK/names.txt")
echo "rules: $NAMES; cautery memory after plan and one AXFR: $(hwm "$SINK_PID")"
shuf -n 200000 --random-source=<(yes) "$WORK/names.txt" | awk '{print $1" A"}' > "$WORK/queries-cautery.txt"

mkdir -p "$WORK/nsd"; NSD_PORT=$(free_port)
{ echo '. 300 IN SOA localhost. hostmaster.localhost. 1 3600 600 864000 60'
  echo '. 300 IN NS localhost.'
  awk '{print $1". 300 IN A 192.0.2.1"}' "$WORK/names.txt"; } > "$WORK/nsd/root.zone"
cat > "$WORK/nsd/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$NSD_PORT
  port: $NSD_PORT
  username: ""
  chroot: ""
  zonesdir: "$WORK/nsd"
  database: ""
  pidfile: "$WORK/nsd/nsd.pid"
  xfrdfile: "$WORK/nsd/xfrd.state"
  zonelistfile: "$WORK/nsd/zone.list"
  server-count: ${NSD_SERVERS:-1}
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: "."
  zonefile: "root.zone"
CONF
/usr/sbin/nsd -d -c "$WORK/nsd/nsd.conf" 2>"$WORK/nsd/log" &
NSD_PID=$!; PIDS+=($NSD_PID)
wait_until 300 sh -c "dig @127.0.0.1 -p $NSD_PORT $(head -1 "$WORK/names.txt") A +short | grep -q 192.0.2.1"
echo "nsd memory: $(hwm "$NSD_PID")"

SERVERS=(cautery nsd); declare -A PORT=([cautery]=$SINK_PORT [nsd]=$NSD_PORT)
if [ -n "${BASELINE_BIN:-}" ]; then
  start_cautery baseline 7 7 sinkhole "" "$BASELINE_BIN"
  BASE_PID=$CAUTERY_PID; SERVERS+=(baseline); PORT[baseline]=$CAUTERY_PORT
fi
perf() { # label port: one dnsperf run, "label qps lost% latency" on stdout
  # shellcheck disable=SC2086 # DNSPERF_ARGS holds several words (e.g. "-e").
  dnsperf -s 127.0.0.1 -p "$2" -d "$WORK/queries-cautery.txt" -l "$SECONDS_PER_RUN" -c 8 -T 1 -q 500 ${DNSPERF_ARGS:-} 2>&1 \
    | awk -v l="$1" '/Queries per second/ {q=$4} /Queries lost/ {lost=$4} /Average Latency/ {lat=$4} END {print l, q, lost, lat}'
}
echo "== sinkhole throughput, dnsperf -c 8 -q 500 ${DNSPERF_ARGS:-}, ${SECONDS_PER_RUN}s each, $NAMES names, $ROUNDS rounds"
: > "$WORK/qps.txt"
for round in $(seq "$ROUNDS"); do
  n=${#SERVERS[@]}; line="round $round:"
  for i in $(seq 0 $((n - 1))); do
    s=${SERVERS[$(((i + round - 1) % n))]}
    perf "$s" "${PORT[$s]}" | tee -a "$WORK/qps.txt" > "$WORK/last.txt"
    line="$line $(awk '{printf "%s %.0f qps (lost %s)", $1, $2, $3}' "$WORK/last.txt");"
  done
  echo "$line"
done
median() { awk -v l="$1" '$1 == l {print $2}' "$WORK/qps.txt" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
for s in "${SERVERS[@]}"; do
  printf "%-8s median %8.0f qps\n" "$s" "$(median "$s")"
done
echo "cautery/nsd median ratio: $(echo "scale=3; $(median cautery) / $(median nsd)" | bc)"
echo "cautery memory after dnsperf: $(hwm "$SINK_PID")"
kill "$NSD_PID" "$SINK_PID" ${BASE_PID:-}; wait "$NSD_PID" "$SINK_PID" ${BASE_PID:-} 2>/dev/null || true
[ -n "${QPS_ONLY:-}" ] && exit 0
fi

# 3 and 4: the default campaign, BIND as secondary, one day's rollover;
# once with one policy zone, once split into day parts (split-days).
rollover() { # SPLIT_DAYS
  local split=$1 zones=() policy="" secondaries="" z
  if [ "$split" = 0 ]; then zones=(cautery.rpz); else
    for i in $(seq 0 $((split - 1))); do zones+=("d$i.cautery.rpz"); done; fi
  echo "== rollover with ${#zones[@]} policy zone(s) (split-days = $split)"
  BIND_PORT=$(free_port)
  CAUTERY_SPLIT=$split start_cautery "rpz$split" 2 7 nxdomain "$BIND_PORT"
  RPZ_PORT=$CAUTERY_PORT; RPZ_DIR=$CAUTERY_DIR
  local bind=$WORK/bind$split; mkdir -p "$bind"
  for z in "${zones[@]}"; do
    policy+="zone \"$z\" min-update-interval 0; "
    secondaries+="zone \"$z\" { type secondary; primaries { 127.0.0.1 port $RPZ_PORT; }; file \"$z.db\"; request-ixfr yes; };"$'\n'
  done
  cat > "$bind/named.conf" <<CONF
options {
  directory "$bind"; pid-file "$bind/named.pid";
  listen-on port $BIND_PORT { 127.0.0.1; }; listen-on-v6 { none; };
  recursion yes; allow-query { 127.0.0.1; };
  forwarders { 127.0.0.1 port $RPZ_PORT; }; forward only;
  dnssec-validation no; notify no;
  response-policy { $policy} qname-wait-recurse no;
  # The forwarder (cautery) refuses names outside its zones, and BIND would
  # keep that SERVFAIL for a second, hiding a rule that arrives meanwhile
  # from the probes.
  servfail-ttl 0;
  ${BIND_OPTIONS:-}
};
controls { };
$secondaries
CONF
  /usr/sbin/named -g -c "$bind/named.conf" 2>"$bind/log" &
  local named=$!; PIDS+=($named)
  wait_until 300 sh -c "dig @127.0.0.1 -p $BIND_PORT $OLD A +time=1 +tries=1 | grep -q NXDOMAIN"
  echo "BIND loaded ${#zones[@]} zone(s) by AXFR; $OLD blocked"
  # The midnight rollover: bring the clock to a second before it, let BIND
  # take those serials and finish updating its policy, let the daemon plan
  # midnight ahead, then turn the clock and time BIND. Probes start every
  # 0.1 s without waiting for each other (a probe BIND cannot answer from
  # policy yet takes about a second).
  local BEFORE=2026-11-26T23:59:59Z MIDNIGHT=2026-11-27T00:00:00Z
  echo "$BEFORE" > "$RPZ_DIR/clock.tmp"; mv "$RPZ_DIR/clock.tmp" "$RPZ_DIR/clock"
  wait_until 120 grep -q "plan ready.*at=$MIDNIGHT" "$RPZ_DIR/log"
  synced() {
    for z in "${zones[@]}"; do
      [ "$(dig @127.0.0.1 -p "$BIND_PORT" "$z" SOA +short | awk '{print $3}')" = \
        "$(dig @127.0.0.1 -p "$RPZ_PORT" "$z" SOA +short | awk '{print $3}')" ] || return 1
    done
  }
  wait_until 120 synced
  rpz_idle() { [ "$(grep -c 'reload start' "$bind/log")" = "$(grep -c 'reload done' "$bind/log")" ]; }
  wait_until 120 rpz_idle
  sleep 2 # every zone's next plan prepared
  local serials=() start end
  for z in "${zones[@]}"; do serials+=("$(dig @127.0.0.1 -p "$RPZ_PORT" "$z" SOA +short | awk '{print $3}')"); done
  local lines; lines=$(wc -l < "$bind/log")
  start=$(date +%s.%N)
  echo "$MIDNIGHT" > "$RPZ_DIR/clock.tmp"; mv "$RPZ_DIR/clock.tmp" "$RPZ_DIR/clock"
  rm -f "$WORK/hit"; local probes=()
  for _ in $(seq 600); do
    (dig @127.0.0.1 -p "$BIND_PORT" "$NEW" A +time=2 +tries=1 | grep -q NXDOMAIN && date +%s.%N >> "$WORK/hit") &
    probes+=($!); sleep 0.1; [ -s "$WORK/hit" ] && break
  done
  wait "${probes[@]}"
  end=$(sort -n "$WORK/hit" | head -1)
  echo "plan change to BIND answering the new policy ($NEW blocked), split-days = $split: $(echo "$end - $start" | bc) s"
  # BIND answers from a policy zone while it still updates its summary, so
  # a name early in its walk can be blocked before the rest: the whole
  # policy is in force when the last zone's RPZ reload is done.
  wait_until 120 rpz_idle
  local done_at; done_at=$(tail -n +"$((lines + 1))" "$bind/log" | grep "reload done" | tail -1 | awk '{print $1" "$2}' | sed 's/-/ /g')
  echo "plan change to the whole new policy in force in BIND (last RPZ reload done), split-days = $split: $(echo "$(date -d "$done_at" +%s.%N) - $start" | bc) s"
  grep -h -e "new plan" -e "swapped and notified" "$RPZ_DIR/log" | sed 's/\x1b\[[0-9;]*m//g' | tail -4
  tail -n +"$((lines + 1))" "$bind/log" | grep -h -e "Transfer completed" -e "reload done" | tail -6
  local i
  for i in "${!zones[@]}"; do
    z=${zones[$i]}
    local now; now=$(dig @127.0.0.1 -p "$RPZ_PORT" "$z" SOA +short | awk '{print $3}')
    [ "$now" = "${serials[$i]}" ] && continue
    echo "changed at midnight: $z, $(dig @127.0.0.1 -p "$RPZ_PORT" "$z" AXFR | grep -c -v -e '^;' -e '^$') records now;" \
      "IXFR: $(dig @127.0.0.1 -p "$RPZ_PORT" "$z" IXFR="${serials[$i]}" +tcp | grep 'XFR size');" \
      "AXFR: $(dig @127.0.0.1 -p "$RPZ_PORT" "$z" AXFR | grep 'XFR size')"
  done
  echo "cautery memory (default campaign, BIND attached): $(hwm "$CAUTERY_PID")"
  kill "$CAUTERY_PID" "$named"; wait "$CAUTERY_PID" "$named" 2>/dev/null || true
}
set +o pipefail
OLD=$("$BIN" generate all --all-seeds --date 2026-11-24 | sort -u > "$WORK/d-2.txt"; "$BIN" generate all --all-seeds --date 2026-11-25 | sort -u > "$WORK/d-1.txt"; comm -23 "$WORK/d-2.txt" "$WORK/d-1.txt" | grep -v '\.\.' | grep -E '^[a-z0-9.-]+$' | head -1)
NEW=$("$BIN" generate all --all-seeds --date 2026-12-04 | sort -u > "$WORK/d8.txt"; "$BIN" generate all --all-seeds --date 2026-12-03 | sort -u > "$WORK/d7.txt"; comm -23 "$WORK/d8.txt" "$WORK/d7.txt" | grep -v '\.\.' | grep -E '^[a-z0-9.-]+$' | head -1)
set -o pipefail
rollover 0
[ "${SPLIT_DAYS:-11}" != 0 ] && rollover "${SPLIT_DAYS:-11}"
[ -n "${ROLLOVER_ONLY:-}" ] && exit 0

# 2 (10M): memory with about ten million rules (a quarter year each way).
start_cautery big 125 125 nxdomain
echo "== $(grep -h 'first plan' "$CAUTERY_DIR/log" | sed 's/\x1b\[[0-9;]*m//g' | grep -o 'rules=[0-9]*'): cautery memory $(hwm "$CAUTERY_PID")"

#!/usr/bin/env bash
# Figures for the README's Performance section (blocking): an RPZ of every
# family and seed over a horizon of 60 days back and 60 ahead (over 5
# million names), its export time and peak memory, and the time BIND and
# Unbound take to load it until they answer a predicted name from the
# policy. Resolvers listen on a loopback port and forward only to a closed
# loopback port: nothing leaves the machine.
#   scripts/bench-block.sh [DAYS_BACK] [DAYS_AHEAD]
set -euo pipefail
cd "$(dirname "$0")/.."
back=${1:-60}
ahead=${2:-60}
cargo build --release --quiet
bin=$PWD/target/release/cautery
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
time_cmd() { /usr/bin/time -f '%e s elapsed (%U s user, %S s system), %M KiB peak RSS' "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cat >"$work/all.toml" <<TOML
version = 1
name = "all"
[[target]]
family = "all"
seeds = "all"
[horizon]
days-back = $back
days-ahead = $ahead
[zone]
name = "rpz.bench"
TOML

echo "== export --format rpz: every family and seed, $back days back and $ahead ahead"
time_cmd "$bin" export "$work/all.toml" --format rpz --at 2026-11-26T00:00:00Z --out "$work/out"
zone=$work/out/all.rpz
names=$(grep -c ' CNAME \. ;' "$zone")
echo "$names names, $(du -m "$zone" | cut -f1) MB zone file"
probe=$(grep -m1 ' CNAME \. ;' "$zone" | cut -d' ' -f1)

# Waits until the resolver on port $1 answers NXDOMAIN for the probe; prints
# the seconds since $2 (epoch seconds with fractions). Bounded to 600 s.
wait_policy() {
  local port=$1 start=$2 deadline=$(( $(date +%s) + 600 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if dig @127.0.0.1 -p "$port" +tries=1 +time=1 "$probe" A 2>/dev/null | grep -q 'status: NXDOMAIN'; then
      python3 -c "import time; print(f'{time.time() - $start:.1f} s')"
      return 0
    fi
    sleep 0.2
  done
  echo "no answer within 600 s"; return 1
}
peak() { grep VmHWM "/proc/$1/status" | awk '{print $2 " KiB peak RSS"}'; }

echo "== named-checkzone"
time_cmd named-checkzone -q rpz.bench "$zone"

closed=$(free_port)
echo "== BIND 9 (named) loading the zone as a response-policy zone"
port=$(free_port)
cat >"$work/named.conf" <<CONF
options { directory "$work"; listen-on port $port { 127.0.0.1; }; listen-on-v6 { none; };
  recursion yes; forward only; forwarders { 127.0.0.1 port $closed; }; dnssec-validation no;
  pid-file "$work/named.pid"; session-keyfile "$work/session.key";
  response-policy { zone "rpz.bench"; } qname-wait-recurse no; };
controls { };
zone "rpz.bench" { type primary; file "$zone"; allow-query { none; }; };
CONF
start=$(date +%s.%N)
named -g -c "$work/named.conf" >"$work/named.log" 2>&1 &
pids+=($!)
echo "answers from the policy after $(wait_policy "$port" "$start"), $(peak "${pids[-1]}")"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

echo "== Unbound loading the zone through its rpz: clause"
port=$(free_port)
cat >"$work/unbound.conf" <<CONF
server:
  interface: 127.0.0.1@$port
  port: $port
  do-ip6: no
  username: ""
  chroot: ""
  directory: "$work"
  pidfile: ""
  use-syslog: no
  do-not-query-localhost: no
  module-config: "respip iterator"
remote-control:
  control-enable: no
forward-zone:
  name: "."
  forward-addr: 127.0.0.1@$closed
rpz:
  name: rpz.bench
  zonefile: "$zone"
CONF
start=$(date +%s.%N)
unbound -d -c "$work/unbound.conf" >"$work/unbound.log" 2>&1 &
pids+=($!)
echo "answers from the policy after $(wait_policy "$port" "$start"), $(peak "${pids[-1]}")"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

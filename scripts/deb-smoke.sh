#!/usr/bin/env bash
# Installs the package that scripts/build-deb.sh made on this machine and
# starts what its systemd unit starts, as an unprivileged user, the way a
# fresh Debian host would run it (CI has no running systemd, so the unit's
# own commands are run by hand): ExecStartPre's config check, then
# ExecStart, until /health answers and the policy zone's SOA is served;
# then removal keeps the conffile and purge removes it. Root only.
#
#   scripts/deb-smoke.sh target/debian/cautery_0.1.0-1_amd64.deb
set -euo pipefail
deb=${1:?usage: scripts/deb-smoke.sh PACKAGE.deb}
[ "$(id -u)" = 0 ] || { echo "deb-smoke.sh installs a package: run it as root" >&2; exit 2; }

fail() { echo "deb-smoke: $*" >&2; exit 1; }
dpkg -i "$deb" >/dev/null
unit=/usr/lib/systemd/system/cautery.service
for path in /usr/bin/cautery /etc/cautery/cautery.toml "$unit" \
  /usr/share/doc/cautery/examples/cautery.production.toml \
  /usr/share/cautery/families/rustock-model.toml \
  /usr/share/bash-completion/completions/cautery; do
  [ -e "$path" ] || fail "the package did not install $path"
done
ls /usr/share/man/man1/cautery-serve.1* >/dev/null 2>&1 || fail "no manual page cautery-serve(1)"
dpkg-query -W -f='${Conffiles}\n' cautery | grep -q /etc/cautery/cautery.toml \
  || fail "/etc/cautery/cautery.toml is not a conffile"

# The unit's commands, exactly as it names them.
pre=$(sed -n 's/^ExecStartPre=//p' "$unit")
start=$(sed -n 's/^ExecStart=//p' "$unit")
[ -n "$pre" ] && [ -n "$start" ] || fail "the unit has no ExecStartPre/ExecStart"
# What systemd's StateDirectory= and DynamicUser= would provide.
install -d -o nobody -g nogroup -m 0750 /var/lib/cautery
healthy() {
  python3 -c 'import urllib.request; urllib.request.urlopen("http://127.0.0.1:9353/health", timeout=1)' 2>/dev/null
}
log=$(mktemp)
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; rm -f "$log"; }
trap cleanup EXIT
(cd /var/lib/cautery && runuser -u nobody -- $pre) || fail "ExecStartPre failed: $pre"
(cd /var/lib/cautery && exec runuser -u nobody -- $start) >"$log" 2>&1 &
pid=$!
for _ in $(seq 600); do
  healthy && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "ExecStart exited: $start"; }
  sleep 0.2
done
healthy || { cat "$log" >&2; fail "/health never answered"; }
soa=$(dig +short +norecurse @127.0.0.1 -p 5353 cautery.rpz SOA)
[ -n "$soa" ] || fail "no SOA for cautery.rpz on 127.0.0.1:5353"
[ -s /var/lib/cautery/cautery.rpz.policy ] || fail "no state saved in /var/lib/cautery"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=

dpkg -r cautery >/dev/null
[ ! -e /usr/bin/cautery ] || fail "dpkg -r left /usr/bin/cautery"
[ -e /etc/cautery/cautery.toml ] || fail "dpkg -r removed the conffile"
dpkg -P cautery >/dev/null
[ ! -e /etc/cautery/cautery.toml ] || fail "dpkg -P kept the conffile"
rm -rf /var/lib/cautery
echo "deb-smoke: installed, ExecStartPre and ExecStart ran as nobody, SOA served ($soa), removed and purged"

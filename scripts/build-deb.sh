#!/usr/bin/env bash
# Builds the Debian package with cargo-deb (`cargo install cargo-deb
# --locked`): the binary, the systemd unit (etc/systemd/cautery.service),
# a loopback-only /etc/cautery/cautery.toml, the example configurations,
# family files, manual pages and bash completions. Prints the .deb's path.
#
#   scripts/build-deb.sh                 # release build: the package to ship
#   PROFILE=dev scripts/build-deb.sh     # reuse the test build (what CI installs)
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${PROFILE:-release}
case "$profile" in
  release) dir=release ;;
  dev) dir=debug ;;
  *) echo "PROFILE must be release or dev, not '$profile'" >&2; exit 2 ;;
esac
if ! command -v cargo-deb >/dev/null 2>&1; then
  echo "cargo-deb is missing: cargo install cargo-deb --locked" >&2
  exit 2
fi

cargo build --quiet --profile "$profile" --bin cautery
binary="target/$dir/cautery"
extra=target/deb-extra
rm -rf "$extra"
mkdir -p "$extra/man" "$extra/completions"
"$binary" man --out "$extra/man" >/dev/null
"$binary" completions bash > "$extra/completions/cautery"

# cargo-deb prints the package's path.
cargo deb --no-build --profile "$profile"

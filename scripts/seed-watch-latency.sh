#!/usr/bin/env bash
# Measures how long `cautery seed watch` takes from a changed input being
# served to its predictions being printed, apart from the poll interval.
# Runs the integration test that does this against a loopback HTTP server
# (tests/integration/seeds.rs, watch_prints_new_predictions_soon_after_an_input_changes)
# RUNS times and prints each figure. The server notes when it first serves
# the changed body; the test notes when the watch's header line for the new
# input arrives on its stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-10}
PROFILE=${PROFILE:-}   # set PROFILE=--release for a release build
cargo test $PROFILE --test integration --no-run >/dev/null 2>&1
for _ in $(seq "$RUNS"); do
    cargo test $PROFILE --test integration seeds::watch_prints_new_predictions -- --nocapture 2>&1 |
        grep -o 'served-to-printed latency: .*'
done

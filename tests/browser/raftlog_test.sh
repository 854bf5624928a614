#!/usr/bin/env bash
# Goal: the dashboard shows the protocol (issue 21): Raft messages fly
# between the nodes on the close-up (an append with entries while the
# mission runs, vote requests once the leader is cut off), and the Raft log
# view shows Raft repairing a log:
# with the leader isolated, its row shows the entries it took and cannot
# commit (faded, dashed) at indexes where the new leader's row shows other
# terms; after the heal the old leader's row holds the new leader's entries
# at those same indexes, each marked with the term it replaced.
#
# Method: a five-node cluster and a proxy on loopback (cluster.sh beside
# this file); raftlog_scenario.py opens the page with #logs in headless
# Chromium, pauses the mission so only the test's entries arrive, isolates
# the leader through the proxy, sends a move straight to it, and reads the
# log view's cells (their data-node-id, data-index, data-term, data-state,
# data-replaced hooks). Screenshots land in BUILD_DIR:
# dashboard-raftlog-0-append-in-flight.png, -1-vote-in-flight.png,
# -2-partitioned.png, -3-healed.png (-failed.png on a failure).
#
# Usage: tests/browser/raftlog_test.sh path/to/raftescort BUILD_DIR
set -euo pipefail

if [ $# -ne 2 ] || [ ! -x "$1" ] || [ ! -d "$2" ]; then
    echo "usage: $0 path/to/raftescort BUILD_DIR" >&2
    exit 2
fi
binary=$1
build_dir=$(cd "$2" && pwd)
chromium=${RAFTESCORT_CHROMIUM:-/usr/bin/chromium}
node_count=5
test_name=raftlog
# shellcheck source=tests/browser/cluster.sh
source "$(dirname "$0")/cluster.sh"

command -v python3 >/dev/null || fail "python3 not found (scripts/test installs it)"
rm -f "$build_dir"/dashboard-raftlog-*.png

start_cluster
page_url=$(grep -o 'http://[^ ]*#token=[0-9a-f]*' "$work/proxy.log" | head -n 1 || true)
[ -n "$page_url" ] || fail "the proxy printed no dashboard address with #token= (proxy.log)"

started_ms=$(now_ms)
PYTHONDONTWRITEBYTECODE=1 python3 "$(dirname "$0")/raftlog_scenario.py" "$chromium" "$work" \
    "$build_dir/dashboard-raftlog" "$page_url&logs" "$proxy"
echo "scenario took $(($(now_ms) - started_ms)) ms; screenshots: $build_dir/dashboard-raftlog-*.png"

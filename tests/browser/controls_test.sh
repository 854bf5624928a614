#!/usr/bin/env bash
# Goal: the dashboard's controls work end to end in a real browser: the
# page takes the admin token from its address (and drops it from there),
# a click on the leader's crash button crashes it, the fault is drawn on the
# node with its time left counting down, a new leader appears; a click on
# recover brings the node back as a follower with no lag (its applied index
# equal to the leader's); a wrong token is answered 401, forgotten and
# asked for again, and the token typed in sends the control once more.
# RAFTESCORT_CONTROLS_FAULT=pause runs it with pause and heal instead.
#
# Method: a three-node cluster and a proxy on loopback (cluster.sh beside
# this file); the proxy makes its admin token and prints the page's address
# with #token=…, which is what a person opens. controls_scenario.py drives
# headless Chromium over the DevTools protocol: real mouse clicks on the
# page's buttons, and what is checked is what the page shows (its test
# hooks, see src/proxy/dashboard/dashboard_page.cpp). Screenshots of each
# step land in BUILD_DIR: dashboard-controls-1-cluster.png, -2-crash.png,
# -3-recover.png (-2-pause.png, -3-heal.png with pause; -failed.png on a
# failure).
#
# Usage: tests/browser/controls_test.sh path/to/raftescort BUILD_DIR
set -euo pipefail

if [ $# -ne 2 ] || [ ! -x "$1" ] || [ ! -d "$2" ]; then
    echo "usage: $0 path/to/raftescort BUILD_DIR" >&2
    exit 2
fi
binary=$1
build_dir=$(cd "$2" && pwd)
chromium=${RAFTESCORT_CHROMIUM:-/usr/bin/chromium}
fault=${RAFTESCORT_CONTROLS_FAULT:-crash}
node_count=3
test_name=controls
# shellcheck source=tests/browser/cluster.sh
source "$(dirname "$0")/cluster.sh"

case "$fault" in
crash | pause) ;;
*) fail "RAFTESCORT_CONTROLS_FAULT must be crash or pause, not '$fault'" ;;
esac
command -v python3 >/dev/null || fail "python3 not found (scripts/test installs it)"

start_cluster
page_url=$(grep -o 'http://[^ ]*#token=[0-9a-f]*' "$work/proxy.log" | head -n 1 || true)
[ -n "$page_url" ] || fail "the proxy printed no dashboard address with #token= (proxy.log)"

rm -f "$build_dir"/dashboard-controls-*.png
started_ms=$(now_ms)
PYTHONDONTWRITEBYTECODE=1 python3 "$(dirname "$0")/controls_scenario.py" "$chromium" "$work" \
    "$build_dir/dashboard-controls" "$page_url" "$fault" "$node_count"
echo "scenario took $(($(now_ms) - started_ms)) ms; screenshots:" \
    "$build_dir/dashboard-controls-*.png"

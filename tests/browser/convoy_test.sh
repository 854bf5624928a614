#!/usr/bin/env bash
# Goal: the dashboard's convoy close-up shows every node apart from the
# others, wherever the convoy is on its track (issue 25): no two node markers
# overlap and no label covers a marker, at 1280x800 and 1024x800, for a
# five-node cluster at three lead positions (start, middle, target), with
# its leader isolated, and for a nine-node cluster; and a node the proxy has
# not heard from for over a poll shows how old its data is, on its table row
# and its marker, the figure growing while it stays silent.
#
# Method: per cluster size, a cluster and a proxy on loopback (cluster.sh
# beside this file); convoy_scenario.py drives headless Chromium over the
# DevTools protocol and reads each node marker's and label's bounding box
# from the page once its layout has settled. The convoy is moved with the
# proxy's POST /nodes/move (no waiting for a mission's steps), the leader
# isolated with POST /chaos, and a follower silenced with SIGSTOP (a paused
# node still answers its /status). Screenshots land in BUILD_DIR:
# dashboard-convoy-5-{start,middle,target}-{1280,1024}.png,
# dashboard-convoy-partition.png, dashboard-convoy-stale.png,
# dashboard-convoy-9-start-{1280,1024}.png (-failed.png on a failure).
#
# Usage: tests/browser/convoy_test.sh path/to/raftescort BUILD_DIR [NODE_COUNT]
# Without NODE_COUNT it runs five nodes, then nine, each cluster in its own
# process so cluster.sh's exit trap stops it before the next starts.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ] || [ ! -x "$1" ] || [ ! -d "$2" ]; then
    echo "usage: $0 path/to/raftescort BUILD_DIR [NODE_COUNT]" >&2
    exit 2
fi
if [ $# -eq 2 ]; then
    rm -f "$2"/dashboard-convoy-*.png
    "$0" "$1" "$2" 5
    "$0" "$1" "$2" 9
    echo "2 passed, 0 failed"
    exit 0
fi
binary=$1
build_dir=$(cd "$2" && pwd)
chromium=${RAFTESCORT_CHROMIUM:-/usr/bin/chromium}
node_count=$3
test_name=convoy$node_count
# shellcheck source=tests/browser/cluster.sh
source "$(dirname "$0")/cluster.sh"

[[ $node_count =~ ^[0-9]+$ ]] && [ "$node_count" -ge 3 ] && [ "$node_count" -le 15 ] ||
    fail "NODE_COUNT must be 3 to 15, not '$node_count'"
command -v python3 >/dev/null || fail "python3 not found (scripts/test installs it)"

start_cluster
page_url=$(grep -o 'http://[^ ]*#token=[0-9a-f]*' "$work/proxy.log" | head -n 1 || true)
[ -n "$page_url" ] || fail "the proxy printed no dashboard address with #token= (proxy.log)"
pids=""
for id in "${!node_pid[@]}"; do
    pids+="${pids:+,}$id:${node_pid[$id]}"
done

started_ms=$(now_ms)
PYTHONDONTWRITEBYTECODE=1 python3 "$(dirname "$0")/convoy_scenario.py" "$chromium" "$work" \
    "$build_dir/dashboard-convoy" "$page_url" "$proxy" "$node_count" "$pids"
echo "$node_count nodes: scenario took $(($(now_ms) - started_ms)) ms; screenshots:" \
    "$build_dir/dashboard-convoy-*.png"

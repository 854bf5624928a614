#!/usr/bin/env bash
# Goal: the proxy's dashboard, in a real browser, draws a live five-node
# cluster and notices a leader change within 2 s of the leader's death.
#
# Method: a redis-server on a free loopback port; `raftescort node` 1 on
# 127.0.0.11 founds the cluster, nodes 2..5 on 127.0.0.12..15 join through
# Redis; a `raftescort proxy` serves the page (all from cluster.sh beside
# this file). Headless Chromium then
#   1. takes a screenshot of the settled page ($BUILD/dashboard.png), and
#   2. dumps the DOM after a fixed time while this script kill -9's the
#      leader, once the page has its event stream open and 1 s more for its
#      first status (a slow machine may take seconds to start Chromium: a
#      fixed delay could kill the leader before the page ever saw it). The page's test hooks (see
#      src/proxy/dashboard/dashboard_page.cpp) must then show 5 nodes drawn, a leader
#      other than the killed one, and data-leader-changed-at at most 2000 ms
#      after the kill.
# Headless Chromium dumps the DOM (and screenshots) at the page's load event,
# which a live page reaches at once; the #hold-load fragment keeps the page
# loading so both wait for --timeout. curl is used only to set up and poll
# the cluster; what is measured is the page's own view.
#
# Usage: tests/browser/dashboard_test.sh path/to/raftescort BUILD_DIR
# The cluster and the helpers are tests/browser/cluster.sh's, which stops
# every process started here by its PID at exit (or by its process group,
# for Chromium and its helpers).
set -euo pipefail

if [ $# -ne 2 ] || [ ! -x "$1" ] || [ ! -d "$2" ]; then
    echo "usage: $0 path/to/raftescort BUILD_DIR" >&2
    exit 2
fi
binary=$1
build_dir=$(cd "$2" && pwd)
chromium=${RAFTESCORT_CHROMIUM:-/usr/bin/chromium}
screenshot="$build_dir/dashboard.png"
node_count=5
dump_timeout_ms=15000        # when Chromium dumps the DOM, after it starts
seen_after_s=1               # when the leader is killed, after the page's stream opens
detection_budget_ms=2000     # kill -> the page's data-leader-changed-at
test_name=dashboard
# shellcheck source=tests/browser/cluster.sh
source "$(dirname "$0")/cluster.sh"

start_cluster
# A browser asks for HTML; curl's */* gets the original's redirect to /status.
page=$(curl -sf --max-time 2 -H 'Accept: text/html' "$proxy/") || fail "GET / failed"
grep -q 'data-leader=' <<<"$page" || fail "GET / does not serve the dashboard"

# ---- 1. screenshot of the settled page ------------------------------------------
rm -f "$screenshot"
run_chromium "$work/screenshot.out" --screenshot="$screenshot" --timeout=4000 "$proxy/#hold-load"
wait_chromium 60
[ -s "$screenshot" ] || fail "Chromium wrote no screenshot"
[ "$(head -c 4 "$screenshot" | tail -c 3)" = PNG ] || fail "$screenshot is not a PNG"

# ---- 2. the page follows a leader change ----------------------------------------
# event_clients: the proxy's count of open GET /events streams.
event_clients() {
    curl -sf --max-time 1 "$proxy/metrics" | awk '$1 == "raftescort_proxy_event_clients" { print $2 }'
}
wait_event_clients() { # COMPARISON VALUE SECONDS, e.g. -ge 1 5
    local deadline=$(($(now_ms) + $3 * 1000)) clients
    while true; do
        clients=$(event_clients || true)
        [ -n "$clients" ] && [ "${clients%.*}" "$1" "$2" ] && return 0
        [ "$(now_ms)" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}
# The screenshot's stream must be gone, or it would pass for the new page's.
wait_event_clients -eq 0 10 || fail "the screenshot's event stream is still open after 10 s"
run_chromium "$work/dom.html" --dump-dom --timeout="$dump_timeout_ms" "$proxy/#hold-load"
wait_event_clients -ge 1 $((dump_timeout_ms / 1000 - 3)) ||
    fail "the page opened no event stream within $((dump_timeout_ms / 1000 - 3)) s"
sleep "$seen_after_s"
status=$(curl -sf --max-time 1 "$proxy/status") || fail "the proxy does not answer /status"
old_leader=$(json_field "$status" leader)
[ -n "$old_leader" ] && [ "$old_leader" != 0 ] && [ -n "${node_pid[$old_leader]:-}" ] ||
    fail "no leader to kill (proxy /status: $status)"
kill_ms=$(now_ms)
kill -KILL "${node_pid[$old_leader]}"
wait "${node_pid[$old_leader]}" 2>/dev/null || true
echo "killed leader n$old_leader at $kill_ms"
wait_chromium $((dump_timeout_ms / 1000 + 60))

root_tag=$(grep -o '<html[^>]*>' "$work/dom.html" | sed -n '1p' || true)
[ -n "$root_tag" ] || fail "Chromium dumped no DOM"
attribute() { grep -o " $1=\"[^\"]*\"" <<<"$root_tag" | sed 's/^[^"]*"//; s/"$//' || true; }
nodes_drawn=$(attribute data-nodes)
new_leader=$(attribute data-leader)
changed_at=$(attribute data-leader-changed-at)
groups=$(grep -o 'data-node-id="[0-9]*"' "$work/dom.html" | sort -u | wc -l)
echo "page: data-nodes=$nodes_drawn data-leader=$new_leader data-term=$(attribute data-term)" \
    "data-leader-changed-at=$changed_at, $groups node groups"

[ "$nodes_drawn" = "$node_count" ] || fail "data-nodes is '$nodes_drawn', wanted $node_count"
[ "$groups" -eq "$node_count" ] || fail "$groups node groups with data-node-id, wanted $node_count"
[ -n "$new_leader" ] || fail "the page shows no leader ${dump_timeout_ms} ms after it started"
[ "$new_leader" != "$old_leader" ] || fail "the page still shows the killed leader n$old_leader"
[[ $changed_at =~ ^[0-9]+$ ]] || fail "no data-leader-changed-at on the page"
latency_ms=$((changed_at - kill_ms))
echo "leader change n$old_leader -> n$new_leader seen by the page $latency_ms ms after the kill" \
    "(budget $detection_budget_ms ms)"
[ "$latency_ms" -gt 0 ] || fail "the page's last leader change predates the kill"
[ "$latency_ms" -le "$detection_budget_ms" ] ||
    fail "the page took $latency_ms ms to see the new leader"

echo "screenshot: $screenshot"
echo "1 passed, 0 failed"

#!/usr/bin/env bash
# Goal: the proxy's dashboard, in a real browser, draws a live five-node
# cluster and notices a leader change within 2 s of the leader's death.
#
# Method: a redis-server on a free loopback port; `raftescort node` 1 on
# 127.0.0.11 founds the cluster, nodes 2..5 on 127.0.0.12..15 join through
# Redis; a `raftescort proxy` serves the page. Headless Chromium then
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
# Every process started here is stopped by its PID at exit (or by its
# process group, for Chromium and its helpers).
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

fail() {
    echo "FAIL: $*"
    exit 1
}

if [ ! -x "$chromium" ]; then
    fail "$chromium not found: this test needs headless Chromium (Debian package 'chromium';" \
        "scripts/test installs it)"
fi
command -v redis-server >/dev/null || fail "redis-server not found (scripts/test installs it)"
command -v curl >/dev/null || fail "curl not found (Debian package 'curl')"

unset CONTAINER_PORT HEARTBEAT_TIMEOUT ELECTION_TIMEOUT REDIS_URL RAFTESCORT_PROXY \
    RAFTESCORT_CLUSTER_TOKEN RAFTESCORT_CLUSTER
work=$(mktemp -d "${TMPDIR:-/tmp}/browser-dashboard.XXXXXX")
cluster="browser$$"
declare -A node_pid node_address
other_pids=()        # redis-server and the proxy
chromium_pids=()     # process group leaders (setsid)
keep_work=${RAFTESCORT_KEEP_WORK:-0}   # 1: keep the logs and the dumped DOM after a pass too

now_ms() { date +%s%3N; }

stop_pid() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$?
    trap - EXIT
    for pid in "${chromium_pids[@]}"; do
        kill -KILL -- "-$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    for id in "${!node_pid[@]}"; do
        kill -TERM "${node_pid[$id]}" 2>/dev/null || true
    done
    for id in "${!node_pid[@]}"; do
        stop_pid "${node_pid[$id]}"
    done
    for pid in "${other_pids[@]}"; do
        stop_pid "$pid"
    done
    if [ "$status" -ne 0 ] || [ "$keep_work" -ne 0 ]; then
        for log in "$work"/*.log; do
            [ -f "$log" ] || continue
            echo "---- tail of $(basename "$log")"
            tail -n 15 "$log"
        done
        echo "(logs kept in $work)"
    else
        rm -rf "$work"
    fi
    exit "$status"
}
trap cleanup EXIT

# free_port HOST: a port nobody listens on at HOST (checked by connecting),
# below the kernel's ephemeral range: a port inside it can be the local end
# of another test's outgoing connection, which no connect sees but which
# makes the bind fail (redis-server lost that race once).
ephemeral_first=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
free_port() {
    local host=$1 port
    for _ in $(seq 100); do
        port=$((20000 + RANDOM % (ephemeral_first - 20000)))
        if ! (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    echo "FAIL: no free port on $host" >&2 # in $(...): stdout is the caller's value
    exit 1
}

# poll_until SECONDS DESCRIPTION COMMAND...: runs COMMAND every 100 ms until it succeeds.
poll_until() {
    local seconds=$1 what=$2
    shift 2
    local deadline=$(($(now_ms) + seconds * 1000))
    while [ "$(now_ms)" -lt "$deadline" ]; do
        if "$@"; then
            return 0
        fi
        sleep 0.1
    done
    fail "$what: not within $seconds s"
}

json_field() { # JSON FIELD: the first "FIELD":value (number, string or array), unquoted.
    # sed reads all its input: no SIGPIPE for grep, which pipefail would report.
    grep -o "\"$2\":\(\"[^\"]*\"\|\[[^]]*\]\|[0-9-]*\)" <<<"$1" |
        sed -n '1{s/^[^:]*://; s/"//g; p}' || true
}

# ---- redis-server -------------------------------------------------------------
redis_port=$(free_port 127.0.0.1)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" \
    >"$work/redis.log" 2>&1 &
other_pids+=($!)
redis_pings() { # in a subshell, so the connection (fd 3) closes with it
    (
        exec 3<>"/dev/tcp/127.0.0.1/$redis_port" || exit 1
        printf 'PING\r\n' >&3
        read -r -t 1 reply <&3 || exit 1
        [[ $reply == +PONG* ]]
    ) 2>/dev/null
}
poll_until 10 "redis-server answers PING" redis_pings
redis_url="redis://127.0.0.1:$redis_port"

# ---- nodes --------------------------------------------------------------------
start_node() {
    local id=$1 host="127.0.0.$((10 + $1))" port
    port=$(free_port "$host")
    node_address[$id]="$host:$port"
    mkdir -p "$work/node$id"
    "$binary" node --id "$id" --cluster "$cluster" \
        --listen "$host:$port" --advertise "$host:$port" \
        --redis "$redis_url" --data-dir "$work/node$id" --heartbeat 50ms --election-timeout 300ms \
        --step-interval 250ms --log-level info >"$work/node$id.out" 2>"$work/node$id.log" &
    node_pid[$id]=$!
}

node_status() { curl -sf --max-time 1 "http://${node_address[$1]}/status"; }

node_leads() {
    local status
    kill -0 "${node_pid[$1]}" 2>/dev/null || fail "node $1 exited while starting"
    status=$(node_status "$1") || return 1
    [ "$(json_field "$status" role)" = leader ]
}

voters_of_leader() { # succeeds once some node leads with all nodes as voters
    local id status
    for id in "${!node_address[@]}"; do
        status=$(node_status "$id") || continue
        if [ "$(json_field "$status" role)" = leader ] &&
            [ "$(json_field "$status" voters)" = "[1,2,3,4,5]" ]; then
            return 0
        fi
    done
    return 1
}

start_node 1
poll_until 15 "node 1 leads a one-node cluster" node_leads 1
for id in $(seq 2 "$node_count"); do
    start_node "$id"
done
poll_until 30 "the leader lists $node_count voters" voters_of_leader

# ---- proxy --------------------------------------------------------------------
proxy_port=$(free_port 127.0.0.1)
proxy="http://127.0.0.1:$proxy_port"
"$binary" proxy --listen "127.0.0.1:$proxy_port" --redis "$redis_url" --cluster "$cluster" \
    >"$work/proxy.out" 2>"$work/proxy.log" &
proxy_pid=$!
other_pids+=("$proxy_pid")

proxy_sees_cluster() { # 5 nodes, all reachable, and a leader
    local status
    kill -0 "$proxy_pid" 2>/dev/null || fail "the proxy exited while starting"
    status=$(curl -sf --max-time 1 "$proxy/status") || return 1
    [ "$(json_field "$status" reachable)" = "$node_count" ] &&
        [ "$(json_field "$status" nodes)" = "$node_count" ] &&
        [ "$(json_field "$status" leader)" != 0 ]
}
poll_until 15 "the proxy sees $node_count reachable nodes and a leader" proxy_sees_cluster
# A browser asks for HTML; curl's */* gets the original's redirect to /status.
page=$(curl -sf --max-time 2 -H 'Accept: text/html' "$proxy/") || fail "GET / failed"
grep -q 'data-leader=' <<<"$page" || fail "GET / does not serve the dashboard"

# run_chromium OUTPUT_FILE ARGS...: starts headless Chromium in its own
# process group, in the background; sets chromium_pid.
run_chromium() {
    local output=$1 profile
    shift
    profile=$(mktemp -d "$work/profile.XXXXXX")
    setsid "$chromium" --headless --no-sandbox --disable-gpu --window-size=1280,800 \
        --user-data-dir="$profile" --no-first-run --disable-extensions "$@" \
        >"$output" 2>>"$work/chromium.log" &
    chromium_pid=$!
    chromium_pids+=("$chromium_pid")
}

wait_chromium() { # SECONDS: waits for chromium_pid to exit, fails after SECONDS
    local deadline=$(($(now_ms) + $1 * 1000)) status=0
    while kill -0 "$chromium_pid" 2>/dev/null; do
        [ "$(now_ms)" -lt "$deadline" ] || fail "Chromium still running after $1 s"
        sleep 0.1
    done
    wait "$chromium_pid" || status=$?
    [ "$status" -eq 0 ] || fail "Chromium exited with status $status (see chromium.log)"
}

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

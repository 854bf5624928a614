# The cluster behind the browser tests, sourced by dashboard_test.sh and
# controls_test.sh: a redis-server on a free loopback port, `raftescort
# node` 1 on 127.0.0.11 founding the cluster, nodes 2..N on 127.0.0.12..
# joining through Redis, and a `raftescort proxy` on 127.0.0.1; with the
# helpers both tests use and the exit trap that stops, by PID, every process
# started here (Chromium and its helpers by process group).
#
# The test sets, before sourcing: binary (path to raftescort), node_count,
# test_name (names the work directory) and chromium. start_cluster then sets
# proxy (its URL), proxy_pid, redis_url, node_pid[ID] and node_address[ID];
# the proxy's log is $work/proxy.log.
# shellcheck shell=bash

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
    RAFTESCORT_CLUSTER_TOKEN RAFTESCORT_CLUSTER RAFTESCORT_ADMIN_TOKEN RAFTESCORT_ADMIN_TOKEN_FILE
work=$(mktemp -d "${TMPDIR:-/tmp}/browser-$test_name.XXXXXX")
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
    # A Chromium a Python driver started, if the driver left it behind.
    for pgid_file in "$work"/*.pgid; do
        [ -f "$pgid_file" ] && kill -KILL -- "-$(cat "$pgid_file")" 2>/dev/null || true
    done
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

redis_pings() { # in a subshell, so the connection (fd 3) closes with it
    (
        exec 3<>"/dev/tcp/127.0.0.1/$redis_port" || exit 1
        printf 'PING\r\n' >&3
        read -r -t 1 reply <&3 || exit 1
        [[ $reply == +PONG* ]]
    ) 2>/dev/null
}

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
            [ "$(json_field "$status" voters)" = "[$(seq -s, 1 "$node_count")]" ]; then
            return 0
        fi
    done
    return 1
}

proxy_sees_cluster() { # every node reachable, and a leader
    local status
    kill -0 "$proxy_pid" 2>/dev/null || fail "the proxy exited while starting"
    status=$(curl -sf --max-time 1 "$proxy/status") || return 1
    [ "$(json_field "$status" reachable)" = "$node_count" ] &&
        [ "$(json_field "$status" nodes)" = "$node_count" ] &&
        [ "$(json_field "$status" leader)" != 0 ]
}

# start_cluster: redis-server, the nodes (node 1 founds the cluster, the others join
# through Redis) and the proxy, once it sees every node reachable and a leader.
start_cluster() {
    # redis-server
    redis_port=$(free_port 127.0.0.1)
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" \
        >"$work/redis.log" 2>&1 &
    other_pids+=($!)
    poll_until 10 "redis-server answers PING" redis_pings
    redis_url="redis://127.0.0.1:$redis_port"
    # nodes
    start_node 1
    poll_until 15 "node 1 leads a one-node cluster" node_leads 1
    for id in $(seq 2 "$node_count"); do
        start_node "$id"
    done
    poll_until 30 "the leader lists $node_count voters" voters_of_leader
    # proxy
    proxy_port=$(free_port 127.0.0.1)
    proxy="http://127.0.0.1:$proxy_port"
    "$binary" proxy --listen "127.0.0.1:$proxy_port" --redis "$redis_url" --cluster "$cluster" \
        >"$work/proxy.out" 2>"$work/proxy.log" &
    proxy_pid=$!
    other_pids+=("$proxy_pid")
    poll_until 15 "the proxy sees $node_count reachable nodes and a leader" proxy_sees_cluster
}

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

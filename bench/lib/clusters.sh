# shellcheck shell=bash
# Part of bench/run: starting, finding and stopping the two 5-member clusters
# on loopback, raftescort on 127.0.0.11-15 and etcd on 127.0.0.21-25, with
# the same heartbeat and election timeout.
# shellcheck disable=SC2154,SC2034 # settings come from bench/run; results go back to it

members=(1 2 3 4 5)
declare -A pid_of

now_ms() {
    date +%s%3N
}

# wait_until SECONDS COMMAND...: polls every 20 ms.
wait_until() {
    local deadline=$(($(now_ms) + $1 * 1000))
    shift
    until "$@"; do
        [ "$(now_ms)" -lt "$deadline" ] || return 1
        sleep 0.02
    done
}

# ---- raftescort -----------------------------------------------------------------

re_ip() { echo "127.0.0.$((10 + $1))"; }
re_url() { echo "http://$(re_ip "$1"):$node_port"; }

start_redis() {
    redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
        --dir "$work" >"$work/redis.log" 2>&1 &
    pid_of[redis]=$!
    wait_until 10 redis-cli -p "$redis_port" ping >/dev/null 2>&1
}

re_start_member() { # ID
    local id=$1
    "$binary" node --id "$id" --listen "$(re_ip "$id"):$node_port" \
        --data-dir "$work/re-$id" --redis "redis://127.0.0.1:$redis_port" --cluster bench \
        --heartbeat "${heartbeat_ms}ms" --election-timeout "${election_ms}ms" \
        --no-autopilot --log-level warn >>"$work/re-$id.log" 2>&1 &
    pid_of[re-$id]=$!
}

re_role() { # ID
    curl -sf --max-time 0.3 "$(re_url "$1")/status" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["role"])' 2>/dev/null
}

# re_leader: prints the leader's id, fails when there is none.
re_leader() {
    local id
    for id in "${members[@]}"; do
        if [ "$(re_role "$id")" = leader ]; then
            echo "$id"
            return 0
        fi
    done
    return 1
}

# start_raftescort: all five at once, as etcd's members start; the first to
# claim the cluster founds it and the others join through Redis. Sets
# re_first_leader_ms and re_all_voters_ms.
start_raftescort() {
    local id urls=() times
    start_redis
    for id in "${members[@]}"; do
        urls+=("$(re_url "$id")")
    done
    start_poller re "${urls[@]}"
    for id in "${members[@]}"; do
        re_start_member "$id"
    done
    wait "$poller_pid" || return 1
    times=$(poller_times)
    re_first_leader_ms=$(sed -n 1p <<<"$times")
    re_all_voters_ms=$(sed -n 2p <<<"$times")
}

# start_poller KIND URL...: first_leader.py, polling already when it returns;
# the members are started right after (poller_started_ms).
start_poller() {
    local kind=$1
    shift
    rm -f "$work/first-leader" "$work/first-leader.ready"
    python3 "$lib/first_leader.py" "$kind" "$work/first-leader" "$@" &
    poller_pid=$!
    wait_until 10 test -e "$work/first-leader.ready"
    poller_started_ms=$(now_ms)
}

# poller_times: once the poller has ended, its times since
# poller_started_ms, one a line.
poller_times() {
    local at
    while read -r at; do
        echo $((at - poller_started_ms))
    done <"$work/first-leader"
}

# ---- etcd ---------------------------------------------------------------------

etcd_ip() { echo "127.0.0.$((20 + $1))"; }
etcd_url() { echo "http://$(etcd_ip "$1"):2379"; }

etcd_start_member() { # ID STATE
    local id=$1 state=$2 cluster="" member
    for member in "${members[@]}"; do
        cluster+="${cluster:+,}e$member=http://$(etcd_ip "$member"):2380"
    done
    etcd --name "e$id" --data-dir "$work/etcd-$id" \
        --listen-client-urls "$(etcd_url "$id")" --advertise-client-urls "$(etcd_url "$id")" \
        --listen-peer-urls "http://$(etcd_ip "$id"):2380" \
        --initial-advertise-peer-urls "http://$(etcd_ip "$id"):2380" \
        --initial-cluster "$cluster" --initial-cluster-state "$state" \
        --initial-cluster-token bench \
        --heartbeat-interval "$heartbeat_ms" --election-timeout "$election_ms" \
        --logger zap --log-level warn >>"$work/etcd-$id.log" 2>&1 &
    pid_of[etcd-$id]=$!
}

# etcd_leader: prints the leader's member number, fails when there is none.
etcd_leader() {
    local id
    for id in "${members[@]}"; do
        if curl -sf --max-time 0.3 -X POST "$(etcd_url "$id")/v3/maintenance/status" -d '{}' |
            python3 -c 'import json, sys; s = json.load(sys.stdin); sys.exit(0 if s.get("leader") and s["leader"] == s["header"]["member_id"] else 1)' 2>/dev/null; then
            echo "$id"
            return 0
        fi
    done
    return 1
}

# start_etcd: sets etcd_first_leader_ms (every member votes from the start).
start_etcd() {
    local id urls=()
    for id in "${members[@]}"; do
        urls+=("$(etcd_url "$id")")
    done
    start_poller etcd "${urls[@]}"
    for id in "${members[@]}"; do
        etcd_start_member "$id" new
    done
    wait "$poller_pid" || return 1
    etcd_first_leader_ms=$(poller_times)
}

# ---- both -----------------------------------------------------------------------

rss_kb() { # PID
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# median_rss_kb PREFIX: the median resident set of the five members.
median_rss_kb() {
    local id
    for id in "${members[@]}"; do
        rss_kb "${pid_of[$1-$id]}"
    done | sort -n | sed -n 3p
}

# median_smaps_kb PREFIX FIELD...: the median over the five members of the
# sum of FIELDs in /proc/PID/smaps_rollup (Pss; Private_Clean Private_Dirty).
median_smaps_kb() {
    local prefix=$1 id
    shift
    for id in "${members[@]}"; do
        awk -v fields="$*" 'BEGIN { n = split(fields, f, " "); for (i = 1; i <= n; i++) want[f[i] ":"] = 1 }
            ($1 in want) { sum += $2 } END { print sum + 0 }' "/proc/${pid_of[$prefix-$id]}/smaps_rollup"
    done | sort -n | sed -n 3p
}

# rss_floor_kb PROGRAM: the resident set of bench/rss_floor.cpp once it is
# ready (a process that only constructs a cpp-httplib server).
rss_floor_kb() {
    local out="$work/rss-floor.out" pid rss
    "$1" >"$out" &
    pid=$!
    wait_until 10 grep -q ready "$out"
    rss=$(rss_kb "$pid")
    stop_pid "$pid"
    echo "$rss"
}

stop_pid() {
    kill "$1" 2>/dev/null || return 0
    local deadline=$(($(now_ms) + 5000))
    while kill -0 "$1" 2>/dev/null && [ "$(now_ms)" -lt "$deadline" ]; do
        sleep 0.05
    done
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# stop_members PREFIX: stops the five members of one system (re, etcd).
stop_members() {
    local id
    for id in "${members[@]}"; do
        [ -n "${pid_of[$1-$id]:-}" ] || continue
        stop_pid "${pid_of[$1-$id]}"
        unset "pid_of[$1-$id]"
    done
}

stop_all() {
    local name
    for name in "${!pid_of[@]}"; do
        stop_pid "${pid_of[$name]}"
        unset "pid_of[$name]"
    done
}

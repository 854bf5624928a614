# shellcheck shell=bash
# Part of bench/run: the load runs (wrk), the failover trials and the
# write-until-N phase, the same for both systems.
# shellcheck disable=SC2154 # the settings and cluster helpers come from bench/run

# etcd's v3 JSON gateway takes base64: key "convoy", value "lead".
etcd_put_body='{"key":"Y29udm95","value":"bGVhZA=="}'

# run_wrk CLIENTS METHOD URL BODIES SECONDS: one wrk run; prints its summary
# as JSON (wrk_summary.py). BODIES: JSON bodies separated by "|", sent in turn.
run_wrk() {
    local clients=$1 method=$2 url=$3 bodies=$4 seconds=$5 threads=2
    [ "$clients" -ge 2 ] || threads=1
    local script=()
    [ "$method" = GET ] || script=(-s "$lib/post.lua")
    BENCH_BODIES=$bodies wrk -t "$threads" -c "$clients" -d "${seconds}s" --timeout 5s --latency \
        "${script[@]}" "$url" | python3 "$lib/wrk_summary.py"
}

# load_with_cpu KEY SYSTEM CLIENTS LEADER: one load run on the leader,
# recorded under KEY, and the CPU each member spent per committed write
# during it (thread_cpu.py), under "cpu KEY".
load_with_cpu() {
    local key=$1 system=$2 clients=$3 leader=$4 pids=() id before result writes
    for id in "${members[@]}"; do
        pids+=("${pid_of[$system-$id]}")
    done
    before=$(python3 "$lib/thread_cpu.py" snapshot "${pids[@]}")
    result=$(run_wrk "$clients" POST "$(write_url "$system" "$leader")" "$(load_bodies "$system")" \
        "$seconds")
    record "$key" "$result"
    writes=$(python3 -c 'import json, sys; r = json.loads(sys.argv[1]); print(r["requests"] - r["non2xx"] - r["errors"])' \
        "$result")
    record "cpu $key" "$(python3 "$lib/thread_cpu.py" diff "$before" "$writes" \
        "${pid_of[$system-$leader]}" "${pids[@]}")"
}

# write_url SYSTEM ID: where a client writes to member ID.
write_url() {
    if [ "$1" = re ]; then
        echo "$(re_url "$2")/move"
    else
        echo "$(etcd_url "$2")/v3/kv/put"
    fi
}

# load_bodies SYSTEM: what a load run sends (raftescort: +1 and -1 in turn,
# so the convoy stays near its track).
load_bodies() {
    if [ "$1" = re ]; then echo '{"dx":1,"dy":0}|{"dx":-1,"dy":0}'; else echo "$etcd_put_body"; fi
}

write_body() {
    if [ "$1" = re ]; then echo '{"dx":1,"dy":0}'; else echo "$etcd_put_body"; fi
}

leader_of() {
    if [ "$1" = re ]; then re_leader; else etcd_leader; fi
}

restart_member() { # SYSTEM ID
    if [ "$1" = re ]; then re_start_member "$2"; else etcd_start_member "$2" existing; fi
}

member_healthy() { # SYSTEM ID
    if [ "$1" = re ]; then
        [ "$(re_role "$2")" = follower ]
    else
        curl -sf --max-time 0.3 "$(etcd_url "$2")/health" | grep -q '"health":"true"'
    fi
}

# failover_trial SYSTEM: kill -9 the leader; the time until a write commits
# again, seen by a client that tries every other member in turn; then the
# old leader is restarted and given time to catch up.
failover_trial() {
    local system=$1 leader urls=() id result
    wait_until 30 leader_of "$system" >/dev/null
    leader=$(leader_of "$system")
    for id in "${members[@]}"; do
        [ "$id" = "$leader" ] || urls+=("$(write_url "$system" "$id")")
    done
    # first_write.py kills the leader itself, once python3 has started.
    result=$(python3 "$lib/first_write.py" --kill "${pid_of[$system-$leader]}" \
        --body "$(write_body "$system")" "${urls[@]}" || true)
    wait "${pid_of[$system-$leader]}" 2>/dev/null || true
    record "failover $system" "$result"
    restart_member "$system" "$leader"
    wait_until 30 member_healthy "$system" "$leader" || true
    sleep 1
}

# committed_writes SYSTEM: raftescort's commit index; etcd's revision.
committed_writes() {
    if [ "$1" = re ]; then
        curl -sf --max-time 1 "$(re_url "$(re_leader)")/status" |
            python3 -c 'import json, sys; print(json.load(sys.stdin)["commit_index"])'
    else
        curl -sf --max-time 1 -X POST "$(etcd_url "$(etcd_leader)")/v3/kv/range" \
            -d '{"key":"Y29udm95"}' |
            python3 -c 'import json, sys; print(json.load(sys.stdin)["header"]["revision"])'
    fi
}

# write_until N SYSTEM: 64 clients write until N writes are committed.
write_until() {
    local target=$1 system=$2 done_now leader
    while true; do
        done_now=$(committed_writes "$system")
        [ "$done_now" -lt "$target" ] || break
        echo "    $system: $done_now of $target writes"
        leader=$(leader_of "$system")
        run_wrk 64 POST "$(write_url "$system" "$leader")" "$(load_bodies "$system")" 20 >/dev/null
    done
}

# median_disk_kb SYSTEM: the median size of the five data dirs.
median_disk_kb() {
    local id dir
    for id in "${members[@]}"; do
        if [ "$1" = re ]; then dir="$work/re-$id"; else dir="$work/etcd-$id"; fi
        du -sk "$dir" | cut -f1
    done | sort -n | sed -n 3p
}

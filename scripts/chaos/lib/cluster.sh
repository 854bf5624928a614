# shellcheck shell=bash
# The cluster as ctl sees it, and the conditions the chaos scripts wait for.
# lib.sh sources every part of the chaos library; they share its variables.
# shellcheck disable=SC2034,SC2154

ctl_json() {
    "$chaos_binary" ctl --proxy "$chaos_proxy" --json "$@"
}

# read_status: one `ctl --json status`; sets st_json and, from the leader's
# point of view, st_leader (0: none), st_leader_name, st_term, st_commit,
# and st_count (nodes the proxy lists).
read_status() {
    st_json=$(ctl_json status 2>/dev/null) || return 1
    local fields
    fields=$(jq -r '
        .status.leader as $id
        | ([.nodes[] | select(.id == $id)][0] // {}) as $leader
        | [$id, (.status.leader_name // "-"), ($leader.term // .status.term // 0),
           ($leader.commit_index // 0), (.nodes | length)] | @tsv' <<<"$st_json") || return 1
    IFS=$'\t' read -r st_leader st_leader_name st_term st_commit st_count <<<"$fields"
}

# One line per node: id, address, role, term, commit, applied, lag.
print_status() {
    [ -n "${st_json:-}" ] || return 0
    jq -r '.nodes[] | "  node \(.id) \(.name) \(.role) term \(.term) commit \(.commit_index)" +
        " applied \(.applied_index) lag \(.lag)"' <<<"$st_json"
}

# wait_until TIMEOUT_MS COMMAND...: runs COMMAND (in this shell, so that
# what it sets stays set) every CHAOS_POLL_INTERVAL (50ms) until it succeeds
# (0) or the time is up (1).
wait_until() {
    local timeout_ms=$1 start
    shift
    start=$(now_ms)
    until "$@"; do
        [ $(($(now_ms) - start)) -lt "$timeout_ms" ] || return 1
        sleep "$chaos_poll_s"
    done
}

# new_leader OLD_ID OLD_TERM: the proxy sees another node lead in a later term.
new_leader() {
    read_status || return 1
    [ "$st_leader" != 0 ] && [ "$st_leader" != "$1" ] && [ "$st_term" -gt "$2" ]
}

# cluster_converged EXPECTED WATERMARK: at least EXPECTED nodes, all reachable
# as leader or follower in the leader's term, exactly one leader, each with
# lag 0 as the leader sees it and an applied index at or past WATERMARK (the
# leader's commit index when the fault was healed: whatever was committed
# while a node was away has reached it). Moves keep coming meanwhile and the
# proxy polls each node on its own clock, so equal applied indexes in one
# snapshot are not required.
cluster_converged() {
    read_status || return 1
    jq -e --argjson n "$1" --argjson w "$2" '
        .status.leader as $id
        | ([.nodes[] | select(.id == $id)][0]) as $leader
        | $id != 0 and $leader != null and (.nodes | length) >= $n
          and ([.nodes[] | select(.role == "leader")] | length) == 1
          and all(.nodes[]; (.role == "leader" or .role == "follower")
                  and .term == $leader.term and .lag == 0 and .applied_index >= $w)' \
        <<<"$st_json" >/dev/null
}

# node_reachable ID: the proxy reaches node ID (any role but unreachable).
node_reachable() {
    read_status || return 1
    jq -e --argjson id "$1" 'any(.nodes[]; .id == $id and .role != "unreachable")' \
        <<<"$st_json" >/dev/null
}

# node_role_is ID ROLE
node_role_is() {
    read_status || return 1
    jq -e --argjson id "$1" --arg role "$2" 'any(.nodes[]; .id == $id and .role == $role)' \
        <<<"$st_json" >/dev/null
}

# Ids of the nodes the proxy lists, one per line; followers prints those in
# the role follower.
node_ids() {
    jq -r '.nodes[].id' <<<"$st_json"
}

followers() {
    jq -r '.nodes[] | select(.role == "follower") | .id' <<<"$st_json"
}

# node_name ID: its HOST:PORT as the proxy lists it.
node_name() {
    jq -r --argjson id "$1" '.nodes[] | select(.id == $id) | .name' <<<"$st_json"
}

# Dispatch to the target's implementation: local_kill 3, compose_kill 3, ...
node_kill() { "${chaos_target}_kill" "$1"; }
node_stop() { "${chaos_target}_stop" "$1"; }
node_start() { "${chaos_target}_start" "$1"; }
# Built in, a restart is a crash and a recover: volatile state dropped, the
# data dir reopened from its WAL, with no process started.
node_restart() {
    if [ "$chaos_via" = builtin ]; then
        builtin_inject crash "$1"
        builtin_recover "$1"
        return 0
    fi
    "${chaos_target}_restart" "$1"
}
node_pause() { "${chaos_target}_pause" "$1"; }
node_resume() { "${chaos_target}_resume" "$1"; }
node_partition() { "${chaos_target}_partition" "$1"; }
node_reconnect() { "${chaos_target}_reconnect" "$1"; }
node_add() { "${chaos_target}_add"; }
# The built-in isolate needs nothing of the target.
partition_supported() {
    [ "$chaos_via" = builtin ] || "${chaos_target}_partition_supported"
}

# node_heal VERB ID: undo a fault (start, resume or reconnect; built in,
# heal or recover).
node_heal() {
    case "$1" in
    start) node_start "$2" ;;
    resume) node_resume "$2" ;;
    reconnect) node_reconnect "$2" ;;
    heal) builtin_heal "$2" ;;
    recover) builtin_recover "$2" ;;
    *) return 1 ;;
    esac
}

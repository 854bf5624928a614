# shellcheck shell=bash
# One fault at a time, each injected, measured, healed and followed by a
# wait for convergence. Times are measured from the moment just before the
# fault is injected, through the proxy (which polls each node every 250ms by
# default, so a "seen" time includes up to one poll interval):
#   new_leader_ms    until the proxy shows another node leading in a later term
#   first_commit_ms  until the first move of the workload acknowledged in the
#                    new term (for a follower fault: in any term)
#   converge_ms      from the heal until cluster_converged holds against a
#                    fresh watermark (see converged_after_heal)
# A measurement that never came is "-", and the missing event is reported
# with broken (the script then exits 1 after healing).
# lib.sh sources every part of the chaos library; they share its variables.
# shellcheck disable=SC2034,SC2154

leader_timeout_ms=15000
commit_timeout_ms=20000
converge_timeout_ms=30000

# heal_verb KIND: what undoes a fault of this kind.
heal_verb() {
    if [ "$chaos_via" = builtin ]; then
        case "$1" in
        kill | stop) echo recover ;;
        *) echo heal ;;
        esac
        return 0
    fi
    case "$1" in
    kill | stop) echo start ;;
    pause) echo resume ;;
    partition) echo reconnect ;;
    esac
}

# inject KIND ID: the heal is registered first, so that even a fault that
# half-failed is undone on exit (undoing one that never happened is harmless).
# KIND is kill, stop, pause or partition: built in, a crash, a crash, a
# pause or an isolate of node ID (lib/builtin.sh).
inject() {
    heal_register "$(heal_verb "$1")" "$2"
    if [ "$chaos_via" = builtin ]; then
        builtin_inject "$(builtin_kind "$1")" "$2"
        return 0
    fi
    case "$1" in
    kill) node_kill "$2" ;;
    stop) node_stop "$2" ;;
    pause) node_pause "$2" ;;
    partition) node_partition "$2" ;;
    esac
}

heal() { # KIND ID
    local verb
    verb=$(heal_verb "$1")
    node_heal "$verb" "$2"
    heal_done "$verb" "$2"
}

# converged_after_heal: cluster_converged, against a watermark taken from
# the first leader commit index above heal_base (the one seen at the heal).
# The proxy shows each node's last poll: a node restarted quickly may still
# show its state from before the stop. The leader's commit index grows with
# every move, so a larger one comes from a poll made after the heal, and a
# node's pre-stop state cannot reach it.
converged_after_heal() {
    if [ "$heal_watermark" -eq 0 ]; then
        read_status || return 1
        [ "$st_commit" -gt "$heal_base" ] || return 1
        heal_watermark=$st_commit
    fi
    cluster_converged "$chaos_expected_nodes" "$heal_watermark"
}

# wait_converged_since TIME_MS: after a heal at TIME_MS, waits until the
# cluster has converged; sets m_converge_ms (from TIME_MS).
wait_converged_since() {
    local since=$1
    heal_base=0
    heal_watermark=0
    if read_status; then heal_base=$st_commit; fi
    if wait_until "$converge_timeout_ms" converged_after_heal; then
        m_converge_ms=$(($(now_ms) - since))
        log "converged $m_converge_ms ms after the heal: $st_count nodes, leader $st_leader," \
            "term $st_term, every node applied >= $heal_watermark, lag 0"
    else
        m_converge_ms=-
        print_status
        broken "the cluster did not converge within $((converge_timeout_ms / 1000)) s after the heal"
    fi
}

# wait_first_commit SINCE_MS MIN_TERM: sets m_first_commit_ms.
wait_first_commit() {
    local since=$1 min_term=$2
    if wait_until "$commit_timeout_ms" first_ack_after "$since" "$min_term"; then
        m_first_commit_ms=$((ack_time - since))
        log "first move committed after the fault: index $ack_index, term $ack_term," \
            "acknowledged $m_first_commit_ms ms after it"
    else
        m_first_commit_ms=-
        broken "no move was committed within $((commit_timeout_ms / 1000)) s of the fault"
    fi
}

# leader_fault KIND [EXTRA_HOLD_MS]: kills, pauses or partitions the leader;
# waits for a new leader and a committed move; holds the fault EXTRA_HOLD_MS
# longer; heals it (restart, SIGCONT, reconnect) and waits for convergence.
# Sets m_new_leader_ms, m_first_commit_ms, m_converge_ms.
leader_fault() {
    local kind=$1 extra_ms=${2:-0} old_id old_term start healed
    read_status || setup_error "the proxy at $chaos_proxy stopped answering"
    old_id=$st_leader
    old_term=$st_term
    [ "$old_id" != 0 ] || setup_error "no leader to fault"
    log "leader before: node $old_id ($st_leader_name), term $old_term, commit $st_commit"
    m_new_leader_ms=-
    m_first_commit_ms=-
    start=$(now_ms)
    inject "$kind" "$old_id"
    if wait_until "$leader_timeout_ms" new_leader "$old_id" "$old_term"; then
        m_new_leader_ms=$(($(now_ms) - start))
        log "new leader: node $st_leader ($st_leader_name), term $st_term," \
            "seen $m_new_leader_ms ms after the $kind"
        wait_first_commit "$start" $((old_term + 1))
    else
        print_status
        broken "no new leader within $((leader_timeout_ms / 1000)) s after the $kind of leader $old_id"
    fi
    pause_ms "$extra_ms"
    healed=$(now_ms)
    heal "$kind" "$old_id"
    wait_converged_since "$healed"
}

# follower_fault KIND ID HOLD_MS: kills, stops, pauses or partitions a
# follower for HOLD_MS, checking that moves still commit; then heals it and
# waits for convergence. Sets m_first_commit_ms, m_converge_ms.
follower_fault() {
    local kind=$1 id=$2 hold_ms=$3 start healed left
    log "fault: $kind node $id ($(node_name "$id")) for $hold_ms ms"
    start=$(now_ms)
    inject "$kind" "$id"
    wait_first_commit "$start" 0
    left=$((start + hold_ms - $(now_ms)))
    pause_ms "$left"
    healed=$(now_ms)
    heal "$kind" "$id"
    wait_converged_since "$healed"
}

# network_fault KIND TARGET HOLD_MS ARGS...: a built-in fault of the links
# (drop, delay, duplicate) on TARGET (ids or a role) for HOLD_MS, checking
# that moves still commit through it; then heals it and waits for
# convergence. Sets m_first_commit_ms, m_converge_ms.
network_fault() {
    local kind=$1 target=$2 hold_ms=$3 start healed left
    shift 3
    log "fault: $kind $* on $target for $hold_ms ms"
    start=$(now_ms)
    heal_register heal "$target"
    builtin_inject "$kind" "$target" "$@"
    wait_first_commit "$start" 0
    left=$((start + hold_ms - $(now_ms)))
    pause_ms "$left"
    healed=$(now_ms)
    node_heal heal "$target"
    heal_done heal "$target"
    wait_converged_since "$healed"
}

# restart_node ID DOWN_MS: stops node ID cleanly, keeps it down DOWN_MS while
# moves go on, starts it again from its data dir. Sets m_stop_ms (until it
# was gone), m_new_leader_ms (if it led), m_rejoin_ms (start until the proxy
# reaches it) and m_converge_ms (start until convergence).
restart_node() {
    local id=$1 down_ms=$2 old_term start started left was_leader=0
    read_status || setup_error "the proxy at $chaos_proxy stopped answering"
    old_term=$st_term
    [ "$st_leader" != "$id" ] || was_leader=1
    log "restarting node $id ($(node_name "$id"))$([ "$was_leader" -eq 0 ] || echo ", the leader")," \
        "down for $down_ms ms"
    m_new_leader_ms=-
    m_rejoin_ms=-
    start=$(now_ms)
    inject stop "$id"
    m_stop_ms=$(($(now_ms) - start))
    if [ "$was_leader" -eq 1 ]; then
        if wait_until "$leader_timeout_ms" new_leader "$id" "$old_term"; then
            m_new_leader_ms=$(($(now_ms) - start))
            log "new leader: node $st_leader, term $st_term, $m_new_leader_ms ms after the stop began"
        else
            broken "no new leader within $((leader_timeout_ms / 1000)) s after leader $id stopped"
        fi
    fi
    left=$((start + m_stop_ms + down_ms - $(now_ms)))
    pause_ms "$left"
    started=$(now_ms)
    heal stop "$id"
    if wait_until "$converge_timeout_ms" node_reachable "$id"; then
        m_rejoin_ms=$(($(now_ms) - started))
        log "node $id answers the proxy again, $m_rejoin_ms ms after its start"
    else
        broken "node $id did not answer within $((converge_timeout_ms / 1000)) s of its start"
    fi
    wait_converged_since "$started"
}

# pick_follower: sets picked_id to a follower chosen with $RANDOM (in this
# shell, so that a --seed replays the same choices).
pick_follower() {
    local ids
    read_status || setup_error "the proxy at $chaos_proxy stopped answering"
    mapfile -t ids < <(followers)
    [ ${#ids[@]} -gt 0 ] || setup_error "no follower to choose"
    picked_id=${ids[RANDOM % ${#ids[@]}]}
}

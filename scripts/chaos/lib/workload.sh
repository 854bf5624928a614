# shellcheck shell=bash
# The workload that runs while faults come and go, in two background loops:
#   - the move stream: every 100ms it sends `ctl --json move 0 1`, then
#     `move 0 -1`, and so on (the convoy stays on its track), each in its own
#     process so that a move stuck on a dead leader does not hold back the
#     next ones (at most 10 in flight). Each acknowledged answer is a line of
#     $chaos_work/acks: "ACK_TIME_MS TERM INDEX CLIENT_ID DY RESULT
#     SENT_TIME_MS"; each failed one a line of $chaos_work/move-failures;
#   - the sampler: every 100ms the proxy's GET /nodes/full, one line per
#     reachable node in $chaos_work/samples: "TIME_MS ID ROLE TERM LEADER
#     APPLIED LEAD_X LEAD_Y STATE_HASH".
# Lines are appended with one write each, so concurrent writers never mix.
# lib.sh sources every part of the chaos library; they share its variables.
# shellcheck disable=SC2034,SC2154

workload_stream_pid=
workload_sampler_pid=

# workload_move DY: one move; appends its answer to acks or move-failures.
workload_move() {
    local dy=$1 sent answer line error
    sent=$(now_ms)
    if answer=$(ctl_json move 0 "$dy" 2>&1); then
        line=$(jq -r --arg time "$(now_ms)" --arg dy "$dy" --arg sent "$sent" \
            '[$time, .term, .index, .client_id, $dy, .result, $sent] | @tsv' <<<"$answer") &&
            printf '%s\n' "$line" >>"$chaos_work/acks"
    else
        error=$(head -n 1 <<<"$answer")
        printf '%s\t%s\n' "$(now_ms)" "$error" >>"$chaos_work/move-failures"
    fi
}

workload_move_stream() {
    local dy=1 in_flight
    while [ ! -e "$chaos_work/stop-moves" ]; do
        in_flight=$(jobs -pr | wc -l)
        if [ "$in_flight" -lt 10 ]; then
            # A failure must not end the loop (set -e): the move records it.
            workload_move "$dy" &
            dy=$((-dy))
        fi
        sleep "$chaos_move_s"
    done
    wait
}

workload_sampler() {
    while [ ! -e "$chaos_work/stop-sampler" ]; do
        curl -sf --max-time 2 "$chaos_proxy/nodes/full" 2>/dev/null |
            jq -r --arg time "$(now_ms)" '.data[] | select(.role != "unreachable"
                    and .applied_index != null and .lead != null)
                | [$time, .id, .role, .term, (.leader // 0), .applied_index, .lead[0],
                   .lead[1], (.state_hash // "-")] | @tsv' \
                >>"$chaos_work/samples" 2>/dev/null || true
        sleep 0.1
    done
}

workload_start() {
    : >"$chaos_work/acks"
    : >"$chaos_work/move-failures"
    : >"$chaos_work/samples"
    workload_sampler &
    workload_sampler_pid=$!
    workload_move_stream &
    workload_stream_pid=$!
    log "workload: a move every ${CHAOS_MOVE_INTERVAL:-100ms} (0 +1, 0 -1, ...), the nodes sampled every 100ms"
}

# workload_wait PID TIMEOUT_MS: waits for a loop that was told to stop; a
# move in flight may take ctl's full retry budget (about 15 s).
workload_wait() {
    local pid=$1 deadline=$(($(now_ms) + $2))
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$(now_ms)" -ge "$deadline" ]; then
            kill "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.05
    done
    wait "$pid" 2>/dev/null || true
}

workload_stop_moves() {
    [ -n "$workload_stream_pid" ] || return 0
    touch "$chaos_work/stop-moves"
    workload_wait "$workload_stream_pid" 30000
    workload_stream_pid=
    log "workload: moves stopped; $(acked_count) acknowledged, $(wc -l <"$chaos_work/move-failures") failed answers"
}

workload_stop_sampler() {
    [ -n "$workload_sampler_pid" ] || return 0
    touch "$chaos_work/stop-sampler"
    workload_wait "$workload_sampler_pid" 5000
    workload_sampler_pid=
}

# On an early exit: stop both loops now (by the pids this script started).
workload_kill() {
    local pid
    for pid in $workload_stream_pid $workload_sampler_pid; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    workload_stream_pid=
    workload_sampler_pid=
}

acked_count() {
    wc -l <"$chaos_work/acks"
}

# first_ack_after TIME_MS MIN_TERM: the first move acknowledged at or after
# TIME_MS in term MIN_TERM or later; sets ack_time, ack_term, ack_index.
first_ack_after() {
    local line
    line=$(awk -F'\t' -v t="$1" -v term="$2" '$1 >= t && $2 >= term { print; exit }' \
        "$chaos_work/acks")
    [ -n "$line" ] || return 1
    IFS=$'\t' read -r ack_time ack_term ack_index _ <<<"$line"
}

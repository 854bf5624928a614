# shellcheck shell=bash
# Faults on the local cluster scripts/demo started: processes named by the
# pid files in its state dir, restarted from their .cmd files, partitioned
# with iptables on the loopback interface.
# lib.sh sources every part of the chaos library; they share its variables.
# shellcheck disable=SC2034,SC2154

# Node N's files: STATE/node-N.pid, .cmd (its argv, one per line), .log.
local_file() { # ID EXT
    echo "$chaos_state_dir/node-$1.$2"
}

# local_owned PID: the pid runs (not a zombie) and is a raftescort of this
# demo, so a pid the kernel has since reused is never signalled.
local_owned() {
    local pid=$1 state
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1) || return 1
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$BINARY"
}

# local_pid ID: the running pid of node ID, or exit 2 when it has none.
local_pid() {
    local file pid
    file=$(local_file "$1" pid)
    pid=$(cat "$file" 2>/dev/null) || setup_error "node $1 has no pid file ($file)"
    local_owned "$pid" || setup_error "node $1 is not running (pid $pid in $file)"
    echo "$pid"
}

# local_wait_gone PID TIMEOUT_MS
local_wait_gone() {
    local deadline=$(($(now_ms) + $2))
    while local_owned "$1"; do
        [ "$(now_ms)" -lt "$deadline" ] || return 1
        sleep 0.02
    done
}

local_kill() {
    local pid
    pid=$(local_pid "$1")
    log "kill -9 node $1 (pid $pid)"
    kill -KILL "$pid"
    local_wait_gone "$pid" 5000
}

# Stopped cleanly: SIGTERM, then SIGKILL after 10 s.
local_stop() {
    local pid
    pid=$(local_pid "$1")
    log "kill -TERM node $1 (pid $pid)"
    kill -TERM "$pid"
    if ! local_wait_gone "$pid" 10000; then
        log "node $1 ignored SIGTERM for 10 s: kill -9"
        kill -KILL "$pid" 2>/dev/null || true
        local_wait_gone "$pid" 5000
    fi
}

# local_start ID: the node's own command line again, appending to its log.
local_start() {
    local id=$1 argv pid
    pid=$(cat "$(local_file "$id" pid)" 2>/dev/null || true)
    if [ -n "$pid" ] && local_owned "$pid"; then
        # A second copy could not listen; it would only take over the pid file.
        log "node $id already runs (pid $pid)"
        return 0
    fi
    mapfile -t argv <"$(local_file "$id" cmd)"
    [ ${#argv[@]} -gt 0 ] || setup_error "node $id has no command file ($(local_file "$id" cmd))"
    # Its own session, detached from this script, so it outlives it.
    pid=$(setsid "${argv[@]}" </dev/null >>"$(local_file "$id" log)" 2>&1 & echo $!)
    echo "$pid" >"$(local_file "$id" pid)"
    log "started node $id (pid $pid)"
}

local_restart() {
    local_stop "$1"
    local_start "$1"
}

local_pause() {
    local pid
    pid=$(local_pid "$1")
    log "kill -STOP node $1 (pid $pid)"
    kill -STOP "$pid"
}

local_resume() {
    local pid
    pid=$(cat "$(local_file "$1" pid)")
    log "kill -CONT node $1 (pid $pid)"
    kill -CONT "$pid"
}

# ---- partitions -------------------------------------------------------------------

# One chain per chaos process, jumped to from INPUT, so concurrent scripts
# never remove each other's rules.
local_chain="RAFTESCORT-CHAOS-$$"
local_chain_made=0

local_partition_supported() {
    if [ "$(id -u)" -ne 0 ]; then
        partition_unsupported_reason="iptables needs root (run as root, or with sudo)"
        return 1
    fi
    if ! command -v iptables >/dev/null; then
        partition_unsupported_reason="iptables is not installed (Debian package iptables)"
        return 1
    fi
    if ! iptables -w -L INPUT -n >/dev/null 2>&1; then
        partition_unsupported_reason="iptables -L INPUT fails here: $(iptables -w -L INPUT -n 2>&1 | tail -n 1)"
        return 1
    fi
    return 0
}

# Chains left by chaos scripts that were killed before their trap ran.
local_remove_stale_chains() {
    local chain pid
    for chain in $(iptables -w -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^RAFTESCORT-CHAOS-[0-9]+$/ { print $2 }'); do
        pid=${chain##*-}
        if [ "$pid" != $$ ] && ! kill -0 "$pid" 2>/dev/null; then
            log "removing the iptables chain $chain left by a chaos script that is gone"
            iptables -w -D INPUT -j "$chain" 2>/dev/null || true
            iptables -w -F "$chain" && iptables -w -X "$chain"
        fi
    done
}

# Cuts node ID off: every TCP packet on lo from or to its address on the
# demo's node port is dropped, both its server's and its outgoing
# connections (a node binds those to its own address). Redis and the proxy's
# address 127.0.0.1 are not named, so only the node's links and the proxy's
# view of it are cut.
local_partition() {
    local name host port
    name=$(node_name "$1")
    host=${name%:*}
    port=${name##*:}
    partition_supported || setup_error "cannot partition: $partition_unsupported_reason"
    if [ "$local_chain_made" -eq 0 ]; then
        local_remove_stale_chains
        iptables -w -N "$local_chain"
        local_chain_made=1
        iptables -w -I INPUT 1 -j "$local_chain"
    fi
    log "iptables: drop tcp on lo from and to $host port $port (node $1; chain $local_chain)"
    iptables -w -A "$local_chain" -i lo -p tcp -s "$host" -m multiport --ports "$port" -j DROP
    iptables -w -A "$local_chain" -i lo -p tcp -d "$host" -m multiport --ports "$port" -j DROP
}

local_reconnect() {
    log "iptables: flush $local_chain (node $1 reconnected)"
    iptables -w -F "$local_chain"
}

# ---- adding a node ----------------------------------------------------------------

# local_add: starts node N+1 (after the highest id known) like the others,
# on 127.0.0.(10+N+1) at the demo's node port; sets added_id.
local_add() {
    local id=0 candidate file argv
    for candidate in $(node_ids) $NODE_IDS; do
        [ "$candidate" -gt "$id" ] && id=$candidate
    done
    for file in "$chaos_state_dir"/node-*.pid; do
        [ -f "$file" ] || continue
        candidate=${file##*/node-}
        candidate=${candidate%.pid}
        [ "$candidate" -gt "$id" ] && id=$candidate
    done
    id=$((id + 1))
    [ "$id" -le 245 ] || setup_error "no loopback address left for node $id"
    local host="127.0.0.$((10 + id))"
    if (exec 3<>"/dev/tcp/$host/$NODE_PORT") 2>/dev/null; then
        setup_error "$host:$NODE_PORT is already in use; cannot add node $id there"
    fi
    argv=("$BINARY" node --id "$id" --listen "$host:$NODE_PORT"
          --data-dir "$chaos_state_dir/node-$id" --redis "$REDIS_URL" --cluster "$CLUSTER"
          --step-interval "$STEP_INTERVAL")
    # The demo's secrets, as the other nodes got them: files named in the
    # environment (a demo's Redis has a password).
    if [ -n "${ADMIN_TOKEN_FILE:-}" ]; then
        argv=(RAFTESCORT_ADMIN_TOKEN_FILE="$ADMIN_TOKEN_FILE" "${argv[@]}")
    fi
    if [ -n "${REDIS_PASSWORD_FILE:-}" ]; then
        argv=(REDIS_PASSWORD_FILE="$REDIS_PASSWORD_FILE" "${argv[@]}")
    fi
    if [ "${argv[0]}" != "$BINARY" ]; then
        argv=(env "${argv[@]}")
    fi
    printf '%s\n' "${argv[@]}" >"$(local_file "$id" cmd)"
    NODE_IDS="$NODE_IDS $id"
    # The demo's state file lists its nodes; keep it true.
    sed -i "s/^NODE_IDS=.*/NODE_IDS='$NODE_IDS'/" "$chaos_env_file"
    log "adding node $id on $host:$NODE_PORT (it joins through Redis)"
    local_start "$id"
    added_id=$id
}

# ---- lifecycle ---------------------------------------------------------------------

local_prepare() {
    local id
    # Every node the proxy lists must be one of this demo's processes.
    for id in $(node_ids); do
        local_pid "$id" >/dev/null
    done
}

local_cleanup() {
    if [ "$local_chain_made" -eq 1 ]; then
        iptables -w -D INPUT -j "$local_chain" 2>/dev/null || true
        iptables -w -F "$local_chain" 2>/dev/null || true
        iptables -w -X "$local_chain" 2>/dev/null || true
        local_chain_made=0
    fi
}

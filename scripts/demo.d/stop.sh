# shellcheck shell=bash
# Part of scripts/demo (which sources it): `scripts/demo stop`, which stops what
# demo.env says was started (processes or the compose project) and removes it,
# and ctl's admin token file if it still holds the demo's token.

# The functions use variables that scripts/demo and its other parts set.
# shellcheck disable=SC2154

# Sends SIG to every owned pid of the given pid-file names; prints those signalled.
signal_owned() { # SIG PROGRAM NAME...
    local sig=$1 program=$2 name pid
    shift 2
    for name in "$@"; do
        pid=$(pid_of "$name")
        if [ -n "$pid" ] && owned "$pid" "$program"; then
            kill "-$sig" "$pid" 2>/dev/null || true
            # A paused node (chaos pause) must run again to see SIGTERM.
            kill -CONT "$pid" 2>/dev/null || true
            echo "$pid"
        fi
    done
}

# stop_pids PROGRAM NAME...: SIGTERM, up to 5s, then SIGKILL.
stop_pids() {
    local program=$1 pids pid deadline
    shift
    mapfile -t pids < <(signal_owned TERM "$program" "$@")
    [ ${#pids[@]} -gt 0 ] || return 0
    deadline=$(($(now_ms) + 5000))
    for pid in "${pids[@]}"; do
        while owned "$pid" "$program" && [ "$(now_ms)" -lt "$deadline" ]; do
            sleep 0.1
        done
        if owned "$pid" "$program"; then
            echo "demo: pid $pid ignored SIGTERM for 5s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    stopped=$((stopped + ${#pids[@]}))
}

stop_demo() {
    if [ ! -f "$env_file" ]; then
        echo "demo: nothing to stop (no $env_file)"
        return 0
    fi
    local MODE BINARY REDIS_SERVER COMPOSE_PROJECT COMPOSE_FILE CTL_TOKEN_PATH=
    # shellcheck source=/dev/null
    . "$env_file"
    # ctl's token file goes only if it still holds this demo's token.
    remove_ctl_token "$CTL_TOKEN_PATH" "$state_dir/admin-token"
    if [ "$MODE" = docker ]; then
        step "stopping the compose project $COMPOSE_PROJECT"
        # Containers the chaos add-node started with `docker-compose run`.
        local extra
        extra=$(docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT" \
            --filter "name=raftescort-chaos-" 2>/dev/null || true)
        if [ -n "$extra" ]; then
            # shellcheck disable=SC2086 # one container id per word
            docker rm -f $extra >/dev/null
        fi
        docker-compose -p "$COMPOSE_PROJECT" -f "$COMPOSE_FILE" down -v --remove-orphans
        rm -rf "$state_dir"
        echo "demo: stopped"
        return 0
    fi
    local names=() file
    for file in "$state_dir"/*.pid; do
        [ -f "$file" ] || continue
        file=$(basename "$file" .pid)
        [ "$file" = redis ] || names+=("$file")
    done
    stopped=0
    # Redis last, so the nodes and the proxy stop without complaining about it.
    stop_pids "$BINARY" "${names[@]}"
    stop_pids "$REDIS_SERVER" redis
    rm -rf "$state_dir"
    if [ "$stopped" -eq 0 ]; then
        echo "demo: nothing was running; removed $state_dir"
    else
        echo "demo: stopped $stopped process(es); removed $state_dir"
    fi
}

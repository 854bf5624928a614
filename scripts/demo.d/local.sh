# shellcheck shell=bash
# Part of scripts/demo (which sources it): starting the local demo (redis-server
# with a password, the nodes on 127.0.0.11.. and the proxy, all given the
# demo's secrets through files), and the helpers the docker start shares with
# it: write_env, ctl, cluster_ready and the start's EXIT trap.

# The functions use variables that scripts/demo and its other parts set.
# shellcheck disable=SC2154

write_env() { # NAME=VALUE...: STATE/demo.env, each value single-quoted for `.`
    local assignment value quote="'\\''"
    for assignment in "$@"; do
        value=${assignment#*=}
        printf "%s='%s'\n" "${assignment%%=*}" "${value//\'/$quote}"
    done >"$env_file"
}

redis_pings() {
    (
        exec 3<>"/dev/tcp/127.0.0.1/$redis_port" || exit 1
        # printf is a builtin: the password is on no command line.
        printf 'AUTH %s\r\nPING\r\n' "$(head -n 1 "$redis_password_file")" >&3
        read -r -t 1 auth <&3 || exit 1
        read -r -t 1 reply <&3 || exit 1
        [[ $auth == +OK* && $reply == +PONG* ]]
    ) 2>/dev/null
}

node_is_leader() { # ID
    owned "$(pid_of "node-$1")" "$binary" || die "node $1 exited while starting"
    curl -sf --max-time 1 "http://127.0.0.$((10 + $1)):$node_port/status" |
        jq -e '.role == "leader"' >/dev/null 2>&1
}

ctl() {
    "$binary" ctl --proxy "$proxy_url" --admin-token-file "$admin_token_file" "$@"
}

# The proxy sees a leader and every expected node as leader or follower.
cluster_ready() { # NODE_COUNT
    ctl --json status 2>/dev/null | jq -e --argjson n "$1" '
        .status.leader != 0 and (.nodes | length) == $n
        and all(.nodes[]; .role == "leader" or .role == "follower")' >/dev/null 2>&1
}

# choose_redis_port FIRST: sets $redis_port to FIRST or the next free port.
choose_redis_port() {
    local last=$(($1 + 100))
    redis_port=$1
    while port_busy 127.0.0.1 "$redis_port"; do
        redis_port=$((redis_port + 1))
        [ "$redis_port" -le "$last" ] || die "no free port for redis-server in $1..$last"
    done
}

# demo.env of a local demo; written before anything starts, since `stop`
# reads it (also after a failed start).
save_local_env() {
    write_env MODE=local ROOT="$root" STATE="$state_dir" BINARY="$binary" \
        REDIS_SERVER="$redis_server" REDIS_URL="redis://127.0.0.1:$redis_port" \
        PROXY_URL="$proxy_url" CLUSTER="$cluster" NODE_PORT="$node_port" \
        STEP_INTERVAL="$step_interval" NODE_IDS="$(seq -s ' ' "$node_count")" \
        REDIS_PASSWORD_FILE="$redis_password_file" ADMIN_TOKEN_FILE="$admin_token_file" \
        CTL_TOKEN_PATH="$ctl_token_file"
}

# STATE/redis.conf: the password redis-server requires (a config file, mode
# 0600, so that it is on no command line).
write_redis_config() {
    write_secret "$state_dir/redis.conf" "requirepass $(head -n 1 "$redis_password_file")"
}

redis_ready_or_gone() {
    ! owned "$(pid_of redis)" "$redis_server" || redis_pings
}

start_redis() {
    local attempt
    mkdir -p "$state_dir/redis"
    for attempt in 1 2 3 4 5; do
        save_local_env
        step "starting redis-server on 127.0.0.1:$redis_port"
        launch redis "$redis_server" "$state_dir/redis.conf" --port "$redis_port" \
            --bind 127.0.0.1 --save '' --appendonly no --dir "$state_dir/redis"
        wait_for 10 "redis-server answers PING" redis_ready_or_gone
        if owned "$(pid_of redis)" "$redis_server"; then
            return 0
        fi
        # Another program took the port between the check and the bind.
        echo "demo: redis-server exited: $(tail -n 1 "$state_dir/redis.log")" >&2
        [ "$attempt" -lt 5 ] || die "redis-server would not start (see $state_dir/redis.log)"
        choose_redis_port $((redis_port + 1))
    done
}

start_node() { # ID
    local id=$1 argv
    # The secrets' files go in the environment: the .cmd file (which the
    # chaos scripts restart a node from) names them, never their contents.
    argv=(env REDIS_PASSWORD_FILE="$redis_password_file"
          RAFTESCORT_ADMIN_TOKEN_FILE="$admin_token_file"
          "$binary" node --id "$id" --listen "127.0.0.$((10 + id)):$node_port"
          --data-dir "$state_dir/node-$id" --redis "redis://127.0.0.1:$redis_port"
          --cluster "$cluster" --step-interval "$step_interval")
    printf '%s\n' "${argv[@]}" >"$state_dir/node-$id.cmd"
    launch "node-$id" "${argv[@]}"
}

check_local_ports() {
    local id
    if port_busy 127.0.0.1 "$proxy_port"; then
        die "port $proxy_port on 127.0.0.1 is in use; choose another with DEMO_PROXY_PORT=PORT"
    fi
    for id in $(seq "$node_count"); do
        if port_busy "127.0.0.$((10 + id))" "$node_port"; then
            die "127.0.0.$((10 + id)):$node_port is in use; choose another port with DEMO_NODE_PORT=PORT"
        fi
    done
}

# EXIT trap of a start: when it failed, show why and stop what was started.
start_exit() {
    local status=$?
    trap - EXIT
    [ "$status" -ne 0 ] || exit 0
    local log
    if [ "$docker" -eq 1 ]; then
        compose logs --tail=10 >&2 || true
    fi
    for log in "$state_dir"/*.log; do
        [ -f "$log" ] || continue
        echo "---- last lines of $log" >&2
        tail -n 5 "$log" >&2
    done
    echo "demo: start failed; stopping what was started" >&2
    stop_demo >&2 || true
    exit "$status"
}

start_local() {
    proxy_port=${DEMO_PROXY_PORT:-8888}
    node_port=${DEMO_NODE_PORT:-7000}
    node_count=${DEMO_NODES:-5}
    step_interval=${DEMO_STEP_INTERVAL:-1s}
    [[ $node_count =~ ^[3-9]$ ]] || die "DEMO_NODES must be 3..9, not '$node_count'"
    proxy_url="http://127.0.0.1:$proxy_port"
    prepare_binary
    check_local_ports
    redis_server=$(command -v redis-server) || die "redis-server not found"
    choose_redis_port "${DEMO_REDIS_PORT:-6390}"

    mkdir -p "$state_dir"
    make_secrets
    ctl_token_file=$(ctl_token_path || true)
    save_local_env
    trap start_exit EXIT
    trap "exit 130" INT
    trap "exit 143" TERM
    write_redis_config
    start_redis

    # Node 1 founds the cluster; the others then join it through Redis.
    step "starting node 1 on 127.0.0.11:$node_port"
    start_node 1
    wait_for 20 "node 1 leads" node_is_leader 1
    local id
    for id in $(seq 2 "$node_count"); do
        step "starting node $id on 127.0.0.$((10 + id)):$node_port"
        start_node "$id"
    done
    step "starting the proxy on $proxy_url"
    launch proxy env REDIS_PASSWORD_FILE="$redis_password_file" \
        RAFTESCORT_ADMIN_TOKEN_FILE="$admin_token_file" \
        "$binary" proxy --listen "127.0.0.1:$proxy_port" \
        --redis "redis://127.0.0.1:$redis_port" --cluster "$cluster"
    wait_for 60 "the proxy sees a leader and $node_count nodes" cluster_ready "$node_count"
    install_ctl_token
    ensure_mission
    print_hints
}

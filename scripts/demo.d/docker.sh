# shellcheck shell=bash
# Part of scripts/demo (which sources it): starting the demo with --docker,
# Redis, the proxy and five nodes under docker compose.

# The functions use variables that scripts/demo and its other parts set.
# shellcheck disable=SC2154

compose() {
    docker-compose -p "$compose_project" -f "$compose_file" "$@"
}

# port_lingering PORT: connections a server on PORT closed are still in
# TIME-WAIT (for up to 60 s), as after a local demo's proxy.
port_lingering() {
    command -v ss >/dev/null || return 1
    [ -n "$(ss -Htan state time-wait "( sport = :$1 )" 2>/dev/null)" ]
}

port_released() {
    ! port_lingering "$1"
}

# wait_port_released PORT: Docker's port publisher binds without
# SO_REUSEADDR, so it fails on a port with TIME-WAIT connections; wait them out.
wait_port_released() {
    if port_lingering "$1"; then
        step "waiting for port $1 to be released (connections of an earlier server linger for up to 60 s)"
        wait_for 70 "port $1 to be released" port_released "$1"
    fi
}

start_docker() {
    command -v docker >/dev/null || die "--docker needs docker (https://docs.docker.com/engine/install/)"
    command -v docker-compose >/dev/null || die "--docker needs docker-compose (Debian package docker-compose)"
    docker info >/dev/null 2>&1 || die "docker is installed but its daemon does not answer (is it running, may you use it?)"
    [ -f "$compose_file" ] || die "$compose_file is missing"
    [ -x "$root/scripts/docker-base" ] || die "$root/scripts/docker-base is missing"
    proxy_port=${PROXY_PORT:-8888}
    proxy_url="http://127.0.0.1:$proxy_port"
    node_count=5
    # ctl runs on the host against the published proxy port.
    prepare_binary
    if port_busy 127.0.0.1 "$proxy_port"; then
        die "port $proxy_port on 127.0.0.1 is in use; choose another with PROXY_PORT=PORT"
    fi
    wait_port_released "$proxy_port"

    mkdir -p "$state_dir"
    make_secrets
    ctl_token_file=$(ctl_token_path || true)
    trap start_exit EXIT
    trap "exit 130" INT
    trap "exit 143" TERM
    write_env MODE=docker ROOT="$root" STATE="$state_dir" BINARY="$binary" \
        PROXY_URL="$proxy_url" CLUSTER="${RAFTESCORT_CLUSTER:-raftescort}" \
        COMPOSE_PROJECT="$compose_project" COMPOSE_FILE="$compose_file" \
        CTL_TOKEN_PATH="$ctl_token_file"
    step "making sure the base image exists"
    "$root/scripts/docker-base"
    step "starting Redis, the proxy and $node_count nodes with docker-compose"
    export PROXY_PORT=$proxy_port
    # compose/docker-compose.yml hands it to the proxy and the nodes (a
    # container's environment is readable only through the Docker daemon).
    # Redis keeps compose's own password, on the project's secrets volume,
    # where the chaos scripts' `docker-compose run` of a new node finds it.
    RAFTESCORT_ADMIN_TOKEN=$admin_token compose up -d --build --scale "node=$node_count"
    wait_for 120 "the proxy sees a leader and $node_count nodes" cluster_ready "$node_count"
    install_ctl_token
    ensure_mission
    print_hints
}

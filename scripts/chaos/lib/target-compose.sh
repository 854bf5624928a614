# shellcheck shell=bash
# Faults on the containers of the compose service `node`. A node's address
# in the proxy's list is HOST:PORT where HOST is its container's hostname
# (its 12-character id), which is how a node id is mapped to a container.
# lib.sh sources every part of the chaos library; they share its variables.
# shellcheck disable=SC2034,SC2154

declare -A compose_container_of=()   # node id -> container id
compose_network=
declare -A compose_aliases_of=()     # container id -> its aliases on compose_network

# Every container of the service node (of the demo's project when the demo
# started it).
compose_node_containers() {
    local filters=(--filter label=com.docker.compose.service=node)
    if [ -n "${COMPOSE_PROJECT:-}" ]; then
        filters+=(--filter "label=com.docker.compose.project=$COMPOSE_PROJECT")
    fi
    docker ps -aq --no-trunc "${filters[@]}"
}

# compose_map ID: finds node ID's container and keeps it (a stopped
# container keeps its hostname). Called outside $(...), so the map is kept.
compose_map() {
    local id=$1 host container names
    [ -z "${compose_container_of[$id]:-}" ] || return 0
    host=$(node_name "$id")
    host=${host%:*}
    [ -n "$host" ] || setup_error "node $id is not in the proxy's node list"
    for container in $(compose_node_containers); do
        # Its hostname, short id, name or an IP address may be what the node advertises.
        names=$(docker inspect -f '{{.Config.Hostname}} {{.Name}} {{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "$container")
        if [ "${container:0:12}" = "$host" ] || [[ " ${names//\// } " == *" $host "* ]]; then
            compose_container_of[$id]=${container:0:12}
            return 0
        fi
    done
    setup_error "no container of the compose service node is node $id ($host)"
}

# compose_container ID: prints node ID's container id.
compose_container() {
    compose_map "$1"
    echo "${compose_container_of[$1]}"
}

# compose_docker VERB ID: runs `docker VERB` on node ID's container.
compose_docker() {
    local container
    container=$(compose_container "$2")
    log "docker $1 $container (node $2)"
    docker "$1" "$container" >/dev/null
}

compose_kill() { compose_docker kill "$1"; }
compose_stop() { compose_docker stop "$1"; }
compose_start() { compose_docker start "$1"; }
compose_restart() { compose_docker restart "$1"; }
compose_pause() { compose_docker pause "$1"; }
compose_resume() { compose_docker unpause "$1"; }

compose_partition_supported() {
    return 0
}

# The network the nodes talk on: raft-network, or the one whose name ends so
# (compose prefixes the project), or the container's only network.
compose_find_network() { # CONTAINER
    local networks network
    networks=$(docker inspect -f '{{range $name, $_ := .NetworkSettings.Networks}}{{$name}} {{end}}' "$1")
    for network in $networks; do
        [ "$network" = raft-network ] && { echo "$network"; return 0; }
    done
    for network in $networks; do
        [[ $network == *raft-network ]] && { echo "$network"; return 0; }
    done
    # shellcheck disable=SC2086 # one network name per word
    set -- $networks
    [ $# -eq 1 ] && { echo "$1"; return 0; }
    setup_error "cannot tell the cluster's network among: $networks"
}

compose_partition() {
    local container
    container=$(compose_container "$1")
    [ -n "$compose_network" ] || compose_network=$(compose_find_network "$container")
    # Reconnecting gives back the aliases (the service name among them).
    compose_aliases_of[$container]=$(docker inspect -f \
        "{{range (index .NetworkSettings.Networks \"$compose_network\").Aliases}}{{.}} {{end}}" \
        "$container")
    log "docker network disconnect $compose_network $container (node $1)"
    docker network disconnect "$compose_network" "$container"
}

compose_reconnect() {
    local container alias args=()
    container=$(compose_container "$1")
    for alias in ${compose_aliases_of[$container]:-}; do
        args+=(--alias "$alias")
    done
    log "docker network connect $compose_network $container (node $1)"
    docker network connect "${args[@]}" "$compose_network" "$container"
}

# compose_add: `docker-compose run` one more container of the service node,
# named raftescort-chaos-N; sets added_id once the proxy lists it.
compose_add() {
    local any project config n=1 container before
    any=$(compose_node_containers | head -n 1)
    [ -n "$any" ] || setup_error "no container of the compose service node"
    project=$(docker inspect -f '{{index .Config.Labels "com.docker.compose.project"}}' "$any")
    config=$(docker inspect -f '{{index .Config.Labels "com.docker.compose.project.config_files"}}' "$any")
    [ -f "${config%%,*}" ] || config="$chaos_root/compose/docker-compose.yml"
    while docker inspect "raftescort-chaos-$n" >/dev/null 2>&1; do
        n=$((n + 1))
    done
    before=$(node_ids | tr '\n' ' ')
    log "docker-compose -p $project run -d --name raftescort-chaos-$n node"
    docker-compose -p "$project" -f "${config%%,*}" run -d --name "raftescort-chaos-$n" node >/dev/null
    container=$(docker inspect -f '{{.Id}}' "raftescort-chaos-$n")
    compose_added_container=${container:0:12}
    compose_known_before=$before
    # Its node id comes from Redis; the proxy lists it once it has joined.
    if ! wait_until 60000 compose_added_listed; then
        broken "the container raftescort-chaos-$n ($compose_added_container) was not listed by the proxy within 60 s"
        return 1
    fi
    compose_container_of[$added_id]=$compose_added_container
}

# Sets added_id to the node listed now that was not before, if any.
compose_added_listed() {
    local id
    read_status || return 1
    for id in $(node_ids); do
        if [[ " $compose_known_before " != *" $id "* ]]; then
            added_id=$id
            return 0
        fi
    done
    return 1
}

compose_prepare() {
    local id
    [ -n "$(compose_node_containers)" ] || setup_error "no container of the compose service node runs"
    for id in $(node_ids); do
        compose_map "$id"
    done
}

compose_cleanup() {
    return 0
}

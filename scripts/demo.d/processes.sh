# shellcheck shell=bash
# Part of scripts/demo (which sources it): the demo's processes, named by pid
# files in the state dir: launching them, checking they still run, waiting for
# a condition, and whether a demo of the state dir runs at all.

# The functions use variables that scripts/demo and its other parts set.
# shellcheck disable=SC2154

# pid_of NAME: the pid in STATE/NAME.pid, or nothing.
pid_of() {
    local file="$state_dir/$1.pid"
    [ -f "$file" ] && cat "$file"
    return 0
}

# owned PID PROGRAM: the pid runs (not a zombie) and its command line names
# PROGRAM, so a pid the kernel has since given to someone else is left alone.
owned() {
    local pid=$1 program=$2 state
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1) || return 1
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$program"
}

# launch NAME ARGV...: starts ARGV in its own session, detached from this
# shell (so it outlives it and a Ctrl-C here), appending to STATE/NAME.log.
launch() {
    local name=$1 pid
    shift
    pid=$(setsid "$@" </dev/null >>"$state_dir/$name.log" 2>&1 & echo $!)
    echo "$pid" >"$state_dir/$name.pid"
}

# port_busy HOST PORT: something accepts connections there.
port_busy() {
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 200ms.
wait_for() {
    local seconds=$1 what=$2 deadline
    shift 2
    deadline=$(($(now_ms) + seconds * 1000))
    until "$@"; do
        if [ "$(now_ms)" -ge "$deadline" ]; then
            echo "demo: $what: not within ${seconds}s" >&2
            return 1
        fi
        sleep 0.2
    done
}

# Any process of the state dir still running?
demo_running() {
    local file pid
    [ -f "$env_file" ] || return 1
    (
        # shellcheck source=/dev/null
        . "$env_file"
        if [ "$MODE" = docker ]; then
            [ -n "$(docker ps -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT" \
                2>/dev/null)" ]
            exit
        fi
        for file in "$state_dir"/*.pid; do
            [ -f "$file" ] || continue
            pid=$(cat "$file")
            if owned "$pid" "$BINARY" || owned "$pid" "$REDIS_SERVER"; then
                exit 0
            fi
        done
        exit 1
    )
}

# shellcheck shell=bash
# Shared by the chaos scripts: options and target selection, ctl, the
# workload, the faults and the final checks. A script sources this file,
# calls chaos_parse_common "$@", parses what is left in chaos_args, then
# chaos_setup, workload_start, its faults, and chaos_finish.
#
# Exit statuses of every chaos script: 0 every invariant held; 1 one was
# broken (the output says which, with the evidence); 2 usage error, or the
# target could not be reached or set up.

if [ -z "${EPOCHREALTIME:-}" ]; then
    echo "$(basename "$0"): needs bash 5 or later (for \$EPOCHREALTIME)" >&2
    exit 2
fi

chaos_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
chaos_root=$(cd "$chaos_lib_dir/../.." && pwd)
chaos_name=$(basename "$0")

# shellcheck source=scripts/chaos/lib/target-local.sh
. "$chaos_lib_dir/lib/target-local.sh"
# shellcheck source=scripts/chaos/lib/target-compose.sh
. "$chaos_lib_dir/lib/target-compose.sh"
# shellcheck source=scripts/chaos/lib/target-proxy.sh
. "$chaos_lib_dir/lib/target-proxy.sh"
# shellcheck source=scripts/chaos/lib/builtin.sh
. "$chaos_lib_dir/lib/builtin.sh"
# shellcheck source=scripts/chaos/lib/cluster.sh
. "$chaos_lib_dir/lib/cluster.sh"
# shellcheck source=scripts/chaos/lib/workload.sh
. "$chaos_lib_dir/lib/workload.sh"
# shellcheck source=scripts/chaos/lib/checks.sh
. "$chaos_lib_dir/lib/checks.sh"
# shellcheck source=scripts/chaos/lib/faults.sh
. "$chaos_lib_dir/lib/faults.sh"

# ---- time and output --------------------------------------------------------------

# Milliseconds since the epoch, from $EPOCHREALTIME (bash 5).
now_ms() {
    local us=${EPOCHREALTIME/[.,]/}
    echo $((us / 1000))
}

# log TEXT: one line with the wall-clock time to the millisecond.
log() {
    local us=${EPOCHREALTIME/[.,]/}
    printf '[%(%H:%M:%S)T.%03d] %s\n' "${us:0:-6}" $((10#${us: -6} / 1000)) "$*"
}

# pause_ms MS: sleeps MS (nothing if MS <= 0). Through `wait`, which a
# signal interrupts, so that Ctrl-C or SIGTERM heals at once, not after the
# sleep.
chaos_sleep_pid=
pause_ms() {
    [ "$1" -gt 0 ] || return 0
    sleep "$(awk -v ms="$1" 'BEGIN { printf "%.3f", ms / 1000 }')" &
    chaos_sleep_pid=$!
    wait "$chaos_sleep_pid" || true
    chaos_sleep_pid=
}

# setup_error TEXT: the target cannot be reached or used (exit 2).
setup_error() {
    echo "$chaos_name: $*" >&2
    exit 2
}

usage_error() {
    echo "$chaos_name: $* (try --help)" >&2
    exit 2
}

# broken TEXT: an invariant did not hold; the script heals, checks the rest
# and exits 1.
chaos_broken=()
broken() {
    chaos_broken+=("$*")
    log "BROKEN: $*"
}

# parse_duration_ms DUR: 250ms, 2s, 1.5m or a bare number of seconds.
parse_duration_ms() {
    local value=$1 number unit
    if [[ ! $value =~ ^([0-9]+(\.[0-9]+)?)(ms|s|m)?$ ]]; then
        return 1
    fi
    number=${BASH_REMATCH[1]}
    unit=${BASH_REMATCH[3]:-s}
    case "$unit" in
    ms) awk -v n="$number" 'BEGIN { printf "%d\n", n }' ;;
    s) awk -v n="$number" 'BEGIN { printf "%d\n", n * 1000 }' ;;
    m) awk -v n="$number" 'BEGIN { printf "%d\n", n * 60000 }' ;;
    esac
}

# interval_seconds NAME VALUE: VALUE (a duration, see parse_duration_ms) as
# seconds for sleep; a setup error names the variable NAME when it is not one.
interval_seconds() {
    local ms
    ms=$(parse_duration_ms "$2") && [ "$ms" -gt 0 ] ||
        setup_error "$1 must be a duration above 0 such as 100ms or 1s, not '$2'"
    awk -v ms="$ms" 'BEGIN { printf "%.3f\n", ms / 1000 }'
}

# ---- options --------------------------------------------------------------------

# Prints the calling script's header comment (its help), then the options
# every chaos script takes.
chaos_help() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    cat <<'EOF'

Options of every chaos script:
  --target local|compose|proxy
                          the cluster scripts/demo started on this machine,
                          the containers of the compose service `node`, or
                          any cluster the proxy sees (built-in faults only)
                          (default: RAFTESCORT_TARGET, else what the demo's
                          state file says, else compose if node containers
                          run, else proxy when --proxy or RAFTESCORT_PROXY
                          names one)
  --proxy URL             the proxy (default: RAFTESCORT_PROXY, else the demo's,
                          else http://127.0.0.1:8888)
  --via builtin|native    how faults are made (default: builtin, except where
                          the script says otherwise): builtin asks the nodes
                          through the proxy (`ctl chaos`; needs the admin
                          token, as ctl finds it, and nothing else); native
                          uses the target's own tools: kill -9, SIGSTOP and
                          iptables (root) on local, docker kill, pause and
                          network disconnect on compose. `--via signals`,
                          `--via iptables` (local) and `--via docker`
                          (compose) are names for native
  -h, --help              this text
Environment: RAFTESCORT_DEMO_DIR (the demo's state dir, default ROOT/.demo),
RAFTESCORT_BINARY (the raftescort that runs ctl), CHAOS_MOVE_INTERVAL (time
between two moves of the workload, default 100ms), CHAOS_POLL_INTERVAL (time
between two `ctl status` while waiting for the cluster, default 50ms). Each
move and each poll starts one ctl; raise both where a ctl costs much (an
ASan build: about 80ms of CPU each).
Exit status: 0 every invariant held; 1 one was broken; 2 usage error, or the
target could not be reached or set up.
The last line is machine-readable: RESULT NAME key=value ... ok|FAIL
EOF
}

# chaos_parse_common ARGS...: takes --target, --proxy, --via and --help;
# leaves the other arguments, in order, in chaos_args. A script whose faults
# are process restarts sets chaos_via_default=native before calling it.
chaos_args=()
chaos_opt_target=
chaos_opt_proxy=
chaos_opt_via=
chaos_via_default=${chaos_via_default:-builtin}
chaos_parse_common() {
    while [ $# -gt 0 ]; do
        case "$1" in
        -h | --help)
            chaos_help
            exit 0
            ;;
        --target | --proxy | --via)
            [ $# -ge 2 ] || usage_error "$1 needs a value"
            case "$1" in
            --target) chaos_opt_target=$2 ;;
            --proxy) chaos_opt_proxy=$2 ;;
            --via) chaos_opt_via=$2 ;;
            esac
            shift 2
            ;;
        --target=*) chaos_opt_target=${1#*=}; shift ;;
        --proxy=*) chaos_opt_proxy=${1#*=}; shift ;;
        --via=*) chaos_opt_via=${1#*=}; shift ;;
        *) chaos_args+=("$1"); shift ;;
        esac
    done
}

# ---- setup ----------------------------------------------------------------------

chaos_state_dir=${RAFTESCORT_DEMO_DIR:-$chaos_root/.demo}
chaos_env_file="$chaos_state_dir/demo.env"

# Reads the demo's state file (MODE, STATE, BINARY, PROXY_URL, NODE_IDS, ...).
load_demo_env() {
    [ -f "$chaos_env_file" ] || return 1
    # shellcheck source=/dev/null
    . "$chaos_env_file"
}

compose_nodes_running() {
    command -v docker >/dev/null &&
        [ -n "$(docker ps -q --filter label=com.docker.compose.service=node 2>/dev/null)" ]
}

# Sets chaos_target from --target, RAFTESCORT_TARGET, the demo's state file,
# or running node containers.
choose_target() {
    chaos_target=${chaos_opt_target:-${RAFTESCORT_TARGET:-}}
    if [ -z "$chaos_target" ]; then
        if load_demo_env; then
            if [ "${MODE:-local}" = docker ]; then chaos_target=compose; else chaos_target=local; fi
        elif compose_nodes_running; then
            chaos_target=compose
        elif [ -n "${chaos_opt_proxy:-${RAFTESCORT_PROXY:-}}" ]; then
            chaos_target=proxy
        else
            setup_error "no cluster found: no $chaos_env_file, no running compose node" \
                "containers and no --proxy; start one with scripts/demo (or scripts/demo --docker)"
        fi
    fi
    case "$chaos_target" in
    local | compose | proxy) ;;
    *) usage_error "--target must be local, compose or proxy, not '$chaos_target'" ;;
    esac
}

# Sets chaos_via (builtin or native) from --via, checked against the target.
choose_via() {
    local via=${chaos_opt_via:-$chaos_via_default}
    case "$via" in
    builtin | native) ;;
    signals | iptables)
        [ "$chaos_target" = local ] || usage_error "--via $via works on --target local only"
        via=native
        ;;
    docker)
        [ "$chaos_target" = compose ] || usage_error "--via docker works on --target compose only"
        via=native
        ;;
    *) usage_error "--via must be builtin or native (or signals, iptables, docker), not '$via'" ;;
    esac
    if [ "$via" = native ] && [ "$chaos_target" = proxy ]; then
        usage_error "--target proxy has only the built-in faults (--via builtin)"
    fi
    chaos_via=$via
}

require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null ||
            setup_error "$tool is not installed (Debian package '$tool'; scripts/demo installs it)"
    done
}

# chaos_setup: resolves the target, the proxy and the binary, checks that the
# cluster is healthy, and arms the exit trap that heals and cleans up.
chaos_setup() {
    choose_target
    choose_via
    chaos_move_s=$(interval_seconds CHAOS_MOVE_INTERVAL "${CHAOS_MOVE_INTERVAL:-100ms}")
    chaos_poll_s=$(interval_seconds CHAOS_POLL_INTERVAL "${CHAOS_POLL_INTERVAL:-50ms}")
    require_tools jq curl
    if [ "$chaos_target" = local ]; then
        load_demo_env || setup_error "--target local needs a demo: no $chaos_env_file" \
            "(start one with scripts/demo; RAFTESCORT_DEMO_DIR names another state dir)"
        [ "${MODE:-}" = local ] || setup_error "$chaos_env_file is a MODE=${MODE:-?} demo, not local"
    elif [ "$chaos_target" = proxy ]; then
        # Only the binary may come from a demo: the proxy is the one named.
        if load_demo_env; then
            unset PROXY_URL
        fi
    else
        [ "$chaos_via" = builtin ] || require_tools docker
        # Only a --docker demo's state file describes the compose cluster.
        if load_demo_env && [ "${MODE:-}" != docker ]; then
            unset PROXY_URL BINARY COMPOSE_PROJECT
        fi
    fi
    chaos_proxy=${chaos_opt_proxy:-${RAFTESCORT_PROXY:-${PROXY_URL:-http://127.0.0.1:8888}}}
    chaos_binary=${RAFTESCORT_BINARY:-${BINARY:-$chaos_root/build/raftescort}}
    [ -x "$chaos_binary" ] || setup_error "$chaos_binary is not an executable raftescort" \
        "(build it with scripts/demo, or set RAFTESCORT_BINARY)"
    chaos_work=$(mktemp -d "${TMPDIR:-/tmp}/raftescort-$chaos_name.XXXXXX")
    trap chaos_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    read_status || setup_error "the proxy at $chaos_proxy does not answer" \
        "($(ctl_json status 2>&1 >/dev/null | head -n 1))"
    chaos_expected_nodes=$st_count
    log "target $chaos_target: $st_count nodes through $chaos_proxy"
    if ! wait_until 30000 cluster_converged "$chaos_expected_nodes" "$st_commit"; then
        print_status >&2
        setup_error "the cluster is not healthy before any fault (every node reachable as" \
            "leader or follower, one leader, caught up); not starting"
    fi
    log "healthy: leader $st_leader ($st_leader_name), term $st_term, commit $st_commit"
    # Built-in faults need the proxy alone: no process or container is looked up.
    if [ "$chaos_via" = builtin ]; then
        builtin_prepare
    else
        "${chaos_target}_prepare"
    fi
}

# EXIT trap: stops the workload, heals every fault still in place, and keeps
# the evidence when something failed.
chaos_exit() {
    local status=$?
    trap - EXIT INT TERM
    [ -z "$chaos_sleep_pid" ] || kill "$chaos_sleep_pid" 2>/dev/null || true
    workload_kill
    heal_all
    "${chaos_target}_cleanup"
    # A broken invariant (1) or an interruption keeps its evidence; success
    # and a setup error (2) have none worth keeping.
    if [ "$status" -eq 0 ] || [ "$status" -eq 2 ]; then
        rm -rf "$chaos_work"
    else
        echo "$chaos_name: evidence (acks, samples, logs) kept in $chaos_work" >&2
    fi
    exit "$status"
}

# ---- pending heals ----------------------------------------------------------------

# Faults in place, as "VERB ID" (start, resume, reconnect; built-in: heal,
# recover): the exit trap undoes each, so no exit leaves the cluster broken
# (a built-in fault would also heal itself, but only after its --for).
chaos_pending=()

heal_register() { # VERB ID
    chaos_pending+=("$1 $2")
}

heal_done() { # VERB ID
    local kept=() item
    for item in "${chaos_pending[@]}"; do
        [ "$item" = "$1 $2" ] || kept+=("$item")
    done
    chaos_pending=("${kept[@]}")
}

heal_all() {
    local item
    for item in "${chaos_pending[@]}"; do
        log "healing on exit: ${item%% *} node ${item#* }"
        # shellcheck disable=SC2086 # "VERB ID" is two words on purpose
        node_heal $item || log "could not ${item%% *} node ${item#* }"
    done
    chaos_pending=()
}

# ---- the end ----------------------------------------------------------------------

# chaos_finish METRICS...: stops the moves, waits for convergence, checks
# every invariant, prints the RESULT line and exits 0 or 1.
chaos_finish() {
    workload_stop_moves
    if read_status && wait_until 30000 cluster_converged "$chaos_expected_nodes" "$st_commit"; then
        log "final state: $st_count nodes, leader $st_leader, term $st_term, every node applied >= $st_commit"
    else
        print_status
        broken "the cluster did not converge within 30 s after the moves stopped"
    fi
    workload_stop_sampler
    check_all
    local verdict=ok
    if [ ${#chaos_broken[@]} -gt 0 ]; then
        verdict=FAIL
        log "${#chaos_broken[@]} invariant(s) broken:"
        printf '  - %s\n' "${chaos_broken[@]}"
    fi
    echo "RESULT $chaos_name $* acked=$check_acked lost=$check_lost $verdict"
    [ "$verdict" = ok ] || exit 1
    exit 0
}

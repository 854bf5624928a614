# shellcheck shell=bash
# The built-in faults (`ctl chaos`): the nodes make them at their own edges,
# asked through the proxy, so any cluster the proxy sees can be faulted with
# no root, no signal and no docker verb; only the admin token (ctl finds it
# as for any change: RAFTESCORT_ADMIN_TOKEN, RAFTESCORT_ADMIN_TOKEN_FILE, or
# the file scripts/demo writes). Each fault is given a --for that outlasts
# every wait of the script, so it heals itself even if this script is killed
# where no trap runs; the script heals it sooner.
# lib.sh sources every part of the chaos library; they share its variables.
# shellcheck disable=SC2034,SC2154

builtin_for=${CHAOS_BUILTIN_FOR:-90s}

# builtin_kind KIND: the ctl chaos kind that does what the lib's KIND does to
# a process: kill -9 loses volatile state as crash does (recover reopens the
# WAL as a restart would); a clean stop has no gentler twin; SIGSTOP is
# pause; a network cut is isolate.
builtin_kind() {
    case "$1" in
    kill | stop) echo crash ;;
    pause) echo pause ;;
    partition) echo isolate ;;
    *) echo "$1" ;;
    esac
}

# builtin_chaos ARGS...: `ctl --json chaos ARGS`, its answer in
# $chaos_work/chaos.json; sets builtin_status (ctl's exit status: 0, 1 when
# a node did not take it, 3 when the proxy refused) and builtin_error (its
# reason). Never fails, so that set -e leaves the choice to the caller.
builtin_chaos() {
    builtin_status=0
    builtin_error=$(ctl_json chaos "$@" 2>&1 >"$chaos_work/chaos.json") || builtin_status=$?
    builtin_error=$(head -n 1 <<<"$builtin_error")
}

# builtin_refused_hint: what to do about a refusal, when the reason names it.
builtin_refused_hint() {
    case "$builtin_error" in
    *"admin token"*)
        echo "(give ctl the proxy's admin token: RAFTESCORT_ADMIN_TOKEN or" \
            "RAFTESCORT_ADMIN_TOKEN_FILE; or fault with --via native)" ;;
    *kind*) echo "(these nodes are older than this fault kind; try --via native)" ;;
    esac
}

# builtin_inject KIND TARGET [ARGS...]: `ctl chaos KIND TARGET ARGS --for
# $builtin_for`. A refusal is a setup error (no token, a kind the nodes lack);
# a node that did not take the fault is recorded with broken.
builtin_inject() {
    local kind=$1 target=$2
    shift 2
    log "ctl chaos $kind $target${*:+ $*} --for $builtin_for"
    builtin_chaos "$kind" "$target" "$@" --for "$builtin_for"
    case "$builtin_status" in
    0) ;;
    2) setup_error "this ctl ($chaos_binary) has no \`ctl chaos $kind\`: $builtin_error" \
        "(use --via native)" ;;
    3) setup_error "ctl chaos $kind $target was refused: $builtin_error $(builtin_refused_hint)" ;;
    *) broken "ctl chaos $kind $target: $builtin_error" ;;
    esac
}

# builtin_heal TARGET: clears every fault on TARGET; recover reopens a
# crashed node from its WAL. Failures are logged, not fatal: the faults heal
# themselves after --for anyway.
builtin_heal() {
    log "ctl chaos heal $1"
    builtin_chaos heal "$1"
    [ "$builtin_status" -eq 0 ] || log "ctl chaos heal $1 failed: $builtin_error"
}

# builtin_recover TARGET: ends a crash on TARGET (recover takes no --for).
builtin_recover() {
    log "ctl chaos recover $1"
    builtin_chaos recover "$1"
    [ "$builtin_status" -eq 0 ] || log "ctl chaos recover $1 failed: $builtin_error"
}

# builtin_prepare: the proxy has the built-in faults, none is in force (a
# run must start from a healthy cluster), and ctl's admin token is accepted.
# The token is tried on a heal of a node id nobody has: accepted, the proxy
# answers that the node is unknown; refused, it says the token is missing or
# wrong. Either way nothing changes.
builtin_prepare() {
    local faulted
    builtin_chaos status
    [ "$builtin_status" -eq 0 ] ||
        setup_error "ctl chaos status failed: $builtin_error (a proxy without the built-in" \
            "faults? use --via native)"
    faulted=$(jq -r '[.nodes[] | select((.faults // []) | length > 0) | .id] | join(",")' \
        "$chaos_work/chaos.json")
    [ -z "$faulted" ] ||
        setup_error "built-in faults are in force on node(s) $faulted (ctl chaos status);" \
            "clear them first with ctl chaos heal"
    builtin_chaos heal 999999999
    case "$builtin_error" in
    *"admin token"*) setup_error "the proxy refuses ctl's admin token: $builtin_error" \
        "$(builtin_refused_hint)" ;;
    esac
    parse_duration_ms "$builtin_for" >/dev/null ||
        setup_error "CHAOS_BUILTIN_FOR must be a duration such as 90s, not '$builtin_for'"
}

# builtin_has_kind KIND: this ctl lists `ctl chaos KIND` among its
# subcommands (crash, recover and disk-stall came after the others; nodes as
# old as ctl know them too). Its help is read: `ctl chaos KIND --help` of an
# unknown KIND prints the chaos help and succeeds.
builtin_has_kind() {
    "$chaos_binary" ctl chaos --help 2>/dev/null |
        awk -v kind="$1" '/^Subcommands:/ { listed = 1; next } listed && $1 == kind { found = 1 }
                          END { exit !found }'
}

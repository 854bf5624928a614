#!/usr/bin/env bash
# Goal: every chaos script, run against a real local demo, injects its fault,
# heals it, and finds every invariant intact (exit 0, RESULT ... lost=0 ok,
# measurements present and plausible); the checker itself can fail; and
# `scripts/demo stop` leaves no process behind.
#
# Method: scripts/demo starts redis-server, five nodes and the proxy in a
# temporary state dir, on free ports, with a 200ms step interval and a
# mission target far away (so the convoy moves during the whole test). Then,
# with --target local: kill-leader (built-in crash and recover, when this
# build has them; and --via native, kill -9), pause-leader (built in; SIGSTOP
# is tests/integration's), partition-leader (built-in isolate; and --via
# native, iptables, as root with a working iptables only, else SKIPPED with
# the reason), restart-node, add-node and rolling-restart (real restarts),
# random --duration 20s --seed 7 (built-in kinds) and schedule --duration 20s
# --seed 7 (overlapping built-in faults). The checker's functions from
# scripts/chaos/lib.sh are then fed fabricated evidence (a lost move, two
# leaders in one term, a lead point that went back) and must report each. The
# demo is stopped on every exit.
#
# Usage: tests/chaos/chaos_local_test.sh path/to/raftescort
set -euo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 path/to/raftescort" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
binary=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
for tool in redis-server curl jq; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed"; exit 1; }
done

unset RAFTESCORT_PROXY RAFTESCORT_TARGET CHAOS_MOVE_INTERVAL CHAOS_POLL_INTERVAL
# Every move and every poll of the chaos scripts starts one ctl: under ASan
# that is about 80 ms of CPU, and at the default rates (10 moves and up to 20
# polls a second) the client alone took most of two cores and starved the
# nodes' elections. Its CMake test sets a slower rate for both.
if [ -n "${RAFTESCORT_CHAOS_CLIENT_INTERVAL:-}" ]; then
    export CHAOS_MOVE_INTERVAL=$RAFTESCORT_CHAOS_CLIENT_INTERVAL
    export CHAOS_POLL_INTERVAL=$RAFTESCORT_CHAOS_CLIENT_INTERVAL
fi
export RAFTESCORT_BINARY=$binary
RAFTESCORT_DEMO_DIR=$(mktemp -d "${TMPDIR:-/tmp}/chaos-local.XXXXXX")
export RAFTESCORT_DEMO_DIR
work=$(mktemp -d "${TMPDIR:-/tmp}/chaos-local-out.XXXXXX")
# The demo writes its admin token where ctl finds it: here, inside the test,
# never over the token of the user who runs it.
unset RAFTESCORT_ADMIN_TOKEN RAFTESCORT_ADMIN_TOKEN_FILE
export XDG_CONFIG_HOME="$work/config"
started=$(date +%s)
failures=0
declare -A demo_pids=() # pid -> 1, every pid the demo's pid files named

# free_port HOST...: a port nobody listens on at any HOST (checked by
# connecting), below the kernel's ephemeral range so that no outgoing
# connection holds it either.
ephemeral_first=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
free_port() {
    local port host busy
    for _ in $(seq 100); do
        port=$((20000 + RANDOM % (ephemeral_first - 20000)))
        busy=0
        for host in "$@"; do
            if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
                busy=1
                break
            fi
        done
        if [ "$busy" -eq 0 ]; then
            echo "$port"
            return 0
        fi
    done
    echo "FAIL: no free port" >&2
    exit 1
}

remember_pids() {
    local file
    for file in "$RAFTESCORT_DEMO_DIR"/*.pid; do
        [ -f "$file" ] && demo_pids[$(cat "$file")]=1
    done
    return 0
}

# A pid runs when it exists and is not a zombie.
pid_runs() {
    local state
    state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) || return 1
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

stop_demo_and_check() {
    local pid left=()
    remember_pids
    "$root/scripts/demo" stop
    for pid in "${!demo_pids[@]}"; do
        if pid_runs "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -e "$binary" -e redis-server; then
            left+=("$pid")
        fi
    done
    if [ ${#left[@]} -gt 0 ]; then
        echo "FAIL scripts/demo stop left processes running: ${left[*]}"
        kill -KILL "${left[@]}" 2>/dev/null || true
        return 1
    fi
    echo "ok   scripts/demo stop: all ${#demo_pids[@]} processes it started are gone"
    if [ -e "$XDG_CONFIG_HOME/raftescort/admin-token" ]; then
        echo "FAIL scripts/demo stop left ctl's admin token behind"
        return 1
    fi
    echo "ok   scripts/demo stop: removed ctl's admin token"
}

cleanup() {
    local status=$?
    trap - EXIT
    if [ -f "$RAFTESCORT_DEMO_DIR/demo.env" ]; then
        stop_demo_and_check || status=1
    fi
    if [ "$status" -ne 0 ]; then
        echo "(script outputs kept in $work)"
    else
        rm -rf "$work"
    fi
    rm -rf "$RAFTESCORT_DEMO_DIR"
    echo "chaos_local: $(($(date +%s) - started)) s"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
    failures=$((failures + 1))
    echo "FAIL $*"
}

# A time above this is not plausible; an ASan build is several times slower,
# so its CMake test raises it (RAFTESCORT_CHAOS_MS_MAX).
plausible_ms_max=${RAFTESCORT_CHAOS_MS_MAX:-60000}

# check_result NAME OUTPUT_FILE STATUS KEY...: exit 0, a RESULT line ending
# in "ok" with lost=0 and acked > 0, and each KEY a number of ms under
# plausible_ms_max.
check_result() {
    local name=$1 output=$2 status=$3 line key value
    shift 3
    line=$(grep "^RESULT $name " "$output" || true)
    echo "     $line"
    if [ "$status" -ne 0 ] || [ -z "$line" ]; then
        fail "$name: exit status $status; its output:"
        sed 's/^/     | /' "$output"
        return 0
    fi
    [[ $line == *" ok" ]] || fail "$name: the RESULT line does not end in ok"
    [[ $line == *" lost=0 "* ]] || fail "$name: lost is not 0"
    [[ $line =~ \ acked=([1-9][0-9]*)\  ]] || fail "$name: no move was acknowledged"
    for key in "$@"; do
        value=$(grep -o " $key=[^ ]*" <<<"$line" | cut -d= -f2)
        if [[ ! $value =~ ^[0-9]+$ ]] || [ "$value" -ge "$plausible_ms_max" ]; then
            fail "$name: $key=$value is not a plausible time in ms"
        fi
    done
    echo "ok   $name"
}

# run_chaos NAME [ARGS...] -- KEY...: runs scripts/chaos/NAME --target local ARGS.
run_chaos() {
    local name=$1 args=() status=0 began out suffix
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        args+=("$1")
        shift
    done
    shift
    began=$(date +%s)
    echo "---- scripts/chaos/$name ${args[*]}"
    # One output per variant (kill-leader.out, kill-leader_--via_native.out);
    # NAME.out is the last.
    suffix=$(printf '%s' "${args[*]}" | tr -c 'A-Za-z0-9-' '_')
    out="$work/$name${suffix:+_$suffix}.out"
    "$root/scripts/chaos/$name" --target local "${args[@]}" >"$out" 2>&1 || status=$?
    [ -z "$suffix" ] || cp "$out" "$work/$name.out"
    echo "     ($(($(date +%s) - began)) s)"
    check_result "$name" "$out" "$status" "$@"
    remember_pids
}

# ---- the demo -------------------------------------------------------------------------
DEMO_PROXY_PORT=$(free_port 127.0.0.1)
DEMO_NODE_PORT=$(free_port 127.0.0.11 127.0.0.12 127.0.0.13 127.0.0.14 127.0.0.15 127.0.0.16 127.0.0.17)
DEMO_REDIS_PORT=$(free_port 127.0.0.1)
export DEMO_PROXY_PORT DEMO_NODE_PORT DEMO_REDIS_PORT DEMO_STEP_INTERVAL=200ms
echo "---- scripts/demo (state in $RAFTESCORT_DEMO_DIR)"
"$root/scripts/demo" >"$work/demo.out" 2>&1 || {
    cat "$work/demo.out"
    echo "FAIL scripts/demo did not start"
    exit 1
}
remember_pids
proxy="http://127.0.0.1:$DEMO_PROXY_PORT"
# ctl finds the demo's admin token on its own ($XDG_CONFIG_HOME), and needs
# it: a change without it is refused.
refused=0
RAFTESCORT_ADMIN_TOKEN=not-the-demo-admin-token "$binary" ctl --proxy "$proxy" mission start \
    >/dev/null 2>&1 || refused=$?
if [ "$refused" -ne 3 ]; then
    echo "FAIL a mission change with a wrong admin token: ctl exit status $refused, not 3"
    failures=$((failures + 1))
fi
[ -s "$XDG_CONFIG_HOME/raftescort/admin-token" ] || {
    echo "FAIL scripts/demo did not write ctl's admin token in \$XDG_CONFIG_HOME"
    failures=$((failures + 1))
}
# A target beyond the track keeps the convoy stepping for the whole test, so
# the lead-never-goes-back check sees it move through every fault.
"$binary" ctl --proxy "$proxy" mission set 100000 0 >/dev/null
"$binary" ctl --proxy "$proxy" mission start >/dev/null
echo "ok   scripts/demo: 5 nodes and the proxy at $proxy"

# ---- the chaos scripts ----------------------------------------------------------------
leader_keys=(new_leader_ms first_commit_ms converge_ms)
if "$binary" ctl chaos --help | grep -q '^  crash '; then
    run_chaos kill-leader -- "${leader_keys[@]}"
else
    echo "SKIPPED kill-leader (built in): this build has no ctl chaos crash"
fi
run_chaos kill-leader --via native -- "${leader_keys[@]}"
run_chaos pause-leader -- "${leader_keys[@]}"
run_chaos partition-leader -- "${leader_keys[@]}"
run_chaos restart-node -- stop_ms rejoin_ms converge_ms
run_chaos add-node -- join_ms voter_ms converge_ms
run_chaos rolling-restart -- restart_ms_max converge_ms_max total_ms
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIPPED partition-leader --via native: iptables needs root"
elif ! command -v iptables >/dev/null || ! iptables -w -L INPUT -n >/dev/null 2>&1; then
    echo "SKIPPED partition-leader --via native: iptables is missing or does not work here"
else
    run_chaos partition-leader --via native -- "${leader_keys[@]}"
    # Each chaos process has its own chain; one whose process is gone was left behind.
    for chain in $(iptables -w -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^RAFTESCORT-CHAOS-/ { print $2 }'); do
        kill -0 "${chain##*-}" 2>/dev/null || fail "partition-leader left the iptables chain $chain"
    done
fi
run_chaos random --duration 20s --seed 7 -- converge_ms_max
run_chaos schedule --duration 20s --seed 7 --
schedule_line=$(grep '^RESULT schedule ' "$work/schedule.out" || true)
[[ $schedule_line =~ \ faults=[1-9][0-9]*\  ]] || fail "schedule: no fault was made"
[[ $schedule_line =~ \ elections=[0-9]+\  ]] || fail "schedule: no election count"
# Built-in faults heal themselves and the scripts heal theirs: none is left.
if "$binary" ctl --proxy "$proxy" --json chaos status |
    jq -e 'any(.nodes[]; (.faults // []) | length > 0)' >/dev/null; then
    fail "built-in faults are still in force after the scripts: $("$binary" ctl --proxy "$proxy" chaos status)"
else
    echo "ok   no built-in fault left in force"
fi

# ---- the checker can fail ---------------------------------------------------------------
echo "---- the checker on fabricated evidence"
if (
    set +e
    # shellcheck source=scripts/chaos/lib.sh
    . "$root/scripts/chaos/lib.sh"
    cd "$work"
    cat >logs.json <<'EOF'
{"a:1": [{"index": 7, "term": 2, "type": "normal", "command": "move 0 1 c=ctl-x-1 s=1"},
         {"index": 8, "term": 3, "type": "leader_noop", "command": "take_lead 2"}],
 "b:1": [{"index": 7, "term": 2, "type": "normal", "command": "move 0 1 c=ctl-x-1 s=1"},
         {"index": 8, "term": 3, "type": "leader_noop", "command": "take_lead 2"}]}
EOF
    printf '1000\t2\t7\tctl-x-1\t1\tmoved\t990\n' >acks-good
    # Acknowledged at index 8 in term 2, but the logs hold term 3 there.
    printf '1000\t2\t7\tctl-x-1\t1\tmoved\t990\n1100\t2\t8\tctl-x-2\t-1\tmoved\t1090\n' >acks-lost
    verify_acked acks-good logs.json >out-good; status_good=$?
    verify_acked acks-lost logs.json >out-lost; status_lost=$?
    bad=0
    if [ "$status_good" -ne 0 ] || ! grep -q 'acknowledged 1, lost 0' out-good; then
        echo "FAIL verify_acked on a kept move: status $status_good, $(cat out-good)"; bad=1
    fi
    if [ "$status_lost" -ne 1 ] || [ "$check_lost" != 1 ] || ! grep -q 'LOST index 8 term 2' out-lost; then
        echo "FAIL verify_acked on a lost move: status $status_lost, lost=$check_lost, $(cat out-lost)"; bad=1
    fi
    # Two nodes each said they led term 4.
    printf '1\t1\tleader\t4\t1\t10\t5\t0\th1\n2\t2\tleader\t4\t2\t10\t5\t0\th1\n' >samples-two
    echo '{"4": {"id": 1}}' >leaders.json
    echo '{"4": [{"candidate": 1, "outcome": "won"}]}' >elections.json
    check_leaders samples-two leaders.json elections.json >out-leaders; status_leaders=$?
    if [ "$status_leaders" -ne 1 ] || ! grep -q 'term 4: nodes reported leaders 1 and 2' out-leaders; then
        echo "FAIL check_leaders on two leaders: status $status_leaders, $(cat out-leaders)"; bad=1
    fi
    # The lead point's x went from 6 back to 5 while the applied index grew.
    printf '1\t1\tleader\t4\t1\t10\t6\t0\th1\n2\t2\tfollower\t4\t1\t11\t5\t0\th2\n' >samples-back
    check_lead_order samples-back >out-order; status_order=$?
    if [ "$status_order" -ne 1 ] || ! grep -q 'WENT BACK' out-order; then
        echo "FAIL check_lead_order on a lead that went back: status $status_order, $(cat out-order)"; bad=1
    fi
    echo "     $(grep LOST out-lost)"
    exit "$bad"
); then
    echo "ok   the checker reports a lost move, two leaders in a term, and a lead that went back"
else
    failures=$((failures + 1))
fi

# ---- stop ---------------------------------------------------------------------------------
echo "---- scripts/demo stop"
stop_demo_and_check || failures=$((failures + 1))

if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all chaos checks passed"

# shellcheck shell=bash disable=SC2154 # ctl and $work come from the caller.
# Checks and waits for compose_e2e.sh: what the cluster looks like through
# the proxy (`ctl --json`), a background stream of moves, and the final
# audit of every acknowledged move. Sourced; the caller defines ctl and $work.

passed=0
failed=0
acked=0
lost=0
move_stream_pid=

now_ms() {
    date +%s%3N
}

step() {
    echo "==> $*"
}

say() {
    echo "    $*"
}

die() {
    echo "compose_e2e: $*" >&2
    exit 2
}

# check DESCRIPTION COMMAND...: one assertion, counted.
check() {
    local description=$1
    shift
    if "$@" >/dev/null 2>&1; then
        passed=$((passed + 1))
        echo "ok   $description"
    else
        failed=$((failed + 1))
        echo "FAIL $description"
    fi
}

# wait_until MS WHAT COMMAND...: polls every 100 ms; a timeout fails the run.
wait_until() {
    local budget_ms=$1 what=$2
    shift 2
    local deadline=$(($(now_ms) + budget_ms))
    until "$@" >/dev/null 2>&1; do
        if [ "$(now_ms)" -ge "$deadline" ]; then
            failed=$((failed + 1))
            echo "FAIL waited ${budget_ms} ms for $what"
            ctl status || true
            exit 1
        fi
        sleep 0.1
    done
}

# status_query PYTHON: evaluates PYTHON with `s` = the proxy's status answer
# ({"status": {...}, "nodes": [...]}); prints what it returns, fails on False.
status_query() {
    ctl --json status | python3 -c '
import json, sys
s = json.load(sys.stdin)
nodes = {n["id"]: n for n in s["nodes"]}
leader = nodes.get(s["status"]["leader"])
result = eval(sys.argv[1])
if result is False or result is None:
    sys.exit(1)
if result is not True:
    print(result)
' "$1"
}

cluster_has() {
    status_query "leader is not None and s['status']['reachable'] == $1 and len(nodes) == $1"
}

# "ID NAME TERM" of the leader the proxy sees.
leader_of_view() {
    status_query "leader and '%d %s %d' % (leader['id'], leader['name'], s['status']['term'])"
}

new_leader_since() {
    status_query "leader is not None and leader['id'] != $1 and s['status']['term'] > $2"
}

leader_commit() {
    status_query "leader and str(leader['commit_index'])"
}

a_follower() {
    status_query "next(('%d %s' % (n['id'], n['name']) for n in s['nodes'] if n['role'] == 'follower'), None)"
}

node_unreachable() {
    status_query "nodes.get($1, {}).get('role') == 'unreachable'"
}

node_caught_up() {
    status_query "leader is not None and nodes.get($1, {}).get('role') == 'follower' and nodes[$1].get('lag') == 0"
}

all_caught_up() {
    status_query "leader is not None and len(nodes) == $1 and all(n['role'] in ('leader', 'follower') and n.get('lag') == 0 for n in s['nodes'])"
}

lead_x() {
    ctl --json mission show | python3 -c 'import json, sys; print(json.load(sys.stdin)["lead"][0])'
}

# Moves (0, +1) and (0, -1) in turn, so the convoy stays on its track; each
# acknowledged one is kept as "MS TERM INDEX" in $work/acked.
start_move_stream() {
    : >"$work/acked"
    (
        dy=1
        while true; do
            if answer=$(ctl --json move 0 "$dy" 2>/dev/null); then
                python3 -c 'import json, sys; a = json.loads(sys.argv[1]); print(sys.argv[2], a["term"], a["index"])' \
                    "$answer" "$(now_ms)" >>"$work/acked"
                dy=$((-dy))
            fi
            sleep 0.05
        done
    ) &
    move_stream_pid=$!
}

stop_move_stream() {
    if [ -n "$move_stream_pid" ]; then
        kill "$move_stream_pid" 2>/dev/null || true
        wait "$move_stream_pid" 2>/dev/null || true
        move_stream_pid=
    fi
}

# builtin_leader_fault KIND [HEAL]: `ctl chaos KIND leader`, then waits for
# a new leader and a move committed after the fault, then `ctl chaos HEAL`
# (heal unless told, e.g. recover) on the old leader and waits until it is a
# caught-up follower. Sets fault_id and fault_new_leader_ms.
builtin_leader_fault() {
    local kind=$1 heal=${2:-heal} term at
    read -r fault_id _ term < <(leader_of_view)
    ctl chaos "$kind" leader --for 30s >/dev/null
    at=$(now_ms)
    wait_until 10000 "a new leader after the $kind of node $fault_id" \
        new_leader_since "$fault_id" "$term"
    # shellcheck disable=SC2034 # the caller reports it
    fault_new_leader_ms=$(($(now_ms) - at))
    wait_until 10000 "a move committed after the $kind" acked_after "$at"
    ctl chaos "$heal" "$fault_id" >/dev/null
    wait_until 15000 "node $fault_id a caught-up follower after the $heal" \
        node_caught_up "$fault_id"
}

# has_faults ID, no_faults ID: built-in faults in force on node ID, or none.
has_faults() {
    ctl --json chaos status |
        jq -e --argjson id "$1" 'any(.nodes[]; .id == $id and ((.faults // []) | length > 0))'
}

no_faults() {
    ctl --json chaos status |
        jq -e --argjson id "$1" 'any(.nodes[]; .id == $id and ((.faults // []) | length == 0))'
}

acked_after() {
    awk -v since="$1" '$1 > since { found = 1 } END { exit !found }' "$work/acked"
}

# Every acknowledged move must be in every node's log at its index with its
# term: by log matching, then, it is committed everywhere. Sets acked and lost.
verify_acknowledged_moves() {
    ctl --json logs >"$work/logs.json"
    local verdict
    verdict=$(python3 - "$work/acked" "$work/logs.json" <<'EOF'
import json, sys
acked = [tuple(map(int, line.split()[1:])) for line in open(sys.argv[1]) if line.strip()]
logs = json.load(open(sys.argv[2]))
terms = {node: {e["index"]: e["term"] for e in entries} for node, entries in logs.items()}
lost = []
for term, index in acked:
    missing = [node for node, log in terms.items() if log.get(index) != term]
    if missing:
        lost.append("term %d index %d is not in the log of %s" % (term, index, ", ".join(missing)))
print(len(acked), len(lost), len(terms))
for line in lost[:10]:
    print(line, file=sys.stderr)
EOF
)
    read -r acked lost logs_seen <<<"$verdict"
    check "$acked acknowledged moves, $lost lost (checked in $logs_seen logs)" \
        test "$lost" -eq 0 -a "$acked" -gt 0 -a "$logs_seen" -ge 5
}

# At most one candidate won each term (Redis keeps every candidacy).
one_leader_per_term() {
    ctl --json elections | python3 -c '
import json, sys
elections = json.load(sys.stdin)
bad = {t: [c["candidate"] for c in cs if c["outcome"] == "won"] for t, cs in elections.items()}
bad = {t: w for t, w in bad.items() if len(w) > 1}
if bad:
    print("two winners:", bad, file=sys.stderr)
    sys.exit(1)
'
}

#!/usr/bin/env bash
# Runs `raftescort ctl` against fake_proxy.py, a stand-in that serves canned
# proxy answers and records every request, and checks what ctl prints and
# sends: tables with a header row, one JSON document with --json, exit
# statuses 0 (success), 1 (unreachable, 5xx, not a proxy), 2 (usage) and 3
# (4xx), one line on stderr for every failure, a move retried with the same
# client id, `watch` frames without escape codes in a pipe, and `watch` on a
# pseudo-terminal (pty_watch.py): raw mode, q and signals, the terminal
# restored.
#
# Usage: tests/cli/ctl.sh path/to/raftescort
set -euo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 path/to/raftescort" >&2
    exit 2
fi
binary=$1
here=$(cd "$(dirname "$0")" && pwd)

unset RAFTESCORT_PROXY RAFTESCORT_ADMIN_TOKEN RAFTESCORT_ADMIN_TOKEN_FILE
# Leader times print in local time; pin it so the expected text is fixed.
export TZ=UTC

work=$(mktemp -d)
# ctl's last place to look for the admin token: kept inside the test, so a
# token of the user running it plays no part.
export XDG_CONFIG_HOME="$work/config"
admin_token=ctl-test-admin-token-4d1f
export RAFTESCORT_ADMIN_TOKEN=$admin_token
fake_pid=
cleanup() {
    if [ -n "$fake_pid" ]; then
        kill "$fake_pid" 2>/dev/null || true
        wait "$fake_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

python3 "$here/fake_proxy.py" --port-file "$work/port" --log "$work/requests" \
    --admin-token "$admin_token" &
fake_pid=$!
for _ in $(seq 100); do
    [ -s "$work/port" ] && break
    sleep 0.05
done
if [ ! -s "$work/port" ]; then
    echo "FAIL fake_proxy.py did not start" >&2
    exit 1
fi
proxy="http://127.0.0.1:$(cat "$work/port")"

passed=0
failed=0

# run ARGS...: runs ctl against the fake proxy, keeping stdout, stderr and
# the exit status in $work and $status. The request log starts empty.
run() {
    status=0
    : >"$work/requests"
    "$binary" ctl --proxy "$proxy" "$@" >"$work/stdout" 2>"$work/stderr" || status=$?
}

pass() {
    passed=$((passed + 1))
    echo "ok   $1"
}

fail() {
    failed=$((failed + 1))
    echo "FAIL $1"
    echo "     exit status: $status"
    sed 's/^/     stdout: /' "$work/stdout"
    sed 's/^/     stderr: /' "$work/stderr"
    sed 's/^/     request: /' "$work/requests"
}

# check NAME CONDITION...: passes if the shell condition holds.
check() {
    local name=$1
    shift
    if "$@"; then
        pass "$name"
    else
        fail "$name"
    fi
}

has() { grep -qF -- "$2" "$work/$1"; }
status_is() { [ "$status" -eq "$1" ]; }
lines_of() { [ "$(wc -l <"$work/$1")" -eq "$2" ]; }
line_is() { [ "$(sed -n "$2p" "$work/$1")" = "$3" ]; }
# Exactly one line on stderr, naming the command; nothing on stdout.
failure_is() {
    [ "$status" -eq "$1" ] && [ ! -s "$work/stdout" ] && lines_of stderr 1 \
        && has stderr "raftescort ctl $2: "
}
# stdout is one JSON document; PYTHON_CHECK (optional) is asserted on it as `d`.
# (fail() shows the document when it does not hold.)
json_is() {
    python3 -c "import json, sys; d = json.load(open(sys.argv[1])); assert ${1:-True}, d" \
        "$work/stdout" 2>/dev/null
}
# The recorded requests, one JSON object each, satisfy the Python expression
# over `r` (the list).
requests_are() {
    python3 -c "import json, sys; r = [json.loads(l) for l in open(sys.argv[1])]; assert $1, r" \
        "$work/requests" 2>/dev/null
}

# status: the roles table and the leader line.
run status
check "status exits 0" status_is 0
check "status prints the header row" line_is stdout 1 \
    "ID  ADDRESS         ROLE         TERM  COMMIT  APPLIED  LAG  POSITION  LAST CONTACT"
check "status prints a row per node" \
    line_is stdout 3 "2   127.0.0.1:5002  follower     7     57      56       1    [23, 1]   35ms"
check "status prints - for what is unknown" \
    line_is stdout 4 "3   127.0.0.1:5003  unreachable  -     -       -        -    -         4.2s"
check "status names the leader and term" \
    line_is stdout 5 "leader 1 (127.0.0.1:5001), term 7; 2 of 3 nodes reachable; redis connected"
check "status asks for /status and /nodes" \
    requests_are '[x["path"] for x in r] == ["/status", "/nodes"]'
run status --json
check "status --json is one document" json_is 'len(d["nodes"]) == 3 and d["status"]["leader"] == 1'

# elections: ballots with their reasons; one term; an unknown term.
run elections
check "elections exits 0" status_is 0
check "elections shows each outcome" has stdout "  candidate 1: won, 2 of 3 votes"
check "elections shows granted ballots" has stdout "    2: granted"
check "elections shows why a vote was refused" has stdout "    3: refused (log not up to date)"
check "elections lists terms in order" line_is stdout 1 "term 1"
run elections --term 2
check "elections --term asks for one term" requests_are 'r[0]["query"] == {"term": "2"}'
check "elections --term shows only that term" bash -c "! grep -q 'term 1' '$work/stdout'"
run elections --term 2 --json
check "elections --json is the data" json_is 'list(d) == ["2"] and d["2"][0]["outcome"] == "won"'
run elections --term 99
check "an unknown term is refused: status 3, one line" failure_is 3 elections
check "the refusal carries the proxy's reason" has stderr "no election recorded for term 99 (HTTP 404)"
run elections --term 99 --json
check "a refusal prints nothing on stdout with --json" failure_is 3 elections

# leaders and positions: tables; leaders of one term; an unknown term.
run leaders
check "leaders exits 0" status_is 0
check "leaders prints the header row" line_is stdout 1 "TERM  LEADER  ADDRESS         VOTES  TIME"
check "leaders prints a row per term, in order" \
    line_is stdout 3 "2     1       127.0.0.1:5001  2/3    2025-11-26 09:40:00.250"
run leaders --json
check "leaders --json is the data" json_is 'd["2"]["no_of_votes"] == 2'
run leaders --term 1
check "leaders --term asks for one term" requests_are 'r[0]["query"] == {"term": "1"}'
check "leaders --term shows only that term" lines_of stdout 2
check "leaders --term shows that term's leader" has stdout "127.0.0.1:5002"
run leaders --term 1 --json
check "leaders --term --json is the data" json_is 'list(d) == ["1"] and d["1"]["id"] == 2'
run leaders --term 99
check "a term without a leader is refused: status 3, one line" failure_is 3 leaders
check "the leaders refusal carries the proxy's reason" has stderr "no leader recorded for term 99 (HTTP 404)"
run positions
check "positions prints the header row" line_is stdout 1 "ID  NODE            ROLE      POSITION"
check "positions prints a row per node" line_is stdout 2 "1   127.0.0.1:5001  leader    [24, 0]"
run positions --json
check "positions --json is the data" json_is 'd[1]["position"] == [23, 1]'

# logs: every node's, one node's by address or by id.
run logs
check "logs names each node" line_is stdout 1 "127.0.0.1:5001"
check "logs prints each node's table" line_is stdout 2 "  INDEX  TERM  TYPE         COMMAND"
check "logs prints entries" has stdout "  2      1     normal       step 1 0"
run logs --node 2
check "logs --node ID exits 0" status_is 0
check "logs --node ID asks for that node's address" \
    requests_are '[x["path"] for x in r] == ["/nodes", "/logs"] and r[1]["query"] == {"ip": "127.0.0.1:5002"}'
check "logs --node prints one table" lines_of stdout 2
run logs --node 127.0.0.1:5001 --json
check "logs --node HOST:PORT --json is the list" json_is 'len(d) == 2 and d[0]["index"] == 1'
run logs --node 42
check "an unknown node id is refused: status 3" failure_is 3 logs
check "the refusal names the id" has stderr "no node with id 42"
run logs --node 10.9.9.9:5000
check "an unknown address is refused: status 3" failure_is 3 logs

# move: body, client id, sequence; a retry reuses the client id.
run move 3 -2
check "move exits 0" status_is 0
check "move prints the new lead" line_is stdout 1 "moved by (3, -2): lead [27, -2] (term 7, index 58)"
check "move prints the positions" line_is stdout 2 "ID  NODE            POSITION"
check "move sends x, y, a ctl client id and sequence 1" \
    requests_are 'len(r) == 1 and r[0]["body"]["x"] == 3 and r[0]["body"]["y"] == -2 and r[0]["body"]["client_id"].startswith("ctl-") and r[0]["body"]["sequence"] == 1'
cp "$work/requests" "$work/first-move"
run move 3 -2
check "each ctl invocation has its own client id" python3 -c '
import json, sys
a = json.loads(open(sys.argv[1]).readline())["body"]["client_id"]
b = json.loads(open(sys.argv[2]).readline())["body"]["client_id"]
assert a != b, (a, b)' "$work/first-move" "$work/requests"
run move 13 0
check "move is retried after a 503 and succeeds" status_is 0
check "the retry carries the same client id and sequence" \
    requests_are 'len(r) == 2 and r[0]["body"] == r[1]["body"]'
run move 13 0 --json
check "move --json is the data" json_is 'd["lead"] == [37, 0] and d["result"] == "moved"'
run move 503 0
check "a move that never commits fails: status 1, one line" failure_is 1 move
check "the failure carries the proxy's reason" has stderr "no leader: the cluster is electing one (HTTP 503)"
check "the move was tried several times, always with the same body" \
    requests_are 'len(r) >= 2 and all(x["body"] == r[0]["body"] for x in r)'
run move 400 0
check "a move the proxy refuses: status 3" failure_is 3 move
check "a refused move is not retried" requests_are 'len(r) == 1'

# mission.
run mission show
check "mission show prints the mission" \
    line_is stdout 1 "mission running, target [100, 0], lead [24, 0], 24 steps taken"
run mission set 100 5
check "mission set sends the target" \
    requests_are 'r[0]["path"] == "/mission" and r[0]["body"] == {"action": "set", "x": 100, "y": 5}'
check "mission set prints the mission" has stdout "target [100, 5]"
run mission pause --json
check "mission pause --json is the data" json_is 'd["mission"]["running"] is False'
run mission
check "mission without a subcommand is a usage error: status 2" status_is 2
check "a usage error sends nothing" requests_are 'r == []'

# timing: the durations and the switches, each alone or together; what is
# not given stays in force, and ctl says what is in force afterwards.
run timing --pre-vote off --check-quorum off
check "timing --pre-vote off --check-quorum off sends only the switches" \
    requests_are 'r[0]["path"] == "/timing" and r[0]["body"] == {"pre_vote": False, "check_quorum": False}'
check "timing sends the admin token" \
    requests_are "r[0][\"authorization\"] == \"Bearer $admin_token\""
check "timing says what is in force" line_is stdout 1 \
    "timing in force: each node's own heartbeat and election timeout, each node's own step interval, pre-vote off, check-quorum off (term 7, index 62)"
run timing --heartbeat 1s --election-timeout 6s --step-interval 2s
check "timing with durations sends them" \
    requests_are 'r[0]["body"] == {"heartbeat_ms": 1000, "election_timeout_ms": 6000, "step_interval_ms": 2000}'
check "the switches set before stay in force" line_is stdout 1 \
    "timing in force: heartbeat 1000 ms, election timeout 6000 ms, a step every 2000 ms, pre-vote off, check-quorum off (term 7, index 62)"
run timing --check-quorum on
check "timing --check-quorum on sends one switch" requests_are 'r[0]["body"] == {"check_quorum": True}'
check "timing --check-quorum on changes only it" has stdout "pre-vote off, check-quorum on"
run timing --pre-vote on --heartbeat 100ms --election-timeout 600ms --json
check "timing --json is the data" \
    json_is 'd["timing"] == {"heartbeat_ms": 100, "election_timeout_ms": 600, "step_interval_ms": 0, "pre_vote": "on", "check_quorum": "on"}'
run timing --reset
check "timing --reset sends only reset" requests_are 'r[0]["body"] == {"reset": True}'
check "timing --reset says each node's own" line_is stdout 1 \
    "timing in force: each node's own (term 7, index 62)"
run status
check "status sums up the switches the nodes report" line_is stdout 6 \
    "pre-vote on (off on 2), check-quorum on"

# timing: the durations go together, a reset takes nothing else, a switch
# is on or off, and something must be given.
for args in "timing" "timing --heartbeat 1s" "timing --reset --heartbeat 1s --election-timeout 6s" \
    "timing --heartbeat soon --election-timeout 6s" "timing --pre-vote maybe" \
    "timing --check-quorum true" "timing --pre-vote" "timing --reset --pre-vote on" \
    "timing --step-interval 2s --check-quorum on" "chaos disk-stall 3" "chaos recover"; do
    # shellcheck disable=SC2086 # the words are the arguments
    run $args
    check "ctl $args is a usage error: status 2" status_is 2
    check "ctl $args sends nothing" requests_are 'r == []'
done
run timing
check "ctl timing without a setting says what to give" \
    has stderr "give --heartbeat and --election-timeout, --pre-vote, --check-quorum, or --reset"
run timing --pre-vote maybe
check "a switch that is not on or off is named" has stderr "--pre-vote"

# members and transfer-leader.
run members add 4 127.0.0.1:5004
check "members add sends id and address" \
    requests_are 'r[0]["path"] == "/members/add" and r[0]["body"] == {"id": 4, "address": "127.0.0.1:5004"}'
check "members add says how to start the node" \
    has stdout "raftescort node --id 4 --advertise 127.0.0.1:5004"
run members remove 2
check "a quorum-losing removal is refused: status 3, one line" failure_is 3 "members remove"
check "the refusal names --force" has stderr "--force"
run members remove 2 --force --json
check "members remove --force sends force" requests_are 'r[0]["body"] == {"id": 2, "force": True}'
check "members remove --force --json is the data" json_is 'd["id"] == 2'
run transfer-leader --to 3
check "transfer-leader names both leaders" line_is stdout 1 "leadership handed from 1 to 3 (term 8)"
run transfer-leader
check "transfer-leader without --to sends no target" requests_are 'r[0]["body"] == {}'
run transfer-leader --to 9
check "a 500 fails with status 1" failure_is 1 transfer-leader

# The admin token: sent as a Bearer token from the first place found
# (--admin-token-file, RAFTESCORT_ADMIN_TOKEN, RAFTESCORT_ADMIN_TOKEN_FILE,
# $XDG_CONFIG_HOME/raftescort/admin-token); a 401 is status 3 with the
# proxy's message; never a token on ctl's own command line.
run mission pause
check "ctl sends the admin token as a Bearer token" \
    requests_are "r[0][\"authorization\"] == \"Bearer $admin_token\""
printf '%s\n' "$admin_token" >"$work/token-file"
printf 'wrong-token-wrong-token\n' >"$work/wrong-file"
(
    unset RAFTESCORT_ADMIN_TOKEN
    run mission pause
    check "without a token a change is refused: status 3, one line" failure_is 3 "mission pause"
    check "the refusal says how to send the token" has stderr "Authorization: Bearer TOKEN"
    check "the refusal is the proxy's 401" has stderr "(HTTP 401)"
    check "without a token ctl sends no Authorization" requests_are 'r[0]["authorization"] is None'
    run status
    check "reads need no token" status_is 0
    run --admin-token-file "$work/token-file" mission pause
    check "--admin-token-file is read" status_is 0
    RAFTESCORT_ADMIN_TOKEN_FILE="$work/token-file" run mission pause
    check "RAFTESCORT_ADMIN_TOKEN_FILE is read" status_is 0
    mkdir -p "$XDG_CONFIG_HOME/raftescort"
    cp "$work/token-file" "$XDG_CONFIG_HOME/raftescort/admin-token"
    run mission pause
    check "the admin-token file under XDG_CONFIG_HOME is read" status_is 0
    cp "$work/wrong-file" "$XDG_CONFIG_HOME/raftescort/admin-token"
    RAFTESCORT_ADMIN_TOKEN_FILE="$work/token-file" run mission pause
    check "RAFTESCORT_ADMIN_TOKEN_FILE comes before the XDG file" status_is 0
    rm "$XDG_CONFIG_HOME/raftescort/admin-token"
    run --admin-token-file "$work/missing-file" status
    check "a missing token file is a usage error naming it: status 2" status_is 2
    check "the usage error names the file" has stderr "$work/missing-file"
    RAFTESCORT_ADMIN_TOKEN=short run status
    check "a short token is a usage error: status 2" status_is 2
    check "the usage error says why" has stderr "at least 16"
    echo "$passed $failed" >"$work/counts"
)
read -r passed failed <"$work/counts"
RAFTESCORT_ADMIN_TOKEN=wrong-token-wrong-token run mission pause
check "a wrong token is refused: status 3" failure_is 3 "mission pause"
check "the refusal says the token is wrong" has stderr "wrong admin token"
RAFTESCORT_ADMIN_TOKEN=wrong-token-wrong-token run --admin-token-file "$work/token-file" mission pause
check "--admin-token-file comes before RAFTESCORT_ADMIN_TOKEN" status_is 0
run --admin-token x status
check "ctl takes no token on its command line: status 2" status_is 2

# A proxy URL with a path prefix; a server that is not a proxy.
status=0
"$binary" ctl --proxy "$proxy/prefix/" positions --json >"$work/stdout" 2>"$work/stderr" || status=$?
check "a proxy behind a path prefix is reached" json_is 'len(d) == 2'
status=0
"$binary" ctl --proxy "$proxy/garbage" status >"$work/stdout" 2>"$work/stderr" || status=$?
check "an answer that is not an envelope fails: status 1" failure_is 1 status
status=0
RAFTESCORT_PROXY="$proxy" "$binary" ctl leaders --json >"$work/stdout" 2>"$work/stderr" || status=$?
check "RAFTESCORT_PROXY names the proxy" json_is '"1" in d'

# watch in a pipe: frames one after the other, no escape codes, --count.
run watch --count 2
check "watch --count 2 exits 0" status_is 0
check "watch prints two frames" \
    bash -c "[ \"\$(grep -c '^raftescort ctl watch ' '$work/stdout')\" -eq 2 ]"
check "watch prints no escape codes in a pipe" bash -c "! grep -q \$'\\x1b' '$work/stdout'"
check "watch draws the convoy on the track" has stdout "y=0  ........................1...."
check "watch prints the roles table" has stdout "ID  ADDRESS         ROLE"
check "watch shows the mission" has stdout "mission running, target [100, 0]"
run watch --count 1 --json
check "watch --count 1 --json is one document" json_is 'd["status"]["term"] == 7 and len(d["nodes"]) == 3'

# watch in a terminal: drawn in place in raw mode; q, Ctrl-C and SIGTERM
# each end it with status 0 and give the terminal back as it was.
for stop in q ctrl-c sigterm; do
    status=0
    python3 "$here/pty_watch.py" "$binary" "$proxy" "$stop" >"$work/stdout" 2>"$work/stderr" \
        || status=$?
    check "watch in a terminal redraws in place in raw mode, until $stop" \
        json_is 'd["first_frame"] and d["redrawn_in_place"] and d["raw_while_running"]'
    check "watch ends on $stop with status 0, within a second" \
        json_is 'd["exit_status"] == 0 and d["stop_seconds"] < 1'
    check "watch restores the terminal after $stop" \
        json_is 'd["restored"] and d["left_alternate_screen"]'
done

# lesson: the list needs no proxy; bad names and options are usage errors
# that reach no route.
run lesson list
check "lesson list exits 0" status_is 0
check "lesson list names the lessons" has stdout "minority-leader"
run lesson list --json
check "lesson list --json lists eight" json_is 'len(d) == 8 and d[0]["name"] == "leader-election"'
run lesson run paxos
check "lesson run refuses an unknown lesson" status_is 2
check "lesson run says which lesson it does not know" has stderr 'no lesson "paxos"'
check "lesson run names the known lessons" has stderr "the lessons are leader-election, "
check "lesson run of an unknown lesson sends nothing" lines_of requests 0
run lesson run
check "lesson run needs a NAME" status_is 2
run lesson run split-vote --pace soon
check "lesson run refuses a --pace that is not a duration" status_is 2
run lesson run split-vote --patience 0
check "lesson run refuses a --patience below 1" status_is 2

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

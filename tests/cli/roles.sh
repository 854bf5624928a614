#!/usr/bin/env bash
# Runs the real raftescort binary and checks its command line contract
# (DESIGN.md §4): help and version, duration parsing, the election-timeout
# rule, environment fallbacks, the node's refusal of a foreign data dir, and
# the one-line message and exit status 2 of each role not in this build yet.
#
# Usage: tests/cli/roles.sh path/to/raftescort
set -euo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 path/to/raftescort" >&2
    exit 2
fi
binary=$1

# Environment fallbacks are under test: start from none of them.
unset CONTAINER_PORT HEARTBEAT_TIMEOUT ELECTION_TIMEOUT REDIS_URL RAFTESCORT_PROXY \
    RAFTESCORT_CLUSTER_TOKEN RAFTESCORT_CLUSTER

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

passed=0
failed=0

# run ARGS...: runs the binary (under `env` so tests can set variables),
# keeps stdout, stderr and the exit status in $work and $status.
run() {
    status=0
    env "$@" >"$work/stdout" 2>"$work/stderr" || status=$?
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
}

# expect NAME STATUS STREAM TEXT -- ARGS...: the command exits with STATUS
# ("nonzero" for any failure) and STREAM (stdout or stderr) contains TEXT.
expect() {
    local name=$1 want=$2 stream=$3 text=$4
    shift 5
    run "$@"
    if [ "$want" = nonzero ]; then
        [ "$status" -ne 0 ] || { fail "$name (wanted a non-zero exit status)"; return; }
    elif [ "$status" -ne "$want" ]; then
        fail "$name (wanted exit status $want)"
        return
    fi
    if ! grep -qF -- "$text" "$work/$stream"; then
        fail "$name (wanted '$text' on $stream)"
        return
    fi
    pass "$name"
}

# one_line NAME: the last command wrote exactly one line on stderr.
one_line() {
    if [ "$(wc -l <"$work/stderr")" -eq 1 ]; then
        pass "$1"
    else
        fail "$1 (wanted exactly one line on stderr)"
    fi
}

# Help and version.
for role in node proxy ctl; do
    expect "--help lists $role" 0 stdout "$role" -- "$binary" --help
done
expect "--help documents exit statuses" 0 stdout "Exit status" -- "$binary" --help
expect "node --help lists --election-timeout" 0 stdout "--election-timeout" -- \
    "$binary" node --help
expect "ctl --help lists mission" 0 stdout "mission" -- "$binary" ctl --help
run "$binary" --version
if [ "$status" -eq 0 ] && grep -qE '^raftescort [0-9]+\.[0-9]+\.[0-9]+' "$work/stdout"; then
    pass "--version prints a version"
else
    fail "--version prints a version"
fi

# A node refuses a data dir that belongs to another node before it touches
# the network: the quickest way to see that the options it was given parsed.
foreign="$work/foreign-data"
mkdir -p "$foreign"
printf 'raftescort-identity\nformat_version=1\ncluster_id=raftescort\nnode_id=7\n' \
    >"$foreign/IDENTITY"
node_ok="belongs to node 7"
expect "node refuses another node's data dir" 1 stderr "raftescort node: data dir" -- \
    "$binary" node --id 3 --data-dir "$foreign"
one_line "node says so in one line"
expect "the refusal says which id to pass" 1 stderr "--id 7" -- \
    "$binary" node --id 3 --data-dir "$foreign"
expect "node refuses another cluster's data dir" 1 stderr "--cluster raftescort" -- \
    "$binary" node --cluster other --data-dir "$foreign"
expect "a cluster name with ':' is refused" nonzero stderr "':'" -- \
    "$binary" node --cluster a:b
expect "a cluster token with a space is refused" nonzero stderr "printable ASCII" -- \
    "$binary" node --cluster-token "a b"

# The roles not in this build yet say so in one line, and exit 2.
unavailable="this role is not in this build yet"
expect "proxy is unavailable" 2 stderr "raftescort proxy: $unavailable" -- "$binary" proxy
one_line "proxy says so in one line"
expect "ctl status is unavailable" 2 stderr "raftescort ctl: $unavailable" -- \
    "$binary" ctl status
one_line "ctl says so in one line"
expect "ctl move takes negative numbers" 2 stderr "$unavailable" -- "$binary" ctl move -3 5
expect "ctl mission set parses" 2 stderr "$unavailable" -- "$binary" ctl mission set 100 0
expect "ctl options may follow the subcommand" 2 stderr "$unavailable" -- \
    "$binary" ctl elections --term 3 --json
expect "good durations are accepted" 1 stderr "$node_ok" -- \
    "$binary" node --id 3 --data-dir "$foreign" --heartbeat 0.1 --election-timeout 1.5s \
    --step-interval 1.5m

# Bad input is reported as a usage error before anything runs.
expect "a bad duration is refused, naming the value" nonzero stderr "5xs" -- \
    "$binary" node --heartbeat 5xs
one_line "a bad duration is reported in one line"
expect "a negative duration is refused" nonzero stderr "negative" -- \
    "$binary" node --election-timeout -1s
expect "a zero heartbeat is refused" nonzero stderr "zero" -- "$binary" node --heartbeat 0
expect "a duration finer than a millisecond is refused" nonzero stderr "1.0005s" -- \
    "$binary" node --heartbeat 1.0005s
expect "an unknown unit is refused" nonzero stderr "5h" -- "$binary" node --step-interval 5h
expect "an overflowing duration is refused" nonzero stderr "too large" -- \
    "$binary" node --heartbeat 99999999999999999999s
expect "election timeout below 3 x heartbeat is refused" nonzero stderr "3 x" -- \
    "$binary" node --election-timeout 100ms --heartbeat 50ms
expect "the refusal names both values" nonzero stderr "100ms" -- \
    "$binary" node --election-timeout 100ms --heartbeat 50ms
expect "the refusal names the heartbeat" nonzero stderr "50ms" -- \
    "$binary" node --election-timeout 100ms --heartbeat 50ms
expect "a bad port is refused" nonzero stderr "70000" -- "$binary" node --listen 70000
expect "a bad redis URL is refused" nonzero stderr "redis://" -- \
    "$binary" proxy --redis http://127.0.0.1:6379
expect "a bad proxy URL is refused" nonzero stderr "ftp://x" -- \
    "$binary" ctl --proxy ftp://x status
expect "node id 0 is refused" nonzero stderr "'0'" -- "$binary" node --id 0
expect "an unknown log level is refused" nonzero stderr "loud" -- \
    "$binary" node --log-level loud
expect "--autopilot and --no-autopilot exclude each other" nonzero stderr "excludes" -- \
    "$binary" node --autopilot --no-autopilot

# Environment fallbacks; flags win.
expect "HEARTBEAT_TIMEOUT is honoured" nonzero stderr "200ms" -- \
    HEARTBEAT_TIMEOUT=200ms "$binary" node
expect "a flag beats HEARTBEAT_TIMEOUT" 1 stderr "$node_ok" -- \
    HEARTBEAT_TIMEOUT=200ms "$binary" node --heartbeat 50ms --id 3 --data-dir "$foreign"
expect "ELECTION_TIMEOUT is honoured" nonzero stderr "120ms" -- \
    ELECTION_TIMEOUT=120ms "$binary" node
expect "CONTAINER_PORT is honoured" nonzero stderr "99999" -- CONTAINER_PORT=99999 "$binary" proxy
expect "REDIS_URL is honoured" nonzero stderr "nope" -- REDIS_URL=nope "$binary" node
expect "RAFTESCORT_PROXY is honoured" nonzero stderr "gopher://x" -- \
    RAFTESCORT_PROXY=gopher://x "$binary" ctl status

# A subcommand is required at every level.
expect "no subcommand is a usage error" 2 stderr "subcommand" -- "$binary"
expect "ctl without a subcommand is a usage error" 2 stderr "ctl --help" -- "$binary" ctl
expect "ctl mission without a subcommand is a usage error" 2 stderr "mission --help" -- \
    "$binary" ctl mission
expect "an unknown option is a usage error" 2 stderr "--bogus" -- "$binary" node --bogus

# The manual page documents every option and subcommand --help shows.
man_page="$(cd "$(dirname "$0")/../.." && pwd)/man/raftescort.1"
if [ -f "$man_page" ]; then
    sed 's/\\-/-/g' "$man_page" >"$work/man.txt"
    for command in "" node proxy ctl "ctl move" "ctl elections" "ctl logs" "ctl mission" \
        "ctl mission set"; do
        # shellcheck disable=SC2086 # $command is a list of words on purpose.
        run "$binary" $command --help
        for word in $(grep -oE -- '--[a-z][a-z-]*' "$work/stdout" | sort -u); do
            if ! grep -qF -- "$word" "$work/man.txt"; then
                fail "man page documents $word of 'raftescort $command'"
                continue 2
            fi
        done
        pass "man page documents the options of 'raftescort${command:+ $command}'"
    done
else
    fail "man page exists at $man_page"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

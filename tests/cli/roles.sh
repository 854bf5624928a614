#!/usr/bin/env bash
# Runs the real raftescort binary and checks its command line contract
# (as raftescort(1) and the role pages state it): help and version, duration
# parsing, the election-timeout rule, environment fallbacks, the node's refusal of a foreign data dir,
# ctl's parsing and its one-line failure against an unreachable proxy, and
# that the manual pages and the README tell the truth about the binary and
# the code: every option, environment variable, route, query parameter and
# body field, and the compose file's variables. ctl's commands against a
# proxy are in ctl.sh.
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
    RAFTESCORT_CLUSTER_TOKEN RAFTESCORT_CLUSTER RAFTESCORT_ADVERTISE RAFTESCORT_DATA_DIR \
    STEP_INTERVAL RAFTESCORT_LOG_LEVEL RAFTESCORT_CLUSTER_TOKEN_FILE RAFTESCORT_ADMIN_TOKEN \
    RAFTESCORT_ADMIN_TOKEN_FILE REDIS_PASSWORD_FILE

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# ctl's default admin token file: none, whatever the user running the test has.
export XDG_CONFIG_HOME="$work/config"

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

# Secrets: from a flag, a file or the environment, never both a value and a
# file; a file must be readable and not empty; an admin token is long
# enough. Each is refused before the node touches its data dir or the network.
printf 'file-admin-token-0123456789\n' >"$work/admin-token"
printf '\n' >"$work/empty-token"
expect "an admin token shorter than 16 characters is refused" 2 stderr "at least 16" -- \
    "$binary" node --admin-token short
one_line "the refusal is one line"
expect "RAFTESCORT_ADMIN_TOKEN is checked too" 2 stderr "at least 16" -- \
    RAFTESCORT_ADMIN_TOKEN=short "$binary" proxy
expect "a token and a token file are refused together" 2 stderr "excludes" -- \
    "$binary" node --admin-token file-admin-token-0123456789 --admin-token-file "$work/admin-token"
expect "both token variables are refused together" 2 stderr "set only one" -- \
    RAFTESCORT_ADMIN_TOKEN=file-admin-token-0123456789 \
    RAFTESCORT_ADMIN_TOKEN_FILE="$work/admin-token" "$binary" proxy
expect "a missing token file is named" 2 stderr "$work/no-such-file" -- \
    "$binary" node --cluster-token-file "$work/no-such-file"
expect "an empty token file is named" 2 stderr "$work/empty-token is empty" -- \
    "$binary" proxy --admin-token-file "$work/empty-token"
expect "RAFTESCORT_CLUSTER_TOKEN_FILE is read" 2 stderr "$work/empty-token is empty" -- \
    RAFTESCORT_CLUSTER_TOKEN_FILE="$work/empty-token" "$binary" node
expect "REDIS_PASSWORD_FILE is read" 2 stderr "$work/no-such-file" -- \
    REDIS_PASSWORD_FILE="$work/no-such-file" "$binary" proxy
expect "TLS needs all three files" 2 stderr "--tls-key, --tls-ca missing" -- \
    "$binary" node --tls-cert "$work/admin-token"
expect "RAFTESCORT_TLS_CA alone is refused too" 2 stderr "--tls-cert, --tls-key missing" -- \
    RAFTESCORT_TLS_CA="$work/admin-token" "$binary" proxy
expect "a TLS file that is not a certificate is named" 2 stderr "$work/admin-token" -- \
    "$binary" proxy --tls-cert "$work/admin-token" --tls-key "$work/admin-token" \
    --tls-ca "$work/admin-token"
expect "a token flag beats a bad token variable" 1 stderr "$node_ok" -- \
    RAFTESCORT_ADMIN_TOKEN=short "$binary" node --admin-token-file "$work/admin-token" \
    --id 3 --data-dir "$foreign"

# ctl against a proxy that is not there: exit 1, one line naming the
# command, nothing on stdout, within a few seconds. Port 1 (tcpmux) is
# closed on any machine these tests run on, so the refusal is immediate;
# a command line that got this far parsed, which is what the parse checks
# below rely on.
nowhere=http://127.0.0.1:1
unreachable="cannot reach the proxy at $nowhere"
started=$(date +%s)
expect "ctl status fails on an unreachable proxy" 1 stderr \
    "raftescort ctl status: $unreachable" -- "$binary" ctl --proxy "$nowhere" status
one_line "ctl says so in one line"
if [ "$(($(date +%s) - started))" -le 3 ] && [ ! -s "$work/stdout" ]; then
    pass "ctl fails quickly, with nothing on stdout"
else
    fail "ctl fails quickly, with nothing on stdout"
fi
expect "ctl --json prints nothing on failure" 1 stderr "$unreachable" -- \
    "$binary" ctl --proxy "$nowhere" --json leaders
[ -s "$work/stdout" ] && fail "ctl --json prints nothing on failure (stdout)"
expect "ctl move takes negative numbers" 1 stderr "ctl move: $unreachable" -- \
    "$binary" ctl --proxy "$nowhere" move -3 5
expect "ctl mission set parses" 1 stderr "ctl mission set: $unreachable" -- \
    "$binary" ctl --proxy "$nowhere" mission set 100 0
expect "ctl options may follow the subcommand" 1 stderr "ctl elections: $unreachable" -- \
    "$binary" ctl elections --term 3 --json --proxy "$nowhere"
expect "ctl leaders --term parses" 1 stderr "ctl leaders: $unreachable" -- \
    "$binary" ctl --proxy "$nowhere" leaders --term 3
expect "ctl members remove --force parses" 1 stderr "ctl members remove: $unreachable" -- \
    "$binary" ctl --proxy "$nowhere" members remove 2 --force
expect "ctl transfer-leader --to parses" 1 stderr "ctl transfer-leader: $unreachable" -- \
    "$binary" ctl --proxy "$nowhere" transfer-leader --to 3
expect "a bounded ctl watch fails on an unreachable proxy" 1 stderr "ctl watch: $unreachable" \
    -- "$binary" ctl --proxy "$nowhere" watch --count 1

# ctl usage errors exit 2 before any request.
expect "ctl move needs two numbers" 2 stderr "ctl move --help" -- "$binary" ctl move 1
one_line "a ctl usage error is one line"
expect "ctl move refuses a non-integer" 2 stderr "X = x" -- "$binary" ctl move x 1
expect "ctl elections refuses term 0" 2 stderr "'0'" -- "$binary" ctl elections --term 0
expect "ctl leaders refuses term 0" 2 stderr "'0'" -- "$binary" ctl leaders --term 0
expect "ctl watch refuses --count 0" 2 stderr "'0'" -- "$binary" ctl watch --count 0
expect "ctl members add needs HOST:PORT" 2 stderr "HOST:PORT" -- \
    "$binary" ctl members add 4 nowhere
expect "ctl members remove refuses id 0" 2 stderr "'0'" -- "$binary" ctl members remove 0
expect "ctl members without a subcommand is a usage error" 2 stderr "members --help" -- \
    "$binary" ctl members
expect "an unknown ctl command is a usage error" 2 stderr "ctl --help" -- "$binary" ctl bogus

# The proxy: its options are validated before it starts.
expect "proxy --help lists --listen" 0 stdout "--listen" -- "$binary" proxy --help
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
expect "STEP_INTERVAL is honoured" nonzero stderr "7xs" -- STEP_INTERVAL=7xs "$binary" node
expect "RAFTESCORT_LOG_LEVEL is honoured by the node" nonzero stderr "shouty" -- \
    RAFTESCORT_LOG_LEVEL=shouty "$binary" node
expect "RAFTESCORT_LOG_LEVEL is honoured by the proxy" nonzero stderr "shouty" -- \
    RAFTESCORT_LOG_LEVEL=shouty "$binary" proxy
expect "RAFTESCORT_ADVERTISE is honoured" nonzero stderr "no-port" -- \
    RAFTESCORT_ADVERTISE=no-port "$binary" node
expect "RAFTESCORT_DATA_DIR is honoured" 1 stderr "$node_ok" -- \
    RAFTESCORT_DATA_DIR="$foreign" "$binary" node --id 3

# A subcommand is required at every level.
expect "no subcommand is a usage error" 2 stderr "subcommand" -- "$binary"
expect "ctl without a subcommand is a usage error" 2 stderr "ctl --help" -- "$binary" ctl
expect "ctl mission without a subcommand is a usage error" 2 stderr "mission --help" -- \
    "$binary" ctl mission
expect "an unknown option is a usage error" 2 stderr "--bogus" -- "$binary" node --bogus

# The manual pages tell the truth about the binary and the code:
# - each option --help shows has an entry in its page (a ctl command's in
#   that command's entry), and every subcommand is documented;
# - each environment variable a role reads is in its page's ENVIRONMENT, and
#   raftescort.1's ENVIRONMENT has every variable of every role; no page
#   lists one that its role does not read; an option's variable is named in
#   the option's entry;
# - each route the node and proxy install is in their page (and the proxy's
#   in the README), with its query parameters and body fields.
root="$(cd "$(dirname "$0")/../.." && pwd)"
man_dir="$root/man"
for page in raftescort raftescort-node raftescort-proxy raftescort-ctl; do
    if [ ! -f "$man_dir/$page.1" ]; then
        fail "man page exists at $man_dir/$page.1"
        continue
    fi
    # Plain text: "\-" is "-", and font changes (\fB, \fI, \fP) go.
    sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$man_dir/$page.1" >"$work/$page.txt"
    if grep -qF "man/$page.1" "$root/CMakeLists.txt"; then
        pass "$page.1 is installed"
    else
        fail "$page.1 is installed"
    fi
done
# The architecture page (section 7) is installed, formats without a warning,
# and names every Redis key the registry writes, so the schema it gives a
# newcomer cannot drift from src/registry/redis.
architecture="$man_dir/raftescort-architecture.7"
if [ -f "$architecture" ] && grep -qF "man/raftescort-architecture.7" "$root/CMakeLists.txt"; then
    pass "raftescort-architecture.7 is installed"
else
    fail "raftescort-architecture.7 is installed"
fi
if command -v groff >/dev/null && [ -f "$architecture" ]; then
    if groff -man -ww -z "$architecture" 2>"$work/groff" && [ ! -s "$work/groff" ]; then
        pass "raftescort-architecture.7 formats without a warning"
    else
        fail "raftescort-architecture.7 formats without a warning: $(head -n 3 "$work/groff")"
    fi
fi
missing=""
# Read into a file first: `sed | grep -q` under pipefail fails whenever grep
# stops reading early and sed dies of SIGPIPE.
sed 's/\\-/-/g' "$architecture" >"$work/architecture.txt" 2>/dev/null || true
for key in $( (grep -rhoE 'key\("[a-z_-]+:?' "$root/src/registry/redis" | cut -c6-
    grep -rhoE 'm_prefix \+ "[a-z_-]+:' "$root/src/registry/redis" | sed 's/.*"//') | sort -u); do
    grep -qE "CLUSTER :$key( |\$)" "$work/architecture.txt" || missing+=" $key"
done
if [ -z "$missing" ]; then
    pass "raftescort-architecture.7 lists every Redis key the registry writes"
else
    fail "raftescort-architecture.7 lacks the Redis keys:$missing"
fi

# Variables a role reads outside CLI11, which --help names in prose at most
# (cmd/raftescort/secret_options.cpp): the token variables, the Redis
# password file, and where ctl looks for its default admin token file.
outside_cli11_node="RAFTESCORT_CLUSTER_TOKEN RAFTESCORT_CLUSTER_TOKEN_FILE RAFTESCORT_ADMIN_TOKEN
    RAFTESCORT_ADMIN_TOKEN_FILE REDIS_PASSWORD_FILE"
outside_cli11_proxy=$outside_cli11_node
outside_cli11_ctl="RAFTESCORT_ADMIN_TOKEN RAFTESCORT_ADMIN_TOKEN_FILE XDG_CONFIG_HOME HOME"

# man_page_of COMMAND: the page that documents `raftescort COMMAND`.
man_page_of() {
    case "$1" in
    "") echo raftescort ;;
    node*) echo raftescort-node ;;
    proxy*) echo raftescort-proxy ;;
    ctl*) echo raftescort-ctl ;;
    esac
}

# environment_of PAGE: the variables PAGE's ENVIRONMENT section has an entry
# for (".TP" then ".B NAME"), one a line.
environment_of() {
    sed -n '/^\.SH ENVIRONMENT/,/^\.SH /p' "$work/$1.txt" |
        sed -n 's/^\.B \([A-Z][A-Z0-9_]*\)$/\1/p' | sort -u
}

# entry_of PAGE SECTION WORDS: the .TP entry of SECTION whose tag starts with
# WORDS ("--listen", "mission set"; "-h, --help" answers to "--help").
entry_of() {
    awk -v section="$2" -v words="$3" '
        /^\.SH / { in_section = ($0 == ".SH " section); printing = 0; next }
        !in_section { next }
        /^\.SS / { printing = 0; next }
        /^\.TP/ { tag_next = 1; printing = 0; next }
        tag_next {
            tag_next = 0
            tag = $0
            sub(/^\.[A-Z]+ /, "", tag)
            gsub(/"/, "", tag)
            sub(/^-h, /, "", tag)
            printing = (tag == words || index(tag, words " ") == 1 || index(tag, words "[") == 1)
        }
        printing { print }
    ' "$work/$1.txt"
}

# option_variables: "OPTION VARIABLE" for each option of the --help in
# $work/stdout whose text declares a variable: CLI11's "(Env:NAME)", or
# "env NAME" in the descriptions of the token options.
option_variables() {
    awk '
        /^  -/ { n = split($1, names, ","); option = names[n] }
        /^  [^ -]/ || /^[^ ]/ || /^$/ { option = "" }
        option != "" {
            line = $0
            while (match(line, /(Env:|env )[A-Z][A-Z0-9_]*/)) {
                found = substr(line, RSTART, RLENGTH)
                sub(/^(Env:|env )/, "", found)
                print option, found
                line = substr(line, RSTART + RLENGTH)
            }
        }
    ' "$work/stdout"
}

: >"$work/variables-node"
: >"$work/variables-proxy"
: >"$work/variables-ctl"
for command in "" node proxy ctl "ctl move" "ctl status" "ctl elections" "ctl leaders" \
    "ctl positions" "ctl logs" "ctl watch" "ctl mission" "ctl mission show" \
    "ctl mission start" "ctl mission pause" "ctl mission set" "ctl members" \
    "ctl members add" "ctl members remove" "ctl transfer-leader" "ctl record" \
    "ctl record start" "ctl record stop" "ctl record status"; do
    page=$(man_page_of "$command")
    role=${command%% *}
    [ -f "$work/$page.txt" ] || continue
    # shellcheck disable=SC2086 # $command is a list of words on purpose.
    run "$binary" $command --help
    # The variables --help names, declared or in a description.
    { grep -oE '\b[A-Z][A-Z0-9]*(_[A-Z0-9]+)+\b' "$work/stdout" || true; } | sort -u >"$work/named"
    if [ -n "$role" ]; then
        cat "$work/named" >>"$work/variables-$role"
    fi
    # Every option has an entry: a role's in OPTIONS, a ctl command's in its
    # entry under COMMANDS (every command takes --help, documented once).
    for word in $(grep -oE -- '^ +(-h,)?--[a-z][a-z-]*' "$work/stdout" | sed 's/.*--/--/' | sort -u); do
        case "$command" in
        ctl\ *)
            [ "$word" = --help ] && continue
            entry=$(entry_of "$page" COMMANDS "${command#ctl }")
            ;;
        *) entry=$(entry_of "$page" OPTIONS "$word") ;;
        esac
        if ! grep -qF -- "$word" <<<"$entry"; then
            fail "$page.1 documents $word of 'raftescort $command' in its entry"
            continue 2
        fi
    done
    # Every subcommand --help lists is documented under its full name.
    for sub in $(sed -n '/^Subcommands:/,/^$/p' "$work/stdout" | awk 'NF > 1 {print $1}'); do
        full=$(echo "${command#ctl} $sub" | sed 's/^ *//')
        if ! grep -qF -- "$full" "$work/$page.txt"; then
            fail "$page.1 documents 'raftescort $command $sub'"
            continue 2
        fi
    done
    # An option's variable is named in the option's entry.
    while read -r option variable; do
        if ! entry_of "$page" OPTIONS "$option" | grep -qw -- "$variable"; then
            fail "$page.1 names \$$variable in the entry of $option of 'raftescort $command'"
            continue 2
        fi
    done < <(option_variables)
    # Every variable --help names is in the page's ENVIRONMENT.
    for variable in $(cat "$work/named"); do
        if ! environment_of "$page" | grep -qx -- "$variable"; then
            fail "$page.1's ENVIRONMENT documents \$$variable of 'raftescort $command'"
            continue 2
        fi
    done
    pass "$page.1 documents the options of 'raftescort${command:+ $command}'"
done

# Each role's ENVIRONMENT lists exactly the variables the role reads: those
# its --help names and those it reads outside CLI11. (The checks from here on
# run no command: a failure shows no output.)
status=0
: >"$work/stdout"
: >"$work/stderr"
for role in node proxy ctl; do
    outside_var=outside_cli11_$role
    # shellcheck disable=SC2086 # a list of words.
    printf '%s\n' ${!outside_var} >>"$work/variables-$role"
    sort -u -o "$work/variables-$role" "$work/variables-$role"
    missing=$(comm -23 "$work/variables-$role" <(environment_of "raftescort-$role"))
    extra=$(comm -13 "$work/variables-$role" <(environment_of "raftescort-$role"))
    if [ -z "$missing" ] && [ -z "$extra" ]; then
        pass "raftescort-$role.1's ENVIRONMENT lists every variable $role reads, and no other"
    else
        fail "raftescort-$role.1's ENVIRONMENT: missing [${missing//$'\n'/ }], not read [${extra//$'\n'/ }]"
    fi
done
sort -u "$work"/variables-node "$work"/variables-proxy "$work"/variables-ctl >"$work/variables-all"
missing=$(comm -23 "$work/variables-all" <(environment_of raftescort))
extra=$(comm -13 "$work/variables-all" <(environment_of raftescort))
if [ -z "$missing" ] && [ -z "$extra" ]; then
    pass "raftescort.1's ENVIRONMENT lists every variable of every role, and no other"
else
    fail "raftescort.1's ENVIRONMENT: missing [${missing//$'\n'/ }], not read [${extra//$'\n'/ }]"
fi

# No variable is read that the lists above miss: every name the code hands to
# CLI11's envname, getenv or the secret readers is one of them.
# (The fuzzers' entry points are not part of the binary.)
unlisted=$(grep -rhoE --include='*.cpp' --exclude='fuzz*' \
    '(envname|getenv|variable|secret_from_file_variable)\("[A-Z][A-Z0-9_]*"\)' \
    "$root/cmd/raftescort" "$root/src" |
    sed 's/.*("\(.*\)")/\1/' | sort -u | comm -23 - "$work/variables-all")
if [ -z "$unlisted" ]; then
    pass "every variable the code reads is documented"
else
    fail "variables the code reads that no page documents: ${unlisted//$'\n'/ }"
fi

# routes_of FILE...: "METHOD PATH" for each route the files install.
routes_of() {
    cat "$@" | tr '\n' ' ' | sed 's/k_raft_message_path/"\/raft\/message"/g' |
        grep -oE 'server\.(Get|Post)\( *"[^"]*"' |
        sed -E 's/server\.(Get|Post)\( *"([^"]*)"/\1 \2/; s/^Get/GET/; s/^Post/POST/' | sort -u
}

# body_fields_of FILE...: every field a POST body may carry (the allowed sets
# that parse_body and read_json_body enforce).
body_fields_of() {
    cat "$@" | tr '\n' ' ' | grep -oE '(parse_body|read_json_body)\([^{]*\{[^}]*\}' |
        grep -oE '"[a-z_]+"' | tr -d '"' | sort -u
}

# check_api PAGE QUERY FILE...: PAGE documents every route FILE... install as
# "METHOD PATH", every body field as "FIELD", and each query parameter QUERY
# lists ("PATH:NAME ...", what the handlers read) as "NAME=".
check_api() {
    local page=$1 query=$2 missing="" route field item
    shift 2
    while read -r route; do
        grep -qE "(^|[ \"])$route([ \"?,]|\$)" "$work/$page.txt" || missing+=" '$route'"
    done < <(routes_of "$@")
    for field in $(body_fields_of "$@"); do
        grep -qF "\"$field\"" "$work/$page.txt" || missing+=" field \"$field\""
    done
    for item in $query; do
        grep -qF "${item#*:}=" "$work/$page.txt" || missing+=" ${item%%:*}?${item#*:}="
    done
    if [ -z "$missing" ]; then
        pass "$page.1 lists every route the code installs, with its parameters"
    else
        fail "$page.1 lacks:$missing"
    fi
}
check_api raftescort-node "/logs:from /logs:limit" \
    "$root"/src/node/node_api.cpp "$root"/src/transport/http/raft_endpoint.cpp
check_api raftescort-proxy "/nodes:ip /logs:ip /logs:from /logs:limit /nodes/move:x /nodes/move:y
    /nodes/move:client_id /nodes/move:sequence /elections:term /leaders:term" \
    "$root"/src/proxy/api/api_*.cpp

# The README's HTTP API section lists every path of the proxy.
sed -n '/^## HTTP API/,/^## /p' "$root/README.md" >"$work/readme-api"
missing=""
while read -r method path; do
    grep -qE "\`$path[\`?]" "$work/readme-api" || missing+=" $method $path"
done < <(routes_of "$root"/src/proxy/api/api_*.cpp)
if [ -z "$missing" ]; then
    pass "the README's HTTP API lists every route of the proxy"
else
    fail "the README's HTTP API lacks:$missing"
fi

# compose/.env.example lists every variable docker-compose.yml reads, and
# the README's Docker compose section names each of them.
compose_variables=$(grep -oE '\$\{[A-Z][A-Z0-9_]*' "$root/compose/docker-compose.yml" |
    cut -c3- | sort -u)
example_variables=$(sed -n 's/^\([A-Z][A-Z0-9_]*\)=.*/\1/p' "$root/compose/.env.example" | sort -u)
if [ "$compose_variables" = "$example_variables" ]; then
    pass "compose/.env.example lists exactly the variables docker-compose.yml reads"
else
    fail "compose/.env.example: $(echo $example_variables) but docker-compose.yml reads $(echo $compose_variables)"
fi
sed -n '/^## Docker compose/,/^## /p' "$root/README.md" >"$work/readme-compose"
missing=""
for variable in $example_variables; do
    grep -qF "\`$variable\`" "$work/readme-compose" || missing+=" $variable"
done
if [ -z "$missing" ]; then
    pass "the README's Docker compose section names every variable of .env.example"
else
    fail "the README's Docker compose section lacks:$missing"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

# shellcheck shell=bash
# The invariants checked at the end of every chaos script, once the cluster
# has converged:
#   - no acknowledged move is lost: every node's log holds, at the index of
#     each acknowledged move, an entry of the same term carrying the move's
#     client id (by log matching, the entry is then committed on all);
#   - one leader per term: the nodes' own reports (sampled) name at most one
#     leader per term, which agrees with `ctl leaders`, and no term has two
#     elections won;
#   - the convoy never went back: ordered by applied index, the lead point's
#     x never decreases, and nodes at the same applied index hold the same
#     lead point and state hash.
# lib.sh sources every part of the chaos library; they share its variables.
# shellcheck disable=SC2034,SC2154

check_acked=0
check_lost=0

# verify_acked ACKS_FILE LOGS_FILE: ACKS_FILE as the move stream writes it,
# LOGS_FILE the output of `ctl --json logs`. Prints "acknowledged N, lost M"
# and each lost move with the evidence; sets check_acked and check_lost;
# returns 1 when a move is lost.
verify_acked() {
    local acks=$1 logs=$2 verdicts unchecked
    verdicts=$(jq -r --rawfile acks "$acks" '
        (to_entries | map({node: .key, first: (.value[0].index // null),
                           last: (.value[-1].index // null),
                           at: (reduce .value[] as $e ({}; .[$e.index | tostring] = $e))})) as $nodes
        | $acks | split("\n")[] | select(length > 0) | split("\t")
        | {term: (.[1] | tonumber), index: (.[2] | tonumber), client: .[3]} as $ack
        | [$nodes[] | . as $node | $node.at[$ack.index | tostring] as $entry
           | if $node.last == null or $node.last < $ack.index then
                 "\($node.node) has no entry \($ack.index) (its log ends at \($node.last // 0))"
             elif $node.first > $ack.index then "compacted"
             elif $entry == null then "\($node.node) has no entry \($ack.index)"
             elif $entry.term != $ack.term then
                 "\($node.node) has term \($entry.term) at \($ack.index): \($entry.command)"
             elif ($entry.command | split(" ") | any(. == "c=" + $ack.client)) | not then
                 "\($node.node) has another command at \($ack.index): \($entry.command)"
             else "ok" end] as $found
        | ($found | map(select(. != "ok" and . != "compacted"))) as $problems
        | if ($problems | length) > 0 then
              "lost\tindex \($ack.index) term \($ack.term) (\($ack.client)): \($problems | join("; "))"
          elif ($found | any(. == "ok")) then "ok"
          else "unchecked" end' "$logs") || {
        echo "cannot read the logs in $logs"
        check_lost=-1
        return 1
    }
    check_acked=$(grep -c . "$acks" || true)
    check_lost=$(grep -c '^lost' <<<"$verdicts" || true)
    unchecked=$(grep -c '^unchecked' <<<"$verdicts" || true)
    echo "moves: acknowledged $check_acked, lost $check_lost$([ "$unchecked" -eq 0 ] ||
        echo ", $unchecked only in compacted logs (not checkable)")"
    grep '^lost' <<<"$verdicts" | head -n 10 | cut -f2- | sed 's/^/  LOST /'
    [ "$check_lost" -eq 0 ]
}

# check_leaders SAMPLES LEADERS_FILE ELECTIONS_FILE: prints what it found;
# returns 1 when a term has two leaders.
check_leaders() {
    local samples=$1 leaders=$2 elections=$3 observed recorded problems
    # "TERM ID" pairs: each node that said it led, and each node's leader.
    observed=$(awk -F'\t' '$3 == "leader" { print $4 "\t" $2 } $5 != 0 { print $4 "\t" $5 }' \
        "$samples" | sort -u -k1,1n -k2,2n)
    recorded=$(jq -r 'to_entries[] | "\(.key)\t\(.value.id)"' "$leaders" | sort -k1,1n)
    problems=$(
        awk -F'\t' 'seen[$1] != "" && seen[$1] != $2 { print "term " $1 ": nodes reported leaders " seen[$1] " and " $2 }
                    { seen[$1] = $2 }' <<<"$observed"
        join -t $'\t' <(sort -k1,1 <<<"$observed") <(sort -k1,1 <<<"$recorded") |
            awk -F'\t' '$2 != $3 { print "term " $1 ": node " $2 " led, but ctl leaders records " $3 }'
        jq -r --slurpfile leaders "$leaders" 'to_entries[]
            | .key as $term | [.value[] | select(.outcome == "won")] as $won
            | if ($won | length) > 1 then "term \($term): \($won | length) elections won"
              elif ($won | length) == 1 and ($leaders[0][$term] != null)
                   and ($leaders[0][$term].id != $won[0].candidate) then
                  "term \($term): candidate \($won[0].candidate) won, ctl leaders records \($leaders[0][$term].id)"
              else empty end' "$elections"
    )
    if [ -n "$problems" ]; then
        awk '{ print "  TWO LEADERS " $0 }' <<<"$problems"
        return 1
    fi
    echo "leaders: one per term ($(wc -l <<<"$recorded") terms recorded, $(cut -f1 <<<"$observed" | sort -u | grep -c .) seen by sampling)"
}

# check_lead_order SAMPLES: returns 1 when the lead x decreased with the
# applied index, or two nodes differ at the same applied index.
check_lead_order() {
    local samples=$1 report
    if [ ! -s "$samples" ]; then
        echo "lead: no samples"
        return 1
    fi
    report=$(sort -t $'\t' -k6,6n -k1,1n "$samples" | awk -F'\t' '
        NR > 1 && $6 == index_ && ($7 != x || $8 != y || $9 != hash) {
            if (++bad <= 5) printf "  DIVERGED at applied index %s: node %s had lead [%s,%s] hash %s, node %s had [%s,%s] hash %s\n", $6, node, x, y, hash, $2, $7, $8, $9
        }
        NR > 1 && $6 > index_ && $7 < x {
            if (++bad <= 5) printf "  WENT BACK: lead x %s (node %s, applied %s) then %s (node %s, applied %s)\n", x, node, index_, $7, $2, $6
        }
        NR == 1 { first_index = $6; first_x = $7 }
        { index_ = $6; x = $7; y = $8; hash = $9; node = $2 }
        END {
            if (bad > 0) { print "BAD " bad; exit }
            printf "lead: x never decreased over %d samples (applied index %s..%s, x %s..%s)\n", NR, first_index, index_, first_x, x
        }')
    if grep -q '^BAD ' <<<"$report"; then
        grep -v '^BAD ' <<<"$report"
        return 1
    fi
    echo "$report"
}

# log_lines FILE: each line of FILE through log.
log_lines() {
    local line
    while IFS= read -r line; do
        log "$line"
    done <"$1"
}

# check_all: fetches the logs and the records and runs every check above,
# recording each broken invariant. The checks run in this shell (not in
# $(...)) so that check_acked and check_lost stay set.
check_all() {
    local logs="$chaos_work/logs.json" leaders="$chaos_work/leaders.json"
    local elections="$chaos_work/elections.json" out="$chaos_work/check.out"
    if ! ctl_json logs >"$logs" 2>"$chaos_work/logs.err"; then
        broken "ctl logs failed: $(head -n 1 "$chaos_work/logs.err")"
        check_lost=-1
    elif verify_acked "$chaos_work/acks" "$logs" >"$out"; then
        log_lines "$out"
    else
        log_lines "$out"
        broken "$check_lost acknowledged move(s) missing from the logs (evidence: $logs)"
    fi
    if [ "$check_acked" -eq 0 ]; then
        broken "no move was acknowledged: the workload never committed anything"
    fi
    if ! ctl_json leaders >"$leaders" 2>/dev/null || ! ctl_json elections >"$elections" 2>/dev/null; then
        broken "ctl leaders or ctl elections failed"
    elif check_leaders "$chaos_work/samples" "$leaders" "$elections" >"$out"; then
        log_lines "$out"
    else
        log_lines "$out"
        broken "a term had two leaders"
    fi
    if check_lead_order "$chaos_work/samples" >"$out"; then
        log_lines "$out"
    else
        log_lines "$out"
        broken "the convoy's lead point went back or diverged between nodes"
    fi
}

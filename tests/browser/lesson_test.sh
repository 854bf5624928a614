#!/usr/bin/env bash
# Goal: a guided lesson's banner shows on the dashboard as the lesson posts
# it (POST /lesson): "Lesson · TITLE", "step N of M · HEADING", the text and
# a bar of the steps while it runs; red with the detail of what differed
# when a step fails; hidden by its × until the lesson starts again; gone
# after POST /lesson/clear. It sits in the page's flow above the cards, so
# the convoy close-up below it is pushed down, never covered.
#
# Method: a three-node cluster and a proxy on loopback (cluster.sh beside
# this file), recording its event stream; lesson_scenario.py opens the page
# in headless Chromium, posts each state of the banner to the proxy with the
# admin token, and reads the banner back from the DOM (#lesson and its
# children; the data-lesson hooks of dashboard_page.cpp). Then `raftescort
# replay` serves the recording, and the scenario seeks it to the failed
# step (the banner shows, with its detail) and to the start and the clear
# (none shows). Last, a real `ctl lesson run minority-leader --pace 3s`
# runs against the live cluster while the page, with the Raft log view
# open, follows its banner to the heal step and to "passed"; the lesson
# must exit 0. Screenshots land in BUILD_DIR: dashboard-lesson-banner.png
# (running, step 2 of 5), dashboard-lesson-failed.png,
# dashboard-lesson-passed.png, dashboard-lesson-replay.png,
# dashboard-lesson-live.png (the real lesson at its heal) and
# dashboard-lesson-live-passed.png (dashboard-lesson-error.png on a failure).
#
# Usage: tests/browser/lesson_test.sh path/to/raftescort BUILD_DIR
set -euo pipefail

if [ $# -ne 2 ] || [ ! -x "$1" ] || [ ! -d "$2" ]; then
    echo "usage: $0 path/to/raftescort BUILD_DIR" >&2
    exit 2
fi
binary=$1
build_dir=$(cd "$2" && pwd)
chromium=${RAFTESCORT_CHROMIUM:-/usr/bin/chromium}
node_count=3
test_name=lesson
# shellcheck source=tests/browser/cluster.sh
source "$(dirname "$0")/cluster.sh"

command -v python3 >/dev/null || fail "python3 not found (scripts/test installs it)"
rm -f "$build_dir"/dashboard-lesson-*.png

start_cluster
page_url=$(grep -o 'http://[^ ]*#token=[0-9a-f]*' "$work/proxy.log" | head -n 1 || true)
[ -n "$page_url" ] || fail "the proxy printed no dashboard address with #token= (proxy.log)"

token=${page_url##*#token=}
recording="$work/lesson.jsonl"
record() { # ACTION: POST /record to the proxy, as ctl record does
    curl -sf --max-time 5 -X POST -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' \
        -d "{\"action\": \"$1\", \"file\": \"$recording\"}" "$proxy/record" >/dev/null ||
        fail "POST /record $1"
}

started_ms=$(now_ms)
record start
PYTHONDONTWRITEBYTECODE=1 python3 "$(dirname "$0")/lesson_scenario.py" "$chromium" "$work" \
    "$build_dir/dashboard-lesson" "$page_url" "$proxy"
record stop
echo "live scenario took $(($(now_ms) - started_ms)) ms"

# The same run replayed from its recording: the banner shows where it did.
replay_port=$(free_port 127.0.0.1)
"$binary" replay "$recording" --listen "127.0.0.1:$replay_port" \
    >"$work/replay.out" 2>"$work/replay.log" &
other_pids+=($!)
replay_answers() { curl -sf --max-time 1 -o /dev/null "http://127.0.0.1:$replay_port/replay"; }
poll_until 15 "the replay answers GET /replay" replay_answers
replay_url=$(grep -o 'http://[^ ]*#token=[0-9a-f]*' "$work/replay.log" | head -n 1 || true)
[ -n "$replay_url" ] || fail "the replay printed no dashboard address with #token= (replay.log)"
started_ms=$(now_ms)
PYTHONDONTWRITEBYTECODE=1 python3 "$(dirname "$0")/lesson_scenario.py" "$chromium" "$work" \
    "$build_dir/dashboard-lesson" "$replay_url" "http://127.0.0.1:$replay_port" "$recording"
echo "replay scenario took $(($(now_ms) - started_ms)) ms"

# A real lesson, as a person would run it: its banner at the heal, with the
# Raft log view open, then passed; and the lesson itself exits 0.
started_ms=$(now_ms)
RAFTESCORT_ADMIN_TOKEN=$token "$binary" ctl --proxy "$proxy" lesson run minority-leader \
    --pace 3s >"$work/live-lesson.out" 2>&1 &
lesson_pid=$!
other_pids+=("$lesson_pid")
PYTHONDONTWRITEBYTECODE=1 python3 "$(dirname "$0")/lesson_scenario.py" "$chromium" "$work" \
    "$build_dir/dashboard-lesson" "$page_url" "$proxy" --live
lesson_status=0
wait "$lesson_pid" || lesson_status=$?
[ "$lesson_status" -eq 0 ] || fail "ctl lesson run minority-leader exited $lesson_status:
$(cat "$work/live-lesson.out")"
echo "live lesson took $(($(now_ms) - started_ms)) ms; screenshots: $build_dir/dashboard-lesson-*.png"

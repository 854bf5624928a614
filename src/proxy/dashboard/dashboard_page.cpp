// The dashboard page, put together once from its files in src/proxy/dashboard,
// which the build compiles in (cmake/embed_files.cmake). index.html is the
// markup; each of its lines `/* @embed NAME */` stands for the file NAME:
//
//   style.css   The style sheet. Laid out for a 1280x800 window, and usable
//               from 1024 px wide: a header bar, a lesson's banner while one
//               runs, then the convoy and the node table on the left, the
//               controls, the election timeline and the event log on the
//               right. System fonts only: the page loads nothing from
//               outside the proxy.
//   state.js    Helpers, the page's state, loading it from the proxy's API
//               and following GET /events. Everything read from the proxy
//               may lack a field or hold null (an unreachable node has no
//               position, Redis may be down): each value goes through
//               numberOrNull/pointOrNull once, there, and the drawing code
//               only sees normalized shapes.
//   freshness.js How old each node's data is: the proxy gives, per node,
//               data_age_ms (since it last had an answer from the node) and
//               data_stale (that is over one poll). A node whose data is
//               stale, or for which no status came for 1.5 s (the stream or
//               the proxy stalled), says so on its marker and its table row,
//               the age counting on between statuses; a stale view is never
//               shown as if it were the cluster's state.
//   layout.js   Where the close-up puts each node's marker and label. At
//               the close-up's scale a formation's places never crowd, but
//               two nodes can claim one place (without a leader, a deposed
//               one still reports the lead's; a last known place lags): the
//               node listed later
//               is drawn at the nearest free spot, a dotted line back to its
//               place. A label goes right of its marker, else left, below or
//               above, wherever it covers no marker and no other label; with
//               no room it is not shown (the node's tooltip still has it).
//               Pure functions over measured boxes: no drawing.
//   track.js    The whole track, a strip above the close-up: x from 0 to 100
//               with a tick every 10, widened to the target and the lead, the
//               part done, the target, and the formation as one chevron at the
//               lead (at this scale its nodes would sit on each other), with a
//               band marking what the close-up shows.
//   map.js      The formation close-up (SVG), following the lead: one unit
//               is 44 px across, more than a marker with its widest ring, so
//               no two columns meet, and 24 to 36 px up, so a label beside a
//               node clears the rows above and below. A node's place is the
//               leader's record of it (formation_position: every node's from
//               one applied index, where a node's own report may lag, or be
//               stale when it is cut off), else its own report, else its last
//               known; nodes without one go in rows below. It centres
//               the places when they fit, else the lead, and draws any place
//               beyond it at its edge, saying where it is. Grid lines mark
//               whole units; the stretch of track and the target show when in
//               view. A node's SVG group is kept from one redraw to the next,
//               so a CSS transition carries it to its new place.
//   table.js    The node table; a stale node's row carries its data's age.
//   history.js  The election timeline and the event log. The timeline shows
//               one entry per term, newest first: each candidacy with its
//               outcome and every ballot (granted, or refused with the
//               voter's reason), the winner, and how long the cluster went
//               without a leader. Redis records when a leader was elected,
//               but nothing records the moment a leader died, so the gap is
//               measured from the earliest sign of the loss this page knows
//               of: the old leader's own step-down record, or the moment the
//               page saw it go (its node unreachable, or no longer reported
//               as leader); failing those, it is bounded by the old leader's
//               last record before the election. Beside it, the election's
//               own length, from the first campaign since the old leader was
//               elected. The proxy replays only its latest records to a new
//               page, so older terms may show none of these. The event log
//               folds each row to one line, where a command's client id is
//               shortened to its kind and the shortest tail that still tells
//               it from every other client shown (proxy…e-0); a click opens
//               the row, wrapped, with the whole record.
//   faults.js   The faults in force on each node (its "faults" in the
//               proxy's /nodes and status events): a crashed node drawn dark
//               with a cross, a paused one faded with a pause badge, an
//               isolated one ringed in red, and the headline fault beside it
//               counting down. Faults on links are drawn as curves between the
//               nodes, bowed so they show between the formation's close rows:
//               cut (isolate, partition) red dashes, slow (delay) amber dots,
//               lossy (drop, duplicate) purple dash-dots. Time left counts down
//               on the page from the node's own figure, renewed by each status.
//   controls.js The controls card (move pad, mission, slow motion, heal all,
//               the faults' duration) and each node's chaos buttons in the
//               table. Changes need the admin token: taken from the address's
//               #token=… (then removed from the address bar, kept in
//               sessionStorage for the tab), else asked for in a dialog when a
//               control first needs it; a 401 forgets it and asks again, once
//               per click. Every control's answer from the proxy, or why it
//               was not sent, is listed under the controls. Table rows are
//               updated in place, never rebuilt, so that a status arriving
//               between a button's press and its release cannot eat the click.
//   logview.js  The Raft log view, opened by the header's "Raft log" button
//               (or #logs in the address): every node's log side by side,
//               one column per index, the last 32 indexes, from the proxy's
//               GET /raft/log every 500 ms while open. Colour is the term; an
//               entry the node has not committed is faded and dashed; the
//               commit index has a blue edge. An entry the node lost (its
//               /raft/log "overwritten", or a term seen changing at an index
//               between two fetches) stays marked for 30 s: the new entry
//               with the old term struck out in its corner, or a dashed empty
//               cell where the log was cut shorter. That is Raft repairing a
//               deposed leader's log after a partition heals, live.
//   trace.js    Raft messages in flight on the close-up: each message of the
//               proxy's "trace" events flies as a dot from its sender's
//               marker to its receiver's in 0.8 s, as it arrives (up to a
//               quarter second after it was sent): amber a vote request,
//               green a vote granted, red a refusal (vote or append), blue an
//               append with entries, pale blue its acknowledgement, small
//               grey dots a second of heartbeats or empty appends, purple a
//               snapshot chunk, black timeout-now. A message a fault dropped
//               stops halfway and fades. At most 60 fly at once; hovering a
//               dot names it.
//   lesson.js   The banner of a guided lesson (`raftescort ctl lesson run`),
//               from the proxy's "lesson" events: under the header, in the
//               page's flow (it pushes the cards down and covers none of the
//               close-up), "Lesson · TITLE", "step N of M · HEADING", a bar
//               of the steps, and the lesson's text, wrapped; blue while the
//               step runs, green with "passed", red with "failed" and the
//               detail of what differed. × hides it until the next run (a
//               different lesson, or one back at step 1 after a later step
//               or a clear). A stream that reconnects asks GET /lesson, since
//               it brings the banner in force but not a clear it missed.
//   replay.js   The replay's control bar (raftescort replay): shown only
//               when GET /replay answers, which a live proxy does not. Play
//               or pause, step to the next recorded event, a slider to seek,
//               the speed, and the replay's clock; changes need the token,
//               as the controls' do. <html data-replay="true"
//               data-replay-position="MS"> says it is shown and where.
//
// The scripts run in one function scope that index.html opens and that
// ends with start(); scripts/lint-js lints them that way. Their notes live
// here, not in the files, because the files go to every browser as they are.
//
// Test hooks, which tests/browser/dashboard_test.sh reads from a dumped DOM
// and controls_scenario.py and convoy_scenario.py from the live page:
//   <html data-leader="ID">      the current leader's id ("" while none)
//   <html data-term="N">         the current term ("" until known)
//   <html data-nodes="N">        how many nodes the map draws
//   <html data-leader-changed-at="MS">
//                                Date.now() when the page last saw the leader
//                                id change; set only by a change after the
//                                first status, so it is absent until then
//   <svg id="map" data-lead="X,Y"> the close-up, and the lead it follows
//   <g data-node-id="ID" data-role="ROLE" data-faults="KIND ...">
//                                each node on the close-up, with the kinds of
//                                the faults in force on it ("" for none); its
//                                child <g class="marker"> draws the node, its
//                                child <text class="tag"> is its label (hidden
//                                when no place was free), with .age-tag
//   <g class="link STYLE" data-link="A-B" data-style="cut|slow|lossy">
//                                each faulted link drawn (A < B)
//   <tr data-node-id="ID">       each node's table row; its chaos buttons are
//                                <button data-action="crash|recover|pause|
//                                isolate|cut|heal" data-node-id="ID">, and a
//                                stale node's data age is its .age-chip
//   #log .record[data-key="KEY"] each event row; class expanded when opened
//   #answers .answer             the proxy's answers, newest first, with
//                                data-action, data-node-id, data-code (HTTP
//                                status, 0 if unsent), data-outcome (ok|error)
//                                and data-seen (Date.now() when it came)
//   <html data-token="set|none"> whether the page holds an admin token
//   <html data-raftlog="open|closed">
//                                whether the Raft log view is open; its cells
//                                are <td data-node-id data-index data-term
//                                data-state="applied|committed|uncommitted"
//                                data-replaced="OLD TERM">
//   <circle class="flight" data-type data-from data-to>
//                                each message in flight on the close-up;
//                                <html data-flights-shown="N"> counts them
//   <html data-lesson="running|passed|failed|">
//                                the state of the lesson banner in force ("" for
//                                none); data-lesson-shown="true|false" whether it
//                                is on the page (false once closed with ×)
//   <section id="lesson" data-lesson="NAME" data-state data-step data-steps>
//                                the banner, with #lesson-title, #lesson-step,
//                                #lesson-outcome, #lesson-text, #lesson-detail,
//                                #lesson-progress (one <i> per step, class done
//                                or current) and the #lesson-close button
//   URL fragment #hold-load      keeps the document loading (a style sheet
//                                link to the never-ending /events stream), so
//                                that headless Chromium's --dump-dom and
//                                --screenshot wait for their --timeout instead
//                                of firing at the load event, while the page
//                                follows the cluster live

#include "proxy/dashboard/dashboard_page.hpp"

#include "raftescort/util/assert.hpp"

#include <string>

namespace raftescort::embedded {

// Generated from src/proxy/dashboard by cmake/embed_files.cmake.
std::string_view index_html();
std::string_view style_css();
std::string_view state_js();
std::string_view freshness_js();
std::string_view layout_js();
std::string_view track_js();
std::string_view map_js();
std::string_view table_js();
std::string_view history_js();
std::string_view faults_js();
std::string_view controls_js();
std::string_view logview_js();
std::string_view trace_js();
std::string_view replay_js();
std::string_view lesson_js();

} // namespace raftescort::embedded

namespace raftescort::proxy {

namespace {

struct EmbeddedFile {
    std::string_view marker; ///< The whole line in index.html that the file replaces.
    std::string_view text;
};

std::string assemble_page()
{
    const EmbeddedFile files[] = {
        {"/* @embed style.css */\n", embedded::style_css()},
        {"/* @embed state.js */\n", embedded::state_js()},
        {"/* @embed freshness.js */\n", embedded::freshness_js()},
        {"/* @embed layout.js */\n", embedded::layout_js()},
        {"/* @embed track.js */\n", embedded::track_js()},
        {"/* @embed map.js */\n", embedded::map_js()},
        {"/* @embed table.js */\n", embedded::table_js()},
        {"/* @embed history.js */\n", embedded::history_js()},
        {"/* @embed faults.js */\n", embedded::faults_js()},
        {"/* @embed controls.js */\n", embedded::controls_js()},
        {"/* @embed logview.js */\n", embedded::logview_js()},
        {"/* @embed trace.js */\n", embedded::trace_js()},
        {"/* @embed lesson.js */\n", embedded::lesson_js()},
        {"/* @embed replay.js */\n", embedded::replay_js()},
    };
    std::string page(embedded::index_html());
    RE_ASSERT(!page.empty());
    for (const EmbeddedFile& file : files) {
        // Each file ends its last line, which then stands where the marker's did.
        RE_ASSERT(!file.text.empty());
        RE_ASSERT(file.text.back() == '\n');
        // index.html names each file once, at the start of a line.
        const std::size_t at = page.find(file.marker);
        RE_ASSERT(at != std::string::npos);
        RE_ASSERT(at == 0 || page[at - 1] == '\n');
        page.replace(at, file.marker.size(), file.text);
    }
    // No marker is left: none for a file missing from the list, none twice.
    RE_ASSERT(page.find("/* @embed ") == std::string::npos);
    return page;
}

} // namespace

std::string_view dashboard_page()
{
    // Built on first use; a function-local static is initialized once, even
    // when several server threads ask at the same time.
    static const std::string page = assemble_page();
    return page;
}

} // namespace raftescort::proxy

// The dashboard page, put together once from its parts: the markup below,
// the style sheet (dashboard_style.cpp) and the script, in three parts that
// share one scope (dashboard_script_state.cpp: data and live updates;
// dashboard_script_map.cpp: the convoy map and the node table;
// dashboard_script_history.cpp: the election timeline and the event log).
//
// Test hooks, which tests/browser/dashboard_test.sh reads from a dumped DOM:
//   <html data-leader="ID">      the current leader's id ("" while none)
//   <html data-term="N">         the current term ("" until known)
//   <html data-nodes="N">        how many nodes the map draws
//   <html data-leader-changed-at="MS">
//                                Date.now() when the page last saw the leader
//                                id change; set only by a change after the
//                                first status, so it is absent until then
//   <g data-node-id="ID" data-role="ROLE">  each node on the map
//   URL fragment #hold-load      keeps the document loading (a style sheet
//                                link to the never-ending /events stream), so
//                                that headless Chromium's --dump-dom and
//                                --screenshot wait for their --timeout instead
//                                of firing at the load event, while the page
//                                follows the cluster live

#include "proxy/dashboard_page.hpp"

#include <string>

namespace raftescort::proxy {

namespace dashboard {

std::string_view style_sheet();
std::string_view script_state();
std::string_view script_map();
std::string_view script_history();

namespace {

constexpr std::string_view k_head = R"HTML(<!doctype html>
<html lang="en" data-leader="" data-term="" data-nodes="0">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>raftescort dashboard</title>
<style>)HTML";

constexpr std::string_view k_body = R"HTML(</style>
</head>
<body>
<header>
  <h1>raftescort<small id="cluster">…</small></h1>
  <div class="item">
    <span class="label">Leader</span><span class="value" id="leader">…</span>
  </div>
  <div class="item"><span class="label">Term</span><span class="value" id="term">…</span></div>
  <div class="item"><span class="label">Redis</span><span class="value" id="redis">…</span></div>
  <div class="item mission">
    <span class="label">Mission</span><span class="value" id="mission">…</span>
    <div class="bar"><div id="mission-bar"></div></div>
  </div>
  <div class="item">
    <span class="label">Updates</span><span class="value" id="connection">…</span>
  </div>
</header>
<main>
  <div class="column">
    <section class="card" id="map-card">
      <h2>Convoy <span class="note" id="map-note"></span></h2>
      <svg id="map" role="img" aria-label="convoy map" preserveAspectRatio="xMinYMin meet"></svg>
    </section>
    <section class="card" id="table-card">
      <h2>Nodes <span class="note" id="table-note"></span></h2>
      <div class="body">
        <table>
          <thead><tr>
            <th class="num">id</th><th>address</th><th>role</th><th class="num">term</th>
            <th class="num">commit</th><th class="num">applied</th><th class="num">lag</th>
            <th class="num">last contact</th><th>position</th>
          </tr></thead>
          <tbody id="nodes"></tbody>
        </table>
      </div>
    </section>
  </div>
  <div class="column">
    <section class="card" id="timeline-card">
      <h2>Elections <span class="note" id="timeline-note"></span></h2>
      <div id="timeline-banner"></div>
      <div class="body" id="timeline"><div class="empty">Loading…</div></div>
    </section>
    <section class="card" id="log-card">
      <h2>Events
        <label class="toggle note"><input type="checkbox" id="show-steps"> show steps
          <span id="steps-hidden"></span></label>
      </h2>
      <div class="body" id="log"><div class="empty">Waiting for events…</div></div>
    </section>
  </div>
</main>
<script>
(function () {
'use strict';
)HTML";

constexpr std::string_view k_tail = R"HTML(
start();
})();
</script>
</body>
</html>
)HTML";

std::string assemble_page()
{
    std::string page;
    page.append(k_head);
    page.append(style_sheet());
    page.append(k_body);
    page.append(script_state());
    page.append(script_map());
    page.append(script_history());
    page.append(k_tail);
    return page;
}

} // namespace

} // namespace dashboard

std::string_view dashboard_page()
{
    // Built on first use; a function-local static is initialized once, even
    // when several server threads ask at the same time.
    static const std::string page = dashboard::assemble_page();
    return page;
}

} // namespace raftescort::proxy

// The dashboard's style sheet (see dashboard_page.cpp for how the page is put
// together). Laid out for a 1280x800 window: a header bar, then the map and
// the node table on the left, the election timeline and the event log on the
// right. System fonts only: the page loads nothing from outside the proxy.

#include <string_view>

namespace raftescort::proxy::dashboard {

std::string_view style_sheet();

std::string_view style_sheet()
{
    return R"CSS(
:root {
    --ink: #1d2733; --muted: #6b7785; --line: #d8dee6; --card: #ffffff; --page: #eef1f5;
    --leader: #d89614; --follower: #2f6fb5; --candidate: #e0602b; --learner: #2f9e7a;
    --dead: #9aa3ad; --good: #23894d; --bad: #c0392b;
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body {
    font: 13px/1.35 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
    color: var(--ink); background: var(--page);
    display: flex; flex-direction: column; overflow: hidden;
}
header {
    display: flex; align-items: center; gap: 22px; padding: 8px 16px;
    background: #17212b; color: #e9eef3; flex: 0 0 auto; min-height: 54px;
}
header h1 { font-size: 17px; margin: 0; font-weight: 600; letter-spacing: .2px; }
header h1 small { font-weight: 400; color: #9fb0c2; margin-left: 6px; font-size: 13px; }
header .item { display: flex; flex-direction: column; min-width: 0; }
header .label { font-size: 10px; text-transform: uppercase; color: #8797a8; letter-spacing: .6px; }
header .value { font-size: 14px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
header .mission { flex: 1 1 auto; min-width: 220px; }
header .grow { flex: 1 1 auto; }
.bar { height: 7px; background: #33424f; border-radius: 4px; overflow: hidden; margin-top: 3px; }
.bar > div { height: 100%; width: 0; background: linear-gradient(90deg, #3f8fd8, #5cc28a);
             transition: width .3s linear; }
.dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 5px;
       background: var(--dead); vertical-align: 0; }
.dot.good { background: #4cc27a; }
.dot.bad { background: #ef5b4b; }
.dot.wait { background: #e6b33e; }
main {
    flex: 1 1 auto; min-height: 0; display: grid; gap: 12px; padding: 12px;
    grid-template-columns: minmax(0, 1fr) 410px;
}
.column { display: flex; flex-direction: column; gap: 12px; min-height: 0; }
.card {
    background: var(--card); border: 1px solid var(--line); border-radius: 6px;
    display: flex; flex-direction: column; min-height: 0;
}
.card > h2 {
    font-size: 12px; text-transform: uppercase; letter-spacing: .6px; color: var(--muted);
    margin: 0; padding: 7px 10px; border-bottom: 1px solid var(--line);
    display: flex; align-items: center; gap: 10px;
}
.card > h2 .note { text-transform: none; letter-spacing: 0; font-weight: 400; margin-left: auto; }
.card .body { overflow: auto; min-height: 0; flex: 1 1 auto; }
#map-card { flex: 0 0 auto; }
#map { display: block; width: 100%; height: 300px; }
#table-card { flex: 1 1 auto; }
#timeline-card { flex: 1.25 1 0; }
#log-card { flex: 1 1 0; }
.banner { padding: 6px 10px; background: #fff4e0; color: #8a5a00;
          border-bottom: 1px solid #f1d9a8; }
.banner.error { background: #fdeceb; color: var(--bad); border-color: #f3c4bf; }
.empty { color: var(--muted); padding: 10px; }
label.toggle { text-transform: none; letter-spacing: 0; font-weight: 400; cursor: pointer; }

/* The map. */
.track { stroke: #b9c3ce; stroke-width: 6; stroke-linecap: round; }
.track-done { stroke: #7fb2e3; stroke-width: 6; stroke-linecap: round; }
.centre { stroke: #c9d1da; stroke-dasharray: 3 4; }
.row { stroke: #eef1f5; }
.tick { stroke: #9aa6b3; } .tick-label, .axis-label { fill: var(--muted); font-size: 11px; }
.axis-label { font-size: 10px; }
.target { stroke: var(--bad); stroke-width: 2; fill: none; }
.target-label { fill: var(--bad); font-size: 11px; font-weight: 600; paint-order: stroke;
                stroke: #fff; stroke-width: 3px; }
.node { transition: transform .35s ease-out; }
.node circle.body { stroke-width: 2.5; }
.node text.id { font-size: 11px; font-weight: 700; fill: #fff; text-anchor: middle;
                dominant-baseline: central; pointer-events: none; }
.node text.tag { font-size: 10px; fill: var(--muted); paint-order: stroke; stroke: #fff;
                 stroke-width: 3px; stroke-linejoin: round; }
.node.follower circle.body { fill: var(--follower); stroke: #1f4f86; }
.node.leader circle.body { fill: var(--leader); stroke: #9c6a06; }
.node.candidate circle.body, .node.pre_candidate circle.body {
    fill: var(--candidate); stroke: #9e3c13;
}
.node.learner circle.body { fill: #fff; stroke: var(--learner); stroke-width: 3; }
.node.learner text.id { fill: var(--learner); }
.node.unreachable circle.body, .node.unknown circle.body { fill: #d3d8de; stroke: var(--dead);
                                                           stroke-dasharray: 3 2; }
.node.unreachable text.id, .node.unknown text.id { fill: #6b7785; }
.node.unreachable { opacity: .75; }
.node .ring { fill: none; stroke: var(--leader); stroke-width: 3; }
.node .crown { fill: var(--leader); stroke: #9c6a06; stroke-width: 1; }
.node .ballot-ring { fill: none; stroke: var(--candidate); stroke-width: 2; stroke-dasharray: 4 3; }
.legend text { font-size: 11px; fill: var(--muted); dominant-baseline: central; }

/* The node table. */
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid #edf0f4;
         white-space: nowrap; }
th { font-size: 11px; color: var(--muted); font-weight: 600; position: sticky; top: 0;
     background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.leader td { font-weight: 600; }
tr.unreachable td { color: #a3abb5; background: #f6f7f9; }
.role { display: inline-block; padding: 1px 8px; border-radius: 9px; font-size: 11px; color: #fff;
        background: var(--follower); font-weight: 600; }
.role.leader { background: var(--leader); }
.role.candidate, .role.pre_candidate { background: var(--candidate); }
.role.learner { background: #fff; color: var(--learner); border: 1px solid var(--learner); }
.role.unreachable, .role.unknown { background: var(--dead); }

/* The election timeline. */
.term { padding: 7px 10px; border-bottom: 1px solid #edf0f4; }
.term-head { display: flex; align-items: baseline; gap: 8px; }
.term-head .name { font-weight: 700; }
.term-head .winner { color: var(--leader); font-weight: 600; }
.term-head .none { color: var(--muted); }
.term-head .when { margin-left: auto; color: var(--muted); font-size: 11px; }
.gap { color: var(--muted); font-size: 11px; margin-top: 2px; }
.gap b { color: var(--ink); }
.candidacy { margin-top: 4px; display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
.candidacy .who { font-weight: 600; margin-right: 2px; }
.outcome { font-size: 10px; text-transform: uppercase; padding: 0 6px; border-radius: 8px;
           background: #e8ecf1; color: var(--muted); font-weight: 700; }
.outcome.won { background: #fbefd6; color: #8a5a00; }
.outcome.lost, .outcome.split { background: #fde6e3; color: var(--bad); }
.vote { font-size: 11px; padding: 0 6px; border-radius: 8px; border: 1px solid; }
.vote.granted { color: var(--good); border-color: #a8d8b9; background: #eef8f1; }
.vote.refused { color: var(--bad); border-color: #f0b9b2; background: #fdf1ef; }

/* The event log. */
.record { display: grid; grid-template-columns: 84px 88px 26px 30px minmax(0, 1fr); gap: 6px;
          padding: 2px 10px; border-bottom: 1px solid #f2f4f7; font-size: 12px; }
.record .time, .record .node, .record .termno {
    color: var(--muted); font-variant-numeric: tabular-nums;
}
.record .detail { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.kind { font-size: 10px; text-transform: uppercase; font-weight: 700; color: var(--muted);
        white-space: nowrap; }
.kind.role_change { color: var(--candidate); } .kind.election { color: var(--leader); }
.kind.membership { color: var(--learner); } .kind.applied_move { color: var(--follower); }
)CSS";
}

} // namespace raftescort::proxy::dashboard

"""The convoy close-up in headless Chromium against a live cluster
(convoy_test.sh starts it and says why each step is checked).

Usage: convoy_scenario.py CHROMIUM WORK_DIR SHOTS_PREFIX PAGE_URL PROXY_URL NODE_COUNT NODE_PIDS
NODE_PIDS is "ID:PID,..." for the nodes the test started (one of them is
stopped with SIGSTOP for a while, and always continued). Prints what it saw
with figures; exits 1 on a failure, naming the step and what the page showed.
"""

import json
import os
import signal
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser, BrowserError  # noqa: E402

WIDTHS = (1280, 1024)
HEIGHT = 800
SETTLE_TIMEOUT_S = 15
LEAD_TIMEOUT_S = 20
NEW_LEADER_TIMEOUT_S = 20
HEALED_TIMEOUT_S = 30
STALE_SHOWN_BUDGET_MS = 2000     # SIGSTOP -> the page shows the node's data as old

# Every node's marker and label on the close-up, as the page lays them out.
LAYOUT = """(function () {
    var svg = document.getElementById('map');
    if (!svg) { return null; }
    var box = function (element) {
        var r = element.getBoundingClientRect();
        return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    };
    var nodes = [];
    svg.querySelectorAll('g[data-node-id]').forEach(function (group) {
        var tag = group.querySelector(':scope > text.tag');
        var text = tag ? tag.textContent.trim() : '';
        var shown = tag && getComputedStyle(tag).display !== 'none';
        nodes.push({ id: group.getAttribute('data-node-id'), role: group.getAttribute('data-role'),
                     faults: group.getAttribute('data-faults'),
                     marker: box(group.querySelector(':scope > .marker')),
                     label: text && shown ? box(tag) : null, text: text, hidden: !!text && !shown });
    });
    return { area: box(svg), nodes: nodes, lead: svg.getAttribute('data-lead'),
             leader: document.documentElement.getAttribute('data-leader'),
             width: window.innerWidth,
             // Markers moving; the Raft messages flying between them never stop.
             animations: document.getAnimations().filter(function (animation) {
                 var target = animation.effect && animation.effect.target;
                 return !(target && target.classList && target.classList.contains('flight'));
             }).length };
})()"""


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def proxy_post(proxy, path, body, token=None):
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    request = urllib.request.Request(proxy + path, data=json.dumps(body).encode(),
                                     headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:
        fail("POST %s %s: HTTP %d %s" % (path, json.dumps(body), error.code, error.read()[:300]))
    except OSError as error:
        fail("POST %s %s: %s" % (path, json.dumps(body), error))


def proxy_get(proxy, path):
    request = urllib.request.Request(proxy + path, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            return json.loads(answer.read())
    except OSError as error:
        fail("GET %s: %s" % (path, error))


def overlap(a, b):
    """The area two boxes share; 0 when they only touch or are apart."""
    width = min(a["right"], b["right"]) - max(a["left"], b["left"])
    height = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
    return width * height if width > 0 and height > 0 else 0


def inside(inner, outer):
    slack = 0.5
    return (inner["left"] >= outer["left"] - slack and inner["right"] <= outer["right"] + slack
            and inner["top"] >= outer["top"] - slack
            and inner["bottom"] <= outer["bottom"] + slack)


def settled_layout(browser, node_count):
    """The layout once no transition runs and two reads 300 ms apart agree."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    previous = None
    while True:
        layout = browser.evaluate(LAYOUT)
        ready = (layout is not None and layout["animations"] == 0
                 and len(layout["nodes"]) == node_count)
        # Marker boxes only: a label's text may change (a fault's or an age's clock).
        markers = [(node["id"], node["marker"]) for node in layout["nodes"]] if ready else None
        if ready and previous is not None and previous == markers:
            return layout
        previous = markers
        if time.monotonic() >= deadline:
            raise BrowserError("the close-up did not settle within %d s: %s"
                               % (SETTLE_TIMEOUT_S, json.dumps(layout)))
        time.sleep(0.3)


def check_layout(layout, what, node_count):
    """No two markers overlap, no label covers a marker, all are in view."""
    nodes = layout["nodes"]
    if len(nodes) != node_count:
        fail("%s: %d node markers drawn, wanted %d" % (what, len(nodes), node_count))
    for index, node in enumerate(nodes):
        if not inside(node["marker"], layout["area"]):
            fail("%s: n%s's marker %s lies outside the close-up %s"
                 % (what, node["id"], node["marker"], layout["area"]))
        if node["hidden"]:
            fail("%s: n%s's label '%s' found no place and is hidden"
                 % (what, node["id"], node["text"]))
        for other in nodes[index + 1:]:
            shared = overlap(node["marker"], other["marker"])
            if shared > 0:
                fail("%s: the markers of n%s %s and n%s %s overlap (%.1f px²)"
                     % (what, node["id"], node["marker"], other["id"], other["marker"], shared))
    for node in nodes:
        if node["label"] is None:
            continue
        if not inside(node["label"], layout["area"]):
            fail("%s: n%s's label '%s' lies outside the close-up" % (what, node["id"], node["text"]))
        for other in nodes:
            shared = overlap(node["label"], other["marker"])
            if shared > 0:
                fail("%s: n%s's label '%s' %s covers n%s's marker %s (%.1f px²)"
                     % (what, node["id"], node["text"], node["label"], other["id"],
                        other["marker"], shared))
    gaps = []
    for index, node in enumerate(nodes):
        for other in nodes[index + 1:]:
            dx = max(other["marker"]["left"] - node["marker"]["right"],
                     node["marker"]["left"] - other["marker"]["right"])
            dy = max(other["marker"]["top"] - node["marker"]["bottom"],
                     node["marker"]["top"] - other["marker"]["bottom"])
            gaps.append(max(dx, dy))
    labels = sum(1 for node in nodes if node["label"] is not None)
    print("%s: %d markers, none overlapping (closest %.1f px apart), %d labels clear of every"
          " marker; lead %s, leader n%s" % (what, len(nodes), min(gaps) if gaps else 0, labels,
                                             layout["lead"], layout["leader"]))


def set_width(browser, width):
    browser.send("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
    browser.wait_for("window.innerWidth === %d" % width, 5, "the window %d px wide" % width)


def check_at_widths(browser, shots, name, node_count):
    for width in WIDTHS:
        set_width(browser, width)
        layout = settled_layout(browser, node_count)
        check_layout(layout, "%s at %dx%d" % (name, width, HEIGHT), node_count)
        browser.screenshot("%s-%s-%d.png" % (shots, name, width))
    set_width(browser, WIDTHS[0])


def wait_lead(browser, lead):
    browser.wait_for("document.getElementById('map').getAttribute('data-lead') === '%d,%d'"
                     % tuple(lead), LEAD_TIMEOUT_S, "the close-up at lead %s" % (lead,))


def move_to(browser, proxy, lead, x):
    answer = proxy_post(proxy, "/nodes/move", {"x": x - lead[0], "y": 0})
    new_lead = answer["data"]["lead"]
    wait_lead(browser, new_lead)
    return new_lead


def main():
    chromium, work, shots, url, proxy, node_count, pids = sys.argv[1:8]
    node_count = int(node_count)
    node_pids = dict(item.split(":") for item in pids.split(","))
    token = url.split("#token=", 1)[1]
    profile = tempfile.mkdtemp(prefix="profile.", dir=work)
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(1))
    browser = Browser(chromium, profile, os.path.join(work, "chromium.log"), WIDTHS[0], HEIGHT)
    pgid_path = os.path.join(work, "convoy-chromium.pgid")
    with open(pgid_path, "w") as pgid:
        pgid.write("%d\n" % browser.pid)
    stopped = []
    try:
        run(browser, shots, url, proxy, token, node_count, node_pids, stopped)
    except BrowserError as error:
        try:
            browser.screenshot(shots + "-failed.png")
            print("page at the failure: " + json.dumps(browser.evaluate(LAYOUT)))
        except BrowserError:
            pass
        fail(str(error))
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)
        browser.close()
        os.remove(pgid_path)


def run(browser, shots, url, proxy, token, node_count, node_pids, stopped):
    browser.navigate(url)
    browser.wait_for("document.documentElement !== null && document.getElementById('map') &&"
                     " document.documentElement.getAttribute('data-nodes') === '%d' &&"
                     " document.documentElement.getAttribute('data-leader') !== '' &&"
                     " document.getElementById('map').getAttribute('data-lead') !== ''"
                     % node_count, 20, "%d nodes, a leader and the lead drawn" % node_count)
    # The mission runs from the start; paused, the convoy moves only when told.
    # A step proposed before the pause may still commit after it: a move
    # commits after both, so its answer's lead is the last word.
    proxy_post(proxy, "/mission", {"action": "pause"}, token)
    lead = proxy_get(proxy, "/mission")["data"]["lead"]
    lead = move_to(browser, proxy, lead, lead[0] + 1)
    lead = move_to(browser, proxy, lead, 0)
    prefix = "%s-%d" % (shots, node_count)
    check_at_widths(browser, prefix, "start", node_count)
    if node_count != 5:
        return
    lead = partition_leader(browser, shots, proxy, token, lead, node_count)
    show_stale_node(browser, shots, node_pids, stopped)
    lead = move_to(browser, proxy, lead, 50)
    check_at_widths(browser, prefix, "middle", node_count)
    lead = move_to(browser, proxy, lead, 100)
    check_at_widths(browser, prefix, "target", node_count)
    read_event_in_full(browser)


def partition_leader(browser, shots, proxy, token, lead, node_count):
    """Three moves of +1 x, then the leader isolated: the page during the fault."""
    for _ in range(3):
        lead = proxy_post(proxy, "/nodes/move", {"x": 1, "y": 0})["data"]["lead"]
    wait_lead(browser, lead)
    old_leader = browser.evaluate("document.documentElement.getAttribute('data-leader')")
    started = time.monotonic()
    proxy_post(proxy, "/chaos", {"target": "leader", "kind": "isolate", "for_ms": 60000}, token)
    browser.wait_for(
        "(function () { var root = document.documentElement;"
        " var old = document.querySelector('#map g[data-node-id=\"%s\"]');"
        " return root.getAttribute('data-leader') !== '' &&"
        " root.getAttribute('data-leader') !== '%s' && old &&"
        " old.getAttribute('data-faults').split(' ').indexOf('isolate') >= 0; })()"
        % (old_leader, old_leader), NEW_LEADER_TIMEOUT_S,
        "a new leader and n%s drawn isolated" % old_leader)
    print("leader n%s isolated at lead %s; a new leader on the page %.0f ms later"
          % (old_leader, lead, (time.monotonic() - started) * 1000))
    layout = settled_layout(browser, node_count)
    check_layout(layout, "partition at 1280x800", node_count)
    browser.screenshot(shots + "-partition.png")
    proxy_post(proxy, "/chaos/heal", {}, token)
    browser.wait_for(
        "(function () { var groups = document.querySelectorAll('#map g[data-node-id]');"
        " var clear = groups.length === %d; groups.forEach(function (g) {"
        " clear = clear && g.getAttribute('data-faults') === ''"
        " && g.getAttribute('data-role') !== 'unreachable'"
        " && g.getAttribute('data-role') !== 'candidate'; });"
        " return clear && document.documentElement.getAttribute('data-leader') !== ''; })()"
        % node_count, HEALED_TIMEOUT_S, "every node healed and a leader")
    return lead


def show_stale_node(browser, shots, node_pids, stopped):
    """A follower stopped with SIGSTOP: its row and marker show its data ageing."""
    leader = browser.evaluate("document.documentElement.getAttribute('data-leader')")
    follower = max((node for node in node_pids if node != leader), key=int)
    pid = int(node_pids[follower])
    chip = "document.querySelector('#nodes tr[data-node-id=\"%s\"] .age-chip')" % follower
    tag = "document.querySelector('#map g[data-node-id=\"%s\"] .age-tag')" % follower
    if browser.evaluate("%s !== null" % chip):
        fail("n%s's row shows an age while it answers: %s"
             % (follower, browser.evaluate(chip + ".textContent")))
    os.kill(pid, signal.SIGSTOP)
    stopped.append(pid)
    started = time.monotonic()
    first = browser.wait_for("%s && %s.textContent" % (chip, chip), STALE_SHOWN_BUDGET_MS / 1000,
                             "n%s's row showing how old its data is" % follower)
    shown_ms = (time.monotonic() - started) * 1000
    time.sleep(1.5)
    later = browser.evaluate("%s ? %s.textContent : ''" % (chip, chip))
    marker = browser.evaluate("%s ? %s.textContent : ''" % (tag, tag))
    print("n%s stopped (SIGSTOP): its row said '%s' %.0f ms later, then '%s'; its marker '%s'"
          % (follower, first, shown_ms, later, marker))
    if not marker.startswith("data "):
        fail("n%s's marker shows no age: '%s'" % (follower, marker))
    if age_ms(later) <= age_ms(first):
        fail("n%s's age did not grow: '%s', then '%s'" % (follower, first, later))
    layout = settled_layout(browser, len(node_pids))
    check_layout(layout, "a stopped node at 1280x800", len(node_pids))
    browser.screenshot(shots + "-stale.png")
    os.kill(pid, signal.SIGCONT)
    stopped.remove(pid)
    browser.wait_for("%s === null" % chip, 10, "n%s's row fresh again" % follower)


def read_event_in_full(browser):
    """A move's row names its client shortly; a click shows the whole record."""
    row = ("(function () { var rows = document.querySelectorAll('#log .record');"
           " for (var i = 0; i < rows.length; i++) {"
           " if (/ c=/.test(rows[i].querySelector('.detail').textContent)) {"
           " return rows[i].getAttribute('data-key'); } } return null; })()")
    key = browser.wait_for(row, 10, "a move's row in the event log")
    selector = '#log .record[data-key=%s]' % json.dumps(key)
    detail = ("(function () { var d = document.querySelector(%s + ' .detail');"
              " return d && { text: d.textContent, cut: d.scrollWidth > d.clientWidth + 1,"
              " open: d.parentNode.classList.contains('expanded') }; })()" % json.dumps(selector))
    folded = browser.evaluate(detail)
    browser.click(selector)
    opened = browser.wait_for("(function () { var v = %s; return v && v.open ? v : null; })()"
                              % detail, 5, "the row opened by a click")
    print("event row folded: '%s'%s; opened: '%s'" % (folded["text"],
          " (cut at the card's edge)" if folded["cut"] else "", opened["text"]))
    if opened["cut"]:
        fail("the opened row is still cut: '%s'" % opened["text"])
    if " s=" not in opened["text"] or len(opened["text"]) <= len(folded["text"]):
        fail("the opened row does not show the whole record: '%s'" % opened["text"])
    client = opened["text"].split(" c=", 1)[1].split()[0]
    short = folded["text"].split(" c=", 1)[1].split()[0]
    if short != client and not ("…" in short and client.endswith(short.split("…")[1])):
        fail("the folded row's client '%s' is not a short form of '%s'" % (short, client))


def age_ms(text):
    """'data 812 ms old' or 'data 1.25 s old' in ms."""
    words = text.split()
    if len(words) != 4 or words[0] != "data" or words[3] != "old":
        fail("not an age: '%s'" % text)
    value = float(words[1])
    return value if words[2] == "ms" else value * 1000 if words[2] == "s" else value * 60000


if __name__ == "__main__":
    main()

"""The dashboard's controls, clicked in headless Chromium against a live
cluster (controls_test.sh starts it and says why each step is checked).

Usage: controls_scenario.py CHROMIUM WORK_DIR SHOTS_PREFIX PAGE_URL FAULT NODE_COUNT
FAULT is what is done to the leader: crash (undone by recover) or pause
(undone by heal). Prints what it saw with figures; exits 1 on a failure,
naming the step and what the page showed.
"""

import json
import os
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser, BrowserError  # noqa: E402

ANSWER_TIMEOUT_S = 15
NEW_LEADER_TIMEOUT_S = 15
CAUGHT_UP_TIMEOUT_S = 20

# The page's state as its test hooks show it (see dashboard_page.cpp).
PAGE_VIEW = """(function () {
    var root = document.documentElement;
    if (!root || !document.getElementById('nodes')) { return {}; }   // still loading
    var rows = {};
    document.querySelectorAll('#nodes tr[data-node-id]').forEach(function (row) {
        var cells = row.querySelectorAll('td');
        rows[row.getAttribute('data-node-id')] = {
            role: row.querySelector('td:nth-child(3) .role').textContent,
            applied: cells[5].textContent, lag: cells[6].textContent
        };
    });
    var groups = {};
    document.querySelectorAll('#map g[data-node-id]').forEach(function (group) {
        groups[group.getAttribute('data-node-id')] = {
            role: group.getAttribute('data-role'), faults: group.getAttribute('data-faults'),
            tag: group.querySelector('.fault-tag').textContent
        };
    });
    return { leader: root.getAttribute('data-leader'), nodes: root.getAttribute('data-nodes'),
             token: root.getAttribute('data-token'), hash: location.hash,
             links: document.querySelectorAll('#map g.link[data-link]').length,
             rows: rows, groups: groups };
})()"""


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def answer_to(browser, action, node, since):
    """Waits for the proxy's answer to a control, as the page lists it."""
    selector = '#answers .answer[data-action="%s"]%s' % (
        action, '[data-node-id="%s"]' % node if node else "")
    expression = ("(function () { var a = document.querySelector(%s);"
                  " if (!a || Number(a.getAttribute('data-seen')) < %d) { return null; }"
                  " return {outcome: a.getAttribute('data-outcome'),"
                  " code: a.getAttribute('data-code'), text: [].map.call(a.children,"
                  " function (c) { return c.textContent; }).join(' ')}; })()"
                  % (json.dumps(selector), since))
    return browser.wait_for(expression, ANSWER_TIMEOUT_S, "the answer to %s" % action)


def click_and_answer(browser, selector, action, node):
    since = browser.evaluate("Date.now()")
    started = time.monotonic()
    browser.click(selector)
    answer = answer_to(browser, action, node, since)
    elapsed_ms = (time.monotonic() - started) * 1000
    print("clicked %s: %s (%.0f ms)" % (selector, answer["text"], elapsed_ms))
    if answer["outcome"] != "ok":
        fail("the proxy refused %s: %s" % (action, answer["text"]))
    return started


def main():
    chromium, work, shots, url, fault, node_count = sys.argv[1:7]
    undo = "recover" if fault == "crash" else "heal"
    profile = tempfile.mkdtemp(prefix="profile.", dir=work)
    # A TERM (ctest's timeout) still runs the `finally` that stops Chromium;
    # the pgid file lets cluster.sh's exit trap stop it if this is killed.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(1))
    browser = Browser(chromium, profile, os.path.join(work, "chromium.log"))
    pgid_path = os.path.join(work, "scenario-chromium.pgid")
    with open(pgid_path, "w") as pgid:
        pgid.write("%d\n" % browser.pid)
    try:
        run(browser, shots, url, fault, undo, int(node_count))
    except BrowserError as error:
        try:
            browser.screenshot(shots + "-failed.png")
            print("page at the failure: " + json.dumps(browser.evaluate(PAGE_VIEW)))
        except BrowserError:
            pass
        fail(str(error))
    finally:
        browser.close()
        os.remove(pgid_path)


def run(browser, shots, url, fault, undo, node_count):
    # 1. The page takes the token from the address and drops it from there.
    browser.navigate(url)
    view = browser.wait_for(
        "(function () { var v = %s; return v.nodes === '%d' && v.leader ? v : null; })()"
        % (PAGE_VIEW, node_count), 20, "%d nodes and a leader drawn" % node_count)
    if "token" in view["hash"]:
        fail("the token is still in the address: " + view["hash"])
    if view["token"] != "set":
        fail("the page did not keep the token from the address")
    leader = view["leader"]
    browser.screenshot(shots + "-1-cluster.png")
    print("page: %s nodes, leader n%s, token taken from the address" % (view["nodes"], leader))

    # 2. The fault on the leader's node: drawn on it, counting down, and
    # another node elected.
    started = click_and_answer(browser, '#nodes tr[data-node-id="%s"] button[data-action="%s"]'
                               % (leader, fault), fault, leader)
    drawn = browser.wait_for(
        "(function () { var v = %s; var g = v.groups[%s];"
        " return g && g.faults.split(' ').indexOf(%s) >= 0 && /\\d+ s$/.test(g.tag) ? v : null;"
        " })()" % (PAGE_VIEW, json.dumps(leader), json.dumps(fault)),
        10, "the %s drawn on n%s with its time left" % (fault, leader))
    group = drawn["groups"][leader]
    print("n%s drawn as role %s, faults '%s', label '%s'"
          % (leader, group["role"], group["faults"], group["tag"]))
    if fault == "crash" and group["role"] != "crashed":
        fail("a crashed node is drawn as %s" % group["role"])
    view = browser.wait_for(
        "(function () { var v = %s; return v.leader && v.leader !== %s ? v : null; })()"
        % (PAGE_VIEW, json.dumps(leader)), NEW_LEADER_TIMEOUT_S, "a new leader on the page")
    new_leader = view["leader"]
    print("new leader n%s on the page %.0f ms after the click"
          % (new_leader, (time.monotonic() - started) * 1000))
    first = int(browser.evaluate(
        "document.querySelector('#map g[data-node-id=\"%s\"] .fault-tag').textContent"
        ".match(/(\\d+) s$/)[1]" % leader))
    time.sleep(2.2)
    second = int(browser.evaluate(
        "(document.querySelector('#map g[data-node-id=\"%s\"] .fault-tag').textContent"
        ".match(/(\\d+) s$/) || [0, 0])[1]" % leader))
    if not 0 < second < first:
        fail("the time left did not count down: %d s, then %d s" % (first, second))
    print("time left counts down: %d s, then %d s" % (first, second))
    browser.screenshot(shots + "-2-%s.png" % fault)

    # 3. Undone: the node is a follower again, as far along as the leader.
    started = click_and_answer(browser, '#nodes tr[data-node-id="%s"] button[data-action="%s"]'
                               % (leader, undo), undo, leader)
    view = browser.wait_for(
        "(function () { var v = %s; var r = v.rows[%s]; var l = v.rows[v.leader];"
        " return r && l && r.role === 'follower' && v.groups[%s].faults === ''"
        " && r.lag === '0' && r.applied === l.applied ? v : null; })()"
        % (PAGE_VIEW, json.dumps(leader), json.dumps(leader)),
        CAUGHT_UP_TIMEOUT_S, "n%s a follower again with no lag" % leader)
    print("n%s follower again, applied %s = the leader's, lag 0, %.0f ms after the click"
          % (leader, view["rows"][leader]["applied"], (time.monotonic() - started) * 1000))
    browser.screenshot(shots + "-3-%s.png" % undo)

    # 4. A wrong token: the 401 is shown, the token forgotten and asked for.
    # The old page is marked, so that the wait cannot see it before it goes.
    browser.evaluate("window.beforeReload = true;"
                     " sessionStorage.setItem('raftescort-admin-token', 'wrong-token-123456');"
                     " location.reload(); true")
    browser.wait_for("!window.beforeReload && document.documentElement !== null &&"
                     " document.documentElement.getAttribute('data-token') === 'set' &&"
                     " document.querySelector('#nodes tr[data-node-id]') !== null", 10,
                     "the page reloaded with the wrong token")
    since = browser.evaluate("Date.now()")
    browser.click('button[data-action="heal-all"]')
    answer = answer_to(browser, "heal-all", None, since)
    if answer["code"] != "401":
        fail("a wrong token was answered %s: %s" % (answer["code"], answer["text"]))
    browser.wait_for("document.getElementById('token-dialog').open &&"
                     " document.documentElement.getAttribute('data-token') === 'none'", 5,
                     "the token dialog after a 401")
    print("wrong token: %s; token forgotten, dialog open" % answer["text"])
    since = browser.evaluate("Date.now()")
    browser.click("#token-input")
    browser.type_text(url.split("#token=", 1)[1])
    browser.click('#token-dialog button[value="use"]')
    answer = answer_to(browser, "heal-all", None, since)
    if answer["outcome"] != "ok":
        fail("heal all with the token typed in the dialog: %s" % answer["text"])
    print("token typed in the dialog: heal all sent again: %s" % answer["text"])


if __name__ == "__main__":
    main()

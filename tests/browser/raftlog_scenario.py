"""The Raft log view in headless Chromium against a live cluster
(raftlog_test.sh starts it and says why each step is checked).

Usage: raftlog_scenario.py CHROMIUM WORK_DIR SHOTS_PREFIX PAGE_URL PROXY_URL
Prints what it saw with figures; exits 1 on a failure, naming the step and
what the page showed.
"""

import json
import os
import signal
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser, BrowserError  # noqa: E402

WIDTH, HEIGHT = 1280, 900
STEP_TIMEOUT_S = 20

# Every cell of the log view: node, index, term, state and the term it replaced.
CELLS = """(function () {
    var cells = [];
    document.querySelectorAll('#raftlog td.entry[data-index]').forEach(function (cell) {
        cells.push({ node: cell.getAttribute('data-node-id'),
                     index: Number(cell.getAttribute('data-index')),
                     term: cell.hasAttribute('data-term') ?
                         Number(cell.getAttribute('data-term')) : null,
                     state: cell.getAttribute('data-state'),
                     replaced: cell.hasAttribute('data-replaced') ?
                         Number(cell.getAttribute('data-replaced')) : null });
    });
    return cells;
})()"""


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def request(url, body=None, token=None, timeout=15):
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    if token:
        headers["Authorization"] = "Bearer " + token
    call = urllib.request.Request(url, data=data, headers=headers,
                                  method="POST" if body is not None else "GET")
    with urllib.request.urlopen(call, timeout=timeout) as answer:
        return json.loads(answer.read())


def proxy_call(proxy, path, body=None, token=None):
    try:
        return request(proxy + path, body, token)
    except urllib.error.HTTPError as error:
        fail("%s %s: %s %s" % ("POST" if body is not None else "GET", path, error,
                                error.read()[:300]))
    except OSError as error:
        fail("%s %s: %s" % ("POST" if body is not None else "GET", path, error))


def cells_of(browser, node):
    return {cell["index"]: cell for cell in browser.evaluate(CELLS) if cell["node"] == str(node)}


def wait_cells(browser, what, test):
    """Polls the view's cells until `test(cells)` holds; returns its value."""
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while True:
        cells = browser.evaluate(CELLS)
        value = test(cells)
        if value:
            return value
        if time.monotonic() >= deadline:
            raise BrowserError("%s: not seen within %d s; the view's cells: %s"
                               % (what, STEP_TIMEOUT_S, json.dumps(cells)[:3000]))
        time.sleep(0.2)


def main():
    chromium, work, shots, url, proxy = sys.argv[1:6]
    token = url.split("#token=", 1)[1].split("&", 1)[0]
    profile = tempfile.mkdtemp(prefix="profile.", dir=work)
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(1))
    browser = Browser(chromium, profile, os.path.join(work, "chromium.log"), WIDTH, HEIGHT)
    pgid_path = os.path.join(work, "raftlog-chromium.pgid")
    with open(pgid_path, "w") as pgid:
        pgid.write("%d\n" % browser.pid)
    try:
        run(browser, shots, url, proxy, token)
    except BrowserError as error:
        try:
            browser.screenshot(shots + "-failed.png")
        except BrowserError:
            pass
        fail(str(error))
    finally:
        browser.close()
        os.remove(pgid_path)


def run(browser, shots, url, proxy, token):
    browser.navigate(url)
    browser.wait_for("document.documentElement !== null &&"
                     " document.documentElement.getAttribute('data-raftlog') === 'open' &&"
                     " document.querySelectorAll('#raftlog tr[data-node-id]').length === 5 &&"
                     " document.documentElement.getAttribute('data-leader') !== ''",
                     STEP_TIMEOUT_S, "the log view open with five rows and a leader")
    # The mission's steps replicate: an append carrying entries flies from
    # the leader to a follower on the close-up.
    browser.wait_for("document.querySelector('#map circle.flight[data-type=\"append\"].append')"
                     " !== null", STEP_TIMEOUT_S, "an append with entries in flight")
    browser.screenshot(shots + "-0-append-in-flight.png")
    print("an append in flight, %s messages drawn so far"
          % browser.evaluate("document.documentElement.getAttribute('data-flights-shown')"))
    # Paused, the convoy gets no autopilot steps: only the test's entries arrive.
    proxy_call(proxy, "/mission", {"action": "pause"}, token)
    nodes = proxy_call(proxy, "/nodes")["data"]
    leader = next(node for node in nodes if node["role"] == "leader")
    old_id, old_term = leader["id"], leader["term"]

    proxy_call(proxy, "/chaos", {"target": old_id, "kind": "isolate", "for_ms": 60000},
               token)
    # Straight to the isolated leader: it appends the move and can never
    # commit it. Its answer comes only when its wait ends; not waited for.
    try:
        request("http://%s/move" % leader["name"], {"dx": 3, "dy": 0}, timeout=0.5)
        fail("the isolated leader acknowledged a move it cannot commit")
    except (urllib.error.HTTPError, OSError):
        pass

    # Cut off, the leader's followers campaign: their vote requests fly.
    browser.wait_for("document.querySelector('#map circle.flight.vote') !== null",
                     STEP_TIMEOUT_S, "a vote request in flight")
    browser.screenshot(shots + "-1-vote-in-flight.png")
    stranded = wait_cells(browser, "the isolated leader's uncommitted entry", lambda cells: [
        cell for cell in cells if cell["node"] == str(old_id) and cell["state"] == "uncommitted"
        and cell["term"] == old_term])
    indexes = sorted(cell["index"] for cell in stranded)
    print("isolated leader n%d (term %d) holds uncommitted entries at %s"
          % (old_id, old_term, indexes))

    new_leader = wait_cells(browser, "a new leader", lambda _cells: browser.evaluate(
        "(function () { var id = document.documentElement.getAttribute('data-leader');"
        " return id !== '' && id !== '%d' ? id : null; })()" % old_id))
    proxy_call(proxy, "/nodes/move", {"x": 0, "y": 1})
    wait_cells(browser, "the new leader's entries at the stranded indexes", lambda cells: all(
        any(cell["node"] == new_leader and cell["index"] == index and cell["term"] != old_term
            for cell in cells) for index in indexes))
    browser.screenshot(shots + "-2-partitioned.png")
    print("n%s leads; at indexes %s its log holds entries of a later term than n%d's"
          % (new_leader, indexes, old_id))

    proxy_call(proxy, "/chaos/heal", {}, token)
    healed_at = time.monotonic()
    wait_cells(browser, "the old leader's entries replaced", lambda cells: all(
        any(cell["node"] == str(old_id) and cell["index"] == index
            and cell["replaced"] == old_term and cell["term"] != old_term for cell in cells)
        for index in indexes))
    shown_ms = (time.monotonic() - healed_at) * 1000
    old_cells = cells_of(browser, old_id)
    leader_cells = cells_of(browser, new_leader)
    for index in indexes:
        if old_cells[index]["term"] != leader_cells[index]["term"]:
            fail("index %d: n%d holds term %s, the leader n%s term %s"
                 % (index, old_id, old_cells[index]["term"], new_leader,
                    leader_cells[index]["term"]))
    browser.screenshot(shots + "-3-healed.png")
    print("log view: %s" % json.dumps(browser.evaluate(
        "(function () { var v = document.getElementById('raftlog');"
        " return { scroll: v.scrollWidth, client: v.clientWidth }; })()")))
    print("after the heal n%d holds the leader's entries at %s, each marked as replacing"
          " term %d; shown %.0f ms after the heal" % (old_id, indexes, old_term, shown_ms))


if __name__ == "__main__":
    main()

"""The lesson banner in headless Chromium against a live cluster
(lesson_test.sh starts it and says why each step is checked).

Usage: lesson_scenario.py CHROMIUM WORK_DIR SHOTS_PREFIX PAGE_URL PROXY_URL [RECORDING|--live]
With RECORDING, PAGE_URL and PROXY_URL are a replay of that recording, and
the scenario seeks it instead of posting. With --live, a real `ctl lesson
run minority-leader` is running against the proxy, and the scenario follows
its banner with the Raft log view open. Prints what it saw; exits 1 on a
failure, naming the step and what the page showed.
"""

import json
import os
import signal
import sys
import tempfile
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser, BrowserError  # noqa: E402

WIDTH, HEIGHT = 1280, 800
STEP_TIMEOUT_S = 15

TITLE = "Leader election"
HEADING = "The leader goes quiet"
TEXT = ("The leader has just been paused, so its followers stop hearing heartbeats. "
        "Each follower waits out its own randomized election timeout; the first whose "
        "timer runs out becomes a candidate, increments the term and asks the others "
        "for their votes. Watch for the amber vote requests flying out of one node on "
        "the close-up, and for the election timeline to open a new term.")
DETAIL = ("Expected a new leader in term 3 within 5 s, but every follower was still a "
          "follower: no election timeout fired (heartbeats still arriving from node 1?).")

# What the banner shows, read from the DOM.
BANNER = """(function () {
    var banner = document.getElementById('lesson');
    var rect = banner.getBoundingClientRect();
    var map = document.getElementById('map-card').getBoundingClientRect();
    var header = document.querySelector('header').getBoundingClientRect();
    function text(id) {
        var element = document.getElementById(id);
        return element.hidden ? null : element.textContent;
    }
    return {
        hidden: banner.hidden,
        height: rect.height,
        top: rect.top,
        bottom: rect.bottom,
        headerBottom: header.bottom,
        mapTop: map.top,
        state: banner.getAttribute('data-state'),
        step: banner.getAttribute('data-step'),
        steps: banner.getAttribute('data-steps'),
        name: banner.querySelector('.lesson-name').textContent.replace(/\\s+/g, ' ').trim(),
        title: text('lesson-title'),
        stepText: text('lesson-step'),
        outcome: text('lesson-outcome'),
        text: text('lesson-text'),
        detail: text('lesson-detail'),
        detailColour: getComputedStyle(document.getElementById('lesson-detail')).color,
        border: getComputedStyle(banner).borderLeftColor,
        progress: Array.prototype.map.call(
            document.querySelectorAll('#lesson-progress i'),
            function (cell) { return cell.className; }),
        shownHook: document.documentElement.getAttribute('data-lesson-shown'),
        stateHook: document.documentElement.getAttribute('data-lesson')
    };
})()"""


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def post(proxy, path, body, token):
    headers = {"Accept": "application/json", "Content-Type": "application/json",
               "Authorization": "Bearer " + token}
    call = urllib.request.Request(proxy + path, data=json.dumps(body).encode(),
                                  headers=headers, method="POST")
    try:
        with urllib.request.urlopen(call, timeout=15) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:
        fail("POST %s: %s %s" % (path, error, error.read()[:300]))
    except OSError as error:
        fail("POST %s: %s" % (path, error))


def lesson(step, state, detail=None, name="leader-election"):
    body = {"lesson": name, "title": TITLE, "step": step, "steps": 5, "heading": HEADING,
            "text": TEXT, "state": state}
    if detail is not None:
        body["detail"] = detail
    return body


def check(condition, what, banner):
    if not condition:
        raise BrowserError("%s; the banner: %s" % (what, json.dumps(banner)[:1500]))


def wait_banner(browser, what, test):
    """Polls the banner until `test(banner)` holds; returns it."""
    found = browser.wait_for("(function () { var b = %s; return (%s) ? b : null; })()"
                             % (BANNER, test), STEP_TIMEOUT_S, what)
    return found


def lesson_moments(recording):
    """(t_ms, data) of each lesson line of a recording, in order."""
    moments = []
    with open(recording) as lines:
        for text in lines:
            line = json.loads(text)
            if line.get("event") == "lesson":
                moments.append((line["t_ms"], line["data"]))
    return moments


def run_replay(browser, shots, url, replay, token, recording):
    moments = lesson_moments(recording)
    failed = [t_ms for t_ms, data in moments if data.get("state") == "failed"]
    cleared = [t_ms for t_ms, data in moments if data.get("cleared") is True]
    if not failed or not cleared:
        fail("the recording holds no failed banner and clear: %s" % json.dumps(moments)[:1500])
    browser.navigate(url)
    browser.wait_for("document.documentElement !== null &&"
                     " document.documentElement.getAttribute('data-replay') === 'true'",
                     STEP_TIMEOUT_S, "the replay's page")
    post(replay, "/replay", {"action": "seek", "to_ms": failed[0]}, token)
    banner = wait_banner(browser, "the failed banner in the replay",
                         "!b.hidden && b.state === 'failed' && b.detail !== null")
    check(banner["detail"] == DETAIL, "the detail in the replay", banner)
    check(banner["stepText"] == "step 3 of 5 · " + HEADING, "the step in the replay", banner)
    browser.screenshot(shots + "-replay.png")
    print("replay: the failed banner at %d ms of the recording" % failed[0])
    post(replay, "/replay", {"action": "seek", "to_ms": cleared[-1]}, token)
    wait_banner(browser, "no banner after the recorded clear", "b.hidden && b.stateHook === ''")
    post(replay, "/replay", {"action": "seek", "to_ms": failed[0]}, token)
    wait_banner(browser, "the banner back after a seek", "!b.hidden && b.state === 'failed'")
    post(replay, "/replay", {"action": "seek", "to_ms": 0}, token)
    wait_banner(browser, "no banner at the recording's start", "b.hidden && b.stateHook === ''")
    print("replay: none at the start or after the clear")


LIVE_TITLE = "A cut-off leader's entries are discarded"


def run_live(browser, shots, url):
    """Follows a real lesson run: its banner at the heal, then passed."""
    browser.navigate(url + "&logs")
    browser.wait_for("document.documentElement !== null &&"
                     " document.getElementById('lesson') !== null &&"
                     " document.getElementById('map-card') !== null",
                     STEP_TIMEOUT_S, "the page")
    banner = wait_banner(browser, "the live lesson at its heal step",
                         "!b.hidden && b.state === 'running' && b.step === '4'")
    check(banner["name"] == "Lesson · " + LIVE_TITLE, "the live lesson's title", banner)
    check(banner["stepText"].startswith("step 4 of 5 · Heal"), "the live lesson's step", banner)
    check("replaced" in banner["text"], "the live step's explanation", banner)
    browser.screenshot(shots + "-live.png")
    print("live: %s" % banner["stepText"])
    banner = browser.wait_for("(function () { var b = %s; return b.state === 'passed' ? b : null; })()"
                              % BANNER, 60, "the live lesson passed")
    check(banner["progress"] == ["done"] * 5, "every live step done", banner)
    browser.screenshot(shots + "-live-passed.png")
    print("live: passed, bar %s" % banner["progress"])


def main():
    chromium, work, shots, url, proxy = sys.argv[1:6]
    recording = sys.argv[6] if len(sys.argv) > 6 else None
    live = recording == "--live"
    if live:
        recording = None
    token = url.split("#token=", 1)[1].split("&", 1)[0]
    profile = tempfile.mkdtemp(prefix="profile.", dir=work)
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(1))
    browser = Browser(chromium, profile, os.path.join(work, "chromium.log"), WIDTH, HEIGHT)
    pgid_path = os.path.join(work, "lesson-chromium.pgid")
    with open(pgid_path, "w") as pgid:
        pgid.write("%d\n" % browser.pid)
    try:
        if live:
            run_live(browser, shots, url)
        elif recording:
            run_replay(browser, shots, url, proxy, token, recording)
        else:
            run(browser, shots, url, proxy, token)
    except BrowserError as error:
        try:
            browser.screenshot(shots + "-error.png")
        except BrowserError:
            pass
        fail(str(error))
    finally:
        browser.close()
        os.remove(pgid_path)


def run(browser, shots, url, proxy, token):
    browser.navigate(url)
    browser.wait_for("document.documentElement !== null &&"
                     " document.documentElement.getAttribute('data-leader') !== '' &&"
                     " document.getElementById('lesson') !== null",
                     STEP_TIMEOUT_S, "the page with a leader")
    before = browser.evaluate(BANNER)
    check(before["hidden"] and before["stateHook"] == "", "a banner before any lesson", before)

    # Running, step 2 of 5: the title, the step and its heading, the text.
    post(proxy, "/lesson", lesson(1, "running"), token)
    post(proxy, "/lesson", lesson(2, "running"), token)
    banner = wait_banner(browser, "the running banner at step 2",
                         "!b.hidden && b.state === 'running' && b.step === '2'")
    check(banner["name"] == "Lesson · " + TITLE, "the lesson's name", banner)
    check(banner["stepText"] == "step 2 of 5 · " + HEADING, "the step and heading", banner)
    check(banner["text"] == TEXT, "the text", banner)
    check(banner["outcome"] is None and banner["detail"] is None,
          "no outcome or detail while running", banner)
    check(banner["progress"] == ["done", "current", "", "", ""], "the steps' bar", banner)
    check(banner["shownHook"] == "true" and banner["stateHook"] == "running", "the hooks",
          banner)
    # In the page's flow: under the header, above the convoy, covering neither.
    check(banner["top"] >= banner["headerBottom"] and banner["bottom"] <= banner["mapTop"],
          "the banner between the header and the convoy", banner)
    print("running: %.0f px tall, %s, bar %s" % (banner["height"], banner["stepText"],
                                                 banner["progress"]))
    browser.screenshot(shots + "-banner.png")

    # Failed: red, with the detail of what differed.
    post(proxy, "/lesson", lesson(3, "failed", DETAIL), token)
    banner = wait_banner(browser, "the failed banner with its detail",
                         "!b.hidden && b.state === 'failed' && b.detail !== null")
    check(banner["detail"] == DETAIL, "the detail", banner)
    check(banner["outcome"] == "failed", "the outcome badge", banner)
    check(banner["stepText"] == "step 3 of 5 · " + HEADING, "the failed step", banner)
    check(banner["border"] == "rgb(192, 57, 43)", "red for a failed step", banner)
    check(banner["progress"] == ["done", "done", "current", "", ""], "the steps' bar", banner)
    print("failed: %.0f px tall, detail shown (%d characters)"
          % (banner["height"], len(banner["detail"])))
    browser.screenshot(shots + "-failed.png")

    # × hides it; the same run moving on stays hidden; back at step 1 it shows.
    browser.click("#lesson-close")
    wait_banner(browser, "the banner hidden by its close button",
                "b.hidden && b.shownHook === 'false'")
    post(proxy, "/lesson", lesson(4, "running"), token)
    hidden = wait_banner(browser, "step 4 received while closed", "b.step === '4'")
    check(hidden["hidden"], "a closed banner stays hidden within the run", hidden)
    post(proxy, "/lesson", lesson(1, "running"), token)
    wait_banner(browser, "the banner back for the lesson's next run",
                "!b.hidden && b.step === '1'")
    print("closed with ×: hidden through step 4, shown again at step 1")

    post(proxy, "/lesson", lesson(5, "passed", "All five steps behaved as Raft says."), token)
    banner = wait_banner(browser, "the passed banner",
                         "!b.hidden && b.state === 'passed' && b.outcome === 'passed'")
    check(banner["progress"] == ["done"] * 5, "every step done", banner)
    browser.screenshot(shots + "-passed.png")

    post(proxy, "/lesson/clear", {}, token)
    gone = wait_banner(browser, "the banner gone after the clear",
                       "b.hidden && b.stateHook === ''")
    check(gone["shownHook"] == "false", "the hook after the clear", gone)
    print("cleared: the banner is gone")


if __name__ == "__main__":
    main()

"""A small driver for headless Chromium over the DevTools protocol, for the
browser tests: open a page, evaluate JavaScript in it, wait for a condition,
click an element with real mouse events, take a screenshot.

It talks to Chromium over --remote-debugging-pipe (fds 3 and 4 of the
browser, JSON messages each ended by a NUL byte), so it needs only Python's
standard library, and opens no port another process could reach.
"""

import base64
import json
import os
import select
import signal
import time


class BrowserError(Exception):
    pass


class Browser:
    """One headless Chromium with one page; `close()` stops its process group."""

    def __init__(self, chromium, profile_dir, log_path, width=1280, height=800):
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        arguments = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
                     "--remote-debugging-pipe", "--user-data-dir=" + profile_dir,
                     "--window-size=%d,%d" % (width, height), "--no-first-run",
                     "--disable-extensions", "about:blank"]
        # The browser reads commands on fd 3 and writes answers on fd 4;
        # setsid gives it a process group of its own, stopped as one.
        self.pid = os.posix_spawn(chromium, arguments, os.environ, setsid=True, file_actions=[
            (os.POSIX_SPAWN_DUP2, to_browser_read, 3),
            (os.POSIX_SPAWN_DUP2, from_browser_write, 4),
            (os.POSIX_SPAWN_DUP2, log, 1),
            (os.POSIX_SPAWN_DUP2, log, 2),
        ])
        for fd in (to_browser_read, from_browser_write, log):
            os.close(fd)
        self._buffer = b""
        self._next_id = 0
        self._session = None
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self.send("Target.attachToTarget",
                                  {"targetId": target, "flatten": True})["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def close(self):
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self._to_browser)
        os.close(self._from_browser)

    def _read_message(self, deadline):
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise BrowserError("Chromium closed its DevTools pipe (see its log)")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method, params=None, timeout_s=30):
        """Sends one command (to the page once attached) and returns its result."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if self._session is not None:
            message["sessionId"] = self._session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._to_browser, data):]
        deadline = time.monotonic() + timeout_s
        while True:
            answer = self._read_message(deadline)
            if answer.get("id") != self._next_id:
                continue    # an event: nothing here waits for one
            if "error" in answer:
                raise BrowserError("%s: %s" % (method, answer["error"].get("message")))
            return answer.get("result", {})

    def navigate(self, url):
        self.send("Page.navigate", {"url": url})

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.send("Runtime.evaluate", {"expression": expression,
                                                "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError("JavaScript failed: %s\n  in: %s" % (text, expression))
        return result.get("result", {}).get("value")

    def wait_for(self, expression, timeout_s, what):
        """Polls `expression` every 100 ms until it is truthy; returns its value."""
        deadline = time.monotonic() + timeout_s
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() >= deadline:
                raise BrowserError("%s: not within %g s" % (what, timeout_s))
            time.sleep(0.1)

    def click(self, selector):
        """Clicks the middle of the element as a person would: move, press, release."""
        box = self.evaluate(
            "(function () { var e = document.querySelector(%s); if (!e) { return null; }"
            " e.scrollIntoView({block: 'center'}); var r = e.getBoundingClientRect();"
            " return {x: r.left + r.width / 2, y: r.top + r.height / 2,"
            " disabled: e.disabled === true}; })()" % json.dumps(selector))
        if box is None:
            raise BrowserError("nothing to click at %s" % selector)
        if box["disabled"]:
            raise BrowserError("%s is disabled" % selector)
        for kind, button in (("mouseMoved", "none"), ("mousePressed", "left"),
                             ("mouseReleased", "left")):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": box["x"], "y": box["y"],
                                                   "button": button, "clickCount": 1})

    def type_text(self, text):
        self.send("Input.insertText", {"text": text})

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as output:
            output.write(base64.b64decode(data))

"""Measures a failover from the client's side: kills --kill PID (the leader)
with SIGKILL, then POSTs BODY to the URLs in turn (each try with a short
timeout) until one answers 2xx; prints the milliseconds from the kill to that
answer. A follower that names the leader (421) or an election in progress
(5xx, timeout) only means: try the next one.

The kill is done here, after the interpreter has started, because starting
python3 took 0.46 s on this machine: a clock started before it measured the
interpreter as much as the failover."""
import argparse
import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kill", type=int, required=True, metavar="PID")
    parser.add_argument("--body", required=True)
    parser.add_argument("--timeout-s", type=float, default=30.0)
    parser.add_argument("urls", nargs="+")
    args = parser.parse_args()
    since_ms = int(time.time() * 1000)
    os.kill(args.kill, signal.SIGKILL)
    deadline = time.time() + args.timeout_s
    attempt = 0
    while time.time() < deadline:
        url = args.urls[attempt % len(args.urls)]
        attempt += 1
        request = urllib.request.Request(url, data=args.body.encode(),
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=0.5) as answer:
                if 200 <= answer.status < 300:
                    print(json.dumps({"ms": int(time.time() * 1000) - since_ms,
                                      "attempts": attempt}))
                    return 0
        except (urllib.error.URLError, OSError):
            pass
        if attempt % len(args.urls) == 0:
            time.sleep(0.005)
    print(json.dumps({"ms": None, "attempts": attempt}))
    return 1


sys.exit(main())

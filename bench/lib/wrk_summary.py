"""Reads wrk --latency output on stdin; prints one JSON object: requests/s,
p50/p99 latency in ms, total requests, errors and non-2xx answers."""
import json
import re
import sys

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def to_ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS_MS[unit]


def main():
    out = sys.stdin.read()
    summary = {"rps": 0.0, "p50_ms": None, "p99_ms": None, "requests": 0, "errors": 0, "non2xx": 0}
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if match:
        summary["rps"] = float(match.group(1))
    for percent, key in (("50", "p50_ms"), ("99", "p99_ms")):
        match = re.search(r"^\s+%s(?:\.000)?%%\s+(\S+)" % percent, out, re.M)
        if match:
            summary[key] = to_ms(match.group(1))
    match = re.search(r"(\d+) requests in", out)
    if match:
        summary["requests"] = int(match.group(1))
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if match:
        summary["errors"] = sum(int(g) for g in match.groups())
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if match:
        summary["non2xx"] = int(match.group(1))
    print(json.dumps(summary))


main()

#!/usr/bin/env python3
"""HTTP fuzz test: random and malformed requests against a live cluster.

Goal (issue 17, "Must show"): no request can kill a process or make a server
answer 500, and every request that is malformed by construction is refused
with a 4xx.

Method: a local cluster (lib.py: Redis, 3 nodes, a proxy). Several client
threads send at least 20,000 seeded random requests over raw sockets to the
proxy, the leader and a follower: methods (real ones and garbage tokens),
the routes of both APIs with mutated paths and queries (invalid UTF-8, good
and bad percent escapes, stray '%', very long targets), odd headers (long,
many, control bytes, duplicate or conflicting Content-Length,
Transfer-Encoding, Expect), malformed bodies (truncated JSON, wrong types,
huge numbers, deep nesting, invalid UTF-8), bodies over the limit and a
Content-Length longer than what is sent (then the client closes). Each
request goes on a fresh or a reused connection; its answer is read with a
2 s timeout and classified.

Pass: every process is alive at the end; no 500, and no 5xx but 503; 503s
are under 1%; every request malformed by construction got a 4xx (a request
whose body is cut short may get no answer at all); no change route answered
2xx (the fuzzer never has a token); every JSON answer is valid UTF-8 JSON;
afterwards a move through the proxy commits (200) and the leader's term moved
by at most 2.

Usage: http_fuzz_test.py RAFTESCORT_BINARY
Environment: HOSTILE_FUZZ_SEED (replays a run), HOSTILE_FUZZ_REQUESTS
(default 40000), HOSTILE_FUZZ_THREADS (default 6), HOSTILE_KEEP=1 keeps logs.
"""

import collections
import json
import os
import random
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

READ_TIMEOUT = 2.0
MAX_ANSWER_BYTES = 16 * 1024 * 1024
API_BODY_LIMIT = 16 * 1024
RAFT_BODY_LIMIT = 4 * 1024 * 1024

PROXY_GET = ["/", "/status", "/nodes", "/nodes/full", "/nodes/position", "/nodes/move",
             "/mission", "/elections", "/leaders", "/logs", "/metrics", "/events"]
PROXY_POST = ["/nodes/move", "/mission", "/members/add", "/members/remove", "/transfer-leader"]
NODE_GET = ["/health", "/status", "/position", "/logs"]
NODE_POST = ["/move", "/mission", "/join", "/members/add", "/members/remove",
             "/transfer-leader", "/raft/message"]
# Routes that change the cluster: without a token never a 2xx.
CHANGE_ROUTES = {"proxy": {"/mission", "/members/add", "/members/remove", "/transfer-leader"},
                 "node": {"/mission", "/join", "/members/add", "/members/remove",
                          "/transfer-leader", "/raft/message"}}
QUERY_KEYS = ["ip", "term", "x", "y", "from", "limit", "id", "client_id", "sequence", "force",
              "a", "", "%FF", "x[]", "term%2500"]
METHODS = ["GET", "GET", "GET", "POST", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH",
           "TRACE", "CONNECT", "FOO", "get", "X-Y_Z~1"]
BAD_METHODS = [b"G@T", b"GE(T", b"P\x00ST", b"GET\x7f", b"\xff\xfe", b"GET\"", b"M" * 40,
               b"{GET}", b"G,ET"]


def pct(byte):
    return "%%%02X" % byte


class Req:
    """One generated request: the bytes to send and what must come back."""
    __slots__ = ("kind", "target_name", "route", "method", "head", "body", "send_body",
                 "malformed", "close_early", "expect_continue", "stream", "head_only",
                 "http10")

    def __init__(self):
        self.kind = ""
        self.target_name = ""
        self.route = ""
        self.method = "GET"
        self.head = b""
        self.body = b""
        self.send_body = None     # bytes actually sent (default: body)
        self.malformed = False    # must get a 4xx
        self.close_early = False  # body cut short, write side shut: 4xx or no answer
        self.expect_continue = False
        self.stream = False       # GET /events: read a little, then close
        self.head_only = False
        self.http10 = False


class Generator:
    def __init__(self, rng, target_name, kind_of_server):
        self.rng = rng
        self.target_name = target_name
        self.server = kind_of_server  # "proxy" or "node"

    # ---- pieces ------------------------------------------------------------
    def routes(self):
        if self.server == "proxy":
            return PROXY_GET, PROXY_POST
        return NODE_GET, NODE_POST

    def any_route(self):
        gets, posts = self.routes()
        r = self.rng.random()
        if r < 0.05:
            return self.rng.choice(["/nope", "/status/", "//status", "/nodes/", "/raft",
                                    "/raft/message/x", "/Status", "/health;x", "/.."])
        return self.rng.choice(gets + posts)

    def good_escape(self):
        rng = self.rng
        c = rng.random()
        if c < 0.3:
            return pct(rng.randint(0x80, 0xFF))  # decodes to invalid UTF-8
        if c < 0.5:
            return rng.choice(["%41", "%2F", "%2f", "%20", "%25", "%3F", "%26", "%3D", "%7E",
                               "%C3%A9", "%E2%82%AC", "%F0%9F%98%80", "%ED%A0%80", "%C0%AF"])
        return pct(rng.randint(1, 0x7F))

    def bad_escape(self, at_end):
        """A '%' not followed by two hex digits, or %00. Only at_end may the
        escape be cut short (what follows could complete it)."""
        bad = ["%G1", "%00", "%zz", "%%", "%-1", "%+1", "%0G", "%g0", "%~1", "%0%"]
        if at_end:
            bad += ["%", "%0", "%1", "%F"]
        return self.rng.choice(bad)

    def mutate_path(self, path):
        """A path with good escapes only (still well-formed)."""
        rng = self.rng
        c = rng.random()
        if c < 0.55:
            return path
        if c < 0.75:
            pos = rng.randint(1, len(path))  # after the leading '/'
            return path[:pos] + "".join(self.good_escape() for _ in range(rng.randint(1, 4))) + path[pos:]
        if c < 0.85:
            return path + "/" + "".join(self.good_escape() for _ in range(rng.randint(1, 8)))
        if c < 0.93:
            # long but under the 8 KiB request line
            return path + "/" + "a" * rng.randint(100, 7000)
        return "http://127.0.0.1" + path  # absolute form

    def random_value(self):
        rng = self.rng
        c = rng.random()
        if c < 0.3:
            return str(rng.randint(-5, 5))
        if c < 0.4:
            return str(rng.choice([0, 1, -1, 2**31, 2**63, 2**64, 10**30, -(2**63) - 1]))
        if c < 0.55:
            return "".join(self.good_escape() for _ in range(rng.randint(1, 6)))
        if c < 0.65:
            return rng.choice(["127.0.0.11", "127.0.0.12:1", "abc", "+1", "1e3", "0x10", "1.5",
                               "%201", "true", "null", "-", ""])
        if c < 0.7:
            return "v" * rng.randint(100, 3000)
        return "".join(rng.choice("abcXYZ019-._~+") for _ in range(rng.randint(0, 12)))

    def good_query(self, route):
        rng = self.rng
        if rng.random() < 0.5:
            return ""
        params = []
        if route == "/nodes/move" and rng.random() < 0.7:
            params.append("x=%d" % rng.randint(-2, 2))
            params.append("y=%d" % rng.randint(-2, 2))
        for _ in range(rng.randint(0, 4)):
            key = rng.choice(QUERY_KEYS)
            if rng.random() < 0.2:
                params.append(key)
            else:
                params.append("%s=%s" % (key, self.random_value()))
        if rng.random() < 0.1:
            params.append("")  # a stray '&'
        return "?" + "&".join(params)

    def valid_json_body(self, route):
        rng = self.rng
        if route in ("/nodes/move", "/move"):
            body = {"x": rng.randint(-3, 3), "y": rng.randint(-3, 3)}
            r = rng.random()
            if r < 0.1 or (route == "/move" and r < 0.9):  # a node's /move takes dx, dy
                body = {"dx": rng.randint(-3, 3), "dy": rng.randint(-3, 3)}
            elif r < 0.2:
                body["client_id"] = "fuzz-%d" % rng.randint(0, 50)
                body["sequence"] = rng.randint(1, 5)
            return body
        if route == "/mission":
            return {"action": rng.choice(["start", "pause", "set", "fly"]),
                    "x": rng.randint(-100, 100), "y": rng.randint(-100, 100)}
        if route in ("/members/add", "/join"):
            return {"id": rng.randint(1, 9), "address": "127.0.0.%d:%d" % (rng.randint(1, 254),
                                                                          rng.randint(1, 65535))}
        if route == "/members/remove":
            return {"id": rng.randint(1, 4), "force": rng.random() < 0.5}
        if route == "/transfer-leader":
            return {"id": rng.randint(1, 4)}
        return {"k": rng.randint(0, 9)}

    def odd_json_body(self, route):
        """Valid JSON, but wrong types, unknown fields or huge numbers."""
        rng = self.rng
        body = self.valid_json_body(route)
        key = rng.choice(list(body.keys()) + ["zzz", "x", "__proto__"])
        body[key] = rng.choice([
            "1", None, True, [], {}, 1.5, 2**64, -(2**63), 10**40, "\u00e9", "\ud800".encode(
                "utf-8", "surrogatepass").decode("latin-1"), "x" * 300, [1, [2, [3]]]])
        return body

    def bad_json_text(self, route):
        rng = self.rng
        good = json.dumps(self.valid_json_body(route)).encode()
        c = rng.randint(0, 11)
        if c == 0:
            return good[:rng.randint(1, max(1, len(good) - 1))]  # truncated
        if c == 1:
            depth = rng.randint(200, 5000)
            return b"[" * depth + b"]" * depth  # deep nesting, not an object
        if c == 2:
            depth = rng.randint(200, 1500)
            return b'{"x":' * depth + b"1" + b"}" * depth  # deep nesting, an object
        if c == 3:
            return b'{"x":0,"y":1,"client_id":"\xff\xfe\xc0\xaf"}'  # invalid UTF-8 in a string
        if c == 4:
            return b'{"x":1e400,"y":0}'
        if c == 5:
            return b'{"x":' + b"9" * rng.randint(30, 5000) + b',"y":0}'
        if c == 6:
            return b"\xef\xbb" + good  # a BOM cut short (a whole one may be ignored: RFC 8259)
        if c == 7:
            return good.replace(b":", b"=", 1)
        if c == 8:
            return b"{'x': 1, 'y': 2}"
        if c == 9:
            return b'{"x":0,"y":1,}'
        if c == 10:
            return bytes(rng.randint(0, 255) for _ in range(rng.randint(1, 200)))
        return b'{"x":0,"y":1}{"x":2}'  # trailing garbage

    # ---- assembling ----------------------------------------------------------
    @staticmethod
    def head_bytes(method, target, version, headers):
        lines = [method + b" " + target + b" " + version]
        for name, value in headers:
            lines.append(name + b": " + value if value is not None else name)
        return b"\r\n".join(lines) + b"\r\n\r\n"

    def base_headers(self, body_len, content_type):
        headers = [(b"Host", b"127.0.0.1"), (b"User-Agent", b"raftescort-hostile-fuzz")]
        if content_type is not None:
            headers.append((b"Content-Type", content_type))
        if body_len is not None:
            headers.append((b"Content-Length", str(body_len).encode()))
        rng = self.rng
        if rng.random() < 0.1:
            headers.append((b"Authorization", b"Bearer " + rng.choice(
                [b"wrong", b"", b"x" * 64, lib.ADMIN_TOKEN.encode()[:-1], b"\xff\xfe"])))
        if rng.random() < 0.05:
            headers.append((b"X-Raftescort-Token", rng.choice([b"wrong", b"", b"0" * 64])))
        if rng.random() < 0.05:
            headers.append((b"Accept", b"application/json"))
        return headers

    def make(self):
        rng = self.rng
        req = Req()
        req.target_name = self.target_name
        gets, posts = self.routes()
        kinds = [
            ("valid", 30), ("valid_odd_headers", 8), ("odd_json", 5), ("bad_escape_path", 5),
            ("bad_escape_query", 5), ("bad_version", 4), ("bad_content_length", 4),
            ("conflicting_content_length", 3), ("chunked", 3), ("oversized_body", 4),
            ("bad_json", 7), ("wrong_content_type", 5), ("bad_header", 5),
            ("too_many_headers", 2), ("long_header_line", 2), ("long_target", 2),
            ("bad_method", 3), ("raw_bytes_target", 3), ("bad_target", 2), ("bad_expect", 2),
            ("short_body", 4), ("unknown_method", 3),
        ]
        total = sum(w for _, w in kinds)
        pick = rng.uniform(0, total)
        for kind, weight in kinds:
            pick -= weight
            if pick <= 0:
                break
        req.kind = kind
        version = b"HTTP/1.1"
        if rng.random() < 0.05:
            version = b"HTTP/1.0"
            req.http10 = True

        # Defaults: a route, a method, a well-formed target.
        route = self.any_route()
        if route in posts and route not in gets:
            method = "POST" if rng.random() < 0.85 else rng.choice(METHODS)
        elif route in gets and route not in posts:
            method = "GET" if rng.random() < 0.75 else rng.choice(METHODS)
        else:
            method = rng.choice(METHODS)
        path = self.mutate_path(route)
        query = self.good_query(route)
        body = b""
        content_type = None
        if method in ("POST", "PUT", "PATCH") or (rng.random() < 0.03):
            body = json.dumps(self.valid_json_body(route)).encode()
            content_type = b"application/json"
            if rng.random() < 0.1:
                content_type = rng.choice([b"application/json; charset=utf-8",
                                           b"Application/JSON", b"application/json;charset=UTF-8"])
            if route == "/raft/message":
                body = bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 300)))
                content_type = b"application/octet-stream"
        headers = None
        malformed = True

        if kind in ("valid", "unknown_method"):
            malformed = False
            if kind == "unknown_method":
                method = rng.choice(["PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "FOO", "get",
                                     "X-Y_Z~1", "M" * 20])
        elif kind == "valid_odd_headers":
            malformed = False
            headers = self.base_headers(len(body) if body or method == "POST" else None,
                                        content_type)
            for _ in range(rng.randint(1, 4)):
                c = rng.randint(0, 8)
                if c == 0:
                    headers.append((b"X-Long", b"v" * rng.randint(1000, 7000)))
                elif c == 1:
                    # Under the 64-header cap, with room for the other picks.
                    for i in range(rng.randint(0, max(0, 56 - len(headers)))):
                        headers.append((b"X-Many-%d" % len(headers), b"%d" % i))
                elif c == 2 and body:
                    headers.append((b"Content-Length", str(len(body)).encode()))  # duplicate, equal
                elif c == 3 and body:
                    headers.append((b"Expect", b"100-continue"))
                    req.expect_continue = True
                elif c == 4:
                    headers.append((b"X-Latin", b"caf\xe9 \xff\xfe\x80"))  # bytes >= 0x80 are allowed
                elif c == 5:
                    headers.append((b"Connection", rng.choice([b"close", b"keep-alive",
                                                               b"Upgrade, close", b"x"])))
                elif c == 6:
                    # A second Content-Type: which one counts is the server's choice.
                    headers.append((b"Content-Type", rng.choice([b"text/html", b"a/b", b""])))
                elif c == 7:
                    headers.append((b"Cookie", b"a=" + b"c" * rng.randint(10, 4000)))
                else:
                    headers.append((b"x-tab", b"a\tb\t"))
        elif kind == "odd_json":
            malformed = False
            if route in posts:
                method = "POST"
                body = json.dumps(self.odd_json_body(route)).encode()
                content_type = b"application/json"
        elif kind == "bad_escape_path":
            # In the path, never in the host of an absolute-form target.
            first = path.index("/", 7) if path.startswith("http://") else 0
            pos = rng.randint(first + 1, len(path))
            path = path[:pos] + self.bad_escape(pos == len(path)) + path[pos:]
        elif kind == "bad_escape_query":
            key = rng.choice(QUERY_KEYS[:8])
            bad = self.bad_escape(True)
            query = "?" + rng.choice(["%s=%s" % (key, bad), "%s%s=1" % (key, bad),
                                      "a=1&%s=2%sz" % (key, bad), "%s%s" % (key, bad),
                                      "%s=%s" % (key, "%" * rng.randint(1, 5))])
        elif kind == "bad_version":
            # HTTP/1.2 is not among them: a later 1.x is served as 1.1.
            version = rng.choice([b"HTTP/1.x", b"HTTX/1.1", b"HTTP/11", b"HTTP/1.1.1", b"http/1.1",
                                  b"HTTP/2.0", b"HTTP/0.9", b"HTTP/9", b"", b"HTTP/",
                                  b"HTTP/1.1 extra", b"HTTP/\xff.1"])
        elif kind == "bad_content_length":
            headers = self.base_headers(None, content_type)
            headers.append((b"Content-Length", rng.choice(
                [b"abc", b"-1", b"1 2", b"+5", b"0x10", b"9" * 25, b"", b"1.0", b"\xff", b"1,1",
                 b"12a"])))
        elif kind == "conflicting_content_length":
            headers = self.base_headers(len(body), content_type)
            headers.append((b"Content-Length", str(len(body) + rng.randint(1, 50)).encode()))
        elif kind == "chunked":
            headers = self.base_headers(None if rng.random() < 0.7 else len(body), content_type)
            headers.append((b"Transfer-Encoding", rng.choice([b"chunked", b"gzip, chunked",
                                                              b"identity", b"Chunked"])))
            chunk = body or b"{}"
            body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(chunk), chunk)
            req.send_body = body
        elif kind == "oversized_body":
            limit = RAFT_BODY_LIMIT if route == "/raft/message" else API_BODY_LIMIT
            declared = limit + rng.choice([1, 100, 10000, limit * 4])
            if rng.random() < 0.1:
                declared = 10**18
            headers = self.base_headers(declared, content_type or b"application/json")
            # Only a part is sent: the server must refuse before reading it.
            req.send_body = b"[" * min(declared, rng.choice([0, 1000, 20000, 64 * 1024]))
            body = b""
        elif kind == "bad_json":
            route = rng.choice(posts)
            method = "POST"
            path = self.mutate_path(route) if rng.random() < 0.2 else route
            body = self.bad_json_text(route)
            content_type = b"application/json"
        elif kind == "wrong_content_type":
            route = rng.choice(posts)
            method = "POST"
            path = route
            body = json.dumps(self.valid_json_body(route)).encode()
            content_type = rng.choice([None, b"text/plain", b"application/x-www-form-urlencoded",
                                       b"multipart/form-data; boundary=x", b"application/jsonp",
                                       b"json", b"text/json", b"", b"application/xml"])
        elif kind == "bad_header":
            headers = self.base_headers(len(body) if body else None, content_type)
            bad = rng.choice([
                (b"X-Ctl", b"a\x01b"), (b"X-Ctl", b"a\x00b"), (b"X-Ctl", b"\x7f"),
                (b"X-Cr", b"a\rb"), (b"Bad Name", b"1"), (b"Bad\x01Name", b"1"),
                (b"", b"empty-name"), (b"NoColonHere", None), (b" Folded", b"x"),
                (b"\tFolded", b"y"), (b"X(y)", b"1"), (b"\xff\xfe", b"1")])
            headers.insert(rng.randint(0, len(headers)), bad)
        elif kind == "too_many_headers":
            headers = self.base_headers(len(body) if body else None, content_type)
            for i in range(rng.randint(66, 400)):
                headers.append((b"X-H%d" % i, b"v"))
        elif kind == "long_header_line":
            headers = self.base_headers(len(body) if body else None, content_type)
            size = rng.choice([8 * 1024 + 1, 9000, 17000, 70000])
            headers.append((b"X-Long", b"x" * size))
        elif kind == "long_target":
            path = path + "/" + "p" * rng.randint(8 * 1024 + 1, 40000)
        elif kind == "bad_method":
            method = rng.choice(BAD_METHODS).decode("latin-1")
        elif kind == "raw_bytes_target":
            raw = bytes([rng.choice([rng.randint(0x80, 0xFF), rng.randint(1, 0x1F), 0x7F])])
            pos = rng.randint(1, len(path))
            path = path[:pos] + raw.decode("latin-1") + path[pos:]
            if raw in (b"\r", b"\n"):
                path = path.replace(raw.decode("latin-1"), "\x01")
        elif kind == "bad_target":
            path = rng.choice(["*", "status", "", "?x=1", "nodes/move", "ftp://x/status",
                               "http:/status", "%2Fstatus", "\\status"])
            if path.startswith("?"):
                query = ""
        elif kind == "bad_expect":
            headers = self.base_headers(len(body) if body else None, content_type)
            headers.append((b"Expect", rng.choice([b"200-ok", b"100-continue-x", b"x", b"1"])))
        elif kind == "short_body":
            method = "POST"
            route = rng.choice(posts)
            path = route
            full = json.dumps(self.valid_json_body(route)).encode()
            declared = min(API_BODY_LIMIT, len(full) + rng.randint(1, 2000))
            headers = self.base_headers(declared, b"application/json")
            req.send_body = full[:rng.randint(0, len(full))]
            req.close_early = True
            body = b""

        if headers is None:
            headers = self.base_headers(len(body) if (body or method == "POST") else None,
                                        content_type)
        target = (path + query).encode("latin-1")
        if kind == "bad_version" and version == b"":
            head = method.encode("latin-1") + b" " + target + b"\r\n\r\n"
        else:
            head = self.head_bytes(method.encode("latin-1"), target, version, headers)
        if rng.random() < 0.02 and not malformed:
            head = b"\r\n" + head  # blank line before the request line: tolerated
        req.method = method
        req.route = path.split("?")[0]
        req.head = head
        req.body = body
        req.malformed = malformed
        req.head_only = method == "HEAD"
        req.stream = (self.server == "proxy" and method in ("GET",) and req.route == "/events"
                      and kind in ("valid", "valid_odd_headers", "odd_json"))
        return req


# ---- the wire ---------------------------------------------------------------

class Answer:
    __slots__ = ("status", "outcome", "headers", "body", "close")

    def __init__(self, outcome, status=None, headers=None, body=b"", close=True):
        self.outcome = outcome  # "answer", "timeout", "closed", "reset", "garbage"
        self.status = status
        self.headers = headers or {}
        self.body = body
        self.close = close


def recv_some(sock, deadline):
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise socket.timeout()
    sock.settimeout(remaining)
    return sock.recv(65536)


def read_answer(sock, buffer, deadline, head_only, stream):
    """Reads one response; returns (Answer, leftover bytes)."""
    data = buffer
    try:
        while True:
            end = data.find(b"\r\n\r\n")
            if end >= 0:
                break
            if len(data) > 256 * 1024:
                return Answer("garbage", body=data[:200]), b""
            chunk = recv_some(sock, deadline)
            if not chunk:
                return Answer("closed" if not data else "garbage", body=data[:200]), b""
            data += chunk
    except socket.timeout:
        return Answer("timeout" if not data else "garbage", body=data[:200]), b""
    except OSError:  # a reset, mostly
        return Answer("reset" if not data else "garbage", body=data[:200]), b""
    head, rest = data[:end], data[end + 4:]
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        return Answer("garbage", body=data[:200]), b""
    status = int(parts[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    if 100 <= status < 200:
        return Answer("interim", status, headers, close=False), rest
    close = headers.get("connection", "").lower() == "close" or parts[0] == b"HTTP/1.0"
    if head_only or status in (204, 304):
        # No content, whatever Content-Length says; bytes already here
        # are what the server sent after the answer's end, which a client
        # that keeps the connection reads as the next answer.
        answer = Answer("answer", status, headers, close=close)
        if head_only and rest and not close:
            answer.outcome = "head_with_body"
            answer.body = rest[:200]
            answer.close = True
        return answer, rest
    if stream or headers.get("transfer-encoding", "").lower() == "chunked":
        # A stream (server-sent events): read a little and give up on it.
        stop = min(deadline, time.monotonic() + 0.3)
        try:
            while time.monotonic() < stop:
                chunk = recv_some(sock, stop)
                if not chunk:
                    break
                rest += chunk
        except (socket.timeout, OSError):
            pass
        return Answer("answer", status, headers, rest[:4096], close=True), b""
    length = headers.get("content-length")
    try:
        if length is None:
            while True:
                chunk = recv_some(sock, deadline)
                if not chunk:
                    break
                rest += chunk
                if len(rest) > MAX_ANSWER_BYTES:
                    break
            return Answer("answer", status, headers, rest, close=True), b""
        length = int(length)
        while len(rest) < length:
            chunk = recv_some(sock, deadline)
            if not chunk:
                return Answer("answer", status, headers, rest, close=True), b""
            rest += chunk
    except socket.timeout:
        return Answer("answer", status, headers, rest, close=True), b""
    except OSError:
        return Answer("answer", status, headers, rest, close=True), b""
    return Answer("answer", status, headers, rest[:length], close=close), rest[length:]


def send_all(sock, data, deadline):
    view = memoryview(data)
    while view:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout()
        sock.settimeout(remaining)
        sent = sock.send(view)
        view = view[sent:]


def exchange(sock, req):
    """Sends req on sock and reads its answer. Returns (Answer, reusable)."""
    deadline = time.monotonic() + READ_TIMEOUT
    body = req.body if req.send_body is None else req.send_body
    try:
        if req.expect_continue and body:
            send_all(sock, req.head, deadline)
            interim, rest = read_answer(sock, b"", min(deadline, time.monotonic() + 1.0),
                                        False, False)
            if interim.outcome == "answer":
                return interim, not interim.close and not rest
            if interim.outcome not in ("interim", "timeout"):
                return interim, False
            send_all(sock, body, deadline)
        else:
            send_all(sock, req.head + body, deadline)
        if req.close_early:
            sock.shutdown(socket.SHUT_WR)
    except OSError:
        # A timeout (the server stopped reading), a reset or a broken pipe:
        # the server may have answered already; what was read says.
        pass
    answer, rest = read_answer(sock, b"", deadline, req.head_only, req.stream)
    while answer.outcome == "interim":
        answer, rest = read_answer(sock, rest, deadline, req.head_only, req.stream)
    reusable = (answer.outcome == "answer" and not answer.close and not rest
                and not req.close_early and not req.stream and not req.http10)
    return answer, reusable


# ---- the run -----------------------------------------------------------------

class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = 0
        self.by_class = collections.Counter()
        self.by_status = collections.Counter()
        self.by_kind = collections.defaultdict(collections.Counter)
        self.outcomes = collections.Counter()
        self.failures = collections.defaultdict(list)  # reason -> examples
        self.failure_counts = collections.Counter()
        self.status_503 = 0
        self.reused = 0
        self.streams = 0
        self.by_target = collections.Counter()

    def fail(self, reason, example):
        self.failure_counts[reason] += 1
        if len(self.failures[reason]) < 5:
            self.failures[reason].append(example)


def describe(req, answer, thread, index):
    text = req.head[:300]
    return ("thread %d request %d %s -> %s %s: kind=%s %r%s" % (
        thread, index, req.target_name, answer.outcome, answer.status, req.kind, text,
        " body=%r" % (req.body[:80] if req.send_body is None else req.send_body[:80])
        if (req.body or req.send_body) else ""))


def classify(results, req, answer, thread, index):
    status = answer.status
    with results.lock:
        results.sent += 1
        if answer.outcome == "head_with_body":
            # A kept-alive client reads those bytes as the next answer.
            results.fail("an answer to HEAD carried a body on a kept-alive connection",
                         describe(req, answer, thread, index) + " body=%r" % answer.body[:120])
            answer.outcome = "answer"
        results.outcomes[answer.outcome] += 1
        results.by_target[req.target_name] += 1
        if req.stream and status == 200:
            results.streams += 1
        if answer.outcome == "answer":
            results.by_status[status] += 1
            results.by_class["%dxx" % (status // 100)] += 1
            results.by_kind[req.kind][status] += 1
        else:
            results.by_class[answer.outcome] += 1
            results.by_kind[req.kind][answer.outcome] += 1
        if answer.outcome == "garbage":
            results.fail("an answer that is not HTTP", describe(req, answer, thread, index))
            return
        if answer.outcome == "answer":
            if status == 503:
                results.status_503 += 1
            elif status == 500:
                results.fail("a 500", describe(req, answer, thread, index))
            elif status >= 500:
                results.fail("a 5xx other than 503 (%d)" % status,
                             describe(req, answer, thread, index))
            if req.malformed and not 400 <= status < 500:
                results.fail("a malformed request not refused with a 4xx",
                             describe(req, answer, thread, index))
            server = "proxy" if req.target_name == "proxy" else "node"
            if 200 <= status < 300 and req.route in CHANGE_ROUTES[server] and req.method == "POST":
                results.fail("a change route answered 2xx without a token",
                             describe(req, answer, thread, index))
            ctype = answer.headers.get("content-type", "")
            if (ctype.startswith("application/json") and answer.body and not req.head_only
                    and not req.stream):
                length = answer.headers.get("content-length")
                complete = length is None or len(answer.body) == int(length)
                if complete:
                    try:
                        json.loads(answer.body.decode("utf-8"))
                    except (UnicodeDecodeError, ValueError):
                        results.fail("a JSON answer that is not valid UTF-8 JSON",
                                     describe(req, answer, thread, index)
                                     + " answer=%r" % answer.body[:200])
        else:
            # No answer (timeout, closed, reset).
            if req.close_early:
                return  # the client cut its own request short
            if req.malformed:
                results.fail("a malformed request got no answer (%s)" % answer.outcome,
                             describe(req, answer, thread, index))
            else:
                results.fail("a well-formed request got no answer (%s)" % answer.outcome,
                             describe(req, answer, thread, index))


def connect(address):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.settimeout(READ_TIMEOUT)
    sock.bind(("127.0.0.1", 0))
    sock.connect(address)
    return sock


def worker(thread, seed, count, targets, results, stop_event):
    rng = random.Random("%d/%d" % (seed, thread))
    generators = {name: Generator(rng, name, kind) for name, (kind, _) in targets.items()}
    names = list(targets)
    weights = [targets[n][1][1] for n in names]
    open_sockets = {}
    try:
        for index in range(count):
            if stop_event.is_set():
                break
            name = rng.choices(names, weights)[0]
            address = targets[name][1][0]
            req = generators[name].make()
            reuse = name in open_sockets and rng.random() < 0.6
            if not reuse and name in open_sockets:
                open_sockets.pop(name).close()
            for attempt in range(2):
                try:
                    sock = open_sockets.pop(name) if reuse else connect(address)
                except OSError as error:
                    answer = Answer("reset", body=str(error).encode())
                    break
                answer, reusable = exchange(sock, req)
                if reuse and attempt == 0 and answer.outcome in ("closed", "reset"):
                    # The server closed the kept-alive connection meanwhile:
                    # say it again on a fresh one.
                    sock.close()
                    reuse = False
                    continue
                if reuse:
                    with results.lock:
                        results.reused += 1
                if reusable:
                    open_sockets[name] = sock
                else:
                    sock.close()
                break
            classify(results, req, answer, thread, index)
    finally:
        for sock in open_sockets.values():
            sock.close()


def main():
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[-2], file=sys.stderr)
        return 2
    binary = sys.argv[1]
    seed = int(os.environ.get("HOSTILE_FUZZ_SEED", str(random.SystemRandom().randint(1, 2**31))))
    total = int(os.environ.get("HOSTILE_FUZZ_REQUESTS", "40000"))
    threads = int(os.environ.get("HOSTILE_FUZZ_THREADS", "6"))
    lib.log("http_fuzz: binary %s, seed %d, %d requests, %d threads (HOSTILE_FUZZ_SEED=%d "
            "HOSTILE_FUZZ_THREADS=%d replay each thread's requests)"
            % (binary, seed, total, threads, seed, threads))
    random.seed(seed)
    failures = []
    with lib.Cluster(binary) as cluster:
        leader_id, term_before = cluster.leader()
        follower_id = next(i for i in sorted(cluster.nodes) if i != leader_id)
        lib.log("cluster up: leader node %d (term %d), follower node %d, proxy %s:%d"
                % (leader_id, term_before, follower_id, *cluster.proxy_addr))
        targets = {
            "proxy": ("proxy", (cluster.proxy_addr, 5)),
            "leader": ("node", (cluster.node_addr[leader_id], 3)),
            "follower": ("node", (cluster.node_addr[follower_id], 2)),
        }
        results = Results()
        stop_event = threading.Event()
        per_thread = [total // threads + (1 if i < total % threads else 0) for i in range(threads)]
        started = time.monotonic()
        pool = [threading.Thread(target=worker,
                                 args=(i, seed, per_thread[i], targets, results, stop_event),
                                 daemon=True) for i in range(threads)]
        for t in pool:
            t.start()
        last_report = started
        while any(t.is_alive() for t in pool):
            time.sleep(0.5)
            if time.monotonic() - last_report >= 15:
                last_report = time.monotonic()
                lib.log("  ... %d requests, %.0f s" % (results.sent, last_report - started))
            if time.monotonic() - started > 600:
                stop_event.set()
            if not stop_event.is_set() and cluster.dead():
                lib.log("  ... a process died: stopping (%s)" % ", ".join(cluster.dead()))
                stop_event.set()
        elapsed = time.monotonic() - started

        # Give the servers a moment to finish what the last requests started.
        time.sleep(1.0)
        dead = cluster.dead()
        leader_after, term_after = cluster.leader(seconds=10)
        move_status = None
        for attempt in range(3):
            try:
                move_status, move_body = cluster.move(0, 1, timeout=10)
            except OSError as error:
                move_status, move_body = None, str(error).encode()
            if move_status == 200:
                break
            time.sleep(1)
        dead = dead or cluster.dead()
        rss = {p.name: lib.rss_kib(p.pid) for p in cluster.processes()}

        lib.log("")
        lib.log("requests sent: %d in %.1f s (%.0f requests/s), %d on reused connections"
                % (results.sent, elapsed, results.sent / elapsed, results.reused))
        lib.log("per target: " + ", ".join("%s=%d" % kv for kv in sorted(results.by_target.items()))
                + "; GET /events streams opened (read 0.3 s, closed): %d" % results.streams)
        lib.log("per class: " + ", ".join("%s=%d" % kv for kv in sorted(results.by_class.items())))
        lib.log("per status: " + ", ".join("%s=%d" % kv for kv in sorted(results.by_status.items())))
        lib.log("503 answers: %d (%.3f%%)" % (results.status_503,
                                              100.0 * results.status_503 / max(1, results.sent)))
        lib.log("per kind:")
        for kind in sorted(results.by_kind):
            counts = results.by_kind[kind]
            lib.log("  %-28s %s" % (kind, ", ".join("%s=%d" % (k, v) for k, v in
                                                    sorted(counts.items(), key=lambda kv: str(kv[0])))))
        lib.log("leader: node %d term %d before, node %d term %d after"
                % (leader_id, term_before, leader_after, term_after))
        lib.log("final move through the proxy: %s" % move_status)
        lib.log("RSS after (KiB): " + ", ".join("%s=%s" % kv for kv in rss.items()))

        for reason, examples in sorted(results.failures.items()):
            failures.append("%s: %d times; for example:\n    %s" % (
                reason, results.failure_counts[reason], "\n    ".join(examples)))
        if dead:
            failures.append("processes died: %s" % ", ".join(dead))
        if results.sent < total:
            failures.append("only %d of %d requests were sent" % (results.sent, total))
        if results.status_503 >= 0.01 * max(1, results.sent):
            failures.append("503s are not rare: %d of %d" % (results.status_503, results.sent))
        if move_status != 200:
            failures.append("the final move answered %s: %r" % (move_status, move_body[:300]))
        if term_after - term_before > 2:
            failures.append("the term moved from %d to %d during the fuzz"
                            % (term_before, term_after))
        if failures:
            cluster.dump_logs()
    total_time = time.monotonic() - started
    lib.log("test duration: %.1f s" % total_time)
    if failures:
        lib.log("\nFAIL (seed %d):" % seed)
        for failure in failures:
            lib.log("- " + failure)
        return 1
    lib.log("PASS (seed %d)" % seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""A stand-in for `raftescort proxy` that tests/cli/ctl.sh runs ctl against.

It serves canned envelopes ({"status", "data", "message"}) per path, as
include/raftescort/proxy/proxy.hpp describes them, and records every request
(method, path, query, JSON body) as one JSON line in --log, so the test can
check what ctl sent. A few inputs pick the failure cases:

  POST /nodes/move   x=13: 503 on the first attempt of each client_id, then 200
                     x=503: always 503 (no leader); x=400: 400 (bad input)
  POST /members/remove  id=2 without force: 409 (would lose quorum)
  POST /transfer-leader to=9: 500
  POST /timing       checked as the real proxy checks it (a switch that is not
                     a boolean: 400 naming it); the answer's "timing" is the
                     body merged with what earlier requests set
  GET  /elections?term=N, /leaders?term=N: 404 unless N is 1 or 2
  GET  /logs?ip=ADDR: 404 for an unknown ADDR
  /prefix/...        served as if /prefix were absent (a proxy behind a path)
  /garbage/...       200 with an HTML page: not an envelope
  POST /mission, /members/*, /transfer-leader, /timing: 401 unless the request has
                     "Authorization: Bearer" with the --admin-token, as the
                     real proxy answers

Usage: fake_proxy.py --port-file FILE --log FILE --admin-token TOKEN
       (listens on 127.0.0.1, a free port)
"""

import argparse
import json
import os
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NODES = [
    {"id": 1, "name": "127.0.0.1:5001", "_name": "127.0.0.1:5001", "role": "leader",
     "term": 7, "position": [24, 0], "commit_index": 57, "applied_index": 57, "lag": 0,
     "last_contact_ms": None, "timing": {"heartbeat_ms": 50, "pre_vote": True,
                                         "check_quorum": True}},
    {"id": 2, "name": "127.0.0.1:5002", "_name": "127.0.0.1:5002", "role": "follower",
     "term": 7, "position": [23, 1], "commit_index": 57, "applied_index": 56, "lag": 1,
     "last_contact_ms": 35, "timing": {"heartbeat_ms": 50, "pre_vote": False,
                                       "check_quorum": True}},
    {"id": 3, "name": "127.0.0.1:5003", "_name": "127.0.0.1:5003", "role": "unreachable",
     "term": None, "position": None, "commit_index": None, "applied_index": None,
     "lag": None, "last_contact_ms": 4200},
]

STATUS = {"version": "0.1.0", "cluster": "raftescort", "redis_connected": True, "leader": 1,
          "leader_name": "127.0.0.1:5001", "term": 7, "nodes": 3, "reachable": 2}

ENDPOINTS = {"endpoints": [{"method": "GET", "locator": "/status",
                            "description": "status of the external API"}]}

ELECTIONS = {
    "1": [{"candidate": 2, "outcome": "split", "ballots": {"1": False, "2": True, "3": False},
           "reasons": {"1": "already voted for 1", "3": "already voted for 1"}}],
    "2": [{"candidate": 1, "outcome": "won", "ballots": {"1": True, "2": True, "3": False},
           "reasons": {"3": "log not up to date"}}],
}

LEADERS = {
    "2": {"id": 1, "name": "127.0.0.1:5001", "_name": "127.0.0.1:5001", "term": 2,
          "votes": 2, "voters": 3, "no_of_votes": 2, "no_of_voters": 3,
          "voted_for_me": [1, 2], "timestamp": 1764150000250},
    "1": {"id": 2, "name": "127.0.0.1:5002", "_name": "127.0.0.1:5002", "term": 1,
          "votes": 3, "voters": 3, "no_of_votes": 3, "no_of_voters": 3,
          "voted_for_me": [1, 2, 3], "timestamp": 1764149990000},
}

LOG = [{"index": 1, "term": 1, "type": "leader_noop", "command": "take_lead 1"},
       {"index": 2, "term": 1, "type": "normal", "command": "step 1 0"}]
LOGS = {"127.0.0.1:5001": LOG, "127.0.0.1:5002": LOG[:1]}

MISSION = {"target": [100, 0], "running": True, "steps_taken": 24, "lead": [24, 0]}

POSITIONS = [{"id": n["id"], "node": n["name"], "_name": n["name"], "position": n["position"]}
             for n in NODES[:2]]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-raftescort-proxy"

    def log_message(self, *args):
        pass

    def send_envelope(self, code, data=None, message="ok"):
        status = "OK" if code == 200 else str(code)
        body = json.dumps({"status": status, "data": data, "message": message}).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_html(self):
        body = b"<html><body>not a proxy</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def record(self, method, path, query, body):
        with self.server.lock:
            with open(self.server.log_path, "a") as log:
                log.write(json.dumps({"method": method, "path": path, "query": query,
                                      "body": body,
                                      "authorization": self.headers.get("Authorization")}) + "\n")

    CHANGES = ("/mission", "/members/add", "/members/remove", "/transfer-leader", "/timing")

    def authorized(self, method, path):
        """The real proxy's rule for the routes that change the cluster."""
        if method != "POST" or path not in self.CHANGES:
            return True
        given = self.headers.get("Authorization")
        if given == "Bearer " + self.server.admin_token:
            return True
        self.send_response(401)
        if given is None or not given.startswith("Bearer "):
            message = ("POST %s changes the cluster and needs the admin token: send "
                       "'Authorization: Bearer TOKEN'; ctl reads RAFTESCORT_ADMIN_TOKEN" % path)
        else:
            message = "wrong admin token"
        body = json.dumps({"status": "401", "data": None, "message": message}).encode()
        self.send_header("WWW-Authenticate", 'Bearer realm="raftescort"')
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return False

    def route(self, method):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = dict(urllib.parse.parse_qsl(url.query))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                self.send_envelope(400, None, "malformed JSON")
                return
        self.record(method, path, query, body)
        if path.startswith("/garbage/"):
            self.send_html()
            return
        if path.startswith("/prefix/"):
            path = path[len("/prefix"):]
        handler = getattr(self, (method + path).replace("/", "_").replace("-", "_"), None)
        if handler is not None and not self.authorized(method, path):
            return
        if handler is None:
            self.send_envelope(404, None, "no such endpoint: %s %s" % (method, path))
            return
        handler(query, body or {})

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def GET_status(self, query, body):
        self.send_envelope(200, STATUS, ENDPOINTS)

    def GET_nodes(self, query, body):
        self.send_envelope(200, NODES)

    def GET_nodes_position(self, query, body):
        self.send_envelope(200, [dict(p, role=n["role"]) for p, n in zip(POSITIONS, NODES)])

    def GET_mission(self, query, body):
        self.send_envelope(200, MISSION)

    def by_term(self, records, query, what):
        term = query.get("term")
        if term is None:
            self.send_envelope(200, records)
        elif term in records:
            self.send_envelope(200, {term: records[term]})
        else:
            self.send_envelope(404, None, "no %s recorded for term %s" % (what, term))

    def GET_elections(self, query, body):
        self.by_term(ELECTIONS, query, "election")

    def GET_leaders(self, query, body):
        self.by_term(LEADERS, query, "leader")

    def GET_logs(self, query, body):
        ip = query.get("ip")
        if ip is None:
            self.send_envelope(200, LOGS)
        elif ip in LOGS:
            self.send_envelope(200, LOGS[ip])
        else:
            self.send_envelope(404, None, "no node at %s" % ip)

    def POST_nodes_move(self, query, body):
        x, y = body.get("x"), body.get("y")
        if x == 400:
            self.send_envelope(400, None, "x must be between -1000 and 1000")
            return
        if x == 503:
            self.send_envelope(503, None, "no leader: the cluster is electing one")
            return
        if x == 13:
            with self.server.lock:
                attempts = self.server.move_attempts
                attempts[body.get("client_id")] = attempts.get(body.get("client_id"), 0) + 1
                first = attempts[body.get("client_id")] == 1
            if first:
                self.send_envelope(503, None, "the leader changed; the outcome is unknown")
                return
        lead = [24 + x, y]
        self.send_envelope(200, {
            "term": 7, "index": 58, "result": "moved", "lead": lead,
            "positions": [{"id": 1, "node": "127.0.0.1:5001", "_name": "127.0.0.1:5001",
                           "position": lead},
                          {"id": 2, "node": "127.0.0.1:5002", "_name": "127.0.0.1:5002",
                           "position": [lead[0] - 1, lead[1] + 1]}]})

    def POST_mission(self, query, body):
        mission = dict(MISSION)
        del mission["lead"]
        if body.get("action") == "pause":
            mission["running"] = False
        elif body.get("action") == "set":
            mission["target"] = [body.get("x"), body.get("y")]
        elif body.get("action") != "start":
            self.send_envelope(400, None, "action must be start, pause or set")
            return
        self.send_envelope(200, {"term": 7, "index": 59, "result": "mission",
                                 "lead": [24, 0], "positions": [], "mission": mission})

    def POST_members_add(self, query, body):
        self.send_envelope(200, {"term": 7, "index": 60, "id": body.get("id"),
                                 "address": body.get("address")})

    def POST_members_remove(self, query, body):
        if body.get("id") == 2 and not body.get("force"):
            self.send_envelope(409, None, "removing node 2 would leave 1 of 2 voters reachable, "
                                          "not a majority; pass force to remove it anyway")
            return
        self.send_envelope(200, {"term": 7, "index": 61, "id": body.get("id")})

    def POST_transfer_leader(self, query, body):
        if body.get("to") == 9:
            self.send_envelope(500, None, "internal error")
            return
        self.send_envelope(200, {"from": 1, "to": body.get("to", 2), "term": 8})

    def POST_timing(self, query, body):
        durations = ("heartbeat_ms", "election_timeout_ms", "step_interval_ms")
        for name in ("pre_vote", "check_quorum"):
            if name in body and not isinstance(body[name], bool):
                self.send_envelope(400, None, 'field "%s" must be true or false' % name)
                return
        with self.server.lock:
            timing = self.server.timing
            if body.get("reset") is True:
                timing.update({name: 0 for name in durations}, pre_vote="own",
                              check_quorum="own")
            else:
                if "heartbeat_ms" in body:
                    timing.update({name: body.get(name, 0) for name in durations})
                for name in ("pre_vote", "check_quorum"):
                    if name in body:
                        timing[name] = "on" if body[name] else "off"
            answer = {"term": 7, "index": 62, "timing": dict(timing)}
        self.send_envelope(200, answer)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--admin-token", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.lock = threading.Lock()
    server.log_path = args.log
    server.admin_token = args.admin_token
    server.move_attempts = {}
    server.timing = {"heartbeat_ms": 0, "election_timeout_ms": 0, "step_interval_ms": 0,
                     "pre_vote": "own", "check_quorum": "own"}
    open(args.log, "w").close()
    # Written last and renamed, so the test never reads a half-written port.
    with open(args.port_file + ".tmp", "w") as port_file:
        port_file.write(str(server.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Compatibility with the original project (mbao01/raft-escort), black-box.

Goal (issue 18): a user of the original project feels at home. Its README's
workflow works as it did, and every route answers in the shape the
original's own code read (field names, JSON types, units), so a shape that
drifts fails CI.

Method: a local cluster (tests/hostile/lib.py: Redis, three nodes on
127.0.0.11..13 without the autopilot, so the convoy moves only when told, and
a proxy on 127.0.0.1). The suite replays the original README: the routes it
lists (status, nodes, elections, leaders, move, positions), then the rest of
the original's endpoint list (?ip=, ?term=, logs, nodes/full), adding a node,
stopping the leader and starting it again (`docker-compose run`, `docker
stop`, `docker start` there), and reads the routes again. Each route is
read as the original's proxy read its own records: `max(leaders, key=int)`,
`leader['_name']`, `leader['term']`, `leader['timestamp']` compared as
seconds, `ballot['data']['response']`, `ballot['sender']`, `node['_name']`,
and `?ip=` with a node's IP and no port.

Where this project deliberately answers in another shape (?term= keys its
answer by term; /logs, /logs?ip= and /nodes/full hold this project's node
answers), the check reads this project's documented shape and its name says
so: those are listed as differences in the docs, not drift.

Usage: compat_test.py RAFTESCORT_BINARY
Exit status 0 when every check passed, 1 otherwise (each failure is listed).
Environment: HOSTILE_KEEP=1 keeps the cluster's logs.
"""

import http.client
import json
import os
import re
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "hostile"))
import lib  # noqa: E402

# The base paths of the endpoints the original's GET /status listed.
ORIGINAL_PATHS = ["/status", "/nodes", "/elections", "/leaders", "/logs", "/nodes/move",
                  "/nodes/position", "/nodes/full"]
# A leader elected longer ago than this, or in the future, has a timestamp in
# the wrong unit (milliseconds read as seconds are 50,000 years ahead).
TIMESTAMP_PAST_MAX_S = 3600
TIMESTAMP_FUTURE_MAX_S = 60
IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


class Checks:
    """Named checks; a failed one is kept with what was seen."""

    def __init__(self):
        self.results = []

    def check(self, name, passed, seen=""):
        self.results.append((name, bool(passed), seen))
        lib.log("%s  %s%s" % ("ok  " if passed else "FAIL", name,
                              "" if passed else "\n      seen: %s" % str(seen)[:600]))
        return bool(passed)

    def failures(self):
        return [(name, seen) for name, passed, seen in self.results if not passed]


class Proxy:
    """GETs through the proxy, as a script of the original's users would."""

    def __init__(self, cluster):
        self.host, self.port = cluster.proxy_addr

    def get(self, path, headers=None, timeout=10.0):
        """(HTTP status, parsed JSON body or None, headers)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            body = response.read()
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            return response.status, parsed, dict(response.getheaders())
        finally:
            connection.close()

    def data(self, path):
        """The envelope's data of a 200 answer; raises otherwise."""
        status, body, _ = self.get(path)
        if status != 200 or not isinstance(body, dict) or body.get("status") != "OK":
            raise AssertionError("GET %s: HTTP %s %s" % (path, status, body))
        return body["data"]

    def follow(self, path):
        """urllib, which follows redirects as the original's users' scripts
        did; no proxy from the environment. (final URL, parsed body)."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open("http://%s:%d%s" % (self.host, self.port, path), timeout=10) as answer:
            return answer.geturl(), json.loads(answer.read())


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_point(value):
    return isinstance(value, list) and len(value) == 2 and all(is_int(v) for v in value)


def envelope_ok(body):
    return isinstance(body, dict) and set(body) == {"status", "data", "message"}


def wait_for(seconds, what, probe):
    """probe() until it returns something true; that value, or None."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            value = probe()
            if value:
                return value
        except (OSError, http.client.HTTPException, AssertionError, ValueError, KeyError):
            pass
        if time.monotonic() >= deadline:
            lib.log("  (gave up waiting for %s after %d s)" % (what, seconds))
            return None
        time.sleep(0.2)


# ---- the README's routes ----------------------------------------------------

def check_status(checks, proxy):
    status, body, _ = proxy.get("/status")
    checks.check("GET /status: 200 in the envelope {status, data, message}",
                 status == 200 and envelope_ok(body) and body["status"] == "OK", body)
    message = (body or {}).get("message") or {}
    checks.check("/status message.internal_ip is an IP address (text)",
                 isinstance(message.get("internal_ip"), str)
                 and (IPV4.match(message["internal_ip"]) or ":" in message["internal_ip"]),
                 message.get("internal_ip"))
    checks.check("/status message.port is the proxy's port, as a string like the original's",
                 message.get("port") == str(proxy.port), message.get("port"))
    checks.check("/status message.note is text",
                 isinstance(message.get("note"), str) and message["note"], message.get("note"))
    endpoints = message.get("endpoints")
    shaped = isinstance(endpoints, list) and all(
        isinstance(e, dict) and all(isinstance(e.get(k), str)
                                    for k in ("method", "locator", "description"))
        for e in endpoints)
    checks.check("/status message.endpoints: [{method, locator, description}] of text", shaped,
                 endpoints)
    paths = {e["locator"].split("?")[0] for e in endpoints} if shaped else set()
    missing = [path for path in ORIGINAL_PATHS if path not in paths]
    checks.check("/status lists every endpoint the original listed", not missing, missing)


def check_root(checks, proxy):
    status, _, headers = proxy.get("/", {"Accept": "*/*"})
    checks.check("GET / (Accept */*, as curl): 302 to /status, as the original",
                 status == 302 and headers.get("Location") == "/status", (status, headers))
    url, body = proxy.follow("/")
    checks.check("GET / followed (urllib): lands on /status and its JSON",
                 url.endswith("/status") and envelope_ok(body)
                 and isinstance(body["message"], dict) and "endpoints" in body["message"],
                 (url, body))
    status, _, headers = proxy.get("/", {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    checks.check("GET / from a browser (Accept text/html): the dashboard",
                 status == 200 and headers.get("Content-Type", "").startswith("text/html"),
                 (status, headers))


def check_nodes(checks, proxy, count):
    """Returns the node names (the original's `_name`, host:port)."""
    nodes = proxy.data("/nodes")
    names = [node.get("_name") for node in nodes] if isinstance(nodes, list) else []
    checks.check("GET /nodes: a list with a `_name` (host:port text) for each of %d nodes" % count,
                 len(names) == count and all(isinstance(n, str) and re.match(r"^.+:\d+$", n)
                                             for n in names), nodes)
    return names


def check_elections(checks, proxy, names):
    elections = proxy.data("/elections")
    keyed = isinstance(elections, dict) and elections and all(k.isdigit() for k in elections)
    checks.check("GET /elections: {\"<term>\": [...]} with integer keys (max(key=int) works)",
                 keyed, elections)
    if not keyed:
        return None
    latest = max(elections, key=int)
    entries = [entry for term in elections.values() for entry in term]
    checks.check("/elections entries carry `_name` (a node's name) and `term` (int, its key)",
                 all(isinstance(entries_of, list) for entries_of in elections.values())
                 and all(entry.get("_name") in names for entry in entries)
                 and all(is_int(entry.get("term")) and str(entry["term"]) == term
                         for term, listed in elections.items() for entry in listed),
                 elections)
    checks.check("/elections entries carry `ballots`, a list",
                 all(isinstance(entry.get("ballots"), list) for entry in entries), entries)
    # The original listed null for a voter that did not answer.
    ballots = [(entry, ballot) for entry in entries for ballot in entry.get("ballots") or []]
    checks.check("each ballot reads as the original's: sender (the voter's name), receiver "
                 "(the candidate's), term, data.response (bool)",
                 all(ballot is None or (ballot.get("sender") in names
                                        and ballot.get("receiver") == entry["_name"]
                                        and ballot.get("term") == entry["term"]
                                        and isinstance(ballot.get("data"), dict)
                                        and isinstance(ballot["data"].get("response"), bool))
                     for entry, ballot in ballots), ballots)
    return latest


def check_leader_record(checks, leader, names, label):
    """One leader as the original's save_leader and move route read it."""
    now = time.time()
    stamp = leader.get("timestamp")
    checks.check("%s: `_name` is a node's name and `term` an int" % label,
                 leader.get("_name") in names and is_int(leader.get("term")), leader)
    checks.check("%s: `timestamp` is seconds since the epoch as a float, within %d s of now"
                 % (label, TIMESTAMP_PAST_MAX_S),
                 isinstance(stamp, float)
                 and now - TIMESTAMP_PAST_MAX_S < stamp < now + TIMESTAMP_FUTURE_MAX_S, stamp)
    checks.check("%s: `timestamp_ms` is the same instant in integer milliseconds" % label,
                 is_int(leader.get("timestamp_ms")) and isinstance(stamp, float)
                 and abs(stamp * 1000 - leader["timestamp_ms"]) < 1, leader)
    counts = ("no_of_votes", "no_of_voters", "no_of_opposing_votes", "no_of_expected_voters")
    if not checks.check("%s: %s are ints" % (label, ", ".join(counts)),
                        all(is_int(leader.get(field)) for field in counts), leader):
        return
    votes, voters = leader["no_of_votes"], leader["no_of_voters"]
    checks.check("%s: opposing = voters - votes, and votes are a majority of the expected"
                 % label,
                 leader["no_of_opposing_votes"] == voters - votes
                 and 2 * votes > leader["no_of_expected_voters"] >= voters >= votes >= 1, leader)
    checks.check("%s: `leader_by_timeout` is a bool, false" % label,
                 leader.get("leader_by_timeout") is False, leader.get("leader_by_timeout"))
    voted = leader.get("voted_for_me")
    checks.check("%s: `voted_for_me` lists the names of the others that voted for it "
                 "(votes - 1 of them, itself left out)" % label,
                 isinstance(voted, list) and len(voted) == votes - 1
                 and all(name in names for name in voted) and leader["_name"] not in voted,
                 voted)
    checks.check("%s: `voted_for_me_ids` holds their ids, one per name" % label,
                 isinstance(leader.get("voted_for_me_ids"), list)
                 and len(leader["voted_for_me_ids"]) == len(voted or [])
                 and all(is_int(i) for i in leader["voted_for_me_ids"]), leader)


def check_leaders(checks, proxy, names):
    """Returns the newest leader record, read as the original's move did."""
    leaders = proxy.data("/leaders")
    keyed = isinstance(leaders, dict) and leaders and all(k.isdigit() for k in leaders)
    checks.check("GET /leaders: {\"<term>\": leader} with integer keys", keyed, leaders)
    if not keyed:
        return None
    leader = leaders[max(leaders, key=int)]
    check_leader_record(checks, leader, names, "/leaders newest")
    return leader


def positions_by_name(proxy):
    return {entry["node"]: entry["position"] for entry in proxy.data("/nodes/position")}


def check_positions(checks, proxy, names):
    positions = proxy.data("/nodes/position")
    checks.check("GET /nodes/position: [{node: name, position: [x, y]}] for every node",
                 isinstance(positions, list)
                 and sorted(entry.get("node") for entry in positions) == sorted(names)
                 and all(is_point(entry.get("position")) for entry in positions), positions)


def settled_positions(proxy):
    """The positions once every node has applied the same entries: a node
    that just (re)joined may still be taking its slot in the formation."""
    def applied():
        return {(node["_name"], node["role"], node["applied_index"])
                for node in proxy.data("/nodes")}

    def probe():
        before = applied()
        if len({index for _, _, index in before}) != 1 \
                or any(role == "unreachable" for _, role, _ in before):
            return None
        positions = positions_by_name(proxy)
        return positions if applied() == before else None
    return wait_for(10, "every node at the same applied index", probe) or positions_by_name(proxy)


def check_move(checks, proxy, query, delta):
    """GET /nodes/move?QUERY moves every node by delta, as the original's did."""
    before = settled_positions(proxy)
    status, body, _ = proxy.get("/nodes/move" + query)
    data = (body or {}).get("data")
    checks.check("GET /nodes/move%s: 200, status OK, data an object with the term (int)" % query,
                 status == 200 and envelope_ok(body) and body["status"] == "OK"
                 and isinstance(data, dict) and is_int(data.get("term"))
                 and isinstance(body["message"], str), body)
    expected = {name: [p[0] + delta[0], p[1] + delta[1]]
                for name, p in before.items() if is_point(p)}
    moved = wait_for(10, "every node at its new position",
                     lambda: positions_by_name(proxy) == expected)
    checks.check("GET /nodes/move%s: every node moved by %s" % (query, delta), moved,
                 (before, positions_by_name(proxy)))


def check_ip_queries(checks, proxy, cluster, names):
    """?ip= with what the original's users pass: a node's IP, no port."""
    for node_id, (host, port) in sorted(cluster.node_addr.items()):
        if not cluster.nodes[node_id].alive():
            continue
        name = "%s:%d" % (host, port)
        data = proxy.data("/nodes?ip=" + host)
        checks.check("GET /nodes?ip=%s (the node's IP, as the original): that node" % host,
                     isinstance(data, dict) and data.get("_name") == name, data)
        entries = proxy.data("/logs?ip=" + host)
        checks.check("GET /logs?ip=%s: that node's entries (this project's list of "
                     "{index, term, type, command})" % host,
                     isinstance(entries, list) and entries
                     and all({"index", "term", "type", "command"} <= set(e) for e in entries),
                     entries)
    # Every address a node reports for its machine names it, or, when other
    # nodes share the machine (here: all), is refused: never the wrong node.
    reported = {}
    for node_id in sorted(cluster.nodes):
        status = cluster.node_status(node_id)
        if status is None:
            continue
        addresses = status.get("interface_ips")
        checks.check("node %d's GET /status reports its machine's `interface_ips` (text)"
                     % node_id, isinstance(addresses, list) and addresses
                     and all(isinstance(a, str) and a for a in addresses), addresses)
        for address in addresses or []:
            reported.setdefault(address, set()).add(node_id)
    for address, owners in sorted(reported.items()):
        status, body, _ = proxy.get("/nodes?ip=" + address)
        if len(owners) == 1:
            (owner,) = owners
            wanted = "%s:%d" % cluster.node_addr[owner]
            passed = status == 200 and body["data"]["_name"] == wanted
        else:
            passed = status == 400 and envelope_ok(body) and body["data"] is None
        checks.check("GET /nodes?ip=%s (an interface address of %d node(s)): %s"
                     % (address, len(owners), "that node" if len(owners) == 1 else
                        "400, never a guess"), passed, (status, body))
    status, body, _ = proxy.get("/nodes?ip=10.255.255.1")
    checks.check("GET /nodes?ip=<unknown>: HTTP 404, status \"404\", data null, as the original",
                 status == 404 and envelope_ok(body) and body["status"] == "404"
                 and body["data"] is None, (status, body))


def check_term_queries(checks, proxy, term, names):
    """?term=N: this project keys the answer by the term (a documented
    difference: the original answered the entry alone)."""
    elections = proxy.data("/elections")
    one = proxy.data("/elections?term=%s" % term)
    checks.check("GET /elections?term=%s: {\"%s\": entries}, the entries of /elections "
                 "(this project's shape)" % (term, term),
                 isinstance(one, dict) and list(one) == [term] and one[term] == elections[term],
                 one)
    leaders = proxy.data("/leaders")
    one = proxy.data("/leaders?term=%s" % term)
    checks.check("GET /leaders?term=%s: {\"%s\": leader}, the leader of /leaders "
                 "(this project's shape)" % (term, term),
                 isinstance(one, dict) and list(one) == [term]
                 and one[term].get("_name") == leaders[term].get("_name"), one)
    for path in ("/elections?term=999999", "/leaders?term=999999"):
        status, body, _ = proxy.get(path)
        checks.check("GET %s: HTTP 404, status \"404\", data null, as the original" % path,
                     status == 404 and envelope_ok(body) and body["status"] == "404"
                     and body["data"] is None, (status, body))


def check_logs_and_full(checks, proxy, names, reachable):
    logs = proxy.data("/logs")
    checks.check("GET /logs: every reachable node's entries by its name (this project's shape)",
                 isinstance(logs, dict) and sorted(logs) == sorted(reachable)
                 and all(isinstance(entries, list) for entries in logs.values()), logs)
    full = proxy.data("/nodes/full")
    checks.check("GET /nodes/full: one object per node, each with its `_name`",
                 isinstance(full, list)
                 and sorted(entry.get("_name") for entry in full) == sorted(names), full)


# ---- the README's workflow ----------------------------------------------------

def names_now(proxy):
    return [node["_name"] for node in proxy.data("/nodes")]


def add_node(checks, proxy, cluster):
    """`docker-compose run -d --name=<NodeX> node`: one more node joins."""
    cluster.start_node(4)
    name = "%s:%d" % cluster.node_addr[4]
    # Listed, and caught up far enough to have a position: a learner shows
    # none until it has applied the entry that gave it its slot (under ASan
    # that took longer than the first poll).
    joined = wait_for(30, "node 4 in /nodes with a position", lambda: any(
        node["_name"] == name and node["role"] in ("follower", "learner")
        and isinstance(node.get("position"), list)
        for node in proxy.data("/nodes")))
    checks.check("a node added at runtime is listed by GET /nodes under its `_name`", joined,
                 proxy.data("/nodes"))
    return name


def stop_and_restart_leader(checks, proxy, cluster):
    """`docker stop` the leader: a new one is elected and recorded; `docker
    start` it: it comes back as a follower under the same name."""
    old = proxy.data("/leaders")
    old_term = max(old, key=int)
    old_name = old[old_term]["_name"]
    old_id = next(i for i, (h, p) in cluster.node_addr.items() if "%s:%d" % (h, p) == old_name)
    port = cluster.node_addr[old_id][1]
    lib.log("stopping the leader, node %d (%s), term %s" % (old_id, old_name, old_term))
    cluster.stop_node(old_id)

    def newer_leader():
        leaders = proxy.data("/leaders")
        newest = max(leaders, key=int)
        return (newest, leaders[newest]) if int(newest) > int(old_term) else None

    found = wait_for(30, "a leader of a newer term in /leaders", newer_leader)
    checks.check("after `docker stop` of the leader, /leaders records a newer term's leader",
                 found and found[1]["_name"] != old_name, found)
    if found:
        term, leader = found
        names = names_now(proxy)
        check_leader_record(checks, leader, names, "/leaders after the stop")
        checks.check("the stopped leader is not among voted_for_me",
                     old_name not in (leader.get("voted_for_me") or []), leader)
        entries = proxy.data("/elections").get(term, [])
        checks.check("/elections of the new term has the winner's entry (`_name`, `term`)",
                     any(e.get("_name") == leader["_name"] and e.get("term") == int(term)
                         for e in entries), entries)
    cluster.start_node(old_id, port=port)
    back = wait_for(30, "the old leader back as a follower", lambda: any(
        node["_name"] == old_name and node["role"] == "follower"
        for node in proxy.data("/nodes")))
    checks.check("after `docker start`, it is back in /nodes as a follower, same `_name`",
                 back, proxy.data("/nodes"))


ERRORS = (AssertionError, OSError, http.client.HTTPException, ValueError, KeyError, TypeError,
          AttributeError, IndexError)


def step(checks, what, function, *args):
    """Runs one part of the suite; an answer too far from the expected shape
    to read on fails that part, and the suite goes on to the next."""
    try:
        return function(checks, *args)
    except ERRORS as error:
        checks.check("%s could be read" % what, False, repr(error))
        return None


def run(checks, cluster):
    proxy = Proxy(cluster)
    step(checks, "GET /status", check_status, proxy)
    step(checks, "GET /", check_root, proxy)
    names = step(checks, "GET /nodes", check_nodes, proxy, 3) or []
    # Elections and leaders are recorded through Redis, a moment after the fact.
    wait_for(10, "a recorded leader", lambda: proxy.data("/leaders"))
    latest = step(checks, "GET /elections", check_elections, proxy, names)
    step(checks, "GET /leaders", check_leaders, proxy, names)
    step(checks, "GET /nodes/position", check_positions, proxy, names)
    mission = proxy.data("/mission")
    checks.check("the mission is paused (--no-autopilot), so only moves change positions",
                 mission.get("running") is False, mission)
    for query, delta in (("?x=2&y=-1", (2, -1)), ("?x=3", (3, 0)), ("?y=-2", (0, -2)),
                         ("", (0, 0))):
        step(checks, "GET /nodes/move" + query, check_move, proxy, query, delta)
    step(checks, "?ip=", check_ip_queries, proxy, cluster, names)
    if latest is not None:
        step(checks, "?term=", check_term_queries, proxy, latest, names)
    step(checks, "GET /logs and /nodes/full", check_logs_and_full, proxy, names, names)

    step(checks, "adding a node", add_node, proxy, cluster)
    names = names_now(proxy)
    step(checks, "GET /nodes/position", check_positions, proxy, names)
    step(checks, "GET /nodes/move?x=-1&y=1", check_move, proxy, "?x=-1&y=1", (-1, 1))
    step(checks, "stopping and starting the leader", stop_and_restart_leader, proxy, cluster)
    names = names_now(proxy)
    step(checks, "GET /elections", check_elections, proxy, names)
    step(checks, "GET /leaders", check_leaders, proxy, names)
    step(checks, "GET /nodes/move?x=1&y=0", check_move, proxy, "?x=1&y=0", (1, 0))
    step(checks, "?ip=", check_ip_queries, proxy, cluster, names)
    step(checks, "GET /logs and /nodes/full", check_logs_and_full, proxy, names, names)
    checks.check("every process is alive at the end", not cluster.dead(), cluster.dead())


def main():
    if len(sys.argv) != 2:
        lib.log("usage: compat_test.py RAFTESCORT_BINARY")
        return 2
    checks = Checks()
    started = time.monotonic()
    # Without the autopilot the convoy stands still between moves, so each
    # move's effect on every position can be checked exactly.
    with lib.Cluster(sys.argv[1], node_args=["--no-autopilot"]) as cluster:
        lib.log("cluster up: proxy at %s:%d" % cluster.proxy_addr)
        try:
            run(checks, cluster)
        except ERRORS as error:
            checks.check("the suite ran to its end", False, repr(error))
        if checks.failures():
            cluster.dump_logs(15)
    failures = checks.failures()
    lib.log("\n%d checks, %d failed, %.1f s" % (len(checks.results), len(failures),
                                               time.monotonic() - started))
    if failures:
        for name, _ in failures:
            lib.log("- FAIL " + name)
        return 1
    lib.log("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())

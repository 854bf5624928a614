#!/usr/bin/env python3
"""Slow-client test: 500 held connections on the leader and 500 on the proxy.

Goal (issue 17, "Must show"): connections that are held open and never
finish a request (idle, or sending one header byte a second) cannot stop the
cluster: no election, moves through the proxy still commit quickly, and the
servers' memory stays bounded.

Method: a local cluster (lib.py: Redis, 3 nodes, a proxy). Two phases of
20 s each. In each, 500 connections to the leader node's port and 500 to the
proxy's are held open: half idle, half sending one byte of a header line per
second, never ending the head. Any connection the server closes (idle or head
timeout, eviction, refusal at the per-address cap) is opened again, so the
pressure stays at about 500 each; a connection the server closes less than
1 s after it opened (a refusal) is opened again after 1 s.
  phase "one-address": every slow connection from 127.0.0.1. The servers
      take 256 untrusted connections from one address and refuse the rest:
      that is the defence, and the refusals are counted. The proxy (and
      the nodes) reach the leader from 127.0.0.1 too, as in scripts/demo: a
      connection of theirs must get in and show the cluster token all the
      same.
  phase "spread": the slow connections come from 127.0.0.100..140, so all
      500 can really be held at once.
Meanwhile a client on another address (127.0.0.2: it must not share the
attackers' per-address cap) sends POST /nodes/move through the proxy, 15 a
second, each on a connection of its own and without waiting for the one
before, and times each; every node's term is read before and after each
phase (and once a second in between), and the nodes' and the proxy's VmRSS
is sampled once a second.

Pass: no node reports a new term at the end; every move answered 200; p99 of
the move latency under 1 s; the leader's and the proxy's RSS grew by less than
64 MiB; every process is alive at the end.

Usage: slow_clients_test.py RAFTESCORT_BINARY
Environment: HOSTILE_SLOW_SECONDS (20 per phase), HOSTILE_SLOW_CONNECTIONS
(500 per server), HOSTILE_SLOW_PHASES ("one-address,spread"), HOSTILE_KEEP=1
keeps the logs.
"""

import collections
import errno
import json
import os
import selectors
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

MOVES_PER_SECOND = 15
MOVE_TIMEOUT = 10.0
MOVE_CLIENT_ADDRESS = "127.0.0.2"
MONITOR_ADDRESS = "127.0.0.3"
SPREAD_ADDRESSES = ["127.0.0.%d" % i for i in range(100, 141)]
REFUSAL_SECONDS = 1.0      # closed sooner than this after connecting: refused
RECONNECT_AFTER_REFUSAL = 1.0
# AddressSanitizer keeps freed memory in quarantine (up to 256 MiB) and
# shadow memory beside it, so a sanitized build sets a wider bound.
RSS_GROWTH_MAX_KIB = int(os.environ.get("HOSTILE_RSS_GROWTH_MAX_MIB", "64")) * 1024
P99_MAX_SECONDS = 1.0
# Never ends: the request line, then one header line that grows forever.
TRICKLE_BYTES = b"GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100000


class Slot:
    __slots__ = ("target", "address", "source", "trickle", "sock", "state", "opened_at",
                 "due", "sent", "received")

    def __init__(self, target, address, source, trickle):
        self.target = target
        self.address = address
        self.source = source
        self.trickle = trickle
        self.sock = None
        self.state = "waiting"   # waiting (to connect), connecting, open
        self.opened_at = 0.0
        self.due = 0.0           # when to connect (waiting) or send the next byte (open)
        self.sent = 0
        self.received = b""


class SlowClients:
    """Holds the slow connections from one thread (an epoll set)."""

    def __init__(self, targets, per_target, sources):
        self.selector = selectors.DefaultSelector()
        self.slots = []
        now = time.monotonic()
        for name, address in targets.items():
            for i in range(per_target):
                slot = Slot(name, address, sources[i % len(sources)], trickle=i % 2 == 1)
                # Spread the first connects over about a second.
                slot.due = now + (len(self.slots) % 1000) * 0.001
                self.slots.append(slot)
        self.counts = collections.defaultdict(collections.Counter)  # target -> event -> n
        self.held_samples = collections.defaultdict(list)            # target -> [open count]
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.stop_event.set()
        self.thread.join()
        for slot in self.slots:
            self._drop(slot)
        self.selector.close()

    # ---- one connection ----------------------------------------------------------
    def _drop(self, slot):
        if slot.sock is not None:
            try:
                self.selector.unregister(slot.sock)
            except (KeyError, ValueError):
                pass
            slot.sock.close()
            slot.sock = None
        slot.state = "waiting"

    def _connect(self, slot, now):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            sock.bind((slot.source, 0))
            code = sock.connect_ex(slot.address)
        except OSError as error:
            code = error.errno
        if code not in (0, errno.EINPROGRESS):
            sock.close()
            self.counts[slot.target]["connect failed"] += 1
            slot.state = "waiting"
            slot.due = now + RECONNECT_AFTER_REFUSAL
            return
        slot.sock = sock
        slot.state = "connecting"
        slot.sent = 0
        slot.received = b""
        self.counts[slot.target]["connects"] += 1
        self.selector.register(sock, selectors.EVENT_WRITE, slot)

    def _connected(self, slot, now):
        code = slot.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if code != 0:
            self.counts[slot.target]["connect failed"] += 1
            self._drop(slot)
            slot.due = now + RECONNECT_AFTER_REFUSAL
            return
        slot.state = "open"
        slot.opened_at = now
        slot.due = now  # the first byte at once, then one a second
        self.selector.modify(slot.sock, selectors.EVENT_READ, slot)

    def _closed_by_server(self, slot, now):
        held = now - slot.opened_at
        counts = self.counts[slot.target]
        if slot.received.startswith(b"HTTP/"):
            status = slot.received[9:12].decode("latin-1", "replace")
            counts["answered %s, closed" % status] += 1
            delay = 0.0
        elif held < REFUSAL_SECONDS:
            counts["refused (closed at once)"] += 1
            delay = RECONNECT_AFTER_REFUSAL
        else:
            counts["closed after being held"] += 1
            delay = 0.0
        self._drop(slot)
        slot.due = now + delay

    def _readable(self, slot, now):
        try:
            data = slot.sock.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            slot.received += data[:64]
            # The server answered (408, 431...) and will close: wait for the
            # close, which ends the connection below.
            return
        self._closed_by_server(slot, now)

    def _trickle(self, slot, now):
        try:
            sent = slot.sock.send(TRICKLE_BYTES[slot.sent % len(TRICKLE_BYTES):][:1])
            slot.sent += sent
        except BlockingIOError:
            pass
        except OSError:
            self._closed_by_server(slot, now)
            return
        slot.due = now + 1.0

    # ---- the loop ------------------------------------------------------------------
    def run(self):
        next_sample = time.monotonic() + 1.0
        while not self.stop_event.is_set():
            for key, events in self.selector.select(timeout=0.05):
                slot = key.data
                now = time.monotonic()
                if slot.state == "connecting":
                    self._connected(slot, now)
                elif slot.state == "open":
                    self._readable(slot, now)
            now = time.monotonic()
            for slot in self.slots:
                if slot.due > now:
                    continue
                if slot.state == "waiting":
                    self._connect(slot, now)
                elif slot.state == "open" and slot.trickle:
                    self._trickle(slot, now)
            if now >= next_sample:
                next_sample += 1.0
                held = collections.Counter(s.target for s in self.slots if s.state == "open")
                for target in {s.target for s in self.slots}:
                    self.held_samples[target].append(held[target])

    def reconnects(self, target):
        counts = self.counts[target]
        return max(0, counts["connects"] - sum(1 for s in self.slots if s.target == target))


class Mover(threading.Thread):
    """POST /nodes/move through the proxy at a steady rate, each on its own
    connection and thread (a slow answer does not hold up the next move);
    times each."""

    IN_FLIGHT_MAX = 200

    def __init__(self, proxy_address):
        super().__init__(daemon=True)
        self.proxy_address = proxy_address
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.results = []  # (latency seconds, status or error name)
        self.skipped = 0   # not sent: IN_FLIGHT_MAX moves were waiting
        self.in_flight = []

    def one_move(self, y):
        started = time.monotonic()
        try:
            status, _ = lib.http_call(self.proxy_address[0], self.proxy_address[1], "POST",
                                      "/nodes/move", body={"x": 0, "y": y},
                                      timeout=MOVE_TIMEOUT, source=MOVE_CLIENT_ADDRESS)
        except Exception as error:  # noqa: BLE001 - any failure is a failed move
            status = type(error).__name__
        with self.lock:
            self.results.append((time.monotonic() - started, status))

    def run(self):
        interval = 1.0 / MOVES_PER_SECOND
        next_time = time.monotonic()
        y = 1
        while not self.stop_event.is_set():
            self.in_flight = [t for t in self.in_flight if t.is_alive()]
            if len(self.in_flight) < self.IN_FLIGHT_MAX:
                thread = threading.Thread(target=self.one_move, args=(y,), daemon=True)
                thread.start()
                self.in_flight.append(thread)
                y = -y  # back and forth: the convoy stays where it is
            else:
                self.skipped += 1
            next_time += interval
            delay = next_time - time.monotonic()
            if delay > 0:
                self.stop_event.wait(delay)

    def finish(self):
        """Stops sending and waits for the moves still in flight."""
        self.stop_event.set()
        self.join()
        for thread in self.in_flight:
            thread.join(MOVE_TIMEOUT + 2)
        with self.lock:
            return list(self.results)


class Monitor(threading.Thread):
    """Every second: each node's term (from 127.0.0.3) and every RSS."""

    def __init__(self, cluster):
        super().__init__(daemon=True)
        self.cluster = cluster
        self.stop_event = threading.Event()
        self.max_rss = collections.Counter()
        self.terms_seen = collections.defaultdict(set)
        self.status_failures = collections.Counter()

    def sample_rss(self):
        for process in self.cluster.processes():
            rss = lib.rss_kib(process.pid)
            if rss is not None:
                self.max_rss[process.name] = max(self.max_rss[process.name], rss)

    def run(self):
        while not self.stop_event.is_set():
            self.sample_rss()
            for node_id, (host, port) in self.cluster.node_addr.items():
                try:
                    status, body = lib.http_call(host, port, "GET", "/status", timeout=1.0,
                                                 source=MONITOR_ADDRESS)
                    term = json.loads(body).get("term") if status == 200 else None
                except Exception:  # noqa: BLE001
                    term = None
                if term is None:
                    self.status_failures[node_id] += 1
                else:
                    self.terms_seen[node_id].add(term)
            self.stop_event.wait(1.0)


def read_terms(cluster, attempts=5):
    """{id: term}, asking each node up to `attempts` times."""
    terms = {}
    for node_id, (host, port) in cluster.node_addr.items():
        terms[node_id] = None
        for _ in range(attempts):
            answer = lib.http_json(host, port, "/status", timeout=2.0)
            if answer is not None and "term" in answer:
                terms[node_id] = answer["term"]
                break
            time.sleep(0.5)
    return terms


def mib(kib):
    return "%.1f MiB" % (kib / 1024.0) if kib is not None else "?"


def run_phase(cluster, name, sources, seconds, per_target, leader_id, failures):
    lib.log("\n== phase %s: %d slow connections each on the leader (node %d) and the proxy, "
            "from %s, for %d s" % (name, per_target, leader_id,
                                   sources[0] if len(sources) == 1
                                   else "%s..%s" % (sources[0], sources[-1]), seconds))
    leader_process = cluster.nodes[leader_id]
    terms_before = read_terms(cluster)
    rss_before = {p.name: lib.rss_kib(p.pid) for p in cluster.processes()}
    monitor = Monitor(cluster)
    monitor.start()
    slow = SlowClients({"leader": cluster.node_addr[leader_id], "proxy": cluster.proxy_addr},
                       per_target, sources)
    started = time.monotonic()
    slow.start()
    time.sleep(1.0)  # let the slow connections in before the moves start
    mover = Mover(cluster.proxy_addr)
    mover.start()
    while time.monotonic() - started < seconds:
        time.sleep(0.2)
    results = mover.finish()  # the slow connections stay until the last move answered
    slow.stop()
    monitor.stop_event.set()
    monitor.join()
    monitor.sample_rss()
    terms_after = read_terms(cluster)
    dead = cluster.dead()

    latencies = [latency for latency, _ in results]
    statuses = collections.Counter(status for _, status in results)
    ok = statuses.get(200, 0)
    p50 = lib.percentile(latencies, 0.50)
    p99 = lib.percentile(latencies, 0.99)
    worst = max(latencies) if latencies else float("nan")
    lib.log("moves sent %d, ok (200) %d; answers: %s%s" % (
        len(results), ok, ", ".join("%s=%d" % kv for kv in sorted(statuses.items(), key=str)),
        "; %d not sent (%d moves waiting)" % (mover.skipped, Mover.IN_FLIGHT_MAX)
        if mover.skipped else ""))
    lib.log("move latency p50 %.1f ms, p99 %.1f ms, max %.1f ms" % (p50 * 1000, p99 * 1000,
                                                                  worst * 1000))
    lib.log("terms before %s, after %s; terms seen during %s" % (
        terms_before, terms_after, {k: sorted(v) for k, v in monitor.terms_seen.items()}))
    if any(monitor.status_failures.values()):
        lib.log("GET /status from %s that failed (per node): %s" % (
            MONITOR_ADDRESS, dict(monitor.status_failures)))
    for target in ("leader", "proxy"):
        samples = slow.held_samples[target]
        counts = slow.counts[target]
        lib.log("%s: connections held (open on our side) min %d / mean %.0f / max %d; "
                "reconnects %d; %s" % (
                    target, min(samples) if samples else 0,
                    sum(samples) / len(samples) if samples else 0,
                    max(samples) if samples else 0, slow.reconnects(target),
                    ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    for process in cluster.processes():
        if process.name == "redis":
            continue
        lib.log("RSS %-6s before %s, max %s%s" % (
            process.name, mib(rss_before.get(process.name)), mib(monitor.max_rss[process.name]),
            " (the leader)" if process is leader_process else ""))

    prefix = "phase %s: " % name
    if dead:
        failures.append(prefix + "processes died: %s" % ", ".join(dead))
    changed = {i: (terms_before[i], terms_after[i]) for i in terms_before
               if terms_after.get(i) != terms_before[i]}
    if changed or any(t is None for t in terms_after.values()):
        failures.append(prefix + "the term changed or could not be read: before %s, after %s"
                        % (terms_before, terms_after))
    if not results:
        failures.append(prefix + "no move was sent")
    elif ok != len(results):
        failures.append(prefix + "%d of %d moves did not answer 200: %s" % (
            len(results) - ok, len(results),
            dict((k, v) for k, v in statuses.items() if k != 200)))
    if latencies and p99 >= P99_MAX_SECONDS:
        failures.append(prefix + "move p99 %.0f ms is not under %.0f ms" % (
            p99 * 1000, P99_MAX_SECONDS * 1000))
    for process in (leader_process, cluster.proxy):
        before = rss_before.get(process.name)
        peak = monitor.max_rss[process.name]
        if before is not None and peak - before >= RSS_GROWTH_MAX_KIB:
            failures.append(prefix + "%s RSS grew from %s to %s" % (process.name, mib(before),
                                                                    mib(peak)))
    return {"moves": len(results), "ok": ok, "p50": p50, "p99": p99, "max": worst}


def main():
    if len(sys.argv) != 2:
        print("usage: slow_clients_test.py RAFTESCORT_BINARY", file=sys.stderr)
        return 2
    binary = sys.argv[1]
    seconds = int(os.environ.get("HOSTILE_SLOW_SECONDS", "20"))
    per_target = int(os.environ.get("HOSTILE_SLOW_CONNECTIONS", "500"))
    phases = [p for p in os.environ.get("HOSTILE_SLOW_PHASES", "one-address,spread").split(",") if p]
    limit = lib.raise_file_limit(4 * per_target + 1024)
    lib.log("slow_clients: binary %s, %d connections per server, %d s per phase, phases %s, "
            "open-file limit %s" % (binary, per_target, seconds, ",".join(phases), limit))
    failures = []
    started = time.monotonic()
    with lib.Cluster(binary) as cluster:
        leader_id, term = cluster.leader()
        lib.log("cluster up: leader node %d in term %d, proxy %s:%d" % (
            leader_id, term, *cluster.proxy_addr))
        first_terms = read_terms(cluster)
        for phase in phases:
            if phase == "one-address":
                sources = ["127.0.0.1"]
            elif phase == "spread":
                sources = SPREAD_ADDRESSES
            else:
                lib.log("unknown phase %r" % phase)
                return 2
            run_phase(cluster, phase, sources, seconds, per_target, leader_id, failures)
            time.sleep(2.0)
        last_terms = read_terms(cluster)
        dead = cluster.dead()
        lib.log("\nterms at the start %s, at the end %s" % (first_terms, last_terms))
        if last_terms != first_terms:
            failures.append("the terms changed over the test: %s -> %s" % (first_terms, last_terms))
        if dead:
            failures.append("processes died: %s" % ", ".join(dead))
        if failures:
            cluster.dump_logs(15)
    lib.log("test duration: %.1f s" % (time.monotonic() - started))
    if failures:
        lib.log("\nFAIL:")
        for failure in failures:
            lib.log("- " + failure)
        return 1
    lib.log("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())

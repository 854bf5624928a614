"""A local raftescort cluster for black-box tests (Python 3 standard library).

Cluster(binary).start() runs a redis-server on a free 127.0.0.1 port (no
persistence), three nodes on 127.0.0.11..13 and a proxy on 127.0.0.1, each
with RAFTESCORT_ADMIN_TOKEN in its environment, and waits until the proxy's
GET /nodes shows a leader and every node as leader or follower. stop() sends
SIGTERM to each process it started (by PID), SIGKILL after a grace period,
and removes the temporary directory. Also: VmRSS from /proc, small HTTP
helpers, and a check that every process is still alive.

The binary may be an older raftescort without the admin token or the Redis
cluster token: the same command lines work for it (the environment variable is
ignored there).
"""

import atexit
import http.client
import json
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

ADMIN_TOKEN = "hostile-test-admin-token-0123456789"
NODE_HOSTS = ["127.0.0.11", "127.0.0.12", "127.0.0.13"]
PROXY_HOST = "127.0.0.1"

_live_clusters = []


def log(*parts):
    print(*parts, flush=True)


def _ephemeral_first():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(host):
    """A port below the ephemeral range that nothing is bound to on host.

    Below the ephemeral range: a port inside it can be the local end of an
    outgoing connection, which makes a later bind fail.
    """
    top = _ephemeral_first()
    for _ in range(200):
        port = random.randint(20000, top - 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind((host, port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError("no free port on %s" % host)


def rss_kib(pid):
    """VmRSS of a process in KiB, or None when it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


# Set by use_tls(): every helper below then speaks HTTPS with it.
TLS_CONTEXT = None


def use_tls(cert_file, key_file, ca_file):
    """From now on the helpers present this certificate and trust only this
    CA; host names are not checked (raftescort trusts the CA's signature)."""
    global TLS_CONTEXT
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.load_cert_chain(cert_file, key_file)
    context.load_verify_locations(ca_file)
    TLS_CONTEXT = context


def http_call(host, port, method, path, body=None, headers=None, timeout=3.0,
              source=None, context=None):
    """One request on a fresh connection. Returns (status, body bytes).

    Raises OSError / http.client.HTTPException when there is no answer.
    """
    context = context or TLS_CONTEXT
    source_address = (source, 0) if source else None
    if context is not None:
        connection = http.client.HTTPSConnection(host, port, timeout=timeout,
                                                 source_address=source_address, context=context)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout,
                                                source_address=source_address)
    try:
        data = None
        all_headers = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        connection.request(method, path, body=data, headers=all_headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def http_json(host, port, path, timeout=3.0):
    """GET path and parse the JSON answer; None on any failure."""
    try:
        status, body = http_call(host, port, "GET", path, timeout=timeout)
        if status != 200:
            return None
        return json.loads(body)
    except (OSError, http.client.HTTPException, ValueError):
        return None


def raise_file_limit(wanted):
    """Raises this process's RLIMIT_NOFILE soft limit (up to the hard one)."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return soft
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


class Process:
    def __init__(self, name, popen, log_path):
        self.name = name
        self.popen = popen
        self.pid = popen.pid
        self.log_path = log_path

    def alive(self):
        return self.popen.poll() is None

    def tail(self, lines=20):
        try:
            with open(self.log_path, "rb") as f:
                text = f.read()[-16384:].decode("utf-8", "replace")
            return "\n".join(text.splitlines()[-lines:])
        except OSError:
            return "(no log)"


class Cluster:
    """Redis, nodes 1..3 on 127.0.0.11..13 and a proxy on 127.0.0.1."""

    def __init__(self, binary, node_count=3, cluster_name=None, admin_token=ADMIN_TOKEN,
                 node_args=(), proxy_args=()):
        self.binary = os.path.abspath(binary)
        if not os.access(self.binary, os.X_OK):
            raise RuntimeError("not an executable: %s" % self.binary)
        if shutil.which("redis-server") is None:
            raise RuntimeError("redis-server not found (scripts/test installs it)")
        self.node_count = node_count
        self.cluster_name = cluster_name or "hostile%d" % random.randint(1000, 9999)
        self.admin_token = admin_token
        self.node_args = list(node_args)
        self.proxy_args = list(proxy_args)
        self.work = tempfile.mkdtemp(prefix="raftescort-hostile-")
        self.redis = None
        self.redis_port = None
        self.nodes = {}        # id -> Process
        self.node_addr = {}    # id -> (host, port)
        self.proxy = None
        self.proxy_addr = None
        # Every process ever started, so stop() ends even one a test
        # replaced (a node restarted under the same id).
        self.spawned = []
        self.stopped = False
        _live_clusters.append(self)

    # ---- start ------------------------------------------------------------
    def _spawn(self, name, argv):
        log_path = os.path.join(self.work, name + ".log")
        env = dict(os.environ)
        env["RAFTESCORT_ADMIN_TOKEN"] = self.admin_token
        for stale in ("RAFTESCORT_CLUSTER_TOKEN", "RAFTESCORT_CLUSTER_TOKEN_FILE",
                      "RAFTESCORT_ADMIN_TOKEN_FILE", "REDIS_PASSWORD_FILE", "REDIS_URL",
                      "CONTAINER_PORT", "RAFTESCORT_PROXY"):
            env.pop(stale, None)
        with open(log_path, "wb") as out:
            popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT, env=env, cwd=self.work)
        process = Process(name, popen, log_path)
        self.spawned.append(process)
        return process

    def _wait(self, seconds, what, check):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for process in self.processes():
                if not process.alive():
                    raise RuntimeError("%s exited (status %s) while waiting for %s\n%s"
                                       % (process.name, process.popen.returncode, what,
                                          process.tail()))
            if check():
                return
            time.sleep(0.1)
        raise RuntimeError("%s: not within %d s" % (what, seconds))

    def _redis_pings(self):
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def start_node(self, node_id, port=None):
        """Starts node_id; `port` restarts it at the address it had (the
        default picks a free one)."""
        host = NODE_HOSTS[node_id - 1] if node_id <= len(NODE_HOSTS) else "127.0.0.%d" % (10 + node_id)
        port = port or free_port(host)
        data_dir = os.path.join(self.work, "d%d" % node_id)
        os.makedirs(data_dir, exist_ok=True)
        self.node_addr[node_id] = (host, port)
        argv = [self.binary, "node", "--id", str(node_id),
                "--listen", "%s:%d" % (host, port),
                "--redis", "redis://127.0.0.1:%d" % self.redis_port,
                "--data-dir", data_dir, "--cluster", self.cluster_name] + self.node_args
        self.nodes[node_id] = self._spawn("node%d" % node_id, argv)

    def stop_node(self, node_id, grace=5.0):
        """SIGTERM to node_id's process (SIGKILL after `grace` seconds), as
        `docker stop` does; it stays in self.nodes, not alive, until
        start_node(node_id, port) starts it again."""
        process = self.nodes[node_id]
        if process.alive():
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.popen.wait()

    def node_status(self, node_id, timeout=1.0):
        host, port = self.node_addr[node_id]
        return http_json(host, port, "/status", timeout=timeout)

    def proxy_nodes(self, timeout=1.0):
        """The proxy's GET /nodes data: a list of node objects, or None."""
        answer = http_json(self.proxy_addr[0], self.proxy_addr[1], "/nodes", timeout=timeout)
        if answer is None:
            return None
        data = answer.get("data") if isinstance(answer, dict) else answer
        return data if isinstance(data, list) else None

    def _proxy_ready(self):
        nodes = self.proxy_nodes()
        if not nodes or len(nodes) != self.node_count:
            return False
        roles = [str(node.get("role", "")).lower() for node in nodes]
        return roles.count("leader") == 1 and roles.count("follower") == self.node_count - 1

    def start(self):
        try:
            self.redis_port = free_port("127.0.0.1")
            self.redis = self._spawn("redis", [
                "redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", self.work])
            self._wait(10, "redis-server answers PING", self._redis_pings)
            # Node 1 founds the cluster (and makes the cluster token); the
            # others join it through Redis.
            self.start_node(1)
            self._wait(20, "node 1 leads", lambda: (self.node_status(1) or {}).get("role") == "leader")
            for node_id in range(2, self.node_count + 1):
                self.start_node(node_id)
            proxy_port = free_port(PROXY_HOST)
            self.proxy_addr = (PROXY_HOST, proxy_port)
            self.proxy = self._spawn("proxy", [
                self.binary, "proxy", "--listen", "%s:%d" % self.proxy_addr,
                "--redis", "redis://127.0.0.1:%d" % self.redis_port,
                "--cluster", self.cluster_name] + self.proxy_args)
            self._wait(45, "the proxy's /nodes shows a leader and %d followers"
                       % (self.node_count - 1), self._proxy_ready)
        except BaseException:
            self.dump_logs()
            self.stop()
            raise
        return self

    # ---- queries ----------------------------------------------------------
    def processes(self):
        found = []
        if self.redis:
            found.append(self.redis)
        found.extend(self.nodes[i] for i in sorted(self.nodes))
        if self.proxy:
            found.append(self.proxy)
        return found

    def dead(self):
        """Names of the processes that are no longer running."""
        return ["%s (status %s)" % (p.name, p.popen.returncode)
                for p in self.processes() if not p.alive()]

    def statuses(self):
        return {i: self.node_status(i) for i in sorted(self.nodes)}

    def leader(self, seconds=10):
        """(id, term) of the node that says it leads; waits up to seconds."""
        deadline = time.monotonic() + seconds
        while True:
            for node_id, status in self.statuses().items():
                if status and status.get("role") == "leader":
                    return node_id, int(status.get("term", 0))
            if time.monotonic() >= deadline:
                raise RuntimeError("no node leads")
            time.sleep(0.1)

    def terms(self):
        """{id: term} as each node reports it (None when unreachable)."""
        return {i: (s or {}).get("term") for i, s in self.statuses().items()}

    def move(self, x=0, y=1, timeout=10.0):
        """POST /nodes/move through the proxy: (status, body)."""
        return http_call(self.proxy_addr[0], self.proxy_addr[1], "POST", "/nodes/move",
                         body={"x": x, "y": y}, timeout=timeout)

    def dump_logs(self, lines=25):
        for process in self.processes():
            log("---- tail of %s.log (pid %d, %s)" % (
                process.name, process.pid,
                "alive" if process.alive() else "exited %s" % process.popen.returncode))
            log(process.tail(lines))

    # ---- stop ---------------------------------------------------------------
    def stop(self, grace=5.0):
        if self.stopped:
            return
        self.stopped = True
        # The proxy first, then the nodes, Redis last.
        order = ([self.proxy] if self.proxy else []) + \
            [self.nodes[i] for i in sorted(self.nodes, reverse=True)] + \
            ([self.redis] if self.redis else [])
        order += [process for process in self.spawned if process not in order]
        for process in order:
            if process.alive():
                try:
                    os.kill(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace
        for process in order:
            remaining = max(0.0, deadline - time.monotonic())
            try:
                process.popen.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                log("%s (pid %d) ignored SIGTERM for %.0f s: SIGKILL" % (process.name, process.pid, grace))
                try:
                    os.kill(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.popen.wait()
        if os.environ.get("HOSTILE_KEEP"):
            log("(HOSTILE_KEEP: logs kept in %s)" % self.work)
        else:
            shutil.rmtree(self.work, ignore_errors=True)
        if self in _live_clusters:
            _live_clusters.remove(self)

    def __enter__(self):
        return self.start()

    def __exit__(self, kind, value, trace):
        if kind is not None and not issubclass(kind, (KeyboardInterrupt, SystemExit)):
            self.dump_logs()
        self.stop()
        return False


def _stop_all():
    for cluster in list(_live_clusters):
        cluster.stop()


def _on_signal(number, frame):
    # `timeout` (as ctest runs these tests) sends SIGTERM to this process and
    # then to its whole group: a second signal must not cut the first stop
    # short. The processes it started get it too; stop() reaps them.
    for other in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(other, signal.SIG_IGN)
    log("signal %d: stopping the cluster" % number)
    _stop_all()
    sys.exit(128 + number)


atexit.register(_stop_all)
for _signal in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_signal, _on_signal)


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(fraction * (len(ordered) - 1)))))
    return ordered[index]

#!/usr/bin/env python3
"""A cluster over TLS, and who it lets in.

Usage: tls_cluster_test.py BINARY

Certificates come from scripts/make-certs: the cluster's CA signs "member"
(every node) and "proxy"; a stranger's CA signs "rogue". Three nodes run
with mutual TLS and the proxy serves HTTPS. Checked:
  - moves commit through the HTTPS proxy, and ctl reaches it with --tls-ca;
  - a node's port refuses plain HTTP, HTTPS without a client certificate,
    and a client certificate of another CA;
  - a fourth node whose certificate the cluster's CA did not sign never
    becomes a member, while one with the CA's certificate joins;
  - every process is alive at the end.
"""

import os
import socket
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tls_flags(directory, name, ca_directory):
    return ["--tls-cert", os.path.join(directory, name + ".pem"),
            "--tls-key", os.path.join(directory, name + ".key"),
            "--tls-ca", os.path.join(ca_directory, "ca.pem")]


def refused(host, port, context):
    """True when an HTTPS request with `context` gets no HTTP answer."""
    try:
        status, _ = lib.http_call(host, port, "GET", "/health", timeout=3.0, context=context)
        lib.log("  answered %d" % status)
        return False
    except (OSError, ssl.SSLError, lib.http.client.HTTPException) as error:
        lib.log("  refused: %s" % (str(error) or type(error).__name__))
        return True


def plain_http_refused(host, port):
    with socket.create_connection((host, port), timeout=3.0) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            answer = sock.recv(100)
        except OSError:
            answer = b""
    lib.log("  plain HTTP got %r" % answer[:40])
    return not answer.startswith(b"HTTP/")


def members_of_leader(cluster):
    leader, _ = cluster.leader()
    status = cluster.node_status(leader) or {}
    members = set(status.get("voters", [])) | set(status.get("learners", []))
    for peer in status.get("peers", []):
        members.add(peer.get("id"))
    members.add(leader)
    return members


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    binary = sys.argv[1]
    failures = []
    cluster = lib.Cluster(binary)
    certificates = os.path.join(cluster.work, "certs")
    stranger = os.path.join(cluster.work, "stranger")
    make_certs = os.path.join(ROOT, "scripts", "make-certs")
    subprocess.run([make_certs, certificates, "member", "proxy"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([make_certs, stranger, "rogue"], check=True, stdout=subprocess.DEVNULL)
    cluster.node_args = tls_flags(certificates, "member", certificates)
    cluster.proxy_args = tls_flags(certificates, "proxy", certificates)
    lib.use_tls(os.path.join(certificates, "member.pem"),
                os.path.join(certificates, "member.key"),
                os.path.join(certificates, "ca.pem"))
    started = time.monotonic()
    with cluster:  # starts it
        leader, term = cluster.leader()
        lib.log("cluster up over TLS: leader node %d in term %d" % (leader, term))

        statuses = [cluster.move(0, 1)[0] for _ in range(10)]
        lib.log("10 moves through the HTTPS proxy: %s" % statuses)
        if statuses != [200] * 10:
            failures.append("moves through the HTTPS proxy answered %s" % statuses)

        proxy_url = "https://%s:%d" % cluster.proxy_addr
        env = dict(os.environ, RAFTESCORT_ADMIN_TOKEN=cluster.admin_token)
        for words in (["status"], ["move", "0", "1"], ["mission", "pause"]):
            run = subprocess.run([binary, "ctl", "--proxy", proxy_url, "--tls-ca",
                                  os.path.join(certificates, "ca.pem")] + words,
                                 env=env, capture_output=True, text=True, timeout=30)
            lib.log("ctl %s: exit %d" % (" ".join(words), run.returncode))
            if run.returncode != 0:
                failures.append("ctl %s over HTTPS exited %d: %s"
                                % (" ".join(words), run.returncode, run.stderr.strip()))
        # Without the CA, ctl does not trust the proxy.
        run = subprocess.run([binary, "ctl", "--proxy", proxy_url, "status"], env=env,
                             capture_output=True, text=True, timeout=30)
        if run.returncode == 0:
            failures.append("ctl trusted the proxy without --tls-ca")

        host, port = cluster.node_addr[leader]
        lib.log("the leader's port %s:%d:" % (host, port))
        anonymous = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        anonymous.check_hostname = False
        anonymous.load_verify_locations(os.path.join(certificates, "ca.pem"))
        rogue = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        rogue.check_hostname = False
        rogue.load_cert_chain(os.path.join(stranger, "rogue.pem"),
                              os.path.join(stranger, "rogue.key"))
        rogue.load_verify_locations(os.path.join(certificates, "ca.pem"))
        if not plain_http_refused(host, port):
            failures.append("a node answered plain HTTP")
        if not refused(host, port, anonymous):
            failures.append("a node answered HTTPS without a client certificate")
        if not refused(host, port, rogue):
            failures.append("a node answered a client certificate of another CA")

        # A node with another CA's certificate asks to join: never a member.
        cluster.node_args = tls_flags(stranger, "rogue", certificates)
        cluster.start_node(4)
        time.sleep(6)
        members = members_of_leader(cluster)
        lib.log("members after the rogue node's attempts: %s" % sorted(members))
        if 4 in members:
            failures.append("a node whose certificate another CA signed became a member")
        cluster.nodes.pop(4).popen.terminate()

        # The same id with the cluster's certificate joins.
        cluster.node_args = tls_flags(certificates, "member", certificates)
        data_dir = os.path.join(cluster.work, "d4")
        for name in os.listdir(data_dir):
            path = os.path.join(data_dir, name)
            if os.path.isfile(path):
                os.remove(path)
        cluster.start_node(4)
        deadline = time.monotonic() + 20
        while 4 not in members_of_leader(cluster) and time.monotonic() < deadline:
            time.sleep(0.2)
        joined = 4 in members_of_leader(cluster)
        lib.log("node 4 with the cluster's certificate joined: %s" % joined)
        if not joined:
            failures.append("a node with the cluster's certificate did not join within 20 s")

        dead = cluster.dead()
        if dead:
            failures.append("processes died: %s" % ", ".join(dead))
        if failures:
            cluster.dump_logs()
    lib.log("test duration: %.1f s" % (time.monotonic() - started))
    if failures:
        lib.log("FAIL:\n- " + "\n- ".join(failures))
        return 1
    lib.log("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Times a cluster's start, polling every member at once.

  first_leader.py re|etcd OUT URL...

Start it before the members, and wait until OUT.ready exists. It then writes
to OUT the Unix time in ms at which a member first said it leads; for
raftescort, a second line with the time at which the leader listed every
member (one per URL) as a voter.

Each member has its own poller (every 5 ms, 250 ms per request), so a member
that is slow to answer, or not listening yet, does not delay hearing from the
others: polling one member after another, each with a fresh curl and
python3, saw a leader up to 500 ms late. Exits 1 after 30 s."""
import json
import sys
import threading
import time
import urllib.request

POLL_S = 0.005
REQUEST_TIMEOUT_S = 0.25
GIVE_UP_S = 30.0


def raftescort_status(url):
    with urllib.request.urlopen(url + "/status", timeout=REQUEST_TIMEOUT_S) as answer:
        return json.load(answer)


def raftescort_leads(url):
    return raftescort_status(url).get("role") == "leader"


def etcd_leads(url):
    request = urllib.request.Request(url + "/v3/maintenance/status", data=b"{}", method="POST")
    with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as answer:
        status = json.load(answer)
    return bool(status.get("leader")) and status["leader"] == status["header"]["member_id"]


def raftescort_has_voters(voters):
    def check(url):
        status = raftescort_status(url)
        if status.get("role") != "leader":
            return False
        return 1 + sum(not peer["learner"] for peer in status.get("peers", [])) >= voters
    return check


def wait_for(check, urls):
    found = threading.Event()

    def poll(url):
        while not found.is_set():
            try:
                if check(url):
                    found.set()
                    return
            except Exception:  # not listening yet, or not answering in time
                pass
            time.sleep(POLL_S)

    for url in urls:
        threading.Thread(target=poll, args=(url,), daemon=True).start()
    return found.wait(GIVE_UP_S)


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("re", "etcd"):
        sys.exit(__doc__)
    kind, out, urls = sys.argv[1], sys.argv[2], sys.argv[3:]
    steps = [raftescort_leads, raftescort_has_voters(len(urls))] if kind == "re" else [etcd_leads]
    with open(out + ".ready", "w"):
        pass
    seen = []
    for check in steps:
        if not wait_for(check, urls):
            sys.exit(1)
        seen.append(str(int(time.time() * 1000)))
    with open(out, "w") as result:
        result.write("\n".join(seen) + "\n")


main()

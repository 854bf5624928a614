"""CPU time per committed write, split by member role and thread name.

  thread_cpu.py snapshot PID...               prints every thread's CPU ticks (JSON)
  thread_cpu.py diff SNAPSHOT WRITES LEADER PID...
                                              prints the CPU spent since SNAPSHOT, in
                                              microseconds per write: the leader's per
                                              thread name, and the mean follower's

Threads are told apart by name (raftescort names its own: loop, http, send-N,
registry); a Go program's threads all carry the program's name. Threads that
ended between the two readings are not counted."""
import json
import os
import sys
from collections import defaultdict


def threads(pid):
    """{tid: [name, user + system ticks]} of one process; {} once it is gone."""
    found = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return found
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as stat:
                text = stat.read()
        except FileNotFoundError:
            continue
        # The name is in parentheses and may hold spaces; the fields after it
        # are numbered from 3 (state); utime and stime are fields 14 and 15.
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        found[tid] = [name, int(fields[11]) + int(fields[12])]
    return found


def snapshot(pids):
    return {pid: threads(pid) for pid in pids}


def diff(before, writes, leader, pids):
    micros_per_tick = 1e6 / os.sysconf("SC_CLK_TCK")
    per_role = {"leader": defaultdict(float), "follower": defaultdict(float)}
    followers = 0
    for pid in pids:
        role = "leader" if pid == leader else "follower"
        followers += role == "follower"
        earlier = before.get(pid, {})
        for tid, (name, ticks) in threads(pid).items():
            spent = ticks - earlier.get(tid, [name, 0])[1]
            # send-2, send-3 ...: one line for every sender.
            key = "send" if name.startswith("send-") else name
            per_role[role][key] += spent * micros_per_tick / writes
    for key in per_role["follower"]:
        per_role["follower"][key] /= max(followers, 1)
    total = sum(per_role["leader"].values()) + followers * sum(per_role["follower"].values())
    return {"writes": writes, "followers": followers, "us_per_write": round(total, 1),
            "leader": {k: round(v, 1) for k, v in per_role["leader"].items() if v},
            "follower": {k: round(v, 1) for k, v in per_role["follower"].items() if v}}


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "snapshot":
        print(json.dumps(snapshot(sys.argv[2:])))
    elif len(sys.argv) >= 6 and sys.argv[1] == "diff":
        writes = int(sys.argv[3])
        if writes <= 0:
            print("null")
            return
        print(json.dumps(diff(json.loads(sys.argv[2]), writes, sys.argv[4], sys.argv[5:])))
    else:
        sys.exit(__doc__)


main()

"""Turns bench/run's results (one JSON object a line) into bench/RESULTS.md:
one table with both systems and the ratios, then failover, start, memory,
disk, the physical floor, the machine and the versions, and how noisy the
repeated runs were. Medians everywhere."""
import json
import platform
import statistics
import subprocess
import sys
from collections import defaultdict


def load(path):
    values = defaultdict(list)
    with open(path) as results:
        for line in results:
            line = line.strip()
            if line:
                row = json.loads(line)
                values[row["key"]].append(row["value"])
    return values


def merged(values, key):
    """One dict from every row of `key`: each system records its own fields."""
    row = {}
    for part in values.get(key, []):
        row.update({k: v for k, v in part.items() if v is not None})
    return row


def median_field(values, key, field):
    """The median of `field` over every row of `key` that has it."""
    return median([row.get(field) for row in values.get(key, [])])


def median(numbers):
    numbers = [n for n in numbers if n is not None]
    return statistics.median(numbers) if numbers else None


def fmt(number, digits=0):
    if number is None:
        return "–"
    return f"{number:,.{digits}f}"


def ratio(a, b, digits=2):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.{digits}f}×"


def ok_rps(run):
    """Committed writes per second: wrk's rate less the share of non-2xx answers."""
    if not run["requests"]:
        return 0.0
    return run["rps"] * (1 - (run["non2xx"] + run["errors"]) / run["requests"])


def spread(numbers):
    """(max - min) / median, in percent: how far apart the repeated runs were."""
    numbers = [n for n in numbers if n]
    if len(numbers) < 2:
        return None
    return 100.0 * (max(numbers) - min(numbers)) / statistics.median(numbers)


def percentile(numbers, fraction):
    numbers = sorted(n for n in numbers if n is not None)
    if not numbers:
        return None
    return numbers[min(len(numbers) - 1, int(round(fraction * (len(numbers) - 1))))]


def machine():
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{cores} cores ({cpu}), Linux {platform.release()}"


def emit_targets(values, emit):
    """Issue 7's four targets against this run's figures; for a missed one,
    the bound this machine sets, from the same run."""
    def load_median(system, clients, field):
        runs = values.get(f"load {system} c{clients}", [])
        return median([ok_rps(r) if field == "rps" else r[field] for r in runs])

    re64, etcd64 = load_median("re_direct", 64, "rps"), load_median("etcd", 64, "rps")
    c1 = load_median("re_direct", 1, "p50_ms")
    fsync = median([v["p50_ms"] for v in values.get("floor_fsync", [])])
    rtt = median([v["p50_ms"] for v in values.get("floor_rtt", [])])
    floor = fsync + rtt if fsync is not None and rtt is not None else None
    failover = {system: median([t.get("ms") for t in values.get(f"failover {system}", [])])
                for system in ("re", "etcd")}
    idle_kb = merged(values, "rss_idle_kb").get("raftescort")
    idle_mb = idle_kb * 1024 / 1e6 if idle_kb is not None else None

    def verdict(value, met):
        if value is None:
            return "–"
        return "met" if met(value) else "missed"

    def quotient(a, b):
        return a / b if a is not None and b else None

    c64_ratio = quotient(re64, etcd64)
    c1_ratio = quotient(c1, floor)
    failover_ratio = quotient(failover["re"], failover["etcd"])
    emit("## Targets")
    emit("")
    emit("| target | this run | |")
    emit("|---|---:|---|")
    emit(f"| writes/s at 64 clients at least 1.5× etcd's | {fmt(c64_ratio, 2)}× | {verdict(c64_ratio, lambda v: v >= 1.5)} |")
    emit(f"| p50 at 1 client within 1.5× the floor (one fsync + one round trip) | {fmt(c1_ratio, 2)}× "
         f"({fmt(c1, 3)} ms ÷ {fmt(floor, 3)} ms) | {verdict(c1_ratio, lambda v: v <= 1.5)} |")
    emit(f"| failover p50 at most 0.8× etcd's | {fmt(failover_ratio, 2)}× | {verdict(failover_ratio, lambda v: v <= 0.8)} |")
    emit(f"| idle resident memory under 10 MB per member | {fmt(idle_mb, 1)} MB ({fmt(idle_kb and idle_kb / 1024, 1)} MiB) "
         f"| {verdict(idle_mb, lambda v: v < 10.0)} |")
    emit("")
    majority = floor_majority_ms(values)
    cpu = median([r["us_per_write"] for r in values.get("cpu load re_direct c1", []) if r])
    if c1_ratio is not None and c1_ratio > 1.5 and majority is not None and rtt is not None:
        least = 2 * rtt + majority
        emit(f"What 1 client cannot go below here: a write crosses two HTTP round trips (client → leader, "
             f"leader → follower; {fmt(rtt, 3)} ms each) and waits for three of the five members to make it "
             f"durable, all five writing to this one disk at once ({fmt(majority, 3)} ms p50, measured with the "
             f"floor): {fmt(least, 3)} ms, {fmt(quotient(least, floor), 2)}× the floor before any CPU time. "
             f"The five members then spend {fmt(cpu)} µs of CPU per write on {machine_cores()} cores "
             "(below, where the CPU goes).")
        emit("")
    floor_rss = values["rss_floor_kb"][0] if values.get("rss_floor_kb") else None
    if idle_mb is not None and idle_mb >= 10.0 and floor_rss is not None:
        emit(f"Memory: a process that only constructs a cpp-httplib server is resident at "
             f"{fmt(floor_rss * 1024 / 1e6, 1)} MB (the library's OpenSSL set-up maps and touches libcrypto "
             "before main); the member's own code, heap and threads add the rest. Most of both is shared "
             "library pages: see the proportional and private figures below.")
        emit("")


def floor_majority_ms(values):
    """A 5-member commit's durability on the run's disk (storage_bench --majority)."""
    return median([v.get("majority_of_five_p50_ms") for v in values.get("floor_majority", [])])


def machine_cores():
    return subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()


def main():
    values = load(sys.argv[1])
    rounds, seconds, failovers = sys.argv[2], sys.argv[3], sys.argv[4]
    out = []
    emit = out.append
    versions = values["versions"][0] if values["versions"] else {}

    emit("# raftescort and etcd, side by side")
    emit("")
    writes = merged(values, "disk_kb").get("writes")
    emit(f"Produced by `bench/run --rounds {rounds} --seconds {seconds} --failovers {failovers} --writes {writes}` "
         f"on {subprocess.run(['date', '-u', '+%Y-%m-%d %H:%M UTC'], capture_output=True, text=True).stdout.strip()}.")
    emit(f"Machine: {machine()}. Both clusters: five members on loopback, heartbeat 50 ms, "
         "election timeout 300 ms (both randomize it between 1× and 2×), data dirs on the same disk. "
         "One system runs at a time, started afresh for each round and each phase; the rounds alternate "
         "between the two.")
    wrk = " ".join(versions.get("wrk", "wrk").split()[:2])
    emit(f"Versions: {versions.get('raftescort', 'raftescort ?')}; {versions.get('etcd', 'etcd ?')} "
         f"(Debian's etcd-server); load from {wrk} with HTTP/1.1 keep-alive.")
    emit("")
    emit("raftescort writes are moves (`POST /move` on the leader node, or `POST /nodes/move` "
         "through the proxy), answered after commit and apply; etcd writes are puts through its "
         "v3 JSON gateway on the leader (`POST /v3/kv/put`), answered after commit and apply.")
    emit("Writes per second count only 2xx answers.")
    emit("")

    emit_targets(values, emit)

    emit("## Throughput and latency (medians of the rounds)")
    emit("")
    emit("| clients | raftescort direct writes/s | through proxy writes/s | etcd writes/s | direct ÷ etcd "
         "| raftescort p50 / p99 ms | proxy p50 / p99 ms | etcd p50 / p99 ms | p50 etcd ÷ direct |")
    emit("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    noise = []
    for clients in (1, 16, 64):
        cells = {}
        for system in ("re_direct", "re_proxy", "etcd"):
            runs = values.get(f"load {system} c{clients}", [])
            cells[system] = {
                "rps": median([ok_rps(r) for r in runs]),
                "p50": median([r["p50_ms"] for r in runs]),
                "p99": median([r["p99_ms"] for r in runs]),
                "non2xx": sum(r["non2xx"] + r["errors"] for r in runs),
            }
            noise.append((system, clients, spread([ok_rps(r) for r in runs])))
        d, p, e = cells["re_direct"], cells["re_proxy"], cells["etcd"]
        emit(f"| {clients} | {fmt(d['rps'])} | {fmt(p['rps'])} | {fmt(e['rps'])} | {ratio(d['rps'], e['rps'])} "
             f"| {fmt(d['p50'], 2)} / {fmt(d['p99'], 2)} | {fmt(p['p50'], 2)} / {fmt(p['p99'], 2)} "
             f"| {fmt(e['p50'], 2)} / {fmt(e['p99'], 2)} | {ratio(e['p50'], d['p50'])} |")
    failed = {f"{s} c{c}": sum(r["non2xx"] + r["errors"] for r in values.get(f"load {s} c{c}", []))
              for s in ("re_direct", "re_proxy", "etcd") for c in (1, 16, 64)}
    failed = {k: v for k, v in failed.items() if v}
    emit("")
    emit("Non-2xx answers or socket errors during the load runs: "
         + (", ".join(f"{k}: {v}" for k, v in failed.items()) if failed else "none") + ".")
    emit("")

    emit("## The physical floor")
    emit("")
    fsync = median([v["p50_ms"] for v in values.get("floor_fsync", [])])
    rtt = median([v["p50_ms"] for v in values.get("floor_rtt", [])])
    floor = fsync + rtt if fsync is not None and rtt is not None else None
    c1 = median([r["p50_ms"] for r in values.get("load re_direct c1", [])])
    emit("| write(64 B)+fsync p50 | loopback HTTP round trip p50 (GET /health, 1 client) | floor = one fsync + one round trip "
         "| raftescort p50 at 1 client | ÷ floor |")
    emit("|---:|---:|---:|---:|---:|")
    emit(f"| {fmt(fsync, 3)} ms | {fmt(rtt, 3)} ms | {fmt(floor, 3)} ms | {fmt(c1, 3)} ms | {ratio(c1, floor)} |")
    emit("")
    preallocated = median([v["preallocated_p50_ms"] for v in values.get("floor_fsync", [])
                           if "preallocated_p50_ms" in v])
    if preallocated is not None and rtt is not None:
        emit(f"The same write into space allocated beforehand, as raftescort's log writes: "
             f"{fmt(preallocated, 3)} ms; with it the floor is {fmt(preallocated + rtt, 3)} ms "
             f"and the p50 at 1 client {ratio(c1, preallocated + rtt)} of it.")
        emit("")
    majority = floor_majority_ms(values)
    if majority is not None:
        emit(f"Five such writes started together, one per member as in a 5-member commit on this one disk, "
             f"until three are durable: {fmt(majority, 3)} ms p50.")
        emit("")

    emit("### Where the CPU goes")
    emit("")
    emit("CPU time the five members spent per committed write during the direct load runs "
         "(`/proc/PID/task/TID/stat` before and after each run; median of the rounds). "
         "raftescort's threads are named: `loop` owns the Raft core and writes the log, `http` "
         "serves requests, `send` is the leader's sender to each peer (four of them), `registry` "
         "writes to Redis. etcd's threads are all named etcd. The five members share the machine's cores.")
    emit("")
    emit("| clients | system | all five members µs/write | the leader µs/write | one follower µs/write (mean) |")
    emit("|---:|---|---:|---:|---:|")
    for clients in (1, 16, 64):
        for system, name in (("re_direct", "raftescort"), ("etcd", "etcd")):
            runs = [r for r in values.get(f"cpu load {system} c{clients}", []) if r]
            if not runs:
                continue
            total = median([r["us_per_write"] for r in runs])
            threads = sorted({t for r in runs for role in ("leader", "follower") for t in r[role]})
            def role_cell(role):
                parts = {t: median([r[role].get(t, 0.0) for r in runs]) for t in threads}
                whole = median([sum(r[role].values()) for r in runs])
                named = ", ".join(f"{t} {fmt(v)}" for t, v in sorted(parts.items(), key=lambda kv: -kv[1]) if v >= 1)
                return f"{fmt(whole)}" + (f" ({named})" if len(parts) > 1 else "")
            emit(f"| {clients} | {name} | {fmt(total)} | {role_cell('leader')} | {role_cell('follower')} |")
    emit("")

    emit(f"## Failover: kill -9 of the leader, {failovers} trials each")
    emit("")
    emit("Time from the kill until a write is committed again, seen by a client that tries every "
         "other member in turn (500 ms per try). The client sends the kill itself once python3 "
         "has started, so the interpreter's start is not counted.")
    emit("")
    emit("| system | p50 ms | p90 ms | max ms | trials without a commit within 30 s |")
    emit("|---|---:|---:|---:|---:|")
    p50s = {}
    for system, name in (("re", "raftescort"), ("etcd", "etcd")):
        times = [t.get("ms") for t in values.get(f"failover {system}", [])]
        missing = sum(1 for t in times if t is None)
        p50s[system] = median(times)
        emit(f"| {name} | {fmt(p50s[system])} | {fmt(percentile(times, 0.9))} | "
             f"{fmt(max([t for t in times if t is not None], default=None))} | {missing} |")
    emit(f"| raftescort ÷ etcd (p50) | {ratio(p50s['re'], p50s['etcd'])} | | | |")
    emit("")

    emit("## Start, memory and disk")
    emit("")
    first = {field: median_field(values, "first_leader", field)
             for field in ("raftescort", "raftescort_all_voters", "etcd")}
    starts = {field: sum(1 for row in values.get("first_leader", []) if field in row)
              for field in ("raftescort", "etcd")}
    idle = merged(values, "rss_idle_kb")
    after = merged(values, "rss_100k_kb")
    end = merged(values, "rss_end_kb")
    disk = merged(values, "disk_kb")
    emit("| measure | raftescort | etcd | raftescort ÷ etcd |")
    emit("|---|---:|---:|---:|")
    emit(f"| five processes started → first leader (median of {starts['raftescort']} and {starts['etcd']} starts) "
         f"| {fmt(first.get('raftescort'))} ms | "
         f"{fmt(first.get('etcd'))} ms | {ratio(first.get('raftescort'), first.get('etcd'))} |")
    emit(f"| ... → five voters (raftescort's join through Redis) | {fmt(first.get('raftescort_all_voters'))} ms "
         "| (from the start) | |")
    for label, row in (("resident memory per member, idle", idle),
                       ("resident memory per member, after 100,000 writes", after),
                       (f"resident memory per member, after {fmt(disk.get('writes'))} writes", end)):
        r, e = row.get("raftescort"), row.get("etcd")
        emit(f"| {label} (median) | {fmt(r and r / 1024, 1)} MiB | {fmt(e and e / 1024, 1)} MiB | {ratio(r, e)} |")
    floor_rss = values["rss_floor_kb"][0] if values.get("rss_floor_kb") else None
    emit(f"| resident memory of a process that only constructs a cpp-httplib server "
         f"(bench/rss_floor.cpp: the library's OpenSSL setup before main) | {fmt(floor_rss and floor_rss / 1024, 1)} MiB | | |")
    for key, label in (("pss_idle_kb", "proportional set (Pss) per member, idle: shared pages split among their users"),
                       ("private_idle_kb", "private memory per member, idle: what the member alone holds")):
        row = merged(values, key)
        r, e = row.get("raftescort"), row.get("etcd")
        emit(f"| {label} (median) | {fmt(r and r / 1024, 1)} MiB | {fmt(e and e / 1024, 1)} MiB | {ratio(r, e)} |")
    r, e = disk.get("raftescort"), disk.get("etcd")
    emit(f"| data dir after {fmt(disk.get('writes'))} writes (median member) | {fmt(r and r / 1024, 1)} MiB | "
         f"{fmt(e and e / 1024, 1)} MiB | {ratio(r, e)} |")
    emit("")

    emit("## Noise")
    emit("")
    emit(f"Spread of writes/s across the {rounds} interleaved rounds, (max − min) ÷ median:")
    emit("")
    emit("| run | 1 client | 16 clients | 64 clients |")
    emit("|---|---:|---:|---:|")
    for system, name in (("re_direct", "raftescort direct"), ("re_proxy", "raftescort proxy"), ("etcd", "etcd")):
        cells = [fmt(s, 0) + " %" if s is not None else "–" for sys_, c, s in noise if sys_ == system]
        emit(f"| {name} | " + " | ".join(cells) + " |")
    emit("")
    emit("Raw results: `bench/results.jsonl` (one line per measurement).")
    print("\n".join(out))


main()

"""The disk's floor: the median and 99th percentile of write(64 B) + fsync on
the directory given (the disk both clusters write to), in ms, as JSON. Also
the median when the writes land in space allocated beforehand (fallocate),
which spares the filesystem an inode update per fsync: what raftescort's
write-ahead log does (src/store/segment_writer.hpp). And the durability a
5-member commit needs when the members share this disk: five such writes
started together, timed until three (the leader and two others) are done."""
import json
import os
import statistics
import sys
import threading
import time

WRITES = 2000
RECORD = b"x" * 64


def fsync_ms(path, preallocated):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    if preallocated:
        os.posix_fallocate(fd, 0, WRITES * len(RECORD) + 4096)
        os.fsync(fd)
    samples = []
    for i in range(WRITES):
        started = time.perf_counter()
        os.pwrite(fd, RECORD, i * len(RECORD))
        os.fsync(fd)
        samples.append((time.perf_counter() - started) * 1000.0)
    os.close(fd)
    os.unlink(path)
    samples.sort()
    return samples


def majority_of_five_ms(directory, rounds=400):
    """Five threads, one preallocated file each, write and fsync together in
    each round; the round's time is when the third of them is done."""
    members = 5
    start = threading.Barrier(members + 1)
    done_at = [0.0] * members
    finished = threading.Barrier(members + 1)
    paths = [os.path.join(directory, f"fsync-member-{m}") for m in range(members)]

    def member(index):
        fd = os.open(paths[index], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.posix_fallocate(fd, 0, rounds * len(RECORD) + 4096)
        os.fsync(fd)
        for i in range(rounds):
            start.wait()
            os.pwrite(fd, RECORD, i * len(RECORD))
            os.fsync(fd)
            done_at[index] = time.perf_counter()
            finished.wait()
        os.close(fd)
        os.unlink(paths[index])

    threads = [threading.Thread(target=member, args=(m,)) for m in range(members)]
    for thread in threads:
        thread.start()
    samples = []
    for _ in range(rounds):
        start.wait()
        started = time.perf_counter()
        finished.wait()
        samples.append((sorted(done_at)[2] - started) * 1000.0)
    for thread in threads:
        thread.join()
    return statistics.median(samples)


path = os.path.join(sys.argv[1], "fsync-floor")
appending = fsync_ms(path, False)
preallocated = fsync_ms(path, True)
print(json.dumps({"p50_ms": statistics.median(appending),
                  "p99_ms": appending[int(len(appending) * 0.99)],
                  "preallocated_p50_ms": statistics.median(preallocated),
                  "majority_of_five_p50_ms": majority_of_five_ms(sys.argv[1])}))

"""The disk's floor: the median and 99th percentile of write(64 B) + fsync on
the directory given (the disk both clusters write to), in ms, as JSON. Also
the median when the writes land in space allocated beforehand (fallocate),
which spares the filesystem an inode update per fsync: what raftescort's
write-ahead log does (src/store/segment_writer.hpp)."""
import json
import os
import statistics
import sys
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


path = os.path.join(sys.argv[1], "fsync-floor")
appending = fsync_ms(path, False)
preallocated = fsync_ms(path, True)
print(json.dumps({"p50_ms": statistics.median(appending),
                  "p99_ms": appending[int(len(appending) * 0.99)],
                  "preallocated_p50_ms": statistics.median(preallocated)}))

"""The disk's floor: the median and 99th percentile of write(64 B) + fsync on
the directory given (the disk both clusters write to), in ms, as JSON."""
import json
import os
import statistics
import sys
import time

path = os.path.join(sys.argv[1], "fsync-floor")
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
samples = []
for _ in range(2000):
    started = time.perf_counter()
    os.write(fd, b"x" * 64)
    os.fsync(fd)
    samples.append((time.perf_counter() - started) * 1000.0)
os.close(fd)
os.unlink(path)
samples.sort()
print(json.dumps({"p50_ms": statistics.median(samples), "p99_ms": samples[int(len(samples) * 0.99)]}))

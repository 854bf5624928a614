#!/usr/bin/env python3
"""Runs `raftescort ctl watch` on a pseudo-terminal, as a person would, for
tests/cli/ctl.sh: waits for the first frame, then stops it with a key or a
signal, and reports as JSON on stdout whether it drew in place, whether the
terminal was in raw mode while it ran, and whether every terminal setting
came back afterwards.

Usage: pty_watch.py BINARY PROXY_URL q|ctrl-c|sigterm
"""

import json
import os
import pty
import select
import signal
import sys
import termios
import time


def main():
    binary, proxy, stop = sys.argv[1], sys.argv[2], sys.argv[3]
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    pid = os.fork()
    if pid == 0:
        os.setsid()
        import fcntl
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.close(master)
        os.execv(binary, [binary, "ctl", "--proxy", proxy, "watch"])

    output = b""

    def read_for(seconds):
        nonlocal output
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.02)
            if ready:
                try:
                    output += os.read(master, 65536)
                except OSError:
                    return

    deadline = time.monotonic() + 5
    while b"q quits" not in output and time.monotonic() < deadline:
        read_for(0.05)
    read_for(0.3)
    raw_while_running = (termios.tcgetattr(slave)[3] & (termios.ECHO | termios.ICANON)) == 0

    stopped_at = time.monotonic()
    if stop == "q":
        os.write(master, b"q")
    elif stop == "ctrl-c":
        os.write(master, b"\x03")
    else:
        os.kill(pid, signal.SIGTERM)
    exit_status = None
    while time.monotonic() < stopped_at + 5:
        read_for(0.02)
        done, wait_status = os.waitpid(pid, os.WNOHANG)
        if done:
            exit_status = os.waitstatus_to_exitcode(wait_status)
            break
    if exit_status is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    read_for(0.1)
    print(json.dumps({
        "exit_status": exit_status,
        "stop_seconds": round(time.monotonic() - stopped_at, 2),
        "first_frame": b"q quits" in output,
        "redrawn_in_place": output.count(b"\x1b[H") >= 2,
        "raw_while_running": raw_while_running,
        "restored": termios.tcgetattr(slave) == before,
        "left_alternate_screen": output.rstrip().endswith(b"\x1b[?1049l"),
    }))


if __name__ == "__main__":
    main()

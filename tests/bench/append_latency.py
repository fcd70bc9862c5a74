#!/usr/bin/env python3
"""Append latency through a logdex mount (used by scripts/bench.sh).

usage: append_latency.py MNT REL_LOG_FILE [--count N] [--timeout S]

Keeps one O_APPEND descriptor on MNT/REL_LOG_FILE open, like a logger. N times: write one
~150-byte claude line, then stat MNT/index.ndjson until its size grows past the size seen
before the write. A sample is the time from just before write() to the stat that shows the
new row. Prints one line: `samples N median_ms X p99_ms Y max_ms Z`. Exit 1 if an append did
not show up within --timeout seconds (then prints what it had).
Python 3 standard library only; no process is spawned per sample.
"""

import argparse
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mnt")
    ap.add_argument("rel")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=10.0)
    args = ap.parse_args()
    index = os.path.join(args.mnt, "index.ndjson")
    fd = os.open(os.path.join(args.mnt, args.rel), os.O_WRONLY | os.O_APPEND)
    samples = []
    ok = True
    try:
        size = os.stat(index).st_size
        for i in range(args.count):
            line = ('{"type":"user","uuid":"00000000-0000-4000-8000-%012d","sessionId":"bench",'
                    '"timestamp":"2026-03-01T00:00:00.000Z","n":%d}\n' % (i, i)).encode()
            t0 = time.perf_counter_ns()
            if os.write(fd, line) != len(line):
                print("append_latency: short write", file=sys.stderr)
                ok = False
                break
            deadline = t0 + int(args.timeout * 1e9)
            while True:
                now_size = os.stat(index).st_size
                t1 = time.perf_counter_ns()
                if now_size > size:
                    size = now_size
                    break
                if t1 > deadline:
                    print("append_latency: append %d not in index.ndjson after %.1f s"
                          % (i, args.timeout), file=sys.stderr)
                    ok = False
                    break
            if not ok:
                break
            samples.append((t1 - t0) / 1e6)
    finally:
        os.close(fd)
    if samples:
        s = sorted(samples)
        p99 = s[min(len(s) - 1, max(0, -(-99 * len(s) // 100) - 1))]  # nearest rank
        print("samples %d median_ms %.3f p99_ms %.3f max_ms %.3f"
              % (len(s), s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2,
                 p99, s[-1]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

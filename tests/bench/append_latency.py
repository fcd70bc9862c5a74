#!/usr/bin/env python3
"""Append latency through a logdex mount (used by scripts/bench.sh).

usage: append_latency.py MNT REL_LOG_FILE [--count N] [--timeout S]

Keeps one O_APPEND descriptor on MNT/REL_LOG_FILE open, like a logger. N times: write one
~150-byte claude line, then stat MNT/index.ndjson until its size grows past the size seen
before the write, then open index.ndjson, read its tail (the bytes from the old size to the new
one) and close it, as a `tail -F` follower would. The tail must be whole rows, the last one
naming the line just written (its uuid as entryId); anything else is an error.

A sample has three times, all from just before write():
  total    to the end of the tail read (stat + open + read + close): the row's figure
  visible  to the stat that shows the new size
  stat     that one stat call alone
Prints one line:
  `samples N median_ms X p99_ms Y max_ms Z visible_median_ms V stat_median_ms S stat_p99_ms T`
(median/p99/max of total). Exit 1 if an append did not show up within --timeout seconds or the
tail was wrong (then prints what it had).
Python 3 standard library only; no process is spawned per sample.
"""

import argparse
import os
import sys
import time


def median(s):
    s = sorted(s)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def p99(s):
    s = sorted(s)
    return s[min(len(s) - 1, max(0, -(-99 * len(s) // 100) - 1))]  # nearest rank


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mnt")
    ap.add_argument("rel")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=10.0)
    args = ap.parse_args()
    index = os.path.join(args.mnt, "index.ndjson")
    fd = os.open(os.path.join(args.mnt, args.rel), os.O_WRONLY | os.O_APPEND)
    total, visible, stat_only = [], [], []
    ok = True
    # A distinct uuid per run, so a second run on the same dir is told apart from the first.
    run = time.time_ns() % 10**6
    try:
        size = os.stat(index).st_size
        for i in range(args.count):
            uid = "00000000-0000-4000-8000-%06d%06d" % (run, i)
            line = ('{"type":"user","uuid":"%s","sessionId":"bench",'
                    '"timestamp":"2026-03-01T00:00:00.000Z","n":%d}\n' % (uid, i)).encode()
            t0 = time.perf_counter_ns()
            if os.write(fd, line) != len(line):
                print("append_latency: short write", file=sys.stderr)
                ok = False
                break
            deadline = t0 + int(args.timeout * 1e9)
            while True:
                ts = time.perf_counter_ns()
                now_size = os.stat(index).st_size
                t1 = time.perf_counter_ns()
                if now_size > size:
                    break
                if t1 > deadline:
                    print("append_latency: append %d not in index.ndjson after %.1f s"
                          % (i, args.timeout), file=sys.stderr)
                    ok = False
                    break
            if not ok:
                break
            ifd = os.open(index, os.O_RDONLY)
            try:
                tail = os.pread(ifd, now_size - size, size)
            finally:
                os.close(ifd)
            t2 = time.perf_counter_ns()
            want = ('"entryId":"%s"' % uid).encode()
            rows = tail.split(b"\n")
            if (len(tail) != now_size - size or not tail.endswith(b"\n")
                    or want not in rows[-2]):
                print("append_latency: append %d: the index's tail (%d bytes from %d) is not "
                      "whole rows ending with the new line's row: %r"
                      % (i, len(tail), size, tail[-300:]), file=sys.stderr)
                ok = False
                break
            size = now_size
            total.append((t2 - t0) / 1e6)
            visible.append((t1 - t0) / 1e6)
            stat_only.append((t1 - ts) / 1e6)
    finally:
        os.close(fd)
    if total:
        print("samples %d median_ms %.3f p99_ms %.3f max_ms %.3f visible_median_ms %.3f "
              "stat_median_ms %.3f stat_p99_ms %.3f"
              % (len(total), median(total), p99(total), max(total), median(visible),
                 median(stat_only), p99(stat_only)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

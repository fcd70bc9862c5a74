#!/usr/bin/env python3
"""Warm sequential read speed of a few files, interleaved (used by scripts/bench.sh).

usage: read_speed.py [--rounds N] [--min-bytes B] [--cat] FILE...

Reads every FILE whole once (the warm-up: afterwards the pages are in whatever cache the file
has), then N rounds. In a round each FILE in turn (the starting file rotates from round to
round) is read whole, opened anew each time as `cat` does, again and again until at least B
bytes were read; the round's figure for that FILE is bytes / elapsed. Interleaving puts the
machine's noise on every FILE alike. The buffer is max(st_blksize, 128 KiB), the size GNU cat
reads with. With --cat each whole read is a `cat FILE >/dev/null` process instead, as a user
would run it: its fork and exec count too, which for a small file weigh more than the reads
(the in-process figure shows the read path alone). Prints one line per FILE, in the order given:
  `best_mibps X median_mibps Y size Z FILE`
Exit 1 if a FILE cannot be read or changes size between reads.
Python 3 standard library only.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time


def read_whole(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        buf = max(os.fstat(fd).st_blksize, 128 * 1024)
        total = 0
        while True:
            n = len(os.read(fd, buf))
            if n == 0:
                return total
            total += n
    finally:
        os.close(fd)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--min-bytes", type=int, default=64 * 1048576)
    ap.add_argument("--cat", action="store_true", help="read with a cat process each time")
    args = ap.parse_args()
    sizes = [read_whole(f) for f in args.files]

    def read_once(i):
        if not args.cat:
            return read_whole(args.files[i])
        r = subprocess.run(["cat", args.files[i]], stdout=subprocess.DEVNULL)
        return sizes[i] if r.returncode == 0 else -1

    if min(sizes) == 0:
        print("read_speed: an empty file", file=sys.stderr)
        return 1
    speeds = [[] for _ in args.files]
    for r in range(args.rounds):
        for k in range(len(args.files)):
            i = (r + k) % len(args.files)
            done = 0
            t0 = time.perf_counter_ns()
            while done < args.min_bytes:
                n = read_once(i)
                if n != sizes[i]:
                    print("read_speed: %s read %d bytes, first %d" % (args.files[i], n, sizes[i]),
                          file=sys.stderr)
                    return 1
                done += n
            secs = (time.perf_counter_ns() - t0) / 1e9
            speeds[i].append(done / 1048576.0 / secs)
    for f, s, size in zip(args.files, speeds, sizes):
        print("best_mibps %.0f median_mibps %.0f size %d %s"
              % (max(s), statistics.median(s), size, f))
    return 0


if __name__ == "__main__":
    sys.exit(main())

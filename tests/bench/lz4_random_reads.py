#!/usr/bin/env python3
"""Random 4 KiB reads of a log file through a logdex mount: a NAME.lz4 shown decompressed
against the plain copy of the same bytes (SPEC §7).

usage: lz4_random_reads.py FILE [FILE...] [--count N] [--size B] [--seed S]

For each FILE, N preads of B bytes (default 4096) at offsets drawn uniformly from the file
(the same offsets for every FILE, seeded), each first checked against the first FILE's bytes.
Prints per FILE: `FILE reads N median_us X p99_us Y MiB_per_s Z`. Exit 1 if any read differs.
Python 3 standard library only.
"""

import argparse
import os
import random
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    size = os.stat(args.files[0]).st_size
    rng = random.Random(args.seed)
    offsets = [rng.randrange(0, max(1, size - args.size)) for _ in range(args.count)]
    reference = None
    ok = True
    for path in args.files:
        fd = os.open(path, os.O_RDONLY)
        got, samples = [], []
        start = time.perf_counter()
        for off in offsets:
            t = time.perf_counter()
            got.append(os.pread(fd, args.size, off))
            samples.append(time.perf_counter() - t)
        total = time.perf_counter() - start
        os.close(fd)
        if reference is None:
            reference = got
        elif got != reference:
            print(f"{path}: bytes differ from {args.files[0]}", file=sys.stderr)
            ok = False
        samples.sort()
        print(f"{path} reads {len(samples)} median_us {samples[len(samples) // 2] * 1e6:.1f} "
              f"p99_us {samples[int(len(samples) * 0.99)] * 1e6:.1f} "
              f"MiB_per_s {len(samples) * args.size / total / 2**20:.1f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

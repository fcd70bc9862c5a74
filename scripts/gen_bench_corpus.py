#!/usr/bin/env python3
"""Writes a synthetic log dir for logdex's benchmarks (scripts/bench.sh).

usage:
  gen_bench_corpus.py OUT --mb N [--seed S]          realistic mix, about N MiB
  gen_bench_corpus.py OUT --rows N --tiny [--seed S] one claude file of N ~150-byte lines
  gen_bench_corpus.py OUT --files N [--seed S] [--grow]
                                                     N small files of 5 lines each (5N rows)
  gen_bench_corpus.py OUT --gb N [--seed S] [--grow] a big dir of about N GiB, fast: copies
                                                     of one 256 MiB realistic mix
  gen_bench_corpus.py OUT --sessions N [--seed S]    N sessions: one small Claude Code file each

The realistic mix, by bytes: ~35% pi session stores, ~35% Claude Code sessions, ~20% Codex
rollouts, ~10% generic JSON-lines logs; every file has 5-400 lines. Nothing is damaged: every
line is one valid JSON object ending in '\\n', so `jq` parses all of them (the baseline).

  pi/sessions/sNNNN.v2/segments/0000000000000001.seg    SegmentFrames (PI_FORMAT §2): compact,
                                                        payloadSha256/payloadBytes of the exact
                                                        payload bytes, payload keys sorted
  pi/sessions/sNNNN.v2/index/offsets.jsonl              the rows pi's rebuild_index writes
  claude/projects/-home-dev-projN/<uuid>.jsonl          Claude Code session lines
  codex/sessions/2026/MM/DD/rollout-...-<uuid>.jsonl    session_meta, then response_item/event_msg
  misc/app-NNNN.ndjson                                  generic application log

--files N: file i (0 <= i < N) is claude (50%), codex (30%) or generic (20%), chosen by i, with
5 lines of a few hundred bytes each; at most 1,000 files per directory:
  claude/projects/-home-dev-pDDDD/<uuid>.jsonl          DDDD = i // 1000
  codex/sessions/YYYY/MM/DD/rollout-...-<uuid>.jsonl    one day per 1,000 files
  misc/app-DDDD/log-IIIIIII.ndjson
Every file has its own random stream (seed, i), so file i is the same bytes whatever N is:
--grow keeps the files an earlier, smaller run wrote and adds the missing ones (the bench's
scale curve grows one dir 100k -> 250k -> ... -> 1M). About 17 s per 100,000 files (2 vCPU,
mostly Python).

--sessions N: N Claude Code session files of 4 lines each, every one its own sessionId (the
session views' benchmark, SPEC §10), at most 1,000 files per project directory:
  claude/projects/-home-dev-sDDDD/<uuid>.jsonl          DDDD = i // 1000
File i's mtime is EPOCH + i minutes, so each session has its own "last new frame" time and
`ls -t MNT/.logdex/sessions` lists them newest (highest i) first. About 15 s per 100,000.

--gb N: writes copy0000/ (the --mb 256 mix, ~25 s) once, then byte-identical copies
copy0001/, copy0002/, ... with copy_file_range until the total reaches N GiB (rounded up to a
whole copy, 256 MiB). Sessions therefore repeat: a copy's rows differ from the original's only
in `file`. --grow adds copies to an existing dir. About 25 s + 5 s per GiB (75 s for 10 GiB on
the 2 vCPU dev VM), bound by the disk.

Deterministic: the same arguments give the same bytes. Python 3 standard library only.
"""

import argparse
import datetime
import hashlib
import json
import os
import random
import shutil
import sys

EPOCH = datetime.datetime(2026, 1, 1)
PI_FRAME_SCHEMA = "pi.session_store_v2.segment_frame.v1"
PI_OFFSET_SCHEMA = "pi.session_store_v2.offset_index.v1"
PI_ENTRY_TYPES = ["message"] * 12 + ["model_change", "thinking_level_change", "label", "custom"]

# Words for message text; a few are non-ASCII, as real sessions are.
WORDS = (
    "the a to of and in is it that for on with as this be are by file function test build "
    "index row frame mount cache error value return string line offset length read write "
    "append rename session agent tool call result output input config parse check fix update "
    "please could you make sure we should now then also run again works fails because "
    "naïve café résumé façade übersicht Straße señal 日本語 テスト 中文 ✓ → … — 🚀 🙂"
).split()

_CRC_TABLE = []


def _crc_table():
    if not _CRC_TABLE:
        for i in range(256):
            c = i
            for _ in range(8):
                c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
            _CRC_TABLE.append(c)
    return _CRC_TABLE


def crc32c(data):
    """CRC-32C (Castagnoli) as 8 uppercase hex digits; '123456789' -> E3069283."""
    table = _crc_table()
    crc = 0xFFFFFFFF
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return "%08X" % (crc ^ 0xFFFFFFFF)


def compact(obj, sort_keys=False):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys)


class Gen:
    def __init__(self, seed, lines=None, scale=1):
        self.rng = random.Random(seed)
        # Seconds since EPOCH (UTC); advances as lines are written.
        self.clock = 0.0
        # Lines per file (None: 5-400 at random) and a divisor of the message text's length.
        self.lines = lines
        self.scale = scale

    def uuid(self):
        h = "%032x" % self.rng.getrandbits(128)
        return "%s-%s-4%s-%s-%s" % (h[0:8], h[8:12], h[13:16], h[16:20], h[20:32])

    def hex8(self):
        return "%08x" % self.rng.getrandbits(32)

    def text(self, lo, hi):
        lo, hi = max(2, lo // self.scale), max(3, hi // self.scale)
        return " ".join(self.rng.choices(WORDS, k=self.rng.randint(lo, hi)))

    def tick(self):
        self.clock += self.rng.uniform(0.2, 30.0)
        return self.stamp()

    def stamp(self):
        t = EPOCH + datetime.timedelta(milliseconds=int(self.clock * 1000))
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)

    def n_lines(self):
        return self.lines if self.lines else self.rng.randint(5, 400)

    # ---- sources ----

    def claude_lines(self, project):
        session, parent, lines = self.uuid(), None, []
        cwd = "/home/dev/" + project
        for i in range(self.n_lines()):
            uid = self.uuid()
            if i % 2 == 0:
                kind = "user"
                message = {"role": "user", "content": self.text(20, 80)}
            else:
                kind = "assistant"
                message = {
                    "id": "msg_" + "%024x" % self.rng.getrandbits(96),
                    "type": "message",
                    "role": "assistant",
                    "model": "claude-sonnet-4-20250514",
                    "content": [{"type": "text", "text": self.text(30, 120)}],
                    "stop_reason": None,
                    "usage": {"input_tokens": self.rng.randint(4, 9000),
                              "output_tokens": self.rng.randint(1, 2000)},
                }
            line = {
                "parentUuid": parent, "isSidechain": False, "userType": "external",
                "cwd": cwd, "sessionId": session, "version": "1.0.51", "gitBranch": "main",
                "type": kind, "message": message, "uuid": uid, "timestamp": self.tick(),
            }
            lines.append(compact(line))
            parent = uid
        return lines

    def codex_lines(self):
        sid, lines = self.uuid(), []
        lines.append(compact({
            "timestamp": self.tick(), "type": "session_meta",
            "payload": {"id": sid, "timestamp": self.stamp(), "cwd": "/home/dev/work",
                        "originator": "codex_cli_rs", "cli_version": "0.36.0",
                        "instructions": None},
        }))
        for _ in range(self.n_lines() - 1):
            r = self.rng.random()
            if r < 0.45:
                role = self.rng.choice(["user", "assistant"])
                kind = "input_text" if role == "user" else "output_text"
                item = {"timestamp": self.tick(), "type": "response_item",
                        "payload": {"type": "message", "role": role,
                                    "content": [{"type": kind, "text": self.text(20, 100)}]}}
            elif r < 0.7:
                item = {"timestamp": self.tick(), "type": "response_item",
                        "payload": {"type": "function_call", "name": "shell",
                                    "arguments": compact({"command": ["bash", "-lc",
                                                                      self.text(3, 12)]}),
                                    "call_id": "call_" + self.hex8() + self.hex8()}}
            else:
                item = {"timestamp": self.tick(), "type": "event_msg",
                        "payload": {"type": "agent_message", "message": self.text(10, 60)}}
            lines.append(compact(item))
        return lines

    def pi_frames(self, store):
        """Returns (segment lines, offsets.jsonl lines) of one store with one segment."""
        frames, offsets, parent, offset = [], [], None, 0
        for seq in range(1, self.n_lines() + 1):
            eid = self.hex8()
            etype = self.rng.choice(PI_ENTRY_TYPES)
            ts = self.tick()
            if etype == "message":
                role = "user" if seq % 2 else "assistant"
                payload = {"type": "message", "id": eid, "parentId": parent, "timestamp": ts,
                           "message": {"role": role, "content": self.text(20, 100),
                                       "timestamp": int(self.clock * 1000)}}
            else:
                payload = {"type": etype, "id": eid, "parentId": parent, "timestamp": ts,
                           "data": {"note": self.text(3, 15)}}
            if parent is None:
                del payload["parentId"]
            raw = compact(payload, sort_keys=True).encode()
            head = {"schema": PI_FRAME_SCHEMA, "segmentSeq": 1, "frameSeq": seq,
                    "entrySeq": seq, "entryId": eid}
            if parent is not None:
                head["parentEntryId"] = parent
            head.update({"entryType": etype, "timestamp": ts,
                         "payloadSha256": hashlib.sha256(raw).hexdigest(),
                         "payloadBytes": len(raw)})
            line = compact(head)[:-1].encode() + b',"payload":' + raw + b"}\n"
            frames.append(line)
            offsets.append(compact({
                "schema": PI_OFFSET_SCHEMA, "entrySeq": seq, "entryId": eid, "segmentSeq": 1,
                "frameSeq": seq, "byteOffset": offset, "byteLength": len(line),
                "crc32c": crc32c(line), "state": "active"}).encode() + b"\n")
            offset += len(line)
            parent = eid
        return frames, offsets

    def misc_lines(self, app):
        lines, parent = [], None
        sid = "run-%04d" % app
        for _ in range(self.n_lines()):
            lid = self.hex8()
            line = {"type": self.rng.choice(["request", "response", "job", "metric"]),
                    "id": lid, "parentId": parent, "run": sid,
                    "timestamp": self.tick(),
                    "level": self.rng.choice(["debug", "info", "info", "warn"]),
                    "msg": self.text(8, 40),
                    "latency_ms": round(self.rng.uniform(0.1, 900.0), 3)}
            if parent is None:
                del line["parentId"]
            lines.append(compact(line))
            parent = lid
        return lines


def write_file(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def encode_lines(lines):
    return "".join(line + "\n" for line in lines).encode()


def gen_mix(out, total_bytes, seed):
    g = Gen(seed)
    shares = {"pi": 0.35, "claude": 0.35, "codex": 0.20, "misc": 0.10}
    done = {k: 0 for k in shares}
    counters = {k: 0 for k in shares}
    files = 0
    while sum(done.values()) < total_bytes:
        # The source furthest below its share goes next: the mix holds at any size.
        kind = min(shares, key=lambda k: done[k] / (shares[k] * total_bytes))
        n = counters[kind]
        counters[kind] += 1
        if kind == "pi":
            root = os.path.join(out, "pi", "sessions", "s%04d.v2" % n)
            frames, offsets = g.pi_frames("s%04d" % n)
            done[kind] += write_file(
                os.path.join(root, "segments", "0000000000000001.seg"), b"".join(frames))
            write_file(os.path.join(root, "index", "offsets.jsonl"), b"".join(offsets))
        elif kind == "claude":
            project = "proj%d" % (n % 20)
            path = os.path.join(out, "claude", "projects", "-home-dev-" + project,
                                g.uuid() + ".jsonl")
            done[kind] += write_file(path, encode_lines(g.claude_lines(project)))
        elif kind == "codex":
            g.tick()
            stamp = g.stamp()  # 2026-MM-DDTHH:MM:SS.mmmZ
            path = os.path.join(out, "codex", "sessions", "2026", stamp[5:7], stamp[8:10],
                                "rollout-%s-%s.jsonl" % (stamp[:19].replace(":", "-"), g.uuid()))
            done[kind] += write_file(path, encode_lines(g.codex_lines()))
        else:
            path = os.path.join(out, "misc", "app-%04d.ndjson" % n)
            done[kind] += write_file(path, encode_lines(g.misc_lines(n)))
        files += 1
    total = sum(done.values())
    mix = ", ".join("%s %.0f%%" % (k, 100.0 * done[k] / total) for k in shares)
    print("gen_bench_corpus: %s: %d files, %.1f MiB of logs (%s)"
          % (out, files, total / 1048576.0, mix), file=sys.stderr)


def gen_rows(out, rows, tiny, seed):
    g = Gen(seed)
    session = g.uuid()
    path = os.path.join(out, "claude", "projects", "-home-dev-tiny", session + ".jsonl")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    size = 0
    with open(path, "wb") as f:
        batch = []
        for i in range(rows):
            if tiny:
                # ~150 bytes: just the fields the index reads.
                line = '{"type":"%s","uuid":"%s","sessionId":"%s","timestamp":"%s","n":%d}\n' % (
                    "user" if i % 2 == 0 else "assistant", g.uuid(), session, g.tick(), i)
            else:
                line = compact({"type": "user", "uuid": g.uuid(), "sessionId": session,
                                "timestamp": g.tick(),
                                "message": {"role": "user", "content": g.text(20, 80)}}) + "\n"
            batch.append(line)
            if len(batch) == 10000:
                data = "".join(batch).encode()
                f.write(data)
                size += len(data)
                batch = []
        data = "".join(batch).encode()
        f.write(data)
        size += len(data)
    print("gen_bench_corpus: %s: %d rows, %.1f MiB" % (path, rows, size / 1048576.0),
          file=sys.stderr)


FILES_PER_DIR = 1000
GB_POOL_MIB = 256


def small_file(out, i, seed):
    """(path, bytes) of file i of --files: 5 lines; the path is drawn first, so it is cheap."""
    g = Gen(seed * 1000003 + i, lines=5, scale=5)
    d = i // FILES_PER_DIR
    g.clock = d * 86400.0 + (i % FILES_PER_DIR) * 60.0
    kind = i % 10
    if kind < 5:
        project = "p%04d" % d
        path = os.path.join(out, "claude", "projects", "-home-dev-" + project, g.uuid() + ".jsonl")
        return path, lambda: encode_lines(g.claude_lines(project))
    if kind < 8:
        stamp = g.stamp()
        path = os.path.join(out, "codex", "sessions", stamp[0:4], stamp[5:7], stamp[8:10],
                            "rollout-%s-%s.jsonl" % (stamp[:19].replace(":", "-"), g.uuid()))
        return path, lambda: encode_lines(g.codex_lines())
    path = os.path.join(out, "misc", "app-%04d" % d, "log-%07d.ndjson" % i)
    return path, lambda: encode_lines(g.misc_lines(i))


def gen_files(out, n, seed):
    made = kept = size = 0
    dirs = set()
    for i in range(n):
        path, render = small_file(out, i, seed)
        parent = os.path.dirname(path)
        if parent not in dirs:
            os.makedirs(parent, exist_ok=True)
            dirs.add(parent)
        if os.path.exists(path):
            kept += 1
            continue
        data = render()
        with open(path, "wb") as f:
            f.write(data)
        made += 1
        size += len(data)
    print("gen_bench_corpus: %s: %d small files (%d written, %.1f MiB; %d kept), %d rows"
          % (out, n, made, size / 1048576.0, kept, 5 * n), file=sys.stderr)


def gen_sessions(out, n, seed):
    size = 0
    base = (EPOCH - datetime.datetime(1970, 1, 1)).total_seconds()
    for i in range(n):
        g = Gen(seed * 1000003 + i, lines=4, scale=5)
        g.clock = i * 60.0
        project = "s%04d" % (i // FILES_PER_DIR)
        path = os.path.join(out, "claude", "projects", "-home-dev-" + project, g.uuid() + ".jsonl")
        if i % FILES_PER_DIR == 0:
            os.makedirs(os.path.dirname(path), exist_ok=True)
        data = encode_lines(g.claude_lines(project))
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, (base + i * 60.0, base + i * 60.0))
        size += len(data)
    print("gen_bench_corpus: %s: %d session files (%.1f MiB), %d rows"
          % (out, n, size / 1048576.0, 4 * n), file=sys.stderr)


def copy_tree(src, dst):
    for root, _, names in os.walk(src):
        target = os.path.join(dst, os.path.relpath(root, src))
        os.makedirs(target, exist_ok=True)
        for name in names:
            with open(os.path.join(root, name), "rb") as fi, \
                    open(os.path.join(target, name), "wb") as fo:
                left = os.fstat(fi.fileno()).st_size
                while left > 0:
                    n = os.copy_file_range(fi.fileno(), fo.fileno(), left)
                    if n <= 0:
                        raise OSError("copy_file_range returned %d" % n)
                    left -= n


def gen_gb(out, gib, seed):
    pool = os.path.join(out, "copy0000")
    if not os.path.isdir(pool):
        gen_mix(pool, GB_POOL_MIB * 1048576, seed)
    copies = int(-(-gib * 1024 // GB_POOL_MIB))  # ceil
    have = 0
    for k in range(1, max(copies, 1)):
        dst = os.path.join(out, "copy%04d" % k)
        if os.path.isdir(dst):
            have += 1
            continue
        # Written under a temporary name, so an interrupted copy is not counted as whole.
        tmp = os.path.join(out, ".partial-copy%04d" % k)
        if os.path.exists(tmp):
            shutil.rmtree(tmp)
        copy_tree(pool, tmp)
        os.rename(tmp, dst)
    print("gen_bench_corpus: %s: %d copies of %d MiB (%d were there), %.2f GiB of logs"
          % (out, max(copies, 1), GB_POOL_MIB, have, max(copies, 1) * GB_POOL_MIB / 1024.0),
          file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="directory to create (must not exist or be empty)")
    ap.add_argument("--mb", type=float, help="size of the realistic mix in MiB")
    ap.add_argument("--rows", type=int, help="write one claude file of this many rows")
    ap.add_argument("--tiny", action="store_true", help="with --rows: ~150-byte lines")
    ap.add_argument("--files", type=int, help="write this many small files of 5 lines each")
    ap.add_argument("--gb", type=float, help="a big dir of about this many GiB (copies)")
    ap.add_argument("--sessions", type=int, help="write this many one-file Claude sessions")
    ap.add_argument("--grow", action="store_true",
                    help="with --files or --gb: OUT may hold an earlier run's output; add to it")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    modes = [m for m in (args.mb, args.rows, args.files, args.gb, args.sessions) if m is not None]
    if len(modes) != 1:
        ap.error("give exactly one of --mb, --rows, --files, --gb and --sessions")
    if args.tiny and args.rows is None:
        ap.error("--tiny goes with --rows")
    if args.grow and args.files is None and args.gb is None:
        ap.error("--grow goes with --files or --gb")
    if os.path.exists(args.out) and os.listdir(args.out) and not args.grow:
        ap.error("%s exists and is not empty" % args.out)
    os.makedirs(args.out, exist_ok=True)
    if args.mb is not None:
        gen_mix(args.out, int(args.mb * 1048576), args.seed)
    elif args.rows is not None:
        gen_rows(args.out, args.rows, args.tiny, args.seed)
    elif args.files is not None:
        gen_files(args.out, args.files, args.seed)
    elif args.sessions is not None:
        gen_sessions(args.out, args.sessions, args.seed)
    else:
        gen_gb(args.out, args.gb, args.seed)


if __name__ == "__main__":
    main()

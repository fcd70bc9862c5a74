#!/usr/bin/env python3
"""Writes a synthetic log dir for logdex's benchmarks (scripts/bench.sh).

usage:
  gen_bench_corpus.py OUT --mb N [--seed S]          realistic mix, about N MiB
  gen_bench_corpus.py OUT --rows N --tiny [--seed S] one claude file of N ~150-byte lines

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

Deterministic: the same arguments give the same bytes. Python 3 standard library only.
"""

import argparse
import datetime
import hashlib
import json
import os
import random
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
    def __init__(self, seed):
        self.rng = random.Random(seed)
        # Seconds since EPOCH (UTC); advances as lines are written.
        self.clock = 0.0

    def uuid(self):
        h = "%032x" % self.rng.getrandbits(128)
        return "%s-%s-4%s-%s-%s" % (h[0:8], h[8:12], h[13:16], h[16:20], h[20:32])

    def hex8(self):
        return "%08x" % self.rng.getrandbits(32)

    def text(self, lo, hi):
        return " ".join(self.rng.choices(WORDS, k=self.rng.randint(lo, hi)))

    def tick(self):
        self.clock += self.rng.uniform(0.2, 30.0)
        return self.stamp()

    def stamp(self):
        t = EPOCH + datetime.timedelta(milliseconds=int(self.clock * 1000))
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)

    def n_lines(self):
        return self.rng.randint(5, 400)

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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="directory to create (must not exist or be empty)")
    ap.add_argument("--mb", type=float, help="size of the realistic mix in MiB")
    ap.add_argument("--rows", type=int, help="write one claude file of this many rows")
    ap.add_argument("--tiny", action="store_true", help="with --rows: ~150-byte lines")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if (args.mb is None) == (args.rows is None):
        ap.error("give exactly one of --mb and --rows")
    if args.tiny and args.rows is None:
        ap.error("--tiny goes with --rows")
    if os.path.exists(args.out) and os.listdir(args.out):
        ap.error("%s exists and is not empty" % args.out)
    os.makedirs(args.out, exist_ok=True)
    if args.mb is not None:
        gen_mix(args.out, int(args.mb * 1048576), args.seed)
    else:
        gen_rows(args.out, args.rows, args.tiny, args.seed)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the small pi session store v2 bundled in tests/data/sample-logs/pi/.

usage: scripts/make_pi_sample.py [SAMPLE_LOG_DIR]     (default: tests/data/sample-logs)

Written from ../shared/PI_FORMAT.md §2 (segment frames) and §3/§5.2 (offset index rows); it is
a fixture generator, not a pi implementation. Output is deterministic (fixed ids and
timestamps), so re-running it rewrites byte-identical files. The generated files are committed:
tests and the demo never need python.

Layout written (relative to SAMPLE_LOG_DIR):
  pi/sessions/demo.jsonl                           the session JSONL pi keeps beside its store
  pi/sessions/demo.v2/segments/0000000000000001.seg  frames 1..4
  pi/sessions/demo.v2/segments/0000000000000002.seg  frames 5..6 (rotation at a small limit)
  pi/sessions/demo.v2/index/offsets.jsonl          what pi's rebuild_index writes for them
"""
import hashlib
import json
import os
import sys

FRAME_SCHEMA = "pi.session_store_v2.segment_frame.v1"
INDEX_SCHEMA = "pi.session_store_v2.offset_index.v1"
SESSION_ID = "0b7c9e4e-5d7a-4f0e-9a51-3c2f1d8e6a10"

# (entryId, parentEntryId, entryType, frame write time, payload object)
ENTRIES = [
    ("a1b2c3d4", None, "model_change", "2026-01-15T10:00:00.100Z",
     {"id": "a1b2c3d4", "modelId": "claude-sonnet-4", "parentId": None, "provider": "anthropic",
      "timestamp": "2026-01-15T10:00:00.000Z", "type": "model_change"}),
    ("b2c3d4e5", "a1b2c3d4", "message", "2026-01-15T10:00:05.200Z",
     {"id": "b2c3d4e5", "message": {"content": [{"text": "List the files in src/", "type": "text"}],
                                    "role": "user", "timestamp": 1768471205000},
      "parentId": "a1b2c3d4", "timestamp": "2026-01-15T10:00:05.000Z", "type": "message"}),
    ("c3d4e5f6", "b2c3d4e5", "message", "2026-01-15T10:00:09.300Z",
     {"id": "c3d4e5f6", "message": {"content": [{"text": "src/ has main.cc and util.cc.", "type": "text"}],
                                    "role": "assistant", "timestamp": 1768471209000},
      "parentId": "b2c3d4e5", "timestamp": "2026-01-15T10:00:09.000Z", "type": "message"}),
    ("d4e5f6a7", "c3d4e5f6", "thinking_level_change", "2026-01-15T10:01:00.400Z",
     {"id": "d4e5f6a7", "parentId": "c3d4e5f6", "thinkingLevel": "high",
      "timestamp": "2026-01-15T10:01:00.000Z", "type": "thinking_level_change"}),
    ("e5f6a7b8", "d4e5f6a7", "message", "2026-01-15T10:01:10.500Z",
     {"id": "e5f6a7b8", "message": {"content": [{"text": "Explain util.cc — briefly ☃", "type": "text"}],
                                    "role": "user", "timestamp": 1768471270000},
      "parentId": "d4e5f6a7", "timestamp": "2026-01-15T10:01:10.000Z", "type": "message"}),
    ("f6a7b8c9", "e5f6a7b8", "label", "2026-01-15T10:01:20.600Z",
     {"id": "f6a7b8c9", "label": "util-review", "parentId": "e5f6a7b8", "targetId": "e5f6a7b8",
      "timestamp": "2026-01-15T10:01:20.000Z", "type": "label"}),
]
ENTRIES_PER_SEGMENT = 4  # stands in for a small max_segment_bytes


def compact(value, sort_keys):
    # pi's payloads come from serde_json::Value (a BTreeMap: keys sorted at every level);
    # frames and rows are typed structs (fields in declaration order). Both compact, raw UTF-8.
    return json.dumps(value, sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False)


def frame_line(segment_seq, frame_seq, entry_seq, entry):
    entry_id, parent_id, entry_type, written_at, payload = entry
    payload_bytes = compact(payload, sort_keys=True).encode("utf-8")
    head = {"schema": FRAME_SCHEMA, "segmentSeq": segment_seq, "frameSeq": frame_seq,
            "entrySeq": entry_seq, "entryId": entry_id}
    if parent_id is not None:
        head["parentEntryId"] = parent_id
    head["entryType"] = entry_type
    head["timestamp"] = written_at
    head["payloadSha256"] = hashlib.sha256(payload_bytes).hexdigest()
    head["payloadBytes"] = len(payload_bytes)
    # The payload goes in as its exact bytes, never re-serialized (PI_FORMAT.md §2.2).
    prefix = compact(head, sort_keys=False)[:-1].encode("utf-8")
    return prefix + b',"payload":' + payload_bytes + b"}\n"


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def index_row(entry_seq, entry_id, segment_seq, frame_seq, offset, line):
    row = {"schema": INDEX_SCHEMA, "entrySeq": entry_seq, "entryId": entry_id,
           "segmentSeq": segment_seq, "frameSeq": frame_seq, "byteOffset": offset,
           "byteLength": len(line), "crc32c": "%08X" % crc32c(line), "state": "active"}
    return compact(row, sort_keys=False).encode("utf-8") + b"\n"


def session_jsonl():
    # pi's own session file: a header line, then each entry in struct field order.
    lines = [{"type": "session", "version": 3, "id": SESSION_ID,
              "timestamp": "2026-01-15T10:00:00.000Z", "cwd": "/home/dev/demo"}]
    for _, _, _, _, payload in ENTRIES:
        ordered = {"type": payload["type"], "id": payload["id"], "parentId": payload["parentId"],
                   "timestamp": payload["timestamp"]}
        ordered.update({k: v for k, v in payload.items() if k not in ordered})
        lines.append(ordered)
    return b"".join(compact(line, sort_keys=False).encode("utf-8") + b"\n" for line in lines)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main():
    assert crc32c(b"123456789") == 0xE3069283
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "sample-logs")
    store = os.path.join(root, "pi", "sessions", "demo.v2")
    segments, index = {}, b""
    for i, entry in enumerate(ENTRIES):
        entry_seq = i + 1
        segment_seq = i // ENTRIES_PER_SEGMENT + 1
        frame_seq = i % ENTRIES_PER_SEGMENT + 1
        line = frame_line(segment_seq, frame_seq, entry_seq, entry)
        offset = len(segments.get(segment_seq, b""))
        segments[segment_seq] = segments.get(segment_seq, b"") + line
        index += index_row(entry_seq, entry[0], segment_seq, frame_seq, offset, line)
    for segment_seq, data in segments.items():
        write(os.path.join(store, "segments", "%016d.seg" % segment_seq), data)
    write(os.path.join(store, "index", "offsets.jsonl"), index)
    write(os.path.join(root, "pi", "sessions", "demo.jsonl"), session_jsonl())


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the hand-made files of tests/data/sessions/ (SPEC §10 session views).

usage: python3 tests/data/sessions.make.py [SESSIONS_DIR]   (default: tests/data/sessions)

The fixture's other files are real frames copied from public test fixtures (origins in
tests/data/sessions/SOURCES.md); this script writes only the files that hold what no real log
has on purpose: ids that need encoding in a file name, ids that get no file, corrupt frames, a
torn tail and a pi store with a damaged frame. Deterministic: running it again rewrites the same
bytes. The files are committed; tests never run this script.

Written (relative to SESSIONS_DIR):
  misc/weird-ids.ndjson                                 generic JSON-lines log (source jsonl):
                                                        one frame per odd id, rows without a
                                                        sessionId, a sessionId that is no string
  claude/projects/-home-dev-damaged/damaged-session.jsonl  session "damaged-1": 2 valid frames,
                                                        4 corrupt ones (left out), a blank line
                                                        and a torn tail of the same session
  misc/torn-only.ndjson                                 a session ("torn-only") whose only frame
                                                        is a torn tail: no file
  pi/sessions/broken.v2/segments/0000000000000001.seg   pi session "broken": frames 1 and 3 valid,
                                                        frame 2 with a wrong payloadSha256
"""
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def write(root, rel, data):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def lines(*raw):
    """Each argument is one frame's exact bytes (JSON escapes written out, never decoded)."""
    return b"".join(r.encode("utf-8") + b"\n" for r in raw)


def frame(session_json, n, kind="note"):
    """A frame whose sessionId member is SESSION_JSON, a JSON string literal as it appears."""
    return '{"type":"%s","id":"w%d","sessionId":%s,"text":"frame %d"}' % (kind, n, session_json, n)


def weird_ids():
    # SPEC §10: a name is the id's UTF-8 bytes with %, / and bytes below 0x20 as %XX and a
    # leading . as %2E; an unpaired surrogate or a name + ".ndjson" over 255 bytes: no file.
    # The expected name of each is in the comment; tests compute them independently.
    return lines(
        '{"type":"header","id":"h0","text":"no sessionId: source jsonl, row without a session"}',
        frame('"50%/done"', 1),                       # 50%25%2Fdone.ndjson
        frame('"\\u0001ctl\\ttab\\nnl"', 2),           # %01ctl%09tab%0Anl.ndjson
        frame('"nul\\u0000byte"', 3),                 # nul%00byte.ndjson
        frame('".hidden"', 4),                        # %2Ehidden.ndjson
        frame('".."', 5),                             # %2E..ndjson (only the leading dot)
        frame('"%2Ehidden"', 6),                      # %252Ehidden.ndjson (not .hidden's name)
        frame('"caf\\u00e9 \\u2603 日本 \\ud83d\\ude00"', 7),  # café ☃ 日本 😀.ndjson (UTF-8)
        frame('"del\\u007f"', 8),                     # del<0x7F>.ndjson (0x7F is not below 0x20)
        frame('"a\\\\b\\"q\\/s"', 9),                 # a\b"q%2Fs.ndjson (\/ decodes to /)
        frame('"\\ud800"', 10),                       # unpaired high surrogate: no file
        frame('"lone\\udc00low"', 11),                # unpaired low surrogate: no file
        frame('"%s/"' % ("x" * 245), 12),             # 245 + 3 + 7 = 255 bytes: a file
        frame('"%s/"' % ("y" * 246), 13),             # 246 + 3 + 7 = 256 bytes: no file
        frame('"%s"' % ("\u00e9" * 124), 14),         # 248 + 7 = 255 bytes: a file
        frame('"%s"' % ("z" * 300), 15),              # 307 bytes: no file
        frame('"50%/done"', 16),                      # the same session again, later in the file
        '{"type":"note","id":"w17","sessionId":"first","sessionId":"second"}',  # first counts
        '{"type":"note","id":"w18","sessionId":42}',  # not a string: no sessionId
        '{"type":"note","id":"w19","sessionId":null}',
        '{"type":"note","id":"w20","sessionId":{"id":"nested"}}',
        frame('"demo"', 21),                          # joins the pi store's session "demo"
        frame('"\\u0001ctl\\ttab\\nnl"', 22),          # the same id, written with other escapes:
        frame('"\\u0001ctl\\u0009tab\\u000anl"', 23),  # one session (ids compare decoded)
        '{"type":"trailer","id":"t0"}',
    )


def damaged_session():
    sid = '"damaged-1"'
    return (
        lines(
            '{"type":"user","uuid":"d1","sessionId":%s,"message":{"content":"first"}}' % sid,
            # Corrupt (json): cut short. Corrupt rows carry no sessionId: never in a session.
            '{"type":"user","uuid":"d2","sessionId":%s,"message":{"content":"cut' % sid,
        )
        # Corrupt (json): invalid UTF-8 inside a string.
        + b'{"type":"user","uuid":"d3","sessionId":"damaged-1","message":{"content":"\xff\xfe"}}\n'
        + lines(
            # Corrupt (json): two values on one line.
            '{"type":"user","uuid":"d4","sessionId":%s} {"x":1}' % sid,
            # Corrupt, and the only frame of its session: that session has no file.
            '{"type":"user","uuid":"d5","sessionId":"only-corrupt",',
            '{"type":"assistant","uuid":"d6","sessionId":%s,"message":{"content":"second"}}' % sid,
            "   ",  # blank: not a frame
        )
        # Torn tail (no \n): not a frame yet, so not in the session until its \n arrives.
        + b'{"type":"assistant","uuid":"d7","sessionId":"damaged-1","message":{"content":"torn"}}'
    )


def torn_only():
    return (lines('{"type":"note","id":"n1"}')
            + b'{"type":"note","id":"n2","sessionId":"torn-only"}')


def pi_segment():
    # SegmentFrames as in PI_FORMAT.md §2 (like scripts/make_pi_sample.py): compact, the payload's
    # exact bytes hashed. Frame 2's payloadSha256 is that of other bytes: corrupt payload_hash.
    out = b""
    parent = None
    for seq in (1, 2, 3):
        eid = "b%07d" % seq
        payload = {"id": eid, "parentId": parent, "timestamp": "2026-02-0%dT08:00:00.000Z" % seq,
                   "type": "message",
                   "message": {"role": "user" if seq % 2 else "assistant",
                               "content": [{"text": "broken store, frame %d" % seq, "type": "text"}]}}
        raw = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        digest = hashlib.sha256(raw if seq != 2 else raw + b" ").hexdigest()
        head = {"schema": "pi.session_store_v2.segment_frame.v1", "segmentSeq": 1,
                "frameSeq": seq, "entrySeq": seq, "entryId": eid}
        if parent:
            head["parentEntryId"] = parent
        head.update({"entryType": "message", "timestamp": payload["timestamp"],
                     "payloadSha256": digest, "payloadBytes": len(raw)})
        out += json.dumps(head, separators=(",", ":"))[:-1].encode() + b',"payload":' + raw + b"}\n"
        parent = eid
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "sessions")
    write(root, "misc/weird-ids.ndjson", weird_ids())
    write(root, "claude/projects/-home-dev-damaged/damaged-session.jsonl", damaged_session())
    write(root, "misc/torn-only.ndjson", torn_only())
    write(root, "pi/sessions/broken.v2/segments/0000000000000001.seg", pi_segment())


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes tests/data/bad-frames/: one small log file per kind of bad frame content
(SPEC §1-§3, §9), each ending in a valid frame so the test can see that what
follows the damage still indexes right. No giant lines (the mount test makes
those at run time). The expected index, tests/data/bad-frames.expected.ndjson,
is `logdex index tests/data/bad-frames`, checked by hand against SPEC; see
tests/data/bad-frames.md for where the reference model disagrees with SPEC.

Usage: python3 tests/data/bad-frames.make.py [DIR]   (default: next to this file)
"""
import hashlib
import os
import shutil
import sys


def ok(t):
    return b'{"type":"%s"}\n' % t.encode()


def pi_frame(entry_seq: bytes) -> bytes:
    payload = b'{"role":"user"}'
    return (b'{"schema":"pi.session_store_v2.segment_frame.v1","segmentSeq":1,"frameSeq":1,'
            b'"entrySeq":' + entry_seq + b',"entryId":"e1","entryType":"message","timestamp":"t",'
            b'"payloadSha256":"' + hashlib.sha256(payload).hexdigest().encode() +
            b'","payloadBytes":' + str(len(payload)).encode() + b',"payload":' + payload + b'}\n')


def nest(depth, open_, close, inner=b""):
    return open_ * depth + inner + close * depth


def deep(value: bytes) -> bytes:
    return b'{"type":"d","v":' + value + b'}\n'


BAD_UTF8 = [
    b"\xC0\x80", b"\xC1\xBF", b"\xE0\x80\xAF", b"\xF0\x80\x80\xAF",  # overlongs
    b"\xED\xA0\x80", b"\xED\xBF\xBF", b"\xED\xA0\xBD\xED\xB8\x80",  # surrogates in UTF-8
    b"\xE2\x82", b"\xF0\x9F\x98", b"\xC3",  # truncated
    b"\xF4\x90\x80\x80", b"\xF5\x80\x80\x80", b"\xFE", b"\xFF",  # too high
    b"\x80", b"a\xBFz",  # stray continuation bytes
    b"\xF8\x88\x80\x80\x80", b"\xFC\x84\x80\x80\x80\x80",  # 5- and 6-byte forms
]

FILES = {
    "utf8/in-strings.jsonl":
        ok("before") + b"".join(b'{"type":"x","s":"' + b + b'"}\n' for b in BAD_UTF8) + ok("after"),
    "utf8/outside-strings.jsonl":
        b'{"a":1,\x80"b":2}\n{"k\xFF":1}\n{"a":1}\xC3\xA9\n{"a":1}\xE9\n\xE9{"a":1}\n' + ok("after"),
    "utf8/valid-edges.jsonl":
        b'{"type":"\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF\xEF\xBB\xBF'
        b'\xF0\x90\x80\x80\xF4\x8F\xBF\xBF"}\n',
    "nul.jsonl":
        ok("a") + b'{"type":"a\0\0\0b"}\n{"type":"a"}\0\0\0\0\n\0\0\0\0{"type":"a"}\n' +
        b"\0" * 4096 + b"\n" + ok("after"),
    "nul-torn.jsonl": ok("a") + b"\0" * 1000,
    "binary.jsonl":
        b"\x89PNG\r\n\x1A\n\0\0\0\rIHDR\0\0\x01\0\xFF\xFE\xFD\n"
        b"\x7FELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0\n" + bytes(range(256)) * 4,
    "empty.jsonl": b"",
    "torn-only.jsonl": b'{"type":"half',
    "crlf.jsonl":
        b'{"type":"a"}\r\n{"type":"a"}\r\r\n  {"type":"a"} \t\r\n{"type":"a"}\n',
    "blank.jsonl":
        b"\n\r\n   \t \r \n" + b" " * 70000 + b"\t\r\n" + ok("a") + b"\r\r\r\n\x0B\n\x0C\n" +
        ok("after") + b" \t \r",
    "bom.jsonl": b'\xEF\xBB\xBF{"type":"a"}\n' + ok("a") + b"\xEF\xBB\xBF\n\xFE\xFF" + ok("a"),
    "bom-then-claude.jsonl":
        b'\xEF\xBB\xBF{"type":"session_meta","payload":{"id":"c"}}\n'
        b'{"type":"user","sessionId":"s1","uuid":"u1"}\n',
    "depth.jsonl":
        deep(nest(1023, b"[", b"]")) + deep(nest(1024, b"[", b"]")) +
        deep(nest(1023, b'{"a":', b"}", b"null")) + deep(nest(1024, b'{"a":', b"}", b"null")) +
        deep(nest(511, b'[{"k":', b"}]", b"1") + b"") +  # 1 + 1022 = 1023 levels
        deep(b"[" + nest(511, b'{"k":[', b"]}", b"1") + b"]") +  # 1 + 1 + 1022 = 1024
        deep(b"[[" + nest(511, b'{"k":[', b"]}", b"1") + b"]]") +  # 1025
        ok("after"),
    "deep.jsonl":
        deep(nest(100000, b"[", b"]")) + b'{"v":' + b"{" * 20000 + b"\n" +
        b'{"v":' + nest(20000, b'{"a":', b"") + b"\n" + b"]" * 1000 + b"\n" + ok("after"),
    "numbers.jsonl":
        b'{"type":"n","v":18446744073709551616}\n'
        b'{"type":"n","v":-99999999999999999999999999999999999999}\n'
        b'{"type":"n","v":1e400}\n{"type":"n","v":-1.5E-400}\n'
        b'{"type":"n","v":' + b"7" * 5000 + b'}\n'
        b'{"type":"n","v":01}\n{"type":"n","v":1.}\n{"type":"n","v":+1}\n'
        b'{"type":"n","v":NaN}\n{"type":"n","v":Infinity}\n' + ok("after"),
    "store.v2/segments/0001.seg":
        pi_frame(b"18446744073709551615") + pi_frame(b"18446744073709551616") +
        pi_frame(b"99999999999999999999999") + pi_frame(b"1e3") + pi_frame(b"7"),
    "dup.jsonl":
        b'{"type":"first","id":"i1","type":"second","id":"i2","sessionId":"s1","sessionId":"s2"}\n' +
        ok("after"),
    "dup-types.jsonl":
        b'{"type":1,"type":"second","id":null,"id":"i2","parentId":"p"}\n'
        b'{"typ\\u0065":"escaped-first","type":"second"}\n',
    "codex-dup.jsonl":
        b'{"type":"session_meta","payload":{"id":"one","id":"two"},"payload":{"id":"three"}}\n'
        b'{"type":"event","timestamp":"t"}\n',
    "codex-dup-types.jsonl":
        b'{"type":"session_meta","payload":{"id":7,"id":"late"},"payload":{"id":"x"}}\n',
    "surrogates.jsonl":
        b'{"type":"\\uD800x","id":"\\udc00","parentId":"\\ude00\\ud83d"}\n'
        b'{"type":"\\uDBFF","id":"a\\uDFFFb","sessionId":"\\ud83d\\ude00"}\n'
        b'{"type":"\\ud83d\\ude00\\u00e9\\u0000\\u001f\\/"}\n'
        b'{"type":"\\ud83"}\n' + ok("after"),
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "bad-frames")
    shutil.rmtree(out, ignore_errors=True)
    for rel, data in FILES.items():
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()

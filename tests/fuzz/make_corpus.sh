#!/usr/bin/env bash
# Regenerates the seed corpora under tests/fuzz/corpus/<target>/ from the fixtures in tests/data
# (and the worked example of recovery/cache_format.md). Each seed is small (log files are cut to
# their first 4 KiB at a line end), so the whole corpus stays in tens of KB. Needs python3 and the
# lz4 command. Inputs found while fuzzing that are worth keeping go in regressions/<target>/,
# not here: this script replaces corpus/ entirely.
#
#   bash tests/fuzz/make_corpus.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
command -v lz4 >/dev/null || { echo "make_corpus.sh: needs the lz4 command" >&2; exit 1; }
rm -rf "$here/corpus"
mkdir -p "$here/corpus"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# lz4_reader: fixtures compressed with the block options a writer may choose.
data="$repo/tests/data/sample-logs"
fork="$data/claude/projects/-home-dev-demo/fork-session-001.jsonl"
seg="$data/pi/sessions/demo.v2/segments/0000000000000001.seg"
mkdir -p "$work/lz4"
lz4 -q -c -BD "$fork" > "$work/lz4/linked.lz4"
lz4 -q -c -BI -BX "$seg" > "$work/lz4/independent-block-checksums.lz4"
lz4 -q -c --content-size --no-frame-crc "$data/misc/app.ndjson" > "$work/lz4/content-size-no-crc.lz4"
lz4 -q -c -9 "$data/codex/sessions/rollout-44444444-4444-4444-8444-444444444444.jsonl" > "$work/lz4/hc.lz4"
head -c 3000 /dev/zero | tr '\0' 'a' | lz4 -q -c > "$work/lz4/repetitive.lz4"
: > "$work/lz4/empty.lz4"

python3 - "$repo" "$here/corpus" "$work/lz4" <<'PY'
import os, re, sys, glob, hashlib, subprocess
repo, out, lz4dir = sys.argv[1:]
data = os.path.join(repo, "tests/data")

def put(target, name, content):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(content)

def head(path, limit=4096):
    b = open(path, "rb").read()
    if len(b) <= limit:
        return b
    cut = b.rfind(b"\n", 0, limit)
    return b[:cut + 1] if cut >= 0 else b[:limit]

logs = sorted(glob.glob(os.path.join(data, "sample-logs/**/*.jsonl"), recursive=True) +
              glob.glob(os.path.join(data, "sample-logs/**/*.ndjson"), recursive=True) +
              glob.glob(os.path.join(data, "**/*.seg"), recursive=True))
logs = [p for p in logs if "/index/" not in p]
hand = {
    "torn-tail": b'{"type":"a","id":"1"}\n{"type":"b","id":"2"}\n{"type":"c","i',
    "blank-and-crlf": b'\n  \t\r\n{"type":"a"}\r\n\r\n{"sessionId":"s","uuid":"u"}\n \n',
    "not-json": b'{"a":1}\nnot json\n{"a":\n[1,2]\n"\xff\xfe"\n{"a":"\\ud800"}\n',
    "codex": b'{"type":"session_meta","payload":{"id":"sess-1"},"timestamp":"t"}\n{"type":"x","timestamp":"u"}\n',
    "duplicates": b'{"type":"a","type":"b","id":1,"id":"x","sessionId":null}\n',
    "deep": b'{"a":' + b'[' * 1100 + b']' * 1100 + b'}\n',
    "bom": b'\xef\xbb\xbf{"type":"a"}\n{"type":"b"}\n',
}
for p in logs:
    name = os.path.relpath(p, data).replace("/", "_")
    pi = p.endswith(".seg")
    content = head(p)
    put("frame_scan", name, bytes([0x80 | pi]) + content)
    put("source_fields", name, bytes([int(pi)]) + content)
for name, content in hand.items():
    put("frame_scan", name, bytes([0x40]) + content)
    put("source_fields", name, b"\x00" + content)

# pi_frame: raw lines of the pi fixtures, and built frames of each kind.
segs = sorted(glob.glob(os.path.join(data, "**/*.seg"), recursive=True))
n = 0
for p in segs:
    for line in open(p, "rb").read().splitlines(keepends=True)[:3]:
        put("pi_frame", "raw-%d" % n, b"\x80\x00" + line)
        n += 1
parts = b'{"role":"user","text":"hi"}\x00e1\x00message\x002026-01-01T00:00:00Z\x00p0\x00pi.other'
for flags in (0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x06):
    put("pi_frame", "built-%02x" % flags, bytes([flags, 3]) + parts)

# pi_offsets: the fixtures' stores, segments joined by 0xFF.
for store in sorted(glob.glob(os.path.join(data, "**/segments"), recursive=True)):
    files = sorted(glob.glob(os.path.join(store, "*.seg")))
    name = os.path.relpath(os.path.dirname(store), data).replace("/", "_")
    put("pi_offsets", name, b"\x80" + b"\xff".join(open(f, "rb").read() for f in files))
demo = sorted(glob.glob(os.path.join(data, "sample-logs/pi/sessions/demo.v2/segments/*.seg")))
first = open(demo[0], "rb").read()
put("pi_offsets", "torn-last", b"\x40" + first[:-20])
put("pi_offsets", "gap", b"\x01" + first + b"\xff" + open(demo[1], "rb").read())

# cache_file: the worked example of cache_format.md, whole (mode 0) and as a body (mode 1).
md = open(os.path.join(repo, "recovery/cache_format.md")).read()
example = md[md.index("## Worked example"):]
hexdump = "\n".join(l for l in example.splitlines() if re.match(r"^0000[0-9a-f]{4}: ", l))
raw = subprocess.run(["xxd", "-r"], input=hexdump.encode(), capture_output=True, check=True).stdout
assert len(raw) == 160, len(raw)
put("cache_file", "worked-example", b"\x00" + raw)
body = subprocess.run(["lz4", "-d", "-c"], input=raw[76:], capture_output=True, check=True).stdout
put("cache_file", "worked-example-body", b"\x01" + body)
put("cache_file", "empty-body", b"\x01\x00\x00")

# lz4_reader: the compressed fixtures, two frames back to back, a skippable frame between.
blobs = {os.path.basename(p)[:-4]: open(p, "rb").read() for p in glob.glob(os.path.join(lz4dir, "*.lz4"))}
for name, b in blobs.items():
    put("lz4_reader", name, b)
skippable = b"\x50\x2a\x4d\x18" + (5).to_bytes(4, "little") + b"skip!"
put("lz4_reader", "two-frames-and-skippable", blobs["hc"] + skippable + blobs["content-size-no-crc"])

# mount_options
for i, opts in enumerate([
    b"ro,sources=pi,claude,allow_other",
    b"cache_dir=rel/dir,verify=stat,save_interval=5,log=x.log,debug",
    b"rw,sources=codex+jsonl:pi,defaults,noauto,x-systemd.automount,comment=foo,nofail",
    b"cache_dir=/a\\,b,verify=full,save_interval=86400,_netdev,relatime,max_read=4096",
    b"sources=,verify,save_interval=0,log=",
]):
    put("mount_options", "opts-%d" % i, opts)
PY
du -sh "$here/corpus"; for d in "$here"/corpus/*; do echo "$(basename "$d"): $(ls "$d" | wc -l) files, $(du -sk "$d" | cut -f1) KB"; done

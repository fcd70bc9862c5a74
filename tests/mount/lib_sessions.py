#!/usr/bin/env python3
"""The session views SPEC §10 asks for, computed independently of logdex, for the mount tests.

usage: lib_sessions.py COMMAND ...
  expect INDEX LOGDIR OUT       writes OUT/<name> for every session file INDEX implies (the bytes
                                its active rows with a sessionId point at in LOGDIR, grouped by id,
                                in INDEX's order), and prints "FILES IDS_WITHOUT_FILE"
  compare INDEX LOGDIR DIR      DIR (a mount's .logdex/sessions) must hold exactly those names,
                                each with exactly those bytes and that st_size; exit 1 naming
                                every difference
  mtimes INDEX LOGDIR           "MTIME<TAB>NAME" per session file, newest first (ties by name):
                                MTIME = the latest st_mtime (whole seconds) of the LOGDIR files
                                holding its frames, as they are now
  bytes INDEX LOGDIR ID         the bytes of session ID's file on stdout (ID as a Python string
                                literal body is not needed: pass it as it is)
  name ID                       the file name of session ID (SPEC §10), or nothing and exit 3

INDEX is index.ndjson text: `logdex index LOGDIR` (canonical) or a mount's index.ndjson (the
order the mount serves). Rows are read with Python's json (which keeps \\udxxx escapes of unpaired
surrogates as such), names are made from the decoded id's UTF-8 bytes, and frame bytes are read
from LOGDIR at byteOffset/byteLength; nothing here asks the mount what it thinks a session is.
"""
import json
import os
import sys

SUFFIX = b".ndjson"
NAME_MAX = 255


def session_name(sid):
    """SPEC §10: the id's UTF-8 bytes, %, / and bytes below 0x20 as %XX (uppercase hex), a
    leading . as %2E, then .ndjson; None when the id has an unpaired surrogate or the name
    would be longer than 255 bytes."""
    try:
        raw = sid.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate cannot be UTF-8
        return None
    out = bytearray()
    for i, byte in enumerate(raw):
        if byte in (0x25, 0x2F) or byte < 0x20 or (i == 0 and byte == 0x2E):
            out += b"%%%02X" % byte
        else:
            out.append(byte)
    name = bytes(out) + SUFFIX
    return name if len(name) <= NAME_MAX else None


def sessions(index_path):
    """{id: [(file, offset, length), ...]} in index order, for active rows with a sessionId."""
    by_id = {}
    with open(index_path, "rb") as f:
        for n, line in enumerate(f, 1):
            row = json.loads(line)
            if row.get("state") != "active" or "sessionId" not in row:
                continue
            by_id.setdefault(row["sessionId"], []).append(
                (row["file"], row["byteOffset"], row["byteLength"]))
    return by_id


def frame_bytes(logdir, frames):
    out = bytearray()
    for rel, offset, length in frames:
        with open(os.path.join(logdir, rel), "rb") as f:
            f.seek(offset)
            data = f.read(length)
        if len(data) != length or not data.endswith(b"\n"):
            sys.exit("lib_sessions: %s: %d bytes at %d are not a whole frame in the log dir"
                     % (rel, length, offset))
        out += data
    return bytes(out)


def expected(index_path, logdir):
    """({name: bytes}, {name: id}, ids without a file)."""
    files, ids, without = {}, {}, 0
    for sid, frames in sessions(index_path).items():
        name = session_name(sid)
        if name is None:
            without += 1
            continue
        assert name not in files, "two ids with one name: %r" % name  # the encoding is 1:1
        files[name] = frame_bytes(logdir, frames)
        ids[name] = sid
    return files, ids, without


def show(name):
    return repr(name)[2:-1]


def cmd_expect(index_path, logdir, out):
    files, _, without = expected(index_path, logdir)
    os.makedirs(out, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(os.fsencode(out), name), "wb") as f:
            f.write(data)
    print(len(files), without)


def cmd_compare(index_path, logdir, mounted):
    files, _, _ = expected(index_path, logdir)
    problems = []
    try:
        listed = set(os.listdir(os.fsencode(mounted)))
    except OSError as e:
        sys.exit("cannot list the session views' directory: %s" % e)
    for name in sorted(set(files) - listed):
        problems.append("missing from the listing: %s" % show(name))
    for name in sorted(listed - set(files)):
        problems.append("listed but no such session: %s" % show(name))
    for name in sorted(set(files)):
        path = os.path.join(os.fsencode(mounted), name)
        want = files[name]
        try:
            size = os.stat(path).st_size
            with open(path, "rb") as f:
                got = f.read()
        except OSError as e:
            problems.append("%s: %s" % (show(name), e))
            continue
        if got != want:
            at = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b),
                      min(len(got), len(want)))
            problems.append("%s: bytes differ: read %d, want %d; first difference at byte %d: "
                            "read %r, want %r" % (show(name), len(got), len(want), at,
                                                  got[at:at + 40], want[at:at + 40]))
        if size != len(want):
            problems.append("%s: st_size %d, want %d" % (show(name), size, len(want)))
    if problems:
        sys.exit("\n".join(problems))
    print("%d session files match" % len(files))


def cmd_mtimes(index_path, logdir):
    result = []
    for sid, frames in sessions(index_path).items():
        name = session_name(sid)
        if name is None:
            continue
        newest = max(int(os.stat(os.path.join(logdir, rel)).st_mtime) for rel, _, _ in frames)
        result.append((newest, name))
    result.sort(key=lambda t: (-t[0], t[1]))
    out = sys.stdout.buffer
    for mtime, name in result:
        out.write(b"%d\t%s\n" % (mtime, name))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "expect":
        cmd_expect(*args)
    elif cmd == "compare":
        cmd_compare(*args)
    elif cmd == "mtimes":
        cmd_mtimes(*args)
    elif cmd == "bytes":
        index_path, logdir, sid = args
        sys.stdout.buffer.write(frame_bytes(logdir, sessions(index_path).get(sid, [])))
    elif cmd == "name":
        name = session_name(args[0])
        if name is None:
            sys.exit(3)
        sys.stdout.buffer.write(name + b"\n")
    else:
        sys.exit("lib_sessions: unknown command %s" % cmd)


if __name__ == "__main__":
    main()

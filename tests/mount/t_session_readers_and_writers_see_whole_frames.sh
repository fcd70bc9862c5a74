#!/usr/bin/env bash
# Session files under readers and writers at once (SPEC §10, §4 "whole rows"; issue 11): for 20 s
# (LOGDEX_SOAK_SECONDS=N sets N s) writers grow 7 sessions, through the mount and straight into the
# log dir, one of them spread over 3 files, while a third writer rewrites the files of 2 more
# (truncations to a frame boundary, renames across directories), so their session files are
# replaced again and again. Meanwhile 3 readers read random session files whole, over and over:
# every open succeeds; every read that succeeds is whole frames, never empty, never with a NUL
# byte; every line is a frame of that session only (a JSON object with its sessionId); no frame
# comes twice in one read. Only a read of a rewritten session may fail, and then only with ESTALE
# (its file was replaced and the frames it still needed left their log file; counted), never by
# coming back short. Afterwards the session files are exactly the frames of the mount's index, the
# index sorted is `logdex index` sorted, and the daemon is alive. Ends with one line of figures.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_sessions.sh"

duration=${LOGDEX_SOAK_SECONDS:-20}
[[ "$duration" =~ ^[1-9][0-9]*$ ]] ||
  fail "LOGDEX_SOAK_SECONDS must be a positive number of seconds, not '$duration'"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sessions "$logdir"
# soak-0..7: one file each; soak-multi: three files (a main file and two subagents).
mkdir -p "$logdir/soak/moved" "$logdir/soak/multi/subagents"
frame() {  # frame SESSION UUID: one frame of SESSION, sizes varying with the uuid's length
  printf '{"type":"user","sessionId":"%s","uuid":"%s","pad":"%.*s"}\n' "$1" "$2" $((${#2} * 5 % 41)) \
    "........................................."
}
for k in 0 1 2 3 4 5 6 7; do
  for i in 0 1 2 3 4 5 6 7 8 9; do frame "soak-$k" "init-$k-$i"; done >"$logdir/soak/s$k.jsonl"
done
for f in multi/main multi/subagents/a1 multi/subagents/a2; do
  for i in 0 1 2 3 4; do frame soak-multi "init-$f-$i"; done >"$logdir/soak/$f.jsonl"
done
expect_log_changes "$logdir/soak"
mount_logdex "$logdir" "$mnt" -o "cache_dir=$(make_dir cache)"
daemon=$(daemon_pids "$mnt")
[[ "$daemon" =~ ^[0-9]+$ ]] || fail "expected one logdex daemon for $mnt, found '$daemon'"
on_mount ls -- "$(sessions_dir "$mnt")" >/dev/null || fail "ls of the session dir exited $?"

# The soak itself: writers and readers as threads of one process, under one hard timeout.
figures=$(timeout -k 5 $((duration + 120)) python3 - "$logdir" "$mnt" "$duration" <<'EOF'
import errno, json, os, random, sys, threading, time

logdir, mnt, duration = sys.argv[1], sys.argv[2], int(sys.argv[3])
sessions = ["soak-%d" % k for k in range(8)] + ["soak-multi"]
REWRITTEN = {"soak-6", "soak-7"}  # the rewriter's; the other 7 sessions only grow
deadline = time.monotonic() + duration
errors, counts, lock = [], {}, threading.Lock()

def frame(sid, uuid):
    return json.dumps({"type": "user", "sessionId": sid, "uuid": uuid,
                       "pad": "." * (len(uuid) * 7 % 300)}).encode() + b"\n"

def fail(what):
    with lock:
        errors.append(what)

def count(what, n=1):
    with lock:
        counts[what] = counts.get(what, 0) + n

def append(path, data):
    # One write(2) of whole frames, as an agent appends.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)

def appender(name, root, targets):
    # Appends 1-3 frames at a time to its own files, under `root` (the mount or the log dir).
    r, n = random.Random(name), 0
    while time.monotonic() < deadline and not errors:
        sid, rel = r.choice(targets)
        data = b"".join(frame(sid, "%s-%d-%d" % (name, n, j)) for j in range(r.randint(1, 3)))
        try:
            append(os.path.join(root, rel), data)
        except OSError as e:
            fail("%s: append to %s: %s" % (name, rel, e))
        n += 1
        count("appends")
        time.sleep(r.random() * 0.004)  # an agent's pace, not a benchmark's: the logs stay a few MB

def rewriter():
    # s6 moves between soak/ and soak/moved/ (renames through the mount and behind it); s7 is cut
    # back to its first frame and grows again. Both replace their session's file.
    at6, n = "soak/s6.jsonl", 0
    while time.monotonic() < deadline and not errors:
        try:
            to = "soak/moved/s6.jsonl" if at6 == "soak/s6.jsonl" else "soak/s6.jsonl"
            root = mnt if n % 2 else logdir
            os.rename(os.path.join(root, at6), os.path.join(root, to))
            at6 = to
            append(os.path.join(logdir, at6), frame("soak-6", "rw-%d" % n))
            s7 = os.path.join(logdir, "soak/s7.jsonl")
            with open(s7, "rb") as f:
                first = len(f.readline())
            os.truncate(os.path.join(mnt if n % 2 else logdir, "soak/s7.jsonl"), first)
            append(s7, frame("soak-7", "rw-%d" % n))
        except OSError as e:
            fail("rewriter: %s" % e)
        n += 1
        count("rewrites")
        time.sleep(0.05)

def reader(k):
    r = random.Random(1000 + k)
    while time.monotonic() < deadline and not errors:
        sid = r.choice(sessions)
        path = os.path.join(mnt, ".logdex/sessions", sid + ".ndjson")
        chunks = []
        stale = False
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as e:
            fail("reader %d: open of %s: %s" % (k, sid, e))
            break
        try:
            while True:
                b = os.read(fd, r.choice([4096, 65536, 131072]))
                if not b:
                    break
                chunks.append(b)
        except OSError as e:
            # A rewritten session's file, replaced while it was read: the frames it still
            # needed left its log file, so its read fails (never comes back short).
            if e.errno != errno.ESTALE or sid not in REWRITTEN:
                fail("reader %d: read of %s: %s" % (k, sid, e))
                break
            stale = True
        finally:
            os.close(fd)
        data = b"".join(chunks)
        count("reads")
        count("bytes read", len(data))
        if b"\0" in data:
            fail("reader %d: a read of %s has NUL bytes at %d" % (k, sid, data.index(b"\0")))
            break
        if stale:
            count("reads ended by ESTALE")
            data = data[:data.rfind(b"\n") + 1]  # what came before the error: checked below
        elif not data or not data.endswith(b"\n"):
            fail("reader %d: a read of %s %s" %
                 (k, sid, "is empty" if not data else "ends inside a frame: ...%r" % data[-80:]))
            break
        seen = set()
        for line in data.split(b"\n")[:-1]:
            try:
                o = json.loads(line)
            except ValueError:
                fail("reader %d: a line of %s is not JSON: %r" % (k, sid, line[:120]))
                break
            if not isinstance(o, dict) or o.get("sessionId") != sid:
                fail("reader %d: %s holds a frame of another session: %r" % (k, sid, line[:120]))
                break
            if o.get("uuid") in seen:
                fail("reader %d: %s holds frame %s twice" % (k, sid, o.get("uuid")))
                break
            seen.add(o.get("uuid"))

mine = [("soak-%d" % k, "soak/s%d.jsonl" % k) for k in range(6)]
threads = [
    threading.Thread(target=appender, args=("through", mnt, mine[:3] + [("soak-multi", "soak/multi/main.jsonl"), ("soak-multi", "soak/multi/subagents/a1.jsonl")])),
    threading.Thread(target=appender, args=("behind", logdir, mine[3:] + [("soak-multi", "soak/multi/subagents/a2.jsonl")])),
    threading.Thread(target=rewriter),
] + [threading.Thread(target=reader, args=(k,)) for k in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for e in errors[:10]:
    print("ERROR " + e)
print(" ".join("%s=%d" % (k.replace(" ", "_"), v) for k, v in sorted(counts.items())))
sys.exit(1 if errors else 0)
EOF
) || fail "the soak failed (exit $?):
$figures"
for need in appends reads rewrites; do
  [[ "$figures" =~ (^| )$need=[1-9] ]] || fail "the soak did no $need: $figures"
done

kill -0 "$daemon" 2>/dev/null || fail "the daemon died during the soak"
read_index "$mnt" "$TEST_DIR/mounted.ndjson"
assert_sessions_match "$mnt" "$TEST_DIR/mounted.ndjson" "$logdir" "after the soak (in the mount's index order)"
assert_index_invariant "$mnt" "$logdir" "after the soak"
echo "session soak, ${duration} s: $figures"

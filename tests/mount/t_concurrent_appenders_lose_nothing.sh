#!/usr/bin/env bash
# 8 processes append 10,000 frames each at once, each frame one write() on an O_APPEND fd: 2
# through the mount and 2 straight into the log dir on one shared file, 2 through the mount and
# 2 straight into the log dir on files of their own, while a reader stats and reads
# index.ndjson. No byte and no row is lost: every file holds exactly its writers' lines, intact
# and each writer's in its order; index.ndjson (read right after, no waiting: freshness) sorted
# canonically is `logdex index`, with 80,000 more rows than before, the rows from before in place.
# (That reads meanwhile see every row a prior stat saw: t_reads_see_every_row_a_prior_stat_saw.)
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"

command -v python3 >/dev/null || fail "python3 is needed for the writers"
readonly WRITERS=8 FRAMES=10000

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
mkdir -p "$logdir/busy"
expect_log_changes "$logdir"/busy/{shared,m3,m4,b3,b4}.jsonl
mount_logdex "$logdir" "$mnt" -o "cache_dir=$(make_dir cache)"
read_index "$mnt" "$TEST_DIR/before.ndjson"
rows_before=$(line_count "$TEST_DIR/before.ndjson")

# writer.py PATH WRITER_ID COUNT: appends COUNT frames, one os.write each, all or nothing.
# line.py-compatible frame for (writer, i): sizes vary with i so frames straddle pages.
cat >"$TEST_DIR/writer.py" <<'EOF'
import os, sys
path, wid, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
for i in range(count):
    line = ('{"type":"w","id":"%s-%d","sessionId":"%s","pad":"%s"}\n'
            % (wid, i, wid, "x" * (i * 7 % 61))).encode()
    n = os.write(fd, line)
    if n != len(line):
        sys.exit("short write %d of %d at frame %d" % (n, len(line), i))
os.close(fd)
EOF
# check.py FILE WRITER_ID...: the file is exactly those writers' frames, each writer's in order.
cat >"$TEST_DIR/check.py" <<'EOF'
import sys
path, wids, count = sys.argv[1], sys.argv[3:], int(sys.argv[2])
want = {w: 0 for w in wids}
data = open(path, 'rb').read()
if data and not data.endswith(b"\n"):
    sys.exit("%s: ends in a torn line" % path)
for n, raw in enumerate(data.split(b"\n")[:-1]):
    line = raw.decode()
    wid = line.split('"id":"', 1)[1].split("-", 1)[0] if '"id":"' in line else None
    if wid not in want:
        sys.exit("%s line %d: not from a writer: %r" % (path, n + 1, line[:120]))
    i = want[wid]
    exp = ('{"type":"w","id":"%s-%d","sessionId":"%s","pad":"%s"}' % (wid, i, wid, "x" * (i * 7 % 61)))
    if line != exp:
        sys.exit("%s line %d: expected %r, got %r" % (path, n + 1, exp, line[:120]))
    want[wid] = i + 1
for w, got in want.items():
    if got != count:
        sys.exit("%s: writer %s has %d frames, expected %d" % (path, w, got, count))
EOF

# The reader: stats and reads index.ndjson until told to stop (every call must succeed).
: >"$TEST_DIR/reads"
(
  while [ ! -e "$TEST_DIR/stop" ]; do
    on_mount stat -c %s "$mnt/index.ndjson" >/dev/null || { echo "stat failed: $?" >"$TEST_DIR/reader.err"; exit 1; }
    on_mount cat "$mnt/index.ndjson" >/dev/null || { echo "cat failed: $?" >"$TEST_DIR/reader.err"; exit 1; }
    echo read >>"$TEST_DIR/reads"
  done
) &
reader=$!

pids=()
start_writer() {  # start_writer DIR FILE WRITER_ID
  timeout -k 5 100 python3 "$TEST_DIR/writer.py" "$1/$2" "$3" "$FRAMES" 2>"$TEST_DIR/$3.err" &
  pids+=("$!")
}
start_writer "$mnt" busy/shared.jsonl m1
start_writer "$mnt" busy/shared.jsonl m2
start_writer "$logdir" busy/shared.jsonl b1
start_writer "$logdir" busy/shared.jsonl b2
start_writer "$mnt" busy/m3.jsonl m3
start_writer "$mnt" busy/m4.jsonl m4
start_writer "$logdir" busy/b3.jsonl b3
start_writer "$logdir" busy/b4.jsonl b4
for i in "${!pids[@]}"; do
  rc=0
  wait "${pids[$i]}" || rc=$?
  [ "$rc" -eq 0 ] || { touch "$TEST_DIR/stop"; fail "writer $i exited $rc: $(head -c 300 "$TEST_DIR"/*.err | tr '\n' ' ')"; }
done
touch "$TEST_DIR/stop"
rc=0
wait "$reader" || rc=$?
[ "$rc" -eq 0 ] || fail "the reader failed: $(cat "$TEST_DIR/reader.err" 2>/dev/null)"

# Every byte arrived, in place, in every file (checked in the log dir and through the mount).
for root in "$logdir" "$mnt"; do
  on_mount python3 "$TEST_DIR/check.py" "$root/busy/shared.jsonl" "$FRAMES" m1 m2 b1 b2 || fail "shared file under $root"
  for w in m3 m4 b3 b4; do
    on_mount python3 "$TEST_DIR/check.py" "$root/busy/$w.jsonl" "$FRAMES" "$w" || fail "own file of $w under $root"
  done
done

# Every row arrived, right away, and none twice.
assert_index_invariant "$mnt" "$logdir" "after $WRITERS concurrent writers"
read_index "$mnt" "$TEST_DIR/after.ndjson"
assert_eq $((rows_before + WRITERS * FRAMES)) "$(line_count "$TEST_DIR/after.ndjson")" "rows after the writers"
head -c "$(wc -c <"$TEST_DIR/before.ndjson")" "$TEST_DIR/after.ndjson" | cmp -s - "$TEST_DIR/before.ndjson" ||
  fail "rows there before the writers moved or changed"
[ "$(line_count "$TEST_DIR/reads")" -ge 1 ] || fail "the reader never completed a read"

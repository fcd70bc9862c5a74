#!/usr/bin/env bash
# A .lz4 cut short mid-block, one with a bad block checksum, one with garbage after its frame and
# one that is not LZ4 at all: each shows as NAME with st_size its readable prefix (the bytes
# `lz4 -d` writes before it stops), reads give exactly those bytes, index.ndjson holds the rows of
# that prefix, status.json lists each (file, reason, readable bytes) and counts it as skipped,
# the daemon's log has one line for each (file and offset), and logdex verify reports each as
# damage with its file and offset. The index is never EIO.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_lz4.sh"
. "$(dirname "$0")/lib_log.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
plain=$(make_dir plain)
big_log "$TEST_DIR/src.jsonl" 1
lz4 -q -B4 -BD "$TEST_DIR/src.jsonl" "$TEST_DIR/linked.lz4"
lz4 -q -B4 -BX "$TEST_DIR/src.jsonl" "$TEST_DIR/checked.lz4"
size=$(stat -c %s "$TEST_DIR/linked.lz4")
head -c $((size / 2)) "$TEST_DIR/linked.lz4" >"$logdir/cut.jsonl.lz4"
cp "$TEST_DIR/checked.lz4" "$logdir/badsum.jsonl.lz4"
# Flip a byte in the middle of the file (inside some block's data or checksum).
printf '\xff' | dd of="$logdir/badsum.jsonl.lz4" bs=1 seek=$(( $(stat -c %s "$TEST_DIR/checked.lz4") / 2 )) conv=notrunc status=none
{ printf '{"type":"a"}\n' | lz4 -q -c; printf 'trailing garbage'; } >"$logdir/garbage.jsonl.lz4"
printf '{"type":"plain text"}\n' >"$logdir/notlz4.jsonl.lz4"
printf '{"type":"ok"}\n' >"$logdir/ok.jsonl"

# The expected bytes: what lz4 -d writes before it stops (it exits non-zero for each).
for n in cut badsum garbage notlz4; do
  lz4 -q -d -c "$logdir/$n.jsonl.lz4" >"$plain/$n.jsonl" 2>/dev/null && [ "$n" = garbage ] || true
done
cp "$logdir/ok.jsonl" "$plain/"
cut_bytes=$(stat -c %s "$plain/cut.jsonl")
[ "$cut_bytes" -gt 0 ] && [ "$cut_bytes" -lt "$(stat -c %s "$TEST_DIR/src.jsonl")" ] || fail "lz4 -d of the cut file gave $cut_bytes bytes"

mount_logdex "$logdir" "$mnt" -o "log=$TEST_DIR/daemon.log"
for n in cut badsum garbage notlz4; do
  assert_eq "$(stat -c %s "$plain/$n.jsonl")" "$(on_mount stat -c %s "$mnt/$n.jsonl")" "st_size of $n.jsonl"
  on_mount cat "$mnt/$n.jsonl" >"$TEST_DIR/m" || fail "cat of $n.jsonl failed"
  assert_same_bytes "$plain/$n.jsonl" "$TEST_DIR/m" "bytes of $n.jsonl"
done
random_reads "$mnt/cut.jsonl" "$plain/cut.jsonl" 20

"$LOGDEX" index "$plain" >"$TEST_DIR/want.ndjson"
on_mount cat "$mnt/index.ndjson" >"$TEST_DIR/got.ndjson" || fail "index.ndjson not readable"
assert_same_bytes "$TEST_DIR/want.ndjson" "$TEST_DIR/got.ndjson" "index.ndjson of the damaged files"

on_mount cat "$mnt/.logdex/status.json" >"$TEST_DIR/status.json"
python3 - "$TEST_DIR/status.json" "$cut_bytes" <<'PY' || fail "status.json: damaged .lz4 entries"
import json, sys
s = json.load(open(sys.argv[1]))
c = s["compressed"]
assert c["damaged"] == 4, c
by = {d["file"]: d for d in c["damaged_files"]}
assert sorted(by) == ["badsum.jsonl", "cut.jsonl", "garbage.jsonl", "notlz4.jsonl"], by
assert by["cut.jsonl"]["reason"] == "truncated mid-block", by["cut.jsonl"]
assert by["cut.jsonl"]["readable_bytes"] == int(sys.argv[2]), by["cut.jsonl"]
assert by["cut.jsonl"]["backing"] == "cut.jsonl.lz4"
assert by["notlz4.jsonl"]["reason"] == "not an LZ4 file" and by["notlz4.jsonl"]["readable_bytes"] == 0
assert by["garbage.jsonl"]["reason"] == "garbage after the last frame"
assert "bad block" in by["badsum.jsonl"]["reason"], by["badsum.jsonl"]
assert s["skipped"]["lz4_damaged"] == 4, s["skipped"]
assert s["log_files"] == 5, s["log_files"]
PY

# One log line per damaged file (the refresher looks about once a second), none twice.
wait_for_line "$TEST_DIR/daemon.log" 'file cut\.jsonl\.lz4: damaged lz4 at byte [0-9]+ \(truncated mid-block\)' "the cut file's log line"
wait_for_line "$TEST_DIR/daemon.log" 'file notlz4\.jsonl\.lz4: damaged lz4 at byte 0 \(not an LZ4 file\)' "the non-LZ4 file's log line"
on_mount cat "$mnt/index.ndjson" >/dev/null
sleep 1.5  # two more refresher rounds: still one line each
assert_eq 4 "$(count_lines "$TEST_DIR/daemon.log" 'damaged lz4 at byte')" "log lines of damaged .lz4 files"

rc=0
"$LOGDEX" verify "$logdir" >"$TEST_DIR/verify.txt" 2>&1 || rc=$?
assert_eq 1 "$rc" "verify exit code"
grep -q '^cut.jsonl.lz4:[0-9]*: damaged lz4 (truncated mid-block)' "$TEST_DIR/verify.txt" || fail "verify: $(cat "$TEST_DIR/verify.txt")"
grep -q '^notlz4.jsonl.lz4:0: damaged lz4 (not an LZ4 file)' "$TEST_DIR/verify.txt" || fail "verify: notlz4"

#!/usr/bin/env bash
# `logdex rebuild LOGDIR` puts every pi store's index/offsets.jsonl back to the bytes pi's
# rebuild_index writes (the sample store's committed offsets.jsonl, written by the reference
# model): a deleted file, a deleted index/ directory, a stale copy, ghost rows and a wrong CRC.
# The old copy is kept as index/offsets.jsonl.bak, new files are 0600 and new directories 0700,
# segments are never changed, and a store that is right is not touched (no lock file either).
# A second run prints nothing but its summary and changes nothing: names, bytes, modes, inodes
# and mtimes of the whole log dir are the same.
. "$(dirname "$0")/lib.sh" "$1"

logdir=$(make_dir logs)
copy_sample "$logdir"
sample=$logdir/pi/sessions/demo.v2
expected=$TEST_DIR/expected.offsets.jsonl
cp -- "$sample/index/offsets.jsonl" "$expected"

# variant NAME: a copy of the sample store as pi/variants/NAME.v2; prints its path.
variant() {
  mkdir -p -- "$logdir/pi/variants"
  cp -a -- "$sample" "$logdir/pi/variants/$1.v2"
  printf '%s\n' "$logdir/pi/variants/$1.v2"
}
s=$(variant missing) && rm -- "$s/index/offsets.jsonl"
s=$(variant no-index-dir) && rm -r -- "$s/index"
s=$(variant stale) && head -n 4 -- "$expected" >"$s/index/offsets.jsonl"
s=$(variant ghost) && { cat -- "$expected"; tail -n 1 -- "$expected"; } >"$s/index/offsets.jsonl"
s=$(variant wrong-crc) && sed '3s/"crc32c":"[0-9A-F]*"/"crc32c":"00000000"/' -- "$expected" >"$s/index/offsets.jsonl"
s=$(variant right)
for v in stale ghost wrong-crc; do cp -- "$logdir/pi/variants/$v.v2/index/offsets.jsonl" "$TEST_DIR/old.$v"; done
cmp -s -- "$expected" "$logdir/pi/variants/wrong-crc.v2/index/offsets.jsonl" && fail "the wrong-crc variant is not wrong"

# state DIR: every entry with type, mode, size, inode and mtime, then every file's hash.
state() {
  (cd -- "$1" && find . -printf '%p %y %m %s %i %T@\n' | sort && find . -type f -print0 | sort -z | xargs -0r md5sum)
}
segments_before=$(cd -- "$logdir" && find . -path '*/segments/*' -type f -print0 | sort -z | xargs -0 md5sum)
right_before=$(state "$logdir/pi/variants/right.v2")

rc=0
"$LOGDEX" rebuild "$logdir" >"$TEST_DIR/out1" 2>"$TEST_DIR/err1" || rc=$?
cat -- "$TEST_DIR/out1" "$TEST_DIR/err1"
assert_eq 0 "$rc" "exit status of the first run"
assert_eq "" "$(cat -- "$TEST_DIR/err1")" "stderr of the first run (not a terminal: no progress line)"
for v in missing no-index-dir stale ghost wrong-crc; do
  grep -q "^rewritten pi/variants/$v.v2: " "$TEST_DIR/out1" || fail "no 'rewritten' line for $v"
done
grep -q "^rewritten pi/variants/missing.v2: missing; 6 rows added, 0 removed, 0 fixed; 6 rows; " "$TEST_DIR/out1" ||
  fail "the missing store's line does not say what was done"
grep -q "^rewritten pi/variants/stale.v2: stale; 2 rows added, 0 removed, 0 fixed; 6 rows; previous copy kept as index/offsets.jsonl.bak$" "$TEST_DIR/out1" ||
  fail "the stale store's line does not say what was done"
assert_eq 6 "$(wc -l <"$TEST_DIR/out1")" "lines of the first run (5 stores and a summary)"
assert_eq "logdex rebuild: 7 pi stores: 2 already right, 5 rewritten, 0 unrepaired, 0 locked, 0 failed" \
  "$(tail -n 1 -- "$TEST_DIR/out1")" "summary of the first run"

for v in missing no-index-dir stale ghost wrong-crc right; do
  s=$logdir/pi/variants/$v.v2
  assert_same_bytes "$expected" "$s/index/offsets.jsonl" "$v: offsets.jsonl after the rebuild"
done
for v in stale ghost wrong-crc; do
  s=$logdir/pi/variants/$v.v2
  assert_same_bytes "$TEST_DIR/old.$v" "$s/index/offsets.jsonl.bak" "$v: the backup is the old copy"
  assert_eq 600 "$(stat -c %a -- "$s/index/offsets.jsonl")" "$v: mode of the new offsets.jsonl"
  assert_eq 700 "$(stat -c %a -- "$s/tmp")" "$v: mode of the tmp/ it made"
  assert_eq 600 "$(stat -c %a -- "$s/store.mutation.lock")" "$v: mode of the lock file it made"
  assert_eq "" "$(ls -A -- "$s/tmp")" "$v: nothing left in tmp/"
done
for v in missing no-index-dir; do
  [ ! -e "$logdir/pi/variants/$v.v2/index/offsets.jsonl.bak" ] || fail "$v: a backup of nothing"
done
assert_eq 700 "$(stat -c %a -- "$logdir/pi/variants/no-index-dir.v2/index")" "mode of the index/ it made"
assert_eq "$right_before" "$(state "$logdir/pi/variants/right.v2")" "the store that was right"
assert_eq "$segments_before" \
  "$(cd -- "$logdir" && find . -path '*/segments/*' -type f -print0 | sort -z | xargs -0 md5sum)" "segments"

# The second run: nothing to do, nothing touched.
before=$(state "$logdir")
rc=0
"$LOGDEX" rebuild "$logdir" >"$TEST_DIR/out2" 2>&1 || rc=$?
cat -- "$TEST_DIR/out2"
assert_eq 0 "$rc" "exit status of the second run"
assert_eq "logdex rebuild: 7 pi stores: 7 already right, 0 rewritten, 0 unrepaired, 0 locked, 0 failed" \
  "$(cat -- "$TEST_DIR/out2")" "output of the second run"
assert_eq "$before" "$(state "$logdir")" "the log dir after the second run"
echo "ok"

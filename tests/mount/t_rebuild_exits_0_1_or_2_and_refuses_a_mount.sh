#!/usr/bin/env bash
# `logdex rebuild` exit status: 2 when it could not run (bad arguments, a missing log dir, a
# file, a logdex mount or a path inside one: one line on stderr saying to run it on the log dir,
# and nothing written), 1 when something is left unrepaired (a store whose lock pi holds is
# skipped and not touched; damage in a segment: where pi would cut the segment, the rows before
# the damage are written; where pi would refuse, the index is left as it is), 0 once everything
# is right. Segments are never changed.
. "$(dirname "$0")/lib.sh" "$1"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
sample=$logdir/pi/sessions/demo.v2
expected=$TEST_DIR/expected.offsets.jsonl
cp -- "$sample/index/offsets.jsonl" "$expected"
rm -- "$sample/index/offsets.jsonl"  # something to do
# The stores this test adds, and what `logdex rebuild` writes in the sample store (its index, and
# the lock file and tmp/ of pi's locking rules).
expect_log_changes "$sample/index" "$sample/store.mutation.lock" "$sample/tmp" "$logdir/pi/sessions/busy.v2" "$logdir/pi/damage"

state() {
  (cd -- "$1" && find . -printf '%p %y %m %s %i %T@\n' | sort && find . -type f -print0 | sort -z | xargs -0r md5sum)
}

# exits_2 WHAT ARGS...: logdex rebuild ARGS exits 2 with one line on stderr and writes nothing.
exits_2() {
  local what=$1 rc=0 before
  shift
  before=$(state "$logdir")
  on_mount "$LOGDEX" rebuild "$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err" || rc=$?
  cat -- "$TEST_DIR/err"
  assert_eq 2 "$rc" "$what: exit status"
  assert_eq 1 "$(wc -l <"$TEST_DIR/err")" "$what: lines on stderr"
  assert_eq "" "$(cat -- "$TEST_DIR/out")" "$what: stdout"
  assert_eq "$before" "$(state "$logdir")" "$what: the log dir"
}
exits_2 "no arguments"
exits_2 "two log dirs" "$logdir" "$logdir"
exits_2 "an unknown flag" "$logdir" --force
exits_2 "a missing log dir" "$TEST_DIR/nope"
touch -- "$TEST_DIR/a-file"
exits_2 "a file" "$TEST_DIR/a-file"
LOGDEX_TEST_REBUILD_ABORT_AFTER=nonsense exits_2 "an unknown crash-seam step" "$logdir"

mount_logdex "$logdir" "$mnt"
exits_2 "the mount point" "$mnt"
grep -q "logdex mount at $mnt; run it on the log dir itself" "$TEST_DIR/err" || fail "the refusal does not say what to do"
exits_2 "a path inside the mount" "$mnt/pi/sessions"
exits_2 "a dry run on the mount" --dry-run "$mnt"
unmount_logdex "$mnt" || fail "could not unmount"

# A store pi is writing: skipped, exit 1, not touched; the others are done.
cp -a -- "$sample" "$logdir/pi/sessions/busy.v2"
touch -- "$logdir/pi/sessions/busy.v2/store.mutation.lock"
busy_before=$(state "$logdir/pi/sessions/busy.v2")
rc=0
flock -x "$logdir/pi/sessions/busy.v2/store.mutation.lock" "$LOGDEX" rebuild "$logdir" >"$TEST_DIR/out" 2>&1 || rc=$?
cat -- "$TEST_DIR/out"
assert_eq 1 "$rc" "exit status with a locked store"
grep -q '^locked pi/sessions/busy.v2: store.mutation.lock is held by another process; skipped, not touched$' \
  "$TEST_DIR/out" || fail "no 'locked' line"
grep -q '^rewritten pi/sessions/demo.v2: missing; ' "$TEST_DIR/out" || fail "the free store was not rebuilt"
assert_eq "$busy_before" "$(state "$logdir/pi/sessions/busy.v2")" "the locked store"
rc=0
"$LOGDEX" rebuild "$logdir" >"$TEST_DIR/out" 2>&1 || rc=$?
assert_eq 0 "$rc" "exit status once the lock is free"
assert_same_bytes "$expected" "$logdir/pi/sessions/busy.v2/index/offsets.jsonl" "the store once free"

# Damage. A torn line at the end of a segment that is not the last: pi would truncate there, so
# the rows before it are written (segment 1's four rows). A bad line in the middle: pi would
# fail, so the index is left as it is.
torn=$logdir/pi/damage/torn.v2
bad=$logdir/pi/damage/bad.v2
mkdir -p -- "$logdir/pi/damage"
cp -a -- "$sample" "$torn"
cp -a -- "$sample" "$bad"
printf '{"schema":"pi.session_store_v2.segm' >>"$torn/segments/0000000000000001.seg"
seg=$bad/segments/0000000000000001.seg
{ head -n 2 -- "$seg"; echo 'not a frame'; tail -n +3 -- "$seg"; } >"$TEST_DIR/seg" && cat -- "$TEST_DIR/seg" >"$seg"
segments_before=$(cd -- "$logdir" && find . -path '*/segments/*' -type f -print0 | sort -z | xargs -0 md5sum)
bad_before=$(state "$bad/index")
rc=0
"$LOGDEX" rebuild "$logdir" >"$TEST_DIR/out" 2>&1 || rc=$?
cat -- "$TEST_DIR/out"
assert_eq 1 "$rc" "exit status with damage"
# (an optional "(detail)" after the coordinates)
grep -Eq '^unrepaired pi/damage/torn.v2: torn_tail at segments/0000000000000001.seg:1947( \([^)]*\))?, pi would truncate; rows before it written \(ghost_rows; 0 rows added, 2 removed, 0 fixed; 4 rows\); previous copy kept as index/offsets.jsonl.bak$' \
  "$TEST_DIR/out" || fail "the torn store's line"
grep -Eq '^unrepaired pi/damage/bad.v2: bad_frame at segments/0000000000000001.seg:956( \([^)]*\))?, pi would fail; index left as it was' \
  "$TEST_DIR/out" || fail "the bad store's line"
assert_same_bytes <(head -n 4 -- "$expected") "$torn/index/offsets.jsonl" "the torn store's rows before the damage"
assert_same_bytes "$expected" "$torn/index/offsets.jsonl.bak" "the torn store's backup"
assert_eq "$bad_before" "$(state "$bad/index")" "the bad store's index/"
assert_eq "$segments_before" \
  "$(cd -- "$logdir" && find . -path '*/segments/*' -type f -print0 | sort -z | xargs -0 md5sum)" "segments"
# Still unrepaired on the next run, which changes nothing.
before=$(state "$logdir")
rc=0
"$LOGDEX" rebuild "$logdir" >"$TEST_DIR/out" 2>&1 || rc=$?
cat -- "$TEST_DIR/out"
assert_eq 1 "$rc" "exit status of the next run"
grep -q '^unrepaired pi/damage/torn.v2: torn_tail .*; the index already holds the rows before it$' "$TEST_DIR/out" ||
  fail "the torn store on the next run"
assert_eq "$before" "$(state "$logdir")" "the log dir after the next run"

# Repaired by hand (the damage removed): exit 0.
rm -r -- "$torn" "$bad"
rc=0
"$LOGDEX" rebuild "$logdir" >"$TEST_DIR/out" 2>&1 || rc=$?
assert_eq 0 "$rc" "exit status once the damage is gone"
echo "ok"

#!/usr/bin/env bash
# `logdex rebuild --dry-run LOGDIR` prints, per store, what a real run would change (rows added,
# removed, fixed) and writes nothing at all: no index, no backup, no tmp/, no lock file; every
# name, byte, mode, inode and mtime of the log dir stays as it was. Its exit status is the one a
# real run would have (1 here: a store's lock is held). Then a real run does what it said.
. "$(dirname "$0")/lib.sh" "$1"

logdir=$(make_dir logs)
copy_sample "$logdir"
sample=$logdir/pi/sessions/demo.v2
expected=$TEST_DIR/expected.offsets.jsonl
cp -- "$sample/index/offsets.jsonl" "$expected"

variant() {
  mkdir -p -- "$logdir/pi/variants"
  cp -a -- "$sample" "$logdir/pi/variants/$1.v2"
  printf '%s\n' "$logdir/pi/variants/$1.v2"
}
s=$(variant missing) && rm -r -- "$s/index"
s=$(variant stale) && head -n 2 -- "$expected" >"$s/index/offsets.jsonl"
s=$(variant ghost) && { cat -- "$expected"; tail -n 2 -- "$expected"; } >"$s/index/offsets.jsonl"
s=$(variant wrong) && sed -e '2s/"byteLength":[0-9]*/"byteLength":7/' -e '5s/"crc32c":"[0-9A-F]*"/"crc32c":"00000000"/' \
  -- "$expected" >"$s/index/offsets.jsonl"
locked=$(variant locked) && rm -- "$locked/index/offsets.jsonl"
touch -- "$locked/store.mutation.lock"  # pi's lock file; held below

state() {
  (cd -- "$1" && find . -printf '%p %y %m %s %i %T@\n' | sort && find . -type f -print0 | sort -z | xargs -0r md5sum)
}
before=$(state "$logdir")

rc=0
flock -x "$locked/store.mutation.lock" "$LOGDEX" rebuild --dry-run "$logdir" >"$TEST_DIR/dry" 2>&1 || rc=$?
cat -- "$TEST_DIR/dry"
assert_eq 1 "$rc" "exit status of the dry run (a locked store)"
assert_eq "$before" "$(state "$logdir")" "the log dir after the dry run"
assert_eq "would-rewrite pi/variants/ghost.v2: ghost_rows; 0 rows added, 2 removed, 0 fixed; 6 rows
locked pi/variants/locked.v2: store.mutation.lock is held by another process; skipped, not touched
would-rewrite pi/variants/missing.v2: missing; 6 rows added, 0 removed, 0 fixed; 6 rows
would-rewrite pi/variants/stale.v2: stale; 4 rows added, 0 removed, 0 fixed; 6 rows
would-rewrite pi/variants/wrong.v2: wrong_rows; 0 rows added, 0 removed, 2 fixed; 6 rows
logdex rebuild --dry-run: 6 pi stores: 1 already right, 4 would be rewritten, 0 unrepaired, 1 locked, 0 failed; nothing written" \
  "$(cat -- "$TEST_DIR/dry")" "the dry run's report"

# With the lock free, the dry run reports the last store too, still writing nothing.
rc=0
"$LOGDEX" rebuild --dry-run "$logdir" >"$TEST_DIR/dry2" 2>&1 || rc=$?
assert_eq 0 "$rc" "exit status of the dry run with the lock free"
grep -q '^would-rewrite pi/variants/locked.v2: missing; ' "$TEST_DIR/dry2" || fail "no would-rewrite line for the unlocked store"
assert_eq "$before" "$(state "$logdir")" "the log dir after the second dry run"

# The real run does what the dry run said, line for line.
rc=0
"$LOGDEX" rebuild "$logdir" >"$TEST_DIR/real" 2>&1 || rc=$?
cat -- "$TEST_DIR/real"
assert_eq 0 "$rc" "exit status of the real run"
assert_eq "$(grep '^would-rewrite' "$TEST_DIR/dry2" | sed 's/^would-rewrite /rewritten /')" \
  "$(grep '^rewritten' "$TEST_DIR/real" | sed 's/; [^;]*$//')" "what the real run did vs what the dry run said"
for v in missing stale ghost wrong locked; do
  assert_same_bytes "$expected" "$logdir/pi/variants/$v.v2/index/offsets.jsonl" "$v after the real run"
done
echo "ok"

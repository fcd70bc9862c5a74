#!/usr/bin/env bash
# index.ndjson reflects every frame completed before the read: appends and new files, written
# straight into the log dir; a torn tail becomes a row when its newline arrives. Sorted
# canonically, it always equals `logdex index`.
. "$(dirname "$0")/lib.sh" "$1"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
mount_logdex "$logdir" "$mnt"

# The SPEC's invariant: sorted canonically, the rows are `logdex index`'s bytes. `logdex index`
# is canonical, so comparing both as sorted multisets of lines checks the same thing.
check_invariant() {
  on_mount cat "$mnt/index.ndjson" >"$TEST_DIR/mounted.ndjson"
  assert_eq "$(wc -c <"$TEST_DIR/mounted.ndjson" | tr -d ' ')" "$(on_mount stat -c %s "$mnt/index.ndjson")" "$1: st_size"
  timeout 60 "$LOGDEX" index "$logdir" >"$TEST_DIR/cli.ndjson" || fail "logdex index failed"
  sort "$TEST_DIR/cli.ndjson" >"$TEST_DIR/cli-sorted.ndjson"
  sort "$TEST_DIR/mounted.ndjson" >"$TEST_DIR/mounted-sorted.ndjson"
  assert_same_bytes "$TEST_DIR/cli-sorted.ndjson" "$TEST_DIR/mounted-sorted.ndjson" "$1: rows of index.ndjson vs logdex index"
}

check_invariant "before"
rows_before=$(wc -l <"$TEST_DIR/mounted.ndjson")
# Complete misc/app.ndjson's torn tail, append a frame and create a new file.
expect_log_changes "$logdir/misc/app.ndjson" "$logdir/new"
printf '%s\n' 'uest"}' '{"id":"evt-6","type":"late"}' >>"$logdir/misc/app.ndjson"
mkdir -p "$logdir/new"
printf '%s\n' '{"type":"x","id":"n1"}' >"$logdir/new/fresh.jsonl"
check_invariant "after appends"
assert_eq $((rows_before + 3)) "$(wc -l <"$TEST_DIR/mounted.ndjson")" "rows after 3 new frames"
# Rows already there did not move (append-only while it can be).
head -n "$rows_before" "$TEST_DIR/mounted.ndjson" | cmp -s - "$SAMPLE_EXPECTED_INDEX" ||
  fail "existing rows changed after appends"

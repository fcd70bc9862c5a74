#!/usr/bin/env bash
# Writing, appending, truncating, removing, renaming or replacing index.ndjson through the mount
# fails, and leaves the index and the log dir unchanged.
. "$(dirname "$0")/lib.sh" "$1"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
mount_logdex "$logdir" "$mnt"
(cd "$logdir" && find . -printf '%P %y %s\n' | sort) >"$TEST_DIR/tree-before.txt"
on_mount cat "$mnt/index.ndjson" >"$TEST_DIR/before.ndjson"
[ -s "$TEST_DIR/before.ndjson" ] || fail "index.ndjson is empty"

idx="$mnt/index.ndjson"
assert_fails "overwrite" sh -c 'echo x >"$1"' sh "$idx"
assert_fails "append" sh -c 'echo x >>"$1"' sh "$idx"
assert_fails "open read-write" sh -c 'exec 3<>"$1"' sh "$idx"
assert_fails "truncate -s0" truncate -s0 "$idx"
assert_fails "truncate -s1" truncate -s1 "$idx"
assert_fails "rm" rm -f "$idx"
assert_fails "mv away" mv "$idx" "$mnt/moved.ndjson"
assert_fails "mv into a subdir" mv "$idx" "$mnt/misc/index.ndjson"
assert_fails "replace by rename" mv "$mnt/misc/app.ndjson" "$idx"
assert_fails "chmod" chmod 0644 "$idx"

on_mount cat "$idx" >"$TEST_DIR/after.ndjson"
assert_same_bytes "$TEST_DIR/before.ndjson" "$TEST_DIR/after.ndjson" "index.ndjson after the attempts"
assert_eq 444 "$(on_mount stat -c %a "$idx")" "mode after the attempts"
[ ! -e "$mnt/moved.ndjson" ] || fail "moved.ndjson appeared in the mount"
(cd "$logdir" && find . -printf '%P %y %s\n' | sort) >"$TEST_DIR/tree-after.txt"
assert_same_bytes "$TEST_DIR/tree-before.txt" "$TEST_DIR/tree-after.txt" "log dir after the attempts"

#!/usr/bin/env bash
# Unmounting saves index.cache in the cache dir (and nothing else stays there); a remount of the
# unchanged log dir reuses it, after checking every cached row's CRC-32C (verify=full, the
# default) or only file identity and size (verify=stat), rescans no file, and serves the very
# same index.ndjson, rows in the same order (including rows appended out of canonical order).
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
cache=$(make_dir cache)
copy_sample "$logdir"
mkdir -p "$logdir/aa"
printf '%s\n' '{"type":"a","id":"a0"}' >"$logdir/aa/first.jsonl"
expect_log_changes "$logdir/aa/first.jsonl"

mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache"
# The index opens on first use (no terminal): read it before asking how it was opened.
read_index "$mnt" "$TEST_DIR/zeroth.ndjson"
assert_eq built "$(status_get "$mnt" .cache.start)" "first mount with an empty cache dir: cache.start"
assert_eq "$cache" "$(status_get "$mnt" .cache.dir)" "cache.dir"
# An append to the file that sorts first: its row is last, out of canonical order.
printf '%s\n' '{"type":"a","id":"a1"}' >>"$mnt/aa/first.jsonl"
read_index "$mnt" "$TEST_DIR/first.ndjson"
assert_eq a1 "$(tail -n 1 "$TEST_DIR/first.ndjson" | jq -r .entryId)" "the appended row is last"
unmount_clean "$mnt"
assert_eq index.cache "$(cache_listing "$cache")" "cache dir after unmount"
[ -s "$cache/index.cache" ] || fail "index.cache is empty"
rows=$(line_count "$TEST_DIR/first.ndjson")

mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache"
read_index "$mnt" "$TEST_DIR/second.ndjson"
assert_same_bytes "$TEST_DIR/first.ndjson" "$TEST_DIR/second.ndjson" "index after a remount (verify=full) vs before"
assert_eq reused "$(status_get "$mnt" .cache.start)" "remount (verify=full): cache.start"
assert_eq full "$(status_get "$mnt" .cache.verify)" "remount: cache.verify"
assert_eq "$rows" "$(status_get "$mnt" .cache.rows_checked)" "remount (verify=full): cache.rows_checked = every row"
assert_eq 0 "$(status_get "$mnt" .cache.files_rescanned)" "remount (verify=full): cache.files_rescanned"
assert_index_invariant "$mnt" "$logdir" "after a remount (verify=full)"
unmount_clean "$mnt"
assert_eq index.cache "$(cache_listing "$cache")" "cache dir after the second unmount"

mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache,verify=stat"
read_index "$mnt" "$TEST_DIR/third.ndjson"
assert_same_bytes "$TEST_DIR/first.ndjson" "$TEST_DIR/third.ndjson" "index after a remount (verify=stat) vs before"
assert_eq reused "$(status_get "$mnt" .cache.start)" "remount (verify=stat): cache.start"
assert_eq stat "$(status_get "$mnt" .cache.verify)" "remount (verify=stat): cache.verify"
assert_eq 0 "$(status_get "$mnt" .cache.files_rescanned)" "remount (verify=stat): cache.files_rescanned"
unmount_clean "$mnt"

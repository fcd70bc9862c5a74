#!/usr/bin/env bash
# Without -o cache_dir the cache goes to $XDG_CACHE_HOME/logdex/<id>, <id> = first 16 hex digits
# of SHA-256 of the log dir's real path; with -o save_interval=1 it is saved there while still
# mounted, and saved again after the index changes: a daemon that dies later loses no rows it
# had saved. Nothing is ever written into the log dir.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
mkdir -p "$logdir/p"
printf '%s\n' '{"type":"p","id":"p0"}' >"$logdir/p/a.jsonl"
expect_log_changes "$logdir/p/a.jsonl" "$logdir/p/b.jsonl"
# Reach the log dir through a symlink: the id is of the real path.
ln -s -- "$logdir" "$TEST_DIR/logs-link"
id=$(printf '%s' "$(realpath -- "$logdir")" | sha256sum | cut -c1-16)
cache="$XDG_CACHE_HOME/logdex/$id"
find "$logdir" -printf '%P\n' | sort >"$TEST_DIR/logdir-before"

mount_logdex "$TEST_DIR/logs-link" "$mnt" -o save_interval=1
read_index "$mnt" "$TEST_DIR/first.ndjson"
assert_eq "$cache" "$(status_get "$mnt" .cache.dir)" "cache.dir without -o cache_dir"
assert_eq 1 "$(status_get "$mnt" .cache.save_interval_seconds)" "cache.save_interval_seconds"
has_cache() { [ -s "$cache/index.cache" ]; }
wait_until 15 "index.cache in $cache while mounted" has_cache
saves=$(status_get "$mnt" .cache.saves)
[ "$saves" -ge 1 ] || fail "cache.saves is $saves after index.cache appeared"
cp -- "$cache/index.cache" "$TEST_DIR/first.cache"

printf '%s\n' '{"type":"p","id":"p1"}' >>"$mnt/p/a.jsonl"
printf '%s\n' '{"type":"p","id":"p2"}' >"$logdir/p/b.jsonl"
read_index "$mnt" "$TEST_DIR/second.ndjson"
cache_changed() { ! cmp -s "$TEST_DIR/first.cache" "$cache/index.cache"; }
wait_until 15 "a new index.cache after the index changed (save_interval=1)" cache_changed
[ "$(status_get "$mnt" .cache.saves)" -gt "$saves" ] || fail "cache.saves did not grow with the new save"
assert_eq 0 "$(status_get "$mnt" .cache.save_errors)" "cache.save_errors"

# The saved cache holds the new rows: kill the daemon, and a remount rescans no file.
kill9_daemon "$mnt"
timeout -k 5 20 fusermount3 -u -- "$mnt" 2>/dev/null || timeout -k 5 20 fusermount3 -uz -- "$mnt" ||
  fail "could not unmount after kill -9"
mount_logdex "$TEST_DIR/logs-link" "$mnt"
read_index "$mnt" "$TEST_DIR/third.ndjson"
assert_same_bytes "$TEST_DIR/second.ndjson" "$TEST_DIR/third.ndjson" "index after kill -9 and remount vs before"
assert_eq reused "$(status_get "$mnt" .cache.start)" "cache.start after kill -9 and remount"
assert_eq 0 "$(status_get "$mnt" .cache.files_rescanned)" "cache.files_rescanned (the periodic save had every row)"
unmount_clean "$mnt"

# The log dir holds its own files plus the one the test made; no cache, no temp file.
{ cat "$TEST_DIR/logdir-before"; echo p/b.jsonl; } | sort >"$TEST_DIR/logdir-expected"
find "$logdir" -printf '%P\n' | sort >"$TEST_DIR/logdir-after"
assert_same_bytes "$TEST_DIR/logdir-expected" "$TEST_DIR/logdir-after" "names in the log dir"

#!/usr/bin/env bash
# A daemon that dies while saving the cache (LOGDEX_TEST_CRASH_BEFORE_RENAME=1: abort() after
# writing and fsyncing the temp file, before the rename) leaves the old cache in place, byte for
# byte; a leftover temp file is never taken as the cache. Checked for the save at unmount and
# for a periodic save while mounted (save_interval=1). A normal mount then reuses the old cache
# and serves a complete index.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
cache=$(make_dir cache)
copy_sample "$logdir"
mkdir -p "$logdir/c"
printf '%s\n' '{"type":"c","id":"c0"}' >"$logdir/c/a.jsonl"
expect_log_changes "$logdir/c/a.jsonl"

# mount_crashing LOGDIR MNT OPTS: mount_logdex with the crash seam in the daemon's environment.
mount_crashing() {
  export LOGDEX_TEST_CRASH_BEFORE_RENAME=1
  mount_logdex "$@"
  unset LOGDEX_TEST_CRASH_BEFORE_RENAME
}

# after_crash WHAT: the daemon is gone (aborted); unmount what is left; the cache is still A.
after_crash() {
  wait_until 20 "$1: the daemon to die in its cache save" daemons_gone "$mnt"
  if is_mounted "$mnt"; then
    timeout -k 5 20 fusermount3 -u -- "$mnt" 2>/dev/null || timeout -k 5 20 fusermount3 -uz -- "$mnt" ||
      fail "$1: could not unmount after the crash"
  fi
  ! is_mounted "$mnt" || fail "$1: still mounted"
  [ -e "$cache/index.cache" ] || fail "$1: index.cache is gone (has: $(cache_listing "$cache"))"
  assert_same_bytes "$TEST_DIR/cache-A" "$cache/index.cache" "$1: index.cache vs the cache saved before"
  echo "cache dir after $1: $(cache_listing "$cache")"
}

# remount_normally WHAT ROWS: a mount without the seam reuses cache A; the index is complete.
remount_normally() {
  mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache"
  assert_index_invariant "$mnt" "$logdir" "$1: normal remount"
  read_index "$mnt" "$TEST_DIR/remounted.ndjson"
  assert_eq "$2" "$(line_count "$TEST_DIR/remounted.ndjson")" "$1: rows after a normal remount"
  assert_eq reused "$(status_get "$mnt" .cache.start)" "$1: cache.start at the normal remount"
  [ ! -e "$cache/index.cache.bad" ] || fail "$1: the old, good cache was moved aside as damaged"
  unmount_clean "$mnt"
}

# A good cache A.
mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache"
read_index "$mnt" "$TEST_DIR/a.ndjson"
rows=$(line_count "$TEST_DIR/a.ndjson")
unmount_clean "$mnt"
assert_eq index.cache "$(cache_listing "$cache")" "cache dir after a normal unmount"
cp -- "$cache/index.cache" "$TEST_DIR/cache-A"

# 1. The save at unmount crashes.
mount_crashing "$logdir" "$mnt" -o "cache_dir=$cache"
assert_index_invariant "$mnt" "$logdir" "mount with the crash seam"
printf '%s\n' '{"type":"c","id":"c1"}' >>"$mnt/c/a.jsonl"   # the index changed: a save is due
rows=$((rows + 1))
read_index "$mnt" "$TEST_DIR/b.ndjson"
assert_eq "$rows" "$(line_count "$TEST_DIR/b.ndjson")" "rows after an append"
timeout -k 5 20 fusermount3 -u -- "$mnt" 2>/dev/null || timeout -k 5 20 fusermount3 -uz -- "$mnt" ||
  fail "could not unmount the mount with the crash seam"
after_crash "the save at unmount"
remount_normally "after the crash at unmount" "$rows"
# That normal unmount saved a new cache: from now on it is the old one.
cp -- "$cache/index.cache" "$TEST_DIR/cache-A"

# 2. A periodic save crashes while mounted.
mount_crashing "$logdir" "$mnt" -o "cache_dir=$cache,save_interval=1"
read_index "$mnt" "$TEST_DIR/c.ndjson"
printf '%s\n' '{"type":"c","id":"c2"}' >>"$mnt/c/a.jsonl"
printf '%s\n' '{"type":"c","id":"c3"}' >>"$logdir/c/a.jsonl"
rows=$((rows + 2))
read_index "$mnt" "$TEST_DIR/d.ndjson"
after_crash "a periodic save"
remount_normally "after the crash in a periodic save" "$rows"

#!/usr/bin/env bash
# A cache dir that becomes unwritable while mounted (its tmpfs remounted read-only after a good
# save): the next save fails, status.json warns "cache_save" naming "Read-only file system", the
# index keeps being served fresh from memory, and once the cache dir is writable again the
# warning clears. (t_readonly_cache_dir_* covers a cache dir read-only from the start,
# t_full_cache_dir_* one with no space.)
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_warnings.sh"
. "$(dirname "$0")/lib_trees.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
cache=$(make_dir cache)
copy_sample "$logdir"
mkdir -p "$logdir/r"
random_frames 50 mid-a >"$logdir/r/a.jsonl"
expect_log_changes "$logdir/r"
mount_scratch_tmpfs "$cache" "size=8m,mode=0700" "a cache dir made read-only later"

mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache,save_interval=1"
assert_index_canonical "$mnt" "$logdir" "index with a writable cache dir"  # builds it: a save is due
saved() { [ -n "$(find "$cache" -name index.cache -size +0 2>/dev/null)" ]; }
wait_until 20 "a first cache save" saved
assert_healthy "$mnt" "after the first save"

mount -o remount,ro -- "$cache" || fail "cannot remount the cache tmpfs read-only"
random_frames 5 mid-b >>"$logdir/r/a.jsonl"  # a change, so a save is due
on_mount stat -- "$mnt/index.ndjson" >/dev/null  # brings the index up to date
wait_for_warning 20 "$mnt" cache_save "Read-only file system"
assert_warning "$mnt" cache_save "Read-only file system" "after the cache dir became read-only"
wait_index_invariant 20 "$mnt" "$logdir" "index while the cache dir is read-only"
assert_daemon_alive "$mnt" "while the cache dir is read-only"

mount -o remount,rw -- "$cache" || fail "cannot remount the cache tmpfs read-write"
wait_for_no_warning 20 "$mnt" cache_save
wait_index_invariant 20 "$mnt" "$logdir" "index after the cache dir is writable again"
unmount_clean "$mnt"

#!/usr/bin/env bash
# A cache dir with no space left (a 16 KiB tmpfs; the log dir's cache needs far more): every
# periodic save (save_interval=1) fails with ENOSPC, and the mount degrades, never corrupts. The
# index is served from memory, canonical and fresh; status.json turns "degraded" with a
# "cache_save" warning naming "No space left on device", metrics.prom agrees; a failed save
# leaves no partial file behind, so nothing in the cache dir grows; the daemon stays up. Once
# there is space again (the tmpfs is remounted bigger) the next periodic save succeeds without
# any new change to the index, the warning clears, and the saved index.cache is a good cache
# that the next mount reuses. The unmount is clean throughout.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_warnings.sh"

readonly TINY=16384   # bytes in the tmpfs: 4 pages

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
cache=$(make_dir cache)
copy_sample "$logdir"
# 4000 frames with random ids: their cache is tens of KiB even compressed, so it cannot fit.
mkdir -p "$logdir/big/a" "$logdir/big/b"
random_frames 2000 big-a >"$logdir/big/a/one.jsonl"
random_frames 2000 big-b >"$logdir/big/b/two.jsonl"

mount_scratch_tmpfs "$cache" "size=$TINY,mode=0700" "a full cache dir"

# tmpfs_used_kib: the tmpfs's used space, from df.
tmpfs_used_kib() {
  df -k --output=used -- "$cache" | tail -n 1 | tr -d ' '
}
used_before=$(tmpfs_used_kib)

mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache,save_interval=1"
assert_index_canonical "$mnt" "$logdir" "index with a full cache dir"
read_index "$mnt" "$TEST_DIR/first.ndjson"
rows=$(line_count "$TEST_DIR/first.ndjson")

# A save is due once the index is built; it fails, and status says why.
wait_for_warning 20 "$mnt" cache_save "No space left on device"
assert_warning "$mnt" cache_save "No space left on device" "after the first failed save"
errors=$(metric_get "$mnt" logdex_cache_save_errors_total "after the first failed save")
[ "$errors" -ge 1 ] || fail "logdex_cache_save_errors_total is $errors after a failed save"
assert_daemon_alive "$mnt" "after the first failed save"
[ ! -e "$cache/index.cache" ] || fail "an index.cache of $(stat -c %s -- "$cache/index.cache") bytes fits in $TINY bytes: the test's log dir is too small"

# Still fresh while the cache cannot be written: appends straight into the log dir and through
# the mount show up; sorted, the index is `logdex index`.
expect_log_changes "$logdir/big/a/one.jsonl" "$logdir/big/b/two.jsonl" "$logdir/new"
random_frames 3 late-a >>"$logdir/big/a/one.jsonl"
printf '%s\n' '{"type":"p","id":"through-mount"}' >>"$mnt/big/b/two.jsonl"
mkdir -p "$logdir/new"
printf '%s\n' '{"type":"p","id":"new-file"}' >"$logdir/new/fresh.jsonl"
assert_index_invariant "$mnt" "$logdir" "index after appends with a full cache dir"
read_index "$mnt" "$TEST_DIR/after-appends.ndjson"
assert_eq $((rows + 5)) "$(line_count "$TEST_DIR/after-appends.ndjson")" "rows after 5 new frames"

# The changed index is due for a save; that save fails too, and the warning stays.
errors_changed() { [ "$(metric_value "$mnt" logdex_cache_save_errors_total)" -gt "$errors" ] 2>/dev/null; }
wait_until 15 "a failed save after the index changed (logdex_cache_save_errors_total > $errors)" errors_changed
assert_warning "$mnt" cache_save "No space left on device" "after the appends"

# A failed save leaves nothing behind: the tmpfs comes back to the space it had before the
# mount (a save in flight may hold a temp file for a moment) and no temp file stays.
no_leftovers() {
  [ "$(tmpfs_used_kib)" -le "$used_before" ] &&
    ! find "$cache" -mindepth 1 -iname '*tmp*' | grep -q .
}
show_cache_dir() {
  echo "cache dir has '$(cache_listing "$cache")', df used $(tmpfs_used_kib) KiB (before the mount: $used_before KiB)"
}
wait_showing 10 "the full cache dir to hold no bytes and no temp file" show_cache_dir no_leftovers
listing=$(cache_listing "$cache")
# Two more failed saves (a failed save is retried every save_interval: the index is still
# unsaved) must not grow anything.
errors=$(metric_get "$mnt" logdex_cache_save_errors_total "before watching the cache dir")
errors_grew_by_2() { [ "$(metric_value "$mnt" logdex_cache_save_errors_total)" -ge $((errors + 2)) ] 2>/dev/null; }
show_errors() { echo "logdex_cache_save_errors_total is $(metric_value "$mnt" logdex_cache_save_errors_total)"; }
wait_showing 10 "two more failed saves, retried with no new change (logdex_cache_save_errors_total >= $((errors + 2)))" \
  show_errors errors_grew_by_2
wait_showing 10 "the full cache dir to settle again" show_cache_dir no_leftovers
assert_eq "$listing" "$(cache_listing "$cache")" "names in the full cache dir after more failed saves"
assert_warning "$mnt" cache_save "No space left on device" "after more failed saves"
assert_daemon_alive "$mnt" "after more failed saves"

# Space again: the next periodic save succeeds (the index is still unsaved: no new change is
# needed) and the warning clears.
mount -o remount,size=16m -- "$cache" || fail "cannot remount the tmpfs bigger"
wait_for_no_warning 20 "$mnt" cache_save
show_status() { status_summary "$mnt"; }
wait_showing 10 "health \"ok\" once the cache is saved" show_status is_healthy "$mnt"
assert_healthy "$mnt" "after a successful save"
[ -s "$cache/index.cache" ] || fail "the warning cleared but there is no index.cache (has: $(cache_listing "$cache"))"
size=$(stat -c %s -- "$cache/index.cache")
[ "$size" -gt "$TINY" ] || fail "index.cache is $size bytes: it would have fit in $TINY, so the test proved nothing"
[ "$(status_get "$mnt" .cache.saves)" -ge 1 ] || fail "cache.saves is 0 after index.cache was saved"
assert_index_invariant "$mnt" "$logdir" "index after the cache was saved"
unmount_clean "$mnt"
[ -s "$cache/index.cache" ] || fail "no index.cache after the unmount"

# The saved cache is a good one: the next mount reuses it and serves the same rows.
mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache"
assert_index_invariant "$mnt" "$logdir" "index at a remount on the saved cache"
assert_eq reused "$(status_get "$mnt" .cache.start)" "cache.start at a remount on the saved cache"
assert_healthy "$mnt" "at a remount on the saved cache"
unmount_clean "$mnt"

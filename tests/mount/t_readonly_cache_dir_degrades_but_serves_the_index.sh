#!/usr/bin/env bash
# A cache dir that cannot be written (a read-only tmpfs: root ignores mode bits, not EROFS): the
# mount still comes up, serves the index from memory, canonical and fresh, and status.json turns
# "degraded" with a "cache_save" warning naming "Read-only file system", metrics.prom agreeing.
# The unmount is still clean: its final save fails too, yet `fusermount3 -u` succeeds and the
# daemon (run with -f, so the test sees its exit status) exits 0 by itself.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_warnings.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
cache=$(make_dir cache)
copy_sample "$logdir"
mkdir -p "$logdir/r"
random_frames 200 ro-a >"$logdir/r/a.jsonl"
expect_log_changes "$logdir/r/a.jsonl" "$logdir/r/b.jsonl"

mount_scratch_tmpfs "$cache" "ro,size=1m" "a read-only cache dir"
if touch -- "$cache/probe" 2>/dev/null; then fail "the read-only tmpfs at $cache is writable"; fi

# The daemon in the foreground, as a child of this shell: its exit status is ours to check.
LIB_MOUNTS+=("$mnt")
record_log_dir "$logdir"  # mounted here without mount_logdex: the digest check covers it too
"$LOGDEX" mount "$logdir" "$mnt" -f -o "cache_dir=$cache,save_interval=1" 2>"$TEST_DIR/daemon.stderr" &
daemon=$!
show_daemon() {
  if kill -0 "$daemon" 2>/dev/null; then echo "daemon $daemon still running"; else echo "daemon exited"; fi
  echo "its stderr: $(head -c 2000 -- "$TEST_DIR/daemon.stderr")"
}
mounted() { timeout 5 mountpoint -q -- "$mnt" && [ -n "$(daemon_pids "$mnt")" ]; }
wait_showing "$READY_TIMEOUT" "logdex mount -f with a read-only cache dir to be mounted" show_daemon mounted

assert_index_canonical "$mnt" "$logdir" "index with a read-only cache dir"
read_index "$mnt" "$TEST_DIR/first.ndjson"
rows=$(line_count "$TEST_DIR/first.ndjson")
wait_for_warning 20 "$mnt" cache_save "Read-only file system"
assert_warning "$mnt" cache_save "Read-only file system" "after a failed save"
errors=$(metric_get "$mnt" logdex_cache_save_errors_total "after a failed save")
[ "$errors" -ge 1 ] || fail "logdex_cache_save_errors_total is $errors after a failed save"

# Fresh while the cache cannot be written; the index changes, so the final save has work to do.
random_frames 2 ro-b >>"$logdir/r/a.jsonl"
printf '%s\n' '{"type":"p","id":"through-mount"}' >>"$mnt/r/a.jsonl"
printf '%s\n' '{"type":"p","id":"new-file"}' >"$logdir/r/b.jsonl"
assert_index_invariant "$mnt" "$logdir" "index after appends with a read-only cache dir"
read_index "$mnt" "$TEST_DIR/after.ndjson"
assert_eq $((rows + 4)) "$(line_count "$TEST_DIR/after.ndjson")" "rows after 4 new frames"
assert_warning "$mnt" cache_save "Read-only file system" "after the appends"
assert_daemon_alive "$mnt" "after the appends"

# A clean unmount although the final save fails: the daemon exits 0 and the mount is gone.
unmount_clean "$mnt"
rc=0
wait "$daemon" || rc=$?
[ "$rc" -eq 0 ] || fail "the daemon exited $rc after an unmount whose cache save failed; its stderr: $(head -c 2000 -- "$TEST_DIR/daemon.stderr")"
! is_mounted "$mnt" || fail "$mnt is still mounted after the daemon exited"
assert_eq "" "$(cache_listing "$cache")" "names in the read-only cache dir"

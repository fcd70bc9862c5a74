#!/usr/bin/env bash
# A cache dir with no space left (a 16 KiB tmpfs) and save_interval=1: every periodic save fails
# with ENOSPC, and the log (-o log=FILE) gets one warning line for it however many saves fail;
# once there is space again, one info line says the cache is saved again.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_warnings.sh"
. "$(dirname "$0")/lib_log.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
cache=$(make_dir cache)
log=$TEST_DIR/daemon.log
copy_sample "$logdir"
mkdir -p "$logdir/big"
random_frames 4000 big >"$logdir/big/one.jsonl"  # tens of KiB of cache even compressed
mount_scratch_tmpfs "$cache" "size=16384,mode=0700" "a full cache dir"
mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache,save_interval=1,log=$log"
read_index "$mnt" "$TEST_DIR/index.ndjson"

three_failed() { [ "$(metric_value "$mnt" logdex_cache_save_errors_total)" -ge 3 ] 2>/dev/null; }
show_errors() { echo "logdex_cache_save_errors_total is $(metric_value "$mnt" logdex_cache_save_errors_total)"; }
wait_showing 20 "three failed saves" show_errors three_failed
wait_for_line "$log" "${LOG_LINE_PREFIX}warning: cannot save the index cache: .*No space left on device" \
  "save failure line"
assert_eq 1 "$(count_lines "$log" 'cannot save the index cache')" "save failure lines after 3 failed saves"

mount -o remount,size=16m -- "$cache" || fail "cannot remount the tmpfs bigger"
wait_for_line "$log" "${LOG_LINE_PREFIX}info: the index cache is saved again, after [0-9]+ failed saves\$" \
  "recovery line"
sleep 2  # two more (unneeded) save intervals
assert_eq 1 "$(count_lines "$log" 'saved again')" "recovery lines"
assert_eq 1 "$(count_lines "$log" 'cannot save the index cache')" "save failure lines at the end"

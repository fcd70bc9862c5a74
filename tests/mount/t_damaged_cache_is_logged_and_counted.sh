#!/usr/bin/env bash
# A damaged cache (truncated to half) at mount: the log gets one warning naming the damage and
# that the cache was moved aside, and metrics.prom and status.json count one rejection
# (reason damaged) and no load; the next mount, on the good cache its unmount saved, counts a
# load.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_warnings.sh"
. "$(dirname "$0")/lib_log.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
cache=$(make_dir cache)
log=$TEST_DIR/daemon.log
copy_sample "$logdir"
save_good_cache "$logdir" "$mnt" "$cache"
truncate -s $(($(stat -c %s "$cache/index.cache") / 2)) "$cache/index.cache"

mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache,log=$log"
read_index "$mnt" "$TEST_DIR/index.ndjson"
wait_for_line "$log" "${LOG_LINE_PREFIX}warning: index cache damaged: .*; moved aside as index.cache.bad, index rebuilt from the logs\$" \
  "damaged cache line"
assert_eq 1 "$(count_lines "$log" 'index cache')" "lines about the cache"
assert_eq 1 "$(metric_get "$mnt" 'logdex_cache_rejections_total{reason="damaged"}' "damaged")" "damaged rejections"
assert_eq 0 "$(metric_get "$mnt" 'logdex_cache_rejections_total{reason="foreign"}' "foreign")" "foreign rejections"
assert_eq 0 "$(metric_get "$mnt" logdex_cache_loads_total "loads")" "cache loads after a damaged cache"
assert_eq 1 "$(status_get "$mnt" .cache.rejections)" "status.json cache.rejections"
unmount_clean "$mnt"

mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache,log=$log"
read_index "$mnt" "$TEST_DIR/index.ndjson"
assert_eq 1 "$(metric_get "$mnt" logdex_cache_loads_total "loads")" "cache loads on a good cache"
assert_eq 1 "$(status_get "$mnt" .cache.loads)" "status.json cache.loads"
assert_eq 0 "$(status_get "$mnt" .cache.rejections)" "status.json cache.rejections on a good cache"
assert_eq 1 "$(count_lines "$log" 'index cache')" "lines about the cache after a good remount"

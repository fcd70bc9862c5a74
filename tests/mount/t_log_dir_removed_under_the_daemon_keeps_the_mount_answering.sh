#!/usr/bin/env bash
# `rm -rf` of the log dir itself under a running daemon: the mount keeps answering (an empty
# directory, an empty index.ndjson, status.json), status.json warns "log_dir", the daemon neither
# crashes nor hangs, and the unmount is clean.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_warnings.sh"
. "$(dirname "$0")/lib_trees.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
mkdir -p "$logdir/deep/er"
printf '%s\n' '{"type":"t","id":"1"}' >"$logdir/deep/er/x.jsonl"
expect_log_changes "$logdir"

mount_logdex "$logdir" "$mnt"
assert_index_canonical "$mnt" "$logdir" "index before the removal"
assert_healthy "$mnt" "before the removal"

rm -rf -- "$logdir"
index_empty() { [ "$(on_mount stat -c %s -- "$mnt/index.ndjson")" = 0 ]; }
wait_showing 20 "index.ndjson to be empty after the log dir was removed" \
  "on_mount stat -c %s -- $(printf '%q' "$mnt/index.ndjson")" index_empty
wait_for_warning 20 "$mnt" log_dir "removed"
assert_eq "" "$(on_mount find "$mnt" -mindepth 1 -not -path "$mnt/.logdex*" -not -name index.ndjson)" \
  "what the mount lists after the removal"
assert_eq "0 0" "$(mount_skips "$mnt")" "status.json skips after the removal"
on_mount cat -- "$mnt/.logdex/metrics.prom" >/dev/null || fail "metrics.prom unreadable after the removal"
assert_eq 1 "$(metric_get "$mnt" 'logdex_warning{kind="log_dir"}' "after the removal")" "logdex_warning{kind=\"log_dir\"}"
# A new directory at the old path is not what this mount serves.
mkdir -p -- "$logdir"
printf '%s\n' '{"type":"t","id":"elsewhere"}' >"$logdir/new.jsonl"
assert_eq 0 "$(on_mount stat -c %s -- "$mnt/index.ndjson")" "index.ndjson size once another dir has the path"
[ -e "$mnt/new.jsonl" ] && fail "the mount shows a file of the new directory at the old path"
assert_daemon_alive "$mnt" "after the removal"
unmount_clean "$mnt"

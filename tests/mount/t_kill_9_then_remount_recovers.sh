#!/usr/bin/env bash
# After kill -9 of the daemon (a periodic cache save behind it, frames appended since, through
# the mount and straight into the log dir), `fusermount3 -u` (or -uz) and a new `logdex mount`
# give a complete, correct index with no other step: every frame is a row, none twice, and the
# frames written through the mount before the kill are in the log dir.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
cache=$(make_dir cache)
copy_sample "$logdir"
mkdir -p "$logdir/k"
printf '%s\n' '{"type":"k","id":"k0"}' >"$logdir/k/a.jsonl"
expect_log_changes "$logdir/k/a.jsonl" "$logdir/k/b.jsonl"

mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache,save_interval=1"
read_index "$mnt" "$TEST_DIR/start.ndjson"
rows=$(line_count "$TEST_DIR/start.ndjson")
printf '%s\n' '{"type":"k","id":"k1"}' >>"$mnt/k/a.jsonl"
printf '%s\n' '{"type":"k","id":"k2"}' >>"$logdir/k/a.jsonl"
rows=$((rows + 2))
saved_at_least_once() { [ "$(on_mount jq -r .cache.saves "$mnt/.logdex/status.json")" -ge 1 ]; }
wait_until 15 "a periodic cache save (save_interval=1)" saved_at_least_once
[ -s "$cache/index.cache" ] || fail "no index.cache after a periodic save"
# Frames after the last save the daemon may ever make.
printf '%s\n' '{"type":"k","id":"k3"}' >>"$mnt/k/a.jsonl"
printf '%s\n' '{"type":"k","id":"k4"}' >"$mnt/k/b.jsonl"
printf '%s\n' '{"type":"k","id":"k5"}' >>"$logdir/k/a.jsonl"
rows=$((rows + 3))
read_index "$mnt" "$TEST_DIR/before-kill.ndjson"
assert_eq "$rows" "$(line_count "$TEST_DIR/before-kill.ndjson")" "rows before the kill"

kill9_daemon "$mnt"
timeout -k 5 20 fusermount3 -u -- "$mnt" 2>/dev/null || timeout -k 5 20 fusermount3 -uz -- "$mnt" ||
  fail "neither fusermount3 -u nor -uz unmounted the dead mount"
! is_mounted "$mnt" || fail "still mounted after fusermount3"
assert_eq "k0 k1 k2 k3 k5" "$(jq -r .id "$logdir/k/a.jsonl" | tr '\n' ' ' | sed 's/ $//')" "k/a.jsonl in the log dir after the kill"
assert_eq '{"type":"k","id":"k4"}' "$(cat "$logdir/k/b.jsonl")" "k/b.jsonl in the log dir after the kill"

mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache,save_interval=1"
assert_index_invariant "$mnt" "$logdir" "remount after kill -9"
read_index "$mnt" "$TEST_DIR/after.ndjson"
assert_eq "$rows" "$(line_count "$TEST_DIR/after.ndjson")" "rows after the remount"
assert_eq reused "$(status_get "$mnt" .cache.start)" "remount after kill -9: cache.start (the periodic save is valid)"
[ ! -e "$cache/index.cache.bad" ] || fail "a periodically saved cache was moved aside as damaged"
unmount_clean "$mnt"

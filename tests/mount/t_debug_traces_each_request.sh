#!/usr/bin/env bash
# -o debug: one log line per FUSE request, with the operation, the inode and name or size and
# offset, the result (ok or the errno's name) and the duration.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_log.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
log=$TEST_DIR/daemon.log
printf '{"type":"a","id":"1"}\n' >"$logdir/x.jsonl"
mount_logdex "$logdir" "$mnt" -o "log=$log,debug"

on_mount cat "$mnt/x.jsonl" >/dev/null
assert_fails "stat of a missing file" stat "$mnt/missing.jsonl"
us='[0-9]+\.[0-9] us$'
wait_for_line "$log" "${LOG_LINE_PREFIX}debug: request lookup ino=1 name=\"x\.jsonl\": ok, $us" "lookup trace"
wait_for_line "$log" "debug: request lookup ino=1 name=\"missing\.jsonl\": ENOENT, $us" "failed lookup trace"
wait_for_line "$log" "debug: request open ino=[0-9]+: ok, $us" "open trace"
wait_for_line "$log" "debug: request read ino=[0-9]+ size=[0-9]+ off=0: ok, $us" "read trace"
wait_for_line "$log" "debug: request release ino=[0-9]+: ok, $us" "release trace"

#!/usr/bin/env bash
# Under -f (and no -o log=) the daemon logs to its stderr: the mount line, and a problem (a
# corrupt frame) once, with its file and byte offset; no request traces without -o debug.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_log.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
err=$TEST_DIR/stderr
printf 'garbage\n{"type":"a","id":"1"}\n' >"$logdir/x.jsonl"
mount_logdex_foreground "$logdir" "$mnt" "$err"

wait_for_line "$err" "${LOG_LINE_PREFIX}info: mounted $logdir at $mnt\$" "mount line on stderr"
on_mount cat "$mnt/index.ndjson" >/dev/null
on_mount cat "$mnt/index.ndjson" >/dev/null
wait_for_line "$err" "${LOG_LINE_PREFIX}warning: file x.jsonl: 1 corrupt frame, first at byte 0 \(json\)\$" \
  "corrupt frame line on stderr"
assert_eq 1 "$(count_lines "$err" 'corrupt frame')" "corrupt-frame lines on stderr"
assert_eq 0 "$(count_lines "$err" 'request ')" "request traces without -o debug"

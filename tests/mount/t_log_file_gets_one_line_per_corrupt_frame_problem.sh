#!/usr/bin/env bash
# -o log=FILE: a log file with a corrupt frame gets one warning line naming the file and the
# byte offset of its first corrupt frame; reading the index again (and again) adds no line; an
# appended corrupt frame is a new problem with a line of its own; mount and unmount get one info
# line each. Every line starts with an ISO-8601 UTC time.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_log.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
log=$TEST_DIR/daemon.log
printf '{"type":"a","id":"1"}\nnot json\n{"type":"b","id":"2"}\n' >"$logdir/bad.jsonl"
expect_log_changes "$logdir/bad.jsonl"
printf '{"type":"a","id":"1"}\n' >"$logdir/good.jsonl"
echo "an earlier line" >"$log"
mount_logdex "$logdir" "$mnt" -o "log=$log"

wait_for_line "$log" "${LOG_LINE_PREFIX}info: mounted $logdir at $mnt\$" "mount line"
on_mount cat "$mnt/index.ndjson" >/dev/null
on_mount cat "$mnt/index.ndjson" >/dev/null
wait_for_line "$log" "${LOG_LINE_PREFIX}warning: file bad.jsonl: 1 corrupt frame, first at byte 22 \(json\)\$" \
  "corrupt frame line"
on_mount cat "$mnt/index.ndjson" >/dev/null
sleep 1.5  # past a background refresh and a problem watch
assert_eq 1 "$(count_lines "$log" 'corrupt frame')" "corrupt-frame lines after reading the index three times"
assert_eq 0 "$(count_lines "$log" 'good.jsonl')" "lines about the good file"
assert_eq "an earlier line" "$(head -n 1 "$log")" "first line (the file is appended to)"

printf 'still not json\n' >>"$logdir/bad.jsonl"
on_mount cat "$mnt/index.ndjson" >/dev/null
wait_for_line "$log" 'warning: file bad.jsonl: 1 corrupt frame, first at byte 53 \(json\)$' "appended corrupt frame"
on_mount cat "$mnt/index.ndjson" >/dev/null
assert_eq 2 "$(count_lines "$log" 'corrupt frame')" "corrupt-frame lines after an appended corrupt frame"

unmount_logdex "$mnt" || fail "unmount"
assert_eq 1 "$(count_lines "$log" "${LOG_LINE_PREFIX}info: unmounting $mnt\$")" "unmount line"
bad=$(grep -cvE "${LOG_LINE_PREFIX}|^an earlier line\$" "$log") || true
assert_eq 0 "$bad" "lines without a timestamp"

#!/usr/bin/env bash
# A FIFO and a unix socket named like log files (SPEC §1: a log file is a regular file) are shown
# in the mount as what they are, and nothing indexes them or opens them: a writer blocked opening
# the FIFO stays blocked through the build, a refresh that looks at it by name, `logdex index` and
# `logdex verify`. They are not log files, so nothing counts them as skipped; the rest of the
# index is right.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_warnings.sh"
. "$(dirname "$0")/lib_trees.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
mkdir -p "$logdir/live"
printf '%s\n' '{"type":"t","id":"before"}' >"$logdir/live/a.jsonl"
mkfifo "$logdir/pipe.jsonl"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$logdir/sock.ndjson" ||
  fail "cannot make a unix socket"
[ -S "$logdir/sock.ndjson" ] || fail "no socket at $logdir/sock.ndjson"
expect_log_changes "$logdir/pipe.jsonl" "$logdir/sock.ndjson"

# The writer opens the FIFO for writing: open(2) blocks until a reader opens it. If anything
# opened it for reading, the writer would go on and write the marker.
timeout -k 5 120 sh -c 'exec 3>"$1"; echo released >"$2"' sh "$logdir/pipe.jsonl" "$TEST_DIR/released" &
writer=$!
kill_on_exit "$writer"
# Ready when the writer (timeout's child) sits in openat(2) (syscall 257 on x86-64, 56 on arm64).
blocked_in_open() {
  local child
  child=$(pgrep -P "$writer" | head -1) && [ -n "$child" ] &&
    awk '{ exit !($1 == 257 || $1 == 56) }' "/proc/$child/syscall" 2>/dev/null
}
wait_until 10 "the FIFO writer to block in open" blocked_in_open

mount_logdex "$logdir" "$mnt"
assert_index_canonical "$mnt" "$logdir" "index with a FIFO and a socket named like logs"
assert_eq "fifo" "$(on_mount stat -c %F -- "$mnt/pipe.jsonl")" "the FIFO's type through the mount"
assert_eq "socket" "$(on_mount stat -c %F -- "$mnt/sock.ndjson")" "the socket's type through the mount"
# An event on each makes the live index look at it by name.
chmod 600 "$logdir/pipe.jsonl" "$logdir/sock.ndjson"
printf '%s\n' '{"type":"t","id":"after-chmod"}' >>"$logdir/live/a.jsonl"
expect_log_changes "$logdir/live/a.jsonl"
wait_index_invariant 20 "$mnt" "$logdir" "index after events on the FIFO and the socket"
verify_rc=0
timeout -k 5 60 "$LOGDEX" verify "$logdir" >"$TEST_DIR/verify.txt" || verify_rc=$?
[ "$verify_rc" -le 1 ] || fail "logdex verify exited $verify_rc"
grep -e pipe.jsonl -e sock.ndjson "$TEST_DIR/verify.txt" && fail "verify reports the FIFO or the socket"
assert_eq "0 0" "$(mount_skips "$mnt")" "status.json skips (non-UTF-8, unreadable)"
assert_eq "0 0" "$(verify_skips "$logdir")" "verify skips (non-UTF-8, unreadable)"
on_mount jq -r '.file' -- "$mnt/index.ndjson" | grep -qx -e pipe.jsonl -e sock.ndjson &&
  fail "a row names the FIFO or the socket"

[ -e "$TEST_DIR/released" ] && fail "something opened the FIFO for reading: its blocked writer was released"
kill -0 "$writer" 2>/dev/null || fail "the FIFO writer is gone (released, or killed by SIGPIPE)"
assert_daemon_alive "$mnt" "after the FIFO and the socket"

#!/usr/bin/env bash
# -o log=FILE that cannot be opened: `logdex mount` exits 2 with one line naming the file,
# before anything is mounted, and no daemon is left.
. "$(dirname "$0")/lib.sh" "$1"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
printf '{"type":"a","id":"1"}\n' >"$logdir/x.jsonl"
record_log_dir "$logdir"  # a refused mount changes nothing in it either
for log in "$TEST_DIR/no/such/dir/daemon.log" "$(make_dir a-directory)"; do
  rc=0
  timeout -k 5 60 "$LOGDEX" mount "$logdir" "$mnt" -o "log=$log" 2>"$TEST_DIR/err" || rc=$?
  assert_eq 2 "$rc" "exit status with log=$log"
  assert_eq 1 "$(wc -l <"$TEST_DIR/err" | tr -d ' ')" "lines on stderr with log=$log"
  grep -qF -- "logdex mount: cannot open log file '$log'" "$TEST_DIR/err" ||
    fail "stderr does not name the log file: $(cat "$TEST_DIR/err")"
  ! mountpoint -q -- "$mnt" || fail "mounted although log=$log cannot be opened"
  assert_eq "" "$(daemon_pids "$mnt")" "daemons left with log=$log"
done

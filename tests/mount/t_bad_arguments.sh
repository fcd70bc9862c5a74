#!/usr/bin/env bash
# Bad arguments exit 2 with exactly one line on stderr and leave nothing mounted, for every command
# and for the bare `logdex LOGDIR MOUNTPOINT` form; --help exits 0, documents the -o options and
# names every command.
. "$(dirname "$0")/lib.sh" "$1"

logdir=$(make_dir logs)
printf '%s\n' '{"type":"t","id":"1"}' >"$logdir/a.jsonl"
mnt=$(make_dir mnt)
full=$(make_dir full)
touch "$full/occupied"
notdir="$TEST_DIR/plain-file"
touch "$notdir"
LIB_MOUNTS+=("$mnt" "$full")  # if any case mounts by mistake, the trap still unmounts

# expect_usage_error WHAT ARGS...: exit 2, one stderr line, nothing mounted, no daemon.
expect_usage_error() {
  local what=$1 rc=0 lines
  shift
  timeout -k 5 30 "$LOGDEX" "$@" </dev/null >"$TEST_DIR/out" 2>"$TEST_DIR/err" || rc=$?
  assert_eq 2 "$rc" "$what: exit status of logdex $*"
  lines=$(wc -l <"$TEST_DIR/err" | tr -d ' ')
  if [ "$lines" != 1 ]; then
    sed 's/^/    stderr: /' "$TEST_DIR/err" >&2
    fail "$what: expected exactly one line on stderr, got $lines"
  fi
  ! is_mounted "$mnt" || fail "$what: $mnt got mounted"
  ! is_mounted "$full" || fail "$what: $full got mounted"
  [ -z "$(daemon_pids "$mnt")$(daemon_pids "$full")" ] || fail "$what: a logdex daemon is left running"
}

expect_usage_error "missing log dir" mount "$TEST_DIR/no-such-dir" "$mnt"
expect_usage_error "log dir is a file" mount "$notdir" "$mnt"
expect_usage_error "non-empty mount point" mount "$logdir" "$full"
expect_usage_error "mount point is a file" mount "$logdir" "$notdir"
expect_usage_error "missing mount point" mount "$logdir" "$TEST_DIR/no-such-mnt"
expect_usage_error "unknown flag" mount "$logdir" "$mnt" --no-such-flag
expect_usage_error "unknown -o option" mount "$logdir" "$mnt" -o no_such_option
expect_usage_error "bad verify value" mount "$logdir" "$mnt" -o verify=sometimes
expect_usage_error "bad sources value" mount "$logdir" "$mnt" -o sources=nosuchsource
expect_usage_error "too few arguments" mount "$logdir"
expect_usage_error "index of a missing dir" index /nonexistent
expect_usage_error "unknown command" no-such-command
expect_usage_error "missing -o list" mount "$logdir" "$mnt" -o
expect_usage_error "extra argument" mount "$logdir" "$mnt" extra
expect_usage_error "option without its value" mount "$logdir" "$mnt" -o cache_dir
expect_usage_error "bare form: missing log dir" "$TEST_DIR/no-such-dir" "$mnt" -o rw,nosuid,nodev
expect_usage_error "bare form: non-empty mount point" "$logdir" "$full" -o rw,nosuid,nodev,_netdev,nofail
expect_usage_error "bare form: unknown -o option" "$logdir" "$mnt" -o rw,no_such_option
expect_usage_error "bare form: too few arguments" "$logdir"
expect_usage_error "index: unknown flag" index "$logdir" --no-such-flag
expect_usage_error "verify without LOGDIR" verify
expect_usage_error "rebuild with two LOGDIRs" rebuild "$logdir" "$logdir"
expect_usage_error "status without MOUNTPOINT" status
expect_usage_error "status of a plain directory" status "$logdir"
expect_usage_error "unmount of a plain directory" unmount "$logdir"
expect_usage_error "unmount of a missing path" unmount "$TEST_DIR/no-such-mnt"
assert_eq occupied "$(ls "$full")" "non-empty mount point contents"

for args in "--help" "-h" "help" "mount --help" "help mount"; do
  rc=0
  # shellcheck disable=SC2086  # split on purpose
  timeout 30 "$LOGDEX" $args >"$TEST_DIR/help" 2>&1 </dev/null || rc=$?
  assert_eq 0 "$rc" "exit status of logdex $args"
  for word in cache_dir sources ro; do
    grep -qw -- "$word" "$TEST_DIR/help" || fail "logdex $args does not mention $word"
  done
done

timeout 30 "$LOGDEX" --help >"$TEST_DIR/help" 2>&1 </dev/null
for word in mount index verify rebuild status unmount "LOGDIR MOUNTPOINT" ./index x-systemd; do
  grep -qF -- "$word" "$TEST_DIR/help" || fail "logdex --help does not mention $word"
done
for command in index verify rebuild status unmount; do
  rc=0
  timeout 30 "$LOGDEX" "$command" --help >"$TEST_DIR/help" 2>&1 </dev/null || rc=$?
  assert_eq 0 "$rc" "exit status of logdex $command --help"
  grep -q "^usage: logdex $command" "$TEST_DIR/help" || fail "logdex $command --help shows no usage"
done

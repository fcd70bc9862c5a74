#!/usr/bin/env bash
# `logdex unmount MNT` unmounts, returns only once the daemon's pid is gone, and the cache file is
# newer than before; a busy mount (a process's cwd inside) exits 1 naming that process, and stays
# mounted; a mount whose daemon was killed (status: exit 2, "daemon is gone") is unmounted all the
# same; what is not a logdex mount exits 2.
. "$(dirname "$0")/lib.sh" "$1"

logdir=$(make_dir logs)
printf '%s\n' '{"type":"t","id":"1"}' >"$logdir/a.jsonl"
expect_log_changes "$logdir/a.jsonl"
mnt=$(make_dir mnt)
cache=$(make_dir cache)
mount_logdex "$logdir" "$mnt" -o cache_dir="$cache",save_interval=86400
on_mount cat "$mnt/index.ndjson" >/dev/null
pid=$(on_mount jq -r .pid "$mnt/.logdex/status.json")
assert_eq "$(daemon_pids "$mnt")" "$pid" "status.json .pid is the daemon"

# Busy: a sleep whose working directory is inside the mount.
(cd "$mnt" && exec sleep 300) &
holder=$!
at_exit "kill $holder 2>/dev/null || true"
for _ in $(seq 100); do
  [ "$(readlink "/proc/$holder/cwd" 2>/dev/null)" = "$mnt" ] && break
  sleep 0.05
done
rc=0
timeout -k 5 90 "$LOGDEX" unmount "$mnt" >"$TEST_DIR/out" 2>"$TEST_DIR/err" || rc=$?
assert_eq 1 "$rc" "exit status of unmount of a busy mount"
assert_eq 1 "$(wc -l <"$TEST_DIR/err" | tr -d ' ')" "stderr lines for a busy mount"
grep -q "busy: held by pid $holder (sleep) cwd" "$TEST_DIR/err" || fail "holder not named: $(cat "$TEST_DIR/err")"
mountpoint -q -- "$mnt" || fail "a busy mount got unmounted"
kill -0 "$pid" || fail "the daemon of a busy mount exited"
kill "$holder"
wait "$holder" 2>/dev/null || true

# Not busy: a new frame makes the index differ from the cache, so unmount must save it.
printf '%s\n' '{"type":"t","id":"2"}' >>"$logdir/a.jsonl"
assert_eq 2 "$(on_mount cat "$mnt/index.ndjson" | wc -l | tr -d ' ')" "rows before unmount"
touch "$TEST_DIR/before"
sleep 0.05
rc=0
timeout -k 5 90 "$LOGDEX" unmount "$mnt" >"$TEST_DIR/out" 2>"$TEST_DIR/err" || rc=$?
assert_eq 0 "$rc" "exit status of unmount (stderr: $(cat "$TEST_DIR/err"))"
! kill -0 "$pid" 2>/dev/null || fail "unmount returned while the daemon $pid still runs"
! is_mounted "$mnt" || fail "still mounted after unmount"
[ "$cache/index.cache" -nt "$TEST_DIR/before" ] || fail "cache file not written at unmount"
grep -q "unmounted; daemon $pid exited; cache saved to $cache/index.cache" "$TEST_DIR/out" ||
  fail "unexpected report: $(cat "$TEST_DIR/out")"

# The cache it saved holds the new frame: a remount reuses it.
mount_logdex "$logdir" "$mnt" -o cache_dir="$cache"
assert_eq 2 "$(on_mount cat "$mnt/index.ndjson" | wc -l | tr -d ' ')" "rows after remount"
assert_eq reused "$(on_mount jq -r .cache.start "$mnt/.logdex/status.json")" "cache start after remount"

# Its daemon killed: status says so (exit 2), unmount still unmounts.
pid=$(daemon_pids "$mnt")
kill -9 "$pid"
while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
rc=0
timeout -k 5 30 "$LOGDEX" status "$mnt" >"$TEST_DIR/out" 2>"$TEST_DIR/err" || rc=$?
assert_eq 2 "$rc" "exit status of status of a mount whose daemon is gone"
grep -q "daemon is gone" "$TEST_DIR/err" || fail "status of a dead mount: $(cat "$TEST_DIR/err")"
rc=0
timeout -k 5 90 "$LOGDEX" unmount "$mnt" >"$TEST_DIR/out" 2>"$TEST_DIR/err" || rc=$?
assert_eq 0 "$rc" "exit status of unmount of a dead mount (stderr: $(cat "$TEST_DIR/err"))"
grep -q "daemon was already gone" "$TEST_DIR/out" || fail "unmount of a dead mount: $(cat "$TEST_DIR/out")"
! is_mounted "$mnt" || fail "a dead mount is still mounted after unmount"

rc=0
"$LOGDEX" unmount "$logdir" >"$TEST_DIR/out" 2>"$TEST_DIR/err" || rc=$?
assert_eq 2 "$rc" "exit status of unmount of a plain directory"
grep -q "^logdex unmount: '$logdir' is not mounted" "$TEST_DIR/err" || fail "message: $(cat "$TEST_DIR/err")"

#!/usr/bin/env bash
# With too few inotify watches for the tree (5, in a user namespace of its own, for a log dir of
# 51 directories), the mount degrades, never goes stale: status.json turns "degraded" with an
# "inotify_watches" warning naming the "watch limit", metrics.prom counts unwatched directories,
# and every frame written straight into the log dir, in directories no watch can cover (deep
# ones, new ones), is in index.ndjson at the very next read: unwatched directories are checked
# by stat on every refresh. Sorted, the index always equals `logdex index`.
#
# The inotify limit is per user namespace, so the whole scenario (mount, checks, unmount) runs in
# `unshare -U -r -m`, where the limit is lowered; the mount exists only in there. The scenario
# fails with its own reason, and unmounts on every exit path; this outer script then checks
# that no daemon for that mount point outlived it.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"

readonly WATCH_LIMIT=5
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
logdir=$(make_dir logs)
mnt=$(make_dir mnt)
LIB_MOUNTS+=("$mnt")   # the mount is in the namespace; cleanup still kills its daemon by pid

command -v unshare >/dev/null || fail "unshare is missing: install util-linux"
probe_rc=0
probe=$(unshare -U -r -m --fork true 2>&1) || probe_rc=$?
[ "$probe_rc" -eq 0 ] ||
  fail "this test needs user namespaces, but 'unshare -U -r -m --fork true' exited $probe_rc: $probe (check sysctl user.max_user_namespaces and kernel.unprivileged_userns_clone, and any seccomp profile)"

# 20 directories with a log each: 10 at depth 1, 10 at depth 4 (their parents are directories
# too): 51 directories with the root.
for i in $(seq -w 1 10); do
  mkdir -p "$logdir/d$i"
  printf '{"type":"s","id":"d%s-0"}\n' "$i" >"$logdir/d$i/a.jsonl"
done
for i in $(seq -w 11 20); do
  mkdir -p "$logdir/d$i/x/y/z"
  printf '{"type":"s","id":"d%s-0"}\n' "$i" >"$logdir/d$i/x/y/z/a.jsonl"
done

inner="$TEST_DIR/$TEST_NAME.inner.sh"
cat >"$inner" <<'INNER'
#!/usr/bin/env bash
# usage: inner.sh LOGDEX TESTS_MOUNT_DIR LOGDIR MNT WATCH_LIMIT (inside unshare -U -r -m)
. "$2/lib.sh" "$1"
. "$2/lib_live.sh"
. "$2/lib_warnings.sh"
logdir=$3 mnt=$4 limit=$5

echo "$limit" >/proc/sys/user/max_inotify_watches 2>/dev/null ||
  fail "cannot lower /proc/sys/user/max_inotify_watches to $limit in the user namespace"
assert_eq "$limit" "$(cat /proc/sys/user/max_inotify_watches)" "max_inotify_watches in the user namespace"
dirs=$(find "$logdir" -type d | wc -l)

mount_logdex "$logdir" "$mnt"
assert_index_canonical "$mnt" "$logdir" "index with $limit inotify watches for $dirs directories"
wait_for_warning 20 "$mnt" inotify_watches "watch limit"
assert_warning "$mnt" inotify_watches "watch limit" "with $limit watches for $dirs directories"
unwatched=$(metric_get "$mnt" logdex_inotify_unwatched_dirs "with $limit watches")
# (> 0, and no more than there are directories: a daemon may count only the top of each
# unwatched subtree, which it stat-scans whole.)
if [ "$unwatched" -lt 1 ] || [ "$unwatched" -gt "$dirs" ]; then
  fail "logdex_inotify_unwatched_dirs is $unwatched: with $limit watches for $dirs directories it must be between 1 and $dirs"
fi

# write_then_read REL FRAME...: appends FRAMEs to REL straight in the log dir (creating it and
# its directory if new), then reads index.ndjson once: each new frame's row, as `logdex index`
# prints it, must be in that read, and the read sorted must be `logdex index` sorted.
step=0
write_then_read() {
  local rel=$1 frame off row
  shift
  step=$((step + 1))
  mkdir -p -- "$(dirname -- "$logdir/$rel")"
  touch -- "$logdir/$rel"
  local offsets=()
  for frame in "$@"; do
    offsets+=("$(stat -c %s -- "$logdir/$rel")")
    printf '%s\n' "$frame" >>"$logdir/$rel"
  done
  read_index "$mnt" "$TEST_DIR/step$step.ndjson"
  cli_index "$logdir" "$TEST_DIR/cli$step.ndjson"
  for off in "${offsets[@]}"; do
    row=$(grep -F -- "{\"file\":\"$rel\",\"byteOffset\":$off," "$TEST_DIR/cli$step.ndjson") ||
      fail "step $step: logdex index has no row for $rel at $off"
    grep -qxF -- "$row" "$TEST_DIR/step$step.ndjson" ||
      fail "step $step: the read right after writing $rel at byte $off lacks its row: $row"
  done
  sort -- "$TEST_DIR/step$step.ndjson" >"$TEST_DIR/step$step.sorted"
  sort -- "$TEST_DIR/cli$step.ndjson" >"$TEST_DIR/cli$step.sorted"
  assert_same_bytes "$TEST_DIR/cli$step.sorted" "$TEST_DIR/step$step.sorted" \
    "step $step ($rel): index.ndjson sorted vs logdex index sorted"
}

write_then_read d20/x/y/z/a.jsonl '{"type":"s","id":"d20-1"}'
write_then_read d03/a.jsonl '{"type":"s","id":"d03-1"}'
write_then_read d15/x/y/z/a.jsonl '{"type":"s","id":"d15-1"}' '{"type":"s","id":"d15-2"}'
write_then_read d12/x/y/z/new.jsonl '{"type":"s","id":"d12-new-0"}'
write_then_read d19/x/y/z/w/v/fresh.jsonl '{"type":"s","id":"d19-fresh-0"}'
write_then_read d19/x/y/z/w/v/fresh.jsonl '{"type":"s","id":"d19-fresh-1"}'
write_then_read d11/x/y/z/a.jsonl '{"type":"s","id":"d11-1"}'
write_then_read d20/x/y/z/a.jsonl '{"type":"s","id":"d20-2"}'
write_then_read new-top/b.jsonl '{"type":"s","id":"new-top-0"}'
expect_log_changes "$logdir"/{d20/x/y/z/a.jsonl,d03/a.jsonl,d15/x/y/z/a.jsonl,d12/x/y/z/new.jsonl,d19/x/y/z/w,d11/x/y/z/a.jsonl,new-top}

assert_index_invariant "$mnt" "$logdir" "index at the end"
assert_warning "$mnt" inotify_watches "watch limit" "at the end (still more directories than watches)"
[ -n "$(daemon_pids "$mnt")" ] || fail "the daemon died"
unmount_clean "$mnt"
echo "scenario passed: $dirs directories, $unwatched unwatched, $step writes each seen at the next read"
INNER

# In the background, so a TERM to this script is handled at once. unshare ignores TERM while it
# waits, so the EXIT trap KILLs it; --kill-child then TERMs the scenario, whose own trap
# unmounts; lib.sh's cleanup waits for the daemon (and kills it by pid if it stays).
scenario=
# shellcheck disable=SC2016  # expanded at exit
at_exit 'if [ -n "$scenario" ]; then kill -KILL "$scenario" 2>/dev/null; wait "$scenario" 2>/dev/null; fi'
env -u LOGDEX_TEST_TMPROOT TMPDIR="$TEST_DIR" \
  unshare -U -r -m --fork --kill-child=TERM bash "$inner" "$LOGDEX" "$here" "$logdir" "$mnt" "$WATCH_LIMIT" &
scenario=$!
rc=0
wait "$scenario" || rc=$?
scenario=
[ "$rc" -eq 0 ] || fail "the scenario in the user+mount namespace failed (exit $rc; its reason is above)"
# The namespace's daemon must be gone with it (a daemon would hold its mount namespace alive).
wait_until 10 "no logdex daemon for $mnt to outlive the user namespace" daemons_gone "$mnt"

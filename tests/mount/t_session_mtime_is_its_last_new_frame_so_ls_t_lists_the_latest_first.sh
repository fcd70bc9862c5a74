#!/usr/bin/env bash
# A session file's st_mtime is the time of the session's last new frame (SPEC §10): on a fresh
# mount, the latest st_mtime of the files holding its frames (set here with touch -d), so
# `ls -t MNT/.logdex/sessions` lists the sessions whose files were written last first; st_size is
# what `wc -c` reads. A frame appended to the oldest session (straight into the log dir) and then
# one appended to another old session (through the mount) each move that session to the top of
# the very next `ls -t`, with the appended file's new mtime, and its size grows by the frame.
# The times are the same after a remount that reuses the cache.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_sessions.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sessions "$logdir"
main=claude/projects/-workspace-example-app/55550000-0000-4000-8000-000000000001.jsonl
codex=codex/sessions/2025/01/04/rollout-2025-01-04T09-00-00-golden-codex-001.jsonl
# The main session's three files are the oldest of all, its second subagent the newest of them:
# the session's time is that subagent's, not its main file's.
sub2=${main%.jsonl}/subagents/agent-showcol2.jsonl
touch -d "@$((SESSIONS_NEWEST - 90 * 86400))" -- "$logdir/$main"
touch -d "@$((SESSIONS_NEWEST - 91 * 86400))" -- "$logdir/${main%.jsonl}/subagents/agent-showcol1.jsonl"
touch -d "@$((SESSIONS_NEWEST - 80 * 86400))" -- "$logdir/$sub2"
expect_log_changes "$logdir/$main" "$logdir/$codex"
cache=$(make_dir cache)
mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache"
sdir=$(sessions_dir "$mnt")

# ls_t: the names `ls -t` prints, newest first (ties: by name, as ls breaks them).
ls_t() { on_mount ls -t --quoting-style=literal -- "$sdir" || fail "ls -t $sdir exited $?"; }
# mount_mtimes: "MTIME<TAB>NAME" of every session file, as lib_sessions.py mtimes prints them.
mount_mtimes() {
  (cd -- "$sdir" && on_mount find . -mindepth 1 -printf '%Ts\t%P\n') | sed 's/\.[0-9]*\t/\t/' |
    sort -t "$(printf '\t')" -k1,1nr -k2,2 || fail "find in $sdir failed"
}
check_times() {  # check_times INDEX WHAT: every st_mtime as the log dir implies; ls -t in that order
  local what=$2
  sessions_py mtimes "$1" "$logdir" >"$TEST_DIR/want-mtimes"
  mount_mtimes >"$TEST_DIR/got-mtimes"
  assert_same_bytes "$TEST_DIR/want-mtimes" "$TEST_DIR/got-mtimes" "$what: st_mtime of each session file (seconds)"
  ls_t >"$TEST_DIR/got-order"
  cut -f2- "$TEST_DIR/want-mtimes" >"$TEST_DIR/want-order"
  assert_same_bytes "$TEST_DIR/want-order" "$TEST_DIR/got-order" "$what: ls -t order"
}
check_sizes() {  # check_sizes WHAT: stat -c %s of every session file equals wc -c of it
  local f
  for f in "$sdir"/*.ndjson; do
    assert_eq "$(on_mount wc -c <"$f" | tr -d ' ')" "$(on_mount stat -c %s -- "$f")" "$1: st_size vs wc -c of $f"
  done
}

cli_index "$logdir" "$TEST_DIR/cli.ndjson"
check_times "$TEST_DIR/cli.ndjson" "fresh mount"
check_sizes "fresh mount"
# The case proves something: the sessions do not all share one time.
[ "$(cut -f1 "$TEST_DIR/want-mtimes" | sort -u | wc -l)" -ge 4 ] || fail "the fixture's sessions share too few mtimes"

# 1. The oldest session gets a frame, straight into the log dir: next ls -t shows it first.
oldest=$(tail -n 1 "$TEST_DIR/got-order")
assert_eq 55550000-0000-4000-8000-000000000001.ndjson "$oldest" "the oldest session (its files are the oldest)"
assert_eq "$(stat -c %Y -- "$logdir/$sub2")" "$(on_mount stat -c %Y -- "$sdir/$oldest")" "st_mtime of the oldest session: its newest file's"
size_before=$(on_mount stat -c %s -- "$sdir/$oldest")
frame='{"type":"user","uuid":"late-1","sessionId":"55550000-0000-4000-8000-000000000001","message":{"role":"user","content":"one more"}}'
printf '%s\n' "$frame" >>"$logdir/$main"
assert_eq "$oldest" "$(ls_t | head -n 1)" "ls -t's first name after an append to the oldest session"
assert_eq "$(stat -c %Y -- "$logdir/$main")" "$(on_mount stat -c %Y -- "$sdir/$oldest")" "st_mtime of the session after the append (the file's new mtime)"
assert_eq $((size_before + ${#frame} + 1)) "$(on_mount stat -c %s -- "$sdir/$oldest")" "st_size after the append"

# 2. Another old session gets a frame through the mount (a second later: a time of its own).
sleep 1.1  # only so that the two appends have different whole-second mtimes
frame2='{"timestamp":"2025-01-04T09:01:00.000Z","type":"event_msg","payload":{"type":"agent_message","message":"late"}}'
printf '%s\n' "$frame2" | on_mount dd of="$mnt/$codex" oflag=append conv=notrunc status=none || fail "append through the mount exited $?"
assert_eq golden-codex-001.ndjson "$(ls_t | head -n 1)" "ls -t's first name after an append through the mount"
assert_eq "$oldest" "$(ls_t | sed -n 2p)" "ls -t's second name: the session appended to before"
read_index "$mnt" "$TEST_DIR/mounted.ndjson"
check_times "$TEST_DIR/mounted.ndjson" "after two appends"
check_sizes "after two appends"

# 3. A remount that reuses the cache keeps every session's time.
unmount_clean "$mnt"
mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache"
read_index "$mnt" "$TEST_DIR/remounted.ndjson"
assert_eq reused "$(status_get "$mnt" .cache.start)" "cache.start at the remount (the index is loaded on first use)"
check_times "$TEST_DIR/remounted.ndjson" "after a remount with the cache"

#!/usr/bin/env bash
# `tail -n0 -f` on a session file follows that session live (SPEC §10; issue 11): a frame appended
# to a subagent file through the mount, one appended to the main file straight into the log dir,
# and the frames of a new subagent file each show up, in that order, and nothing else: frames of
# other sessions, a torn tail of this session (until its "\n" arrives, when it shows up whole)
# and rows without a sessionId never do. Afterwards the session file is exactly the session's
# frames in the order of the mount's index, and the follower's output is exactly its end.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_sessions.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sessions "$logdir"
sid=55550000-0000-4000-8000-000000000001
proj=claude/projects/-workspace-example-app
main=$proj/$sid.jsonl
sub1=$proj/$sid/subagents/agent-showcol1.jsonl
sub3=$proj/$sid/subagents/agent-showcol3.jsonl
other=$proj/ffff0000-0000-4000-8000-00000000000f.jsonl
expect_log_changes "$logdir/$main" "$logdir/$sub1" "$logdir/$sub3" "$logdir/$other"
mount_logdex "$logdir" "$mnt" -o "cache_dir=$(make_dir cache)"
sess=$(session_file "$mnt" "$sid")
on_mount cat -- "$sess" >"$TEST_DIR/before.ndjson" || fail "cat $sess exited $?"

out="$TEST_DIR/tail.out"
timeout -k 5 90 tail -n0 -s 0.2 -f -- "$sess" >"$out" 2>"$TEST_DIR/tail.err" &
tail_timeout=$!
kill_on_exit "$tail_timeout"
wait_until 10 "tail -f to open the session file" child_has_open "$tail_timeout" "$sess"

# frame UUID [AGENT]: one line of this session, as Claude Code writes a subagent's (or the main) line.
frame() {
  printf '{"type":"assistant","uuid":"%s","sessionId":"%s","isSidechain":%s,"agentId":%s,"message":{"role":"assistant","content":[{"type":"text","text":"%s ☃"}]}}' \
    "$1" "$sid" "$([ -n "${2:-}" ] && echo true || echo false)" "$([ -n "${2:-}" ] && echo "\"$2\"" || echo null)" "$1"
}
# shows N WHAT: wait until the follower has printed N lines.
shows() {
  wait_showing 15 "tail -f on the session to print $1 lines ($2)" "cat -- $out" has_lines "$1"
}
has_lines() { [ "$(line_count "$out")" -ge "$1" ]; }

# 1. A subagent's append, through the mount.
printf '%s\n' "$(frame f1 showcol1)" | on_mount dd of="$mnt/$sub1" oflag=append conv=notrunc status=none ||
  fail "append through the mount exited $?"
printf '%s\n' "$(frame f1 showcol1)" >>"$TEST_DIR/want.out"
shows 1 "an append to a subagent file through the mount"
# 2. Another session and a row without a session, then this session's main file, straight.
printf '{"type":"user","uuid":"o1","sessionId":"ffff0000-0000-4000-8000-00000000000f"}\n' >"$logdir/$other"
printf '{"type":"user","uuid":"o2"}\n' >>"$logdir/$other"
printf '%s\n' "$(frame f2)" >>"$logdir/$main"
printf '%s\n' "$(frame f2)" >>"$TEST_DIR/want.out"
shows 2 "an append to the main file straight into the log dir"
# 3. A new subagent file: its first frame whole, then a torn tail, which shows once completed.
printf '%s\n%s' "$(frame f3 showcol3)" "$(frame f4 showcol3)" >"$logdir/$sub3"
printf '%s\n' "$(frame f3 showcol3)" >>"$TEST_DIR/want.out"
shows 3 "the first frame of a new subagent file"
# A torn tail is not a frame: let the follower poll a few times (0.2 s each), then complete it.
# (A fixed wait is the only way to see that something does not happen; readiness is polled.)
sleep 1
assert_eq 3 "$(line_count "$out")" "lines printed while the new file ends in a torn tail"
printf '\n' >>"$logdir/$sub3"
printf '%s\n' "$(frame f4 showcol3)" >>"$TEST_DIR/want.out"
shows 4 "the completed torn tail"
sleep 1  # nothing more comes
assert_same_bytes "$TEST_DIR/want.out" "$out" "tail -f output: exactly the 4 new frames, in order"

read_index "$mnt" "$TEST_DIR/mounted.ndjson"
assert_sessions_match "$mnt" "$TEST_DIR/mounted.ndjson" "$logdir" "after the appends (in the mount's index order)"
on_mount cat -- "$sess" >"$TEST_DIR/after.ndjson" || fail "cat $sess exited $?"
cat -- "$TEST_DIR/before.ndjson" "$TEST_DIR/want.out" | cmp -s - "$TEST_DIR/after.ndjson" ||
  fail "the session file is not its old bytes followed by the 4 new frames"
assert_index_invariant "$mnt" "$logdir" "after the appends"

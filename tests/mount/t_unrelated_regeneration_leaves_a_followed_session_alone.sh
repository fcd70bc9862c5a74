#!/usr/bin/env bash
# A regeneration of the index caused by another session's file leaves a session file whose own
# frames did not change alone (issue 11's choice): the same inode number, the same bytes, and a
# `tail -f` following it keeps following: a frame appended after the regeneration shows up, whole,
# and only that frame. Two regenerations: another session's file truncated through the mount and
# a file with no session rewritten straight in the log dir.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_sessions.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sessions "$logdir"
sid=55550000-0000-4000-8000-000000000001
# Appends go to the session's file that sorts last, so that a regeneration, which puts rows in
# canonical order, keeps the session's frames in the order they already have.
sub2=claude/projects/-workspace-example-app/$sid/subagents/agent-showcol2.jsonl
resumed=claude/projects/-tmp-agent-history-real-agent-claude-workspace/06090cb1-3e64-433a-bc7e-a621c0f596d2.jsonl
torn=misc/torn-only.ndjson
expect_log_changes "$logdir/$sub2" "$logdir/$resumed" "$logdir/$torn"
mount_logdex "$logdir" "$mnt" -o "cache_dir=$(make_dir cache)"
sess=$(session_file "$mnt" "$sid")
index_ino() { on_mount stat -c %i -- "$mnt/index.ndjson" || fail "stat index.ndjson exited $?"; }
sess_ino() { on_mount stat -c %i -- "$sess" || fail "stat $sess exited $?"; }

read_index "$mnt" "$TEST_DIR/index.v1"
on_mount cat -- "$sess" >"$TEST_DIR/sess.v1" || fail "cat $sess exited $?"
ino=$(sess_ino)
out="$TEST_DIR/tail.out"
timeout -k 5 90 tail -n0 -s 0.2 -f -- "$sess" >"$out" 2>"$TEST_DIR/tail.err" &
tail_timeout=$!
kill_on_exit "$tail_timeout"
wait_until 10 "tail -f to open the session file" child_has_open "$tail_timeout" "$sess"
has_lines() { [ "$(line_count "$out")" -ge "$1" ]; }
append() {  # append UUID: one frame of the followed session at the end of its last file, straight
  printf '{"type":"user","uuid":"%s","sessionId":"%s","message":{"role":"user","content":"%s"}}\n' "$1" "$sid" "$1" >>"$logdir/$sub2"
  printf '{"type":"user","uuid":"%s","sessionId":"%s","message":{"role":"user","content":"%s"}}\n' "$1" "$sid" "$1" >>"$TEST_DIR/want.out"
}

# 1. Another session's file loses its last frame (through the mount): the index regenerates.
iino=$(index_ino)
on_mount truncate -s "$(head -n 2 -- "$logdir/$resumed" | wc -c)" -- "$mnt/$resumed" || fail "truncate through the mount exited $?"
assert_ne "$iino" "$(index_ino)" "st_ino of index.ndjson after the truncation (the case needs a regeneration)"
assert_eq "$ino" "$(sess_ino)" "st_ino of the followed session after another session's regeneration"
on_mount cat -- "$sess" | cmp -s - "$TEST_DIR/sess.v1" || fail "the followed session's bytes changed with another session's file"
append after-1
wait_showing 15 "tail -f to print the frame appended after the regeneration" "cat -- $out" has_lines 1

# 2. A file with no session at all is rewritten straight into the log dir (its torn tail's
# first line replaced by a longer one, same frame count): the index regenerates again.
iino=$(index_ino)
printf '{"type":"note","id":"n1-rewritten"}\n{"type":"note","id":"n2","sessionId":"torn-only"}' >"$logdir/$torn.tmp"
mv -f -- "$logdir/$torn.tmp" "$logdir/$torn"
wait_until 15 "index.ndjson to regenerate after a rewrite straight into the log dir" \
  sh -c '[ "$(timeout 10 stat -c %i -- "$1/index.ndjson")" != "$2" ]' sh "$mnt" "$iino"
assert_eq "$ino" "$(sess_ino)" "st_ino of the followed session after a regeneration by a file without sessions"
append after-2
wait_showing 15 "tail -f to print the frame appended after the second regeneration" "cat -- $out" has_lines 2
sleep 1  # nothing more comes (a fixed wait is the only way to see that)
assert_same_bytes "$TEST_DIR/want.out" "$out" "tail -f output: exactly the 2 appended frames"
read_index "$mnt" "$TEST_DIR/mounted.ndjson"
assert_sessions_match "$mnt" "$TEST_DIR/mounted.ndjson" "$logdir" "every session at the end"
assert_index_invariant "$mnt" "$logdir" "at the end"

#!/usr/bin/env bash
# When a session's own frames change other than by growing at the end, its file is replaced the
# way `mv new old` would (SPEC §10 "regenerated with the index", issue 6's whole-rows rule; issue
# 11's choice): a new inode number for every new open, which reads the new frames; a descriptor
# opened before reads on in the old file, never a byte of the new one: whole frames to its end
# where the old file's bytes are still in the page cache or the log files (at least every frame
# still there with its bytes unchanged), else a read error, "Stale file handle", where they are in
# neither (never a short read, which would look like the end of the file). Twice: frames cut off
# the end of a subagent file (truncate), and a frame of the main file rewritten in place with other
# bytes of the same length; each time the old descriptor had already read into the middle of its
# second frame. Then a third time, where the old bytes cannot be in the page cache: a 1 MB
# session whose only log file is renamed away after its descriptor read its first 10 bytes must
# end in ESTALE.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_sessions.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sessions "$logdir"
sid=55550000-0000-4000-8000-000000000001
main=claude/projects/-workspace-example-app/$sid.jsonl
sub2=claude/projects/-workspace-example-app/$sid/subagents/agent-showcol2.jsonl
# A session of its own, about 1 MB in one file: more than the kernel reads ahead at a first read.
big=big/stale.jsonl
mkdir -p "$logdir/big"
awk 'BEGIN { for (i = 0; i < 5000; i++)
  printf "{\"type\":\"user\",\"sessionId\":\"stale-1\",\"uuid\":\"u-%05d\",\"pad\":\"%0150d\"}\n", i, 0 }' \
  >"$logdir/$big"
expect_log_changes "$logdir/$main" "$logdir/$sub2" "$logdir/big"
mount_logdex "$logdir" "$mnt" -o "cache_dir=$(make_dir cache)"
sess=$(session_file "$mnt" "$sid")

sess_ino() { on_mount stat -c %i -- "$sess" || fail "stat $sess exited $?"; }
fd_ino() { on_mount stat -c %i - <&"$1" || fail "fstat of fd $1 exited $?"; }
# want_now OUT: the session's bytes as `logdex index` of the log dir implies them now.
want_now() {
  cli_index "$logdir" "$TEST_DIR/cli.ndjson"
  sessions_py bytes "$TEST_DIR/cli.ndjson" "$logdir" "$sid" >"$1"
}
# read_into_second_frame FD OUT: reads the first frame and 5 bytes of the second from FD.
read_into_second_frame() {
  local n
  n=$(($(head -n 1 -- "$TEST_DIR/v1.ndjson" | wc -c) + 5))
  on_mount head -c "$n" <&"$1" >"$2" || fail "reading $n bytes of fd $1 exited $?"
  assert_eq "$n" "$(wc -c <"$2" | tr -d ' ')" "bytes read from fd $1 before the change"
}
at_exit 'exec 3<&- 4<&-'
# read_rest FD OUT WHAT: the rest of FD, to its end, into OUT. Sets stale=1 when the read ended in
# ESTALE instead (allowed: see the header); any other failure fails the test.
read_rest() {
  local rc=0
  stale=0
  on_mount cat <&"$1" >"$2" 2>"$2.err" || rc=$?
  [ "$rc" -eq 0 ] && return 0
  grep -q 'Stale file handle' -- "$2.err" || fail "$3: reading fd $1 to its end exited $rc: $(cat -- "$2.err")"
  stale=1
}
# assert_old_frames OLD GOT KEPT WHAT: GOT (what an old descriptor read) is the first k frames of
# OLD (the old file's bytes) for some k at least the frame count of KEPT (the frames unchanged);
# when its read ended in ESTALE ($stale), only a prefix of OLD's bytes.
assert_old_frames() {
  local old=$1 got=$2 kept=$3 what=$4 n k
  if [ "$stale" -eq 1 ]; then
    cmp -s -n "$(wc -c <"$got" | tr -d ' ')" -- "$old" "$got" || fail "$what: not a prefix of the old file"
    return 0
  fi
  n=$(wc -l <"$got" | tr -d ' ')
  k=$(wc -l <"$kept" | tr -d ' ')
  [ "$n" -ge "$k" ] || fail "$what: $n whole frames, fewer than the $k unchanged ones"
  head -n "$n" -- "$old" | cmp -s - "$got" || fail "$what: not the old file's first $n frames"
  [ ! -s "$got" ] || [ "$(tail -c 1 -- "$got" | od -An -c | tr -d ' ')" = '\n' ] ||
    fail "$what: ends inside a frame"
}

# 1. Frames vanish: the last 2 frames of the second subagent file are cut off.
on_mount cat -- "$sess" >"$TEST_DIR/v1.ndjson" || fail "cat $sess exited $?"
want_now "$TEST_DIR/want-v1.ndjson"
assert_same_bytes "$TEST_DIR/want-v1.ndjson" "$TEST_DIR/v1.ndjson" "the session before any change"
ino1=$(sess_ino)
exec 3<"$sess"
read_into_second_frame 3 "$TEST_DIR/fd3.part1"
on_mount truncate -s "$(head -n 2 -- "$logdir/$sub2" | wc -c)" -- "$mnt/$sub2" || fail "truncate through the mount exited $?"
ino2=$(sess_ino)
assert_ne "$ino1" "$ino2" "st_ino of the session file after 2 of its frames vanished (a new file, as after mv)"
assert_eq "$ino1" "$(fd_ino 3)" "st_ino by fstat of the descriptor opened before"
read_rest 3 "$TEST_DIR/fd3.part2" "the old descriptor after 2 of its frames vanished"
exec 3<&-
want_now "$TEST_DIR/want-v2.ndjson"
# The session's frames up to the first one that vanished are exactly its frames now (the two
# vanished ones were its last): the old descriptor reads at least those, and the rest only as
# the old file held them.
cat -- "$TEST_DIR/fd3.part1" "$TEST_DIR/fd3.part2" >"$TEST_DIR/fd3.ndjson"
assert_old_frames "$TEST_DIR/v1.ndjson" "$TEST_DIR/fd3.ndjson" "$TEST_DIR/want-v2.ndjson" \
  "the old descriptor after 2 of its frames vanished"
on_mount cat -- "$sess" >"$TEST_DIR/v2.ndjson" || fail "cat $sess exited $?"
assert_same_bytes "$TEST_DIR/want-v2.ndjson" "$TEST_DIR/v2.ndjson" "a new open after the truncation"
! cmp -s "$TEST_DIR/v1.ndjson" "$TEST_DIR/v2.ndjson" || fail "the truncation did not change the session (the case proves nothing)"

# 2. A frame changes: the main file's third frame (uuid sc-r1) gets other bytes, same length.
exec 4<"$sess"
read_into_second_frame 4 "$TEST_DIR/fd4.part1"
off=$(grep -bo -m 1 -F '"uuid": "sc-r1"' -- "$logdir/$main" | cut -d: -f1)
[ -n "$off" ] || fail "no frame sc-r1 in $main"
printf '"uuid": "sc-R1"' | on_mount dd of="$mnt/$main" bs=1 seek="$off" conv=notrunc status=none ||
  fail "rewrite in place through the mount exited $?"
assert_ne "$ino2" "$(sess_ino)" "st_ino of the session file after one of its frames changed"
read_rest 4 "$TEST_DIR/fd4.part2" "the old descriptor after one of its frames changed"
exec 4<&-
want_now "$TEST_DIR/want-v3.ndjson"
# Frames 1 and 2 are the same in both versions; frame 3 differs: the old descriptor stops there.
head -n 2 -- "$TEST_DIR/want-v3.ndjson" >"$TEST_DIR/want-fd4.ndjson"
cmp -s <(head -n 2 -- "$TEST_DIR/v2.ndjson") "$TEST_DIR/want-fd4.ndjson" || fail "the fixture's first two frames changed (the case is not what it says)"
cat -- "$TEST_DIR/fd4.part1" "$TEST_DIR/fd4.part2" >"$TEST_DIR/fd4.ndjson"
assert_old_frames "$TEST_DIR/v2.ndjson" "$TEST_DIR/fd4.ndjson" "$TEST_DIR/want-fd4.ndjson" \
  "the old descriptor after one of its frames changed"
on_mount cat -- "$sess" >"$TEST_DIR/v3.ndjson" || fail "cat $sess exited $?"
assert_same_bytes "$TEST_DIR/want-v3.ndjson" "$TEST_DIR/v3.ndjson" "a new open after the rewrite"
read_index "$mnt" "$TEST_DIR/mounted.ndjson"
assert_sessions_match "$mnt" "$TEST_DIR/mounted.ndjson" "$logdir" "every session after both changes"
assert_index_canonical "$mnt" "$logdir" "after both changes"

# 3. A large session's only file is renamed away under a descriptor that read 10 bytes of it: the
# rest is neither in the log file at its old name nor (past what the kernel read ahead) in the
# page cache, so the read ends in ESTALE, after a prefix of the old bytes; a new open reads it all.
bigsess=$(session_file "$mnt" stale-1)
on_mount cat -- "$bigsess" >"$TEST_DIR/big-v1.ndjson" || fail "cat $bigsess exited $?"
cmp -s -- "$logdir/$big" "$TEST_DIR/big-v1.ndjson" || fail "the large session is not its file's bytes"
bigino=$(on_mount stat -c %i -- "$bigsess") || fail "stat $bigsess exited $?"
# A new node for the next descriptor, with no pages yet: make the session change once, by a
# rename, so that its file is replaced (the pages read above belong to the old node).
mkdir -p "$logdir/big/moved"
mv -T -- "$logdir/$big" "$logdir/big/moved/stale.jsonl"
assert_ne "$bigino" "$(on_mount stat -c %i -- "$bigsess")" "st_ino of the large session after its file moved"
exec 5<"$bigsess"
at_exit 'exec 5<&-'
on_mount head -c 10 <&5 >"$TEST_DIR/fd5.part1" || fail "reading 10 bytes of fd 5 exited $?"
mv -T -- "$logdir/big/moved/stale.jsonl" "$logdir/$big"
read_rest 5 "$TEST_DIR/fd5.part2" "the old descriptor of the large session after its file moved away"
exec 5<&-
assert_eq 1 "$stale" "the old descriptor's read, past the page cache, of frames gone from its log file ended in ESTALE"
cat -- "$TEST_DIR/fd5.part1" "$TEST_DIR/fd5.part2" >"$TEST_DIR/fd5.ndjson"
assert_old_frames "$TEST_DIR/big-v1.ndjson" "$TEST_DIR/fd5.ndjson" /dev/null "the old descriptor of the large session"
on_mount cat -- "$bigsess" >"$TEST_DIR/big-v3.ndjson" || fail "cat $bigsess exited $?"
cmp -s -- "$logdir/$big" "$TEST_DIR/big-v3.ndjson" || fail "a new open of the large session is not its file's bytes"

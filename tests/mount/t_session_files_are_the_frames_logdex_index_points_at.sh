#!/usr/bin/env bash
# Every file in MNT/.logdex/sessions/ holds exactly the frames `logdex index LOGDIR` gives its
# session (SPEC §10): the active rows with that sessionId, in index order, their bytes
# (byteLength at byteOffset of `file`) one after the other, with an exact st_size; and the names
# are exactly the encoded ids, but for the ids that get no file. The fixture spreads sessions over
# a main file and two subagent files, two files sharing an id, a codex rollout, pi segments and a
# generic log; it has ids to encode, ids that get no file, corrupt frames and torn tails. Checked
# on a fresh mount, listing the sessions before anything else reads the index, and again after a
# remount that reuses the cache.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_sessions.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
cache=$(make_dir cache)
copy_sessions "$logdir"
cli_index "$logdir" "$TEST_DIR/cli.ndjson"
# The fixture is what tests/data/sessions/SOURCES.md says: 18 session files, 4 ids without one.
# (A change of the fixture or of lib_sessions.py shows here first.)
assert_eq "18 4" "$(expected_session_counts "$TEST_DIR/cli.ndjson" "$logdir")" "session files and ids without a file the fixture implies"

mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache"
assert_sessions_match "$mnt" "$TEST_DIR/cli.ndjson" "$logdir" "fresh mount, sessions listed first"
assert_index_canonical "$mnt" "$logdir" "fresh mount"
# cat gives the same bytes as a read by python (both are plain reads; this one is the recipe's).
sess=$(session_file "$mnt" 55550000-0000-4000-8000-000000000001)
on_mount cat -- "$sess" >"$TEST_DIR/cat.ndjson" || fail "cat $sess exited $?"
sessions_py bytes "$TEST_DIR/cli.ndjson" "$logdir" 55550000-0000-4000-8000-000000000001 >"$TEST_DIR/want.ndjson"
assert_same_bytes "$TEST_DIR/want.ndjson" "$TEST_DIR/cat.ndjson" "cat of the main session (main file + 2 subagents)"
assert_eq 17 "$(line_count "$TEST_DIR/cat.ndjson")" "frames of the main session (11 + 2 + 4)"

unmount_clean "$mnt"
mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache"
assert_sessions_match "$mnt" "$TEST_DIR/cli.ndjson" "$logdir" "remount with the cache"
assert_eq reused "$(status_get "$mnt" .cache.start)" "cache.start at the remount"

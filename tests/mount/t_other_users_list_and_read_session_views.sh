#!/usr/bin/env bash
# Mounted by root with -o allow_other, another user lists .logdex/sessions (ls -lt), reads a
# session file whose log files they may read, gets the same bytes as root, and may not write to
# it; a session with a frame in a log file they may not read (mode 0600) does not open for them,
# exactly as that file does not (SPEC §5 "Other users", §10).
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_sessions.sh"

readonly OTHER=65534
[ "$(id -u)" -eq 0 ] || fail "must run as root (CI does): only root can mount with -o allow_other here and switch users with setpriv"
command -v setpriv >/dev/null || fail "setpriv is missing: install util-linux"
# Other users must reach the mount point: mktemp made the test dir (and run_all.sh's root) 0700.
chmod 0755 -- "$TEST_DIR"
[ -z "${LOGDEX_TEST_TMPROOT:-}" ] || chmod o+x -- "$LOGDEX_TEST_TMPROOT"
as_other() { on_mount setpriv --reuid="$OTHER" --regid="$OTHER" --clear-groups -- "$@"; }
as_other test -x "$TEST_DIR" || fail "user $OTHER cannot traverse $TEST_DIR: give every directory above it o+x (or set TMPDIR)"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sessions "$logdir"
chmod -R a+rX -- "$logdir"
# One session over a readable file and a private one.
printf '{"type":"user","uuid":"p1","sessionId":"private-mix"}\n' >"$logdir/open-part.jsonl"
printf '{"type":"user","uuid":"p2","sessionId":"private-mix","secret":"hunter2"}\n' >"$logdir/private-part.jsonl"
chmod 0644 -- "$logdir/open-part.jsonl"
chmod 0600 -- "$logdir/private-part.jsonl"
mount_logdex "$logdir" "$mnt" -o "allow_other,cache_dir=$(make_dir cache)"
sdir=$(sessions_dir "$mnt")
sess=$(session_file "$mnt" 55550000-0000-4000-8000-000000000001)

on_mount ls -lt -- "$sdir" >"$TEST_DIR/ls-root.txt" || fail "ls -lt as root exited $?"
as_other ls -lt -- "$sdir" >"$TEST_DIR/ls-other.txt" || fail "ls -lt of $sdir as user $OTHER exited $?"
assert_same_bytes "$TEST_DIR/ls-root.txt" "$TEST_DIR/ls-other.txt" "ls -lt as user $OTHER vs as root"
on_mount cat -- "$sess" >"$TEST_DIR/root.ndjson" || fail "cat as root exited $?"
as_other cat -- "$sess" >"$TEST_DIR/other.ndjson" || fail "cat $sess as user $OTHER exited $?"
assert_same_bytes "$TEST_DIR/root.ndjson" "$TEST_DIR/other.ndjson" "the session read by user $OTHER vs by root"
[ -s "$TEST_DIR/other.ndjson" ] || fail "the session file is empty"
rc=0
as_other sh -c 'echo x >>"$1"' sh "$sess" 2>"$TEST_DIR/err" || rc=$?
[ "$rc" -ne 0 ] || fail "user $OTHER appended to a session file"
grep -q "Permission denied\|Read-only\|not permitted" "$TEST_DIR/err" || fail "user $OTHER's append failed with: $(cat "$TEST_DIR/err")"

private=$(session_file "$mnt" private-mix)
on_mount cat -- "$private" >"$TEST_DIR/private-root.ndjson" || fail "cat $private as root exited $?"
grep -q hunter2 "$TEST_DIR/private-root.ndjson" || fail "root's read of the mixed session lacks its private frame"
assert_fails "user $OTHER reads the private log file itself" as_other cat -- "$mnt/private-part.jsonl"
rc=0
as_other cat -- "$private" >"$TEST_DIR/private-other.ndjson" 2>"$TEST_DIR/err" || rc=$?
[ "$rc" -ne 0 ] || fail "user $OTHER read a session holding a frame of a 0600 file of root's: $(head -c 200 "$TEST_DIR/private-other.ndjson")"
grep -q "Permission denied" "$TEST_DIR/err" || fail "user $OTHER's open of the mixed session failed with: $(cat "$TEST_DIR/err")"
! grep -q hunter2 "$TEST_DIR/private-other.ndjson" || fail "user $OTHER got the private frame"

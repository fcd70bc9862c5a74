#!/usr/bin/env bash
# Mounted by root with -o allow_other, another user lists .logdex/sessions (ls -lt), reads a
# session file whose log files they may read, gets the same bytes as root, and may not write to
# it (SPEC §5 "Other users", §10).
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

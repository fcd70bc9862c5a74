#!/usr/bin/env bash
# Symlinks (SPEC §1: shown, never followed for indexing): to a log file, to a directory of logs
# (inside and outside the log dir), a loop of two, a link to its own directory, a dangling one.
# The mount shows each as a symlink; no row names a path through one; nothing is counted as
# skipped; walks end; `logdex index`, `logdex verify` and the mount agree. Links made while
# mounted change nothing either, nor does a directory replaced by a link to elsewhere.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_warnings.sh"
. "$(dirname "$0")/lib_trees.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
outside=$(make_dir outside)
copy_sample "$logdir"
mkdir -p "$logdir/real"
printf '%s\n' '{"type":"t","id":"real"}' >"$logdir/real/log.jsonl"
printf '%s\n' '{"type":"t","id":"outside"}' >"$outside/out.jsonl"
ln -s real/log.jsonl "$logdir/to-log.jsonl"
ln -s real "$logdir/to-dir"
ln -s "$outside" "$logdir/to-outside"
ln -s "$outside/out.jsonl" "$logdir/to-outside.jsonl"
ln -s loop-b.jsonl "$logdir/loop-a.jsonl"
ln -s loop-a.jsonl "$logdir/loop-b.jsonl"
ln -s .. "$logdir/real/up"
ln -s nowhere.jsonl "$logdir/dangling.jsonl"

mount_logdex "$logdir" "$mnt"
assert_index_canonical "$mnt" "$logdir" "index with symlinks"
for link in to-log.jsonl to-dir to-outside to-outside.jsonl loop-a.jsonl real/up dangling.jsonl; do
  assert_eq "$(readlink -- "$logdir/$link")" "$(on_mount readlink -- "$mnt/$link")" "symlink $link through the mount"
done
on_mount find "$mnt" >/dev/null || fail "find over the mount did not finish"
on_mount jq -r .file -- "$mnt/index.ndjson" | sort -u >"$TEST_DIR/files"
grep -e '^to-' -e '^loop-' -e '^dangling' -e '/up/' -e 'out.jsonl' "$TEST_DIR/files" &&
  fail "a row names a path through a symlink"
grep -qx real/log.jsonl "$TEST_DIR/files" || fail "no row for real/log.jsonl"
assert_eq "0 0" "$(mount_skips "$mnt")" "status.json skips with symlinks"
assert_eq "0 0" "$(verify_skips "$logdir")" "verify skips with symlinks"

# Made while mounted: a link to the log dir itself, and a new loop.
ln -s "$logdir" "$logdir/real/to-root"
ln -s self.jsonl "$logdir/self.jsonl"
expect_log_changes "$logdir/real/to-root" "$logdir/self.jsonl"
printf '%s\n' '{"type":"t","id":"real2"}' >>"$logdir/real/log.jsonl"
expect_log_changes "$logdir/real/log.jsonl"
wait_index_invariant 20 "$mnt" "$logdir" "index after links made while mounted"
assert_eq "0 0" "$(mount_skips "$mnt")" "status.json skips after links made while mounted"
# A directory replaced by a symlink to a directory holding a file of the same name: the known
# path real/log.jsonl now leads outside, and must not be read.
elsewhere=$(make_dir elsewhere)
printf '%s\n' '{"type":"t","id":"elsewhere"}' >"$elsewhere/log.jsonl"
# In one step (renameat2 RENAME_EXCHANGE), so no refresh sees the directory gone first.
ln -s "$elsewhere" "$logdir/real.moved"
python3 -c 'import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.renameat2(-100, sys.argv[1].encode(), -100, sys.argv[2].encode(), 2) != 0:
    sys.exit(os.strerror(ctypes.get_errno()))' "$logdir/real" "$logdir/real.moved" ||
  fail "cannot exchange real and real.moved"
[ -L "$logdir/real" ] && [ -d "$logdir/real.moved" ] || fail "real is not the symlink after the exchange"
expect_log_changes "$logdir/real" "$logdir/real.moved"
wait_index_invariant 20 "$mnt" "$logdir" "index after a directory was replaced by a symlink"
on_mount grep -q elsewhere -- "$mnt/index.ndjson" && fail "a row was read through a directory replaced by a symlink"
assert_daemon_alive "$mnt" "after the symlinks"

#!/usr/bin/env bash
# A log dir that is a tmpfs, lazily unmounted (`umount -l`) under a running daemon: the mount goes
# on serving the directory it opened (the tmpfs, still alive through the daemon's descriptors),
# the index keeps describing that same tree (appends through the mount show; a file written at
# the old path, now the empty directory below, does not, also after a walk of the whole tree),
# status.json warns "log_dir", and the
# unmount is clean.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_warnings.sh"
. "$(dirname "$0")/lib_trees.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
mount -t tmpfs -o size=4m tmpfs "$logdir" || fail "cannot mount a tmpfs at $logdir"
after_unmount "umount -l -- '$logdir' 2>/dev/null; true"
copy_sample "$logdir"
printf '%s\n' '{"type":"t","id":"1"}' >"$logdir/x.jsonl"
mkdir -- "$logdir/sub"
printf '%s\n' '{"type":"t","id":"s"}' >"$logdir/sub/s.jsonl"
cli_index "$logdir" "$TEST_DIR/before.ndjson"
expect_log_changes "$logdir"

mount_logdex "$logdir" "$mnt"
read_index "$mnt" "$TEST_DIR/mounted.ndjson"
assert_same_bytes "$TEST_DIR/before.ndjson" "$TEST_DIR/mounted.ndjson" "index before umount -l"

umount -l -- "$logdir" || fail "umount -l of the log dir's tmpfs failed"
mountpoint -q -- "$logdir" && fail "$logdir is still a mount point"
wait_for_warning 20 "$mnt" log_dir "no longer names"
# The path now names the empty directory below the tmpfs; the mount still shows the tmpfs.
printf '%s\n' '{"type":"t","id":"below"}' >"$logdir/below.jsonl"
[ -e "$mnt/below.jsonl" ] && fail "the mount shows a file written at the old path after umount -l"
on_mount cmp -- "$mnt/x.jsonl" <(printf '%s\n' '{"type":"t","id":"1"}') || fail "x.jsonl through the mount changed"
printf '%s\n' '{"type":"t","id":"2"}' >>"$mnt/x.jsonl" || fail "append through the mount failed after umount -l"
has_two_rows() { [ "$(on_mount jq -r 'select(.file == "x.jsonl") | .byteOffset' -- "$mnt/index.ndjson" | wc -l)" -eq 2 ]; }
wait_until 20 "the append through the mount to be indexed after umount -l" has_two_rows
# A directory renamed through the mount makes the index walk the whole tree again: that walk
# too must be of the tree the mount shows.
mv -- "$mnt/sub" "$mnt/sub2" || fail "mv through the mount failed after umount -l"
on_mount stat -- "$mnt/index.ndjson" >/dev/null
has_two_rows || fail "x.jsonl's rows changed after a whole-tree walk"
on_mount jq -r .file -- "$mnt/index.ndjson" | grep -qx below.jsonl && fail "the index has a row of the directory below"
rows=$(on_mount cat -- "$mnt/index.ndjson" | wc -l)
assert_eq $(( $(wc -l <"$TEST_DIR/before.ndjson") + 1 )) "$rows" "rows after one append through the mount"
assert_daemon_alive "$mnt" "after umount -l"
unmount_clean "$mnt"

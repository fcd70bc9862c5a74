#!/usr/bin/env bash
# usage: tests/mount/installed/t_installed_package_mounts_with_mount_t.sh /usr/bin/logdex
# With the Debian package installed, `mount -t fuse.logdex -o ro,cache_dir=DIR LOGDIR MNT` mounts
# from a plain shell: mount(8) runs /sbin/mount.fuse3, which runs `logdex LOGDIR MNT -o ...` found
# in PATH. The mount is of type fuse.logdex, serves the sample's expected index, takes the
# options it was given (read-only; the cache goes to DIR), and `fusermount3 -u` unmounts it, the
# daemon saving the cache and exiting. Then the same through an fstab line, whose options for
# mount(8) and systemd (defaults, nofail, _netdev, x-systemd.*) must not make the mount fail.
#
# Only for the installed binary (scripts/check_package.sh runs it after installing the package):
# it lives outside tests/mount/t_*.sh so run_all.sh never picks it up with a build binary, and
# it skips loudly (exit 77) when the binary is not /usr/bin/logdex, or mount.fuse3, mount(8) or
# /dev/fuse is missing.
set -euo pipefail

skip() {
  echo "SKIP [$(basename "$0" .sh)]: $*" >&2
  exit 77
}
[ $# -eq 1 ] || { echo "usage: $0 /usr/bin/logdex" >&2; exit 2; }
[ "$(readlink -f -- "$1")" = /usr/bin/logdex ] ||
  skip "needs the installed /usr/bin/logdex (mount.fuse3 runs logdex from PATH), not $1"
[ -x /sbin/mount.fuse3 ] || [ -x /usr/sbin/mount.fuse3 ] ||
  skip "mount.fuse3 is missing: install the fuse3 package"
command -v mount >/dev/null || skip "mount(8) is missing: install util-linux"
[ -c /dev/fuse ] || skip "/dev/fuse is missing"
[ "$(id -u)" -eq 0 ] || skip "mount -t needs root"

. "$(dirname "$0")/../lib.sh" "$1"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
cache=$(make_dir cache)
copy_sample "$logdir"
before=$(tree_state "$logdir")

LIB_MOUNTS+=("$mnt")
rc=0
out=$(timeout -k 5 "$MOUNT_TIMEOUT" mount -t fuse.logdex -o "ro,cache_dir=$cache" "$logdir" "$mnt" </dev/null 2>&1) || rc=$?
[ "$rc" -eq 0 ] || fail "mount -t fuse.logdex -o ro,cache_dir=$cache $logdir $mnt exited $rc: $out"
for _ in $(seq $((READY_TIMEOUT * 10))); do
  timeout 5 mountpoint -q -- "$mnt" 2>/dev/null && break
  sleep 0.1
done
timeout 5 mountpoint -q -- "$mnt" || fail "mount -t fuse.logdex returned but $mnt is not mounted"

type=$(awk -v m="$mnt" '$2 == m { print $3 }' /proc/mounts)
assert_eq fuse.logdex "$type" "file system type in /proc/mounts"
pids=$(daemon_pids "$mnt")
[ -n "$pids" ] || fail "no /usr/bin/logdex daemon serves $mnt"

on_mount cat "$mnt/index.ndjson" >"$TEST_DIR/mounted.ndjson"
assert_same_bytes "$SAMPLE_EXPECTED_INDEX" "$TEST_DIR/mounted.ndjson" "index.ndjson through mount -t"
assert_fails "-o ro reached logdex: a new file" touch "$mnt/new.jsonl"
[ ! -e "$logdir/new.jsonl" ] || fail "a file was created in the log dir through a read-only mount"

unmount_logdex "$mnt" || fail "fusermount3 -u did not unmount $mnt"
[ -s "$cache/index.cache" ] || fail "no index.cache in cache_dir=$cache after the unmount"

# An fstab line (read from a file of our own with mount -T), with the options meant for mount(8)
# and systemd that must never make the mount fail: the mount reuses the cache saved above.
fstab="$TEST_DIR/fstab"
printf '%s %s fuse.logdex defaults,ro,cache_dir=%s,nofail,_netdev,x-systemd.requires=local-fs.target 0 0\n' \
  "$logdir" "$mnt" "$cache" >"$fstab"
# If the test fails while it is mounted, umount(8) it too (see below why not fusermount3).
# The path is quoted in now: lib_cleanup's own `local mnt` would hide this one at exit.
at_exit "if is_mounted $(printf %q "$mnt"); then timeout -k 5 20 umount -- $(printf %q "$mnt") 2>/dev/null || true; fi"
rc=0
out=$(timeout -k 5 "$MOUNT_TIMEOUT" mount -T "$fstab" "$mnt" </dev/null 2>&1) || rc=$?
[ "$rc" -eq 0 ] || fail "mount -T $fstab $mnt ($(cat "$fstab")) exited $rc: $out"
for _ in $(seq $((READY_TIMEOUT * 10))); do
  timeout 5 mountpoint -q -- "$mnt" 2>/dev/null && break
  sleep 0.1
done
timeout 5 mountpoint -q -- "$mnt" || fail "mount -T $fstab returned but $mnt is not mounted"
on_mount cat "$mnt/index.ndjson" >"$TEST_DIR/fstab.ndjson"
assert_same_bytes "$SAMPLE_EXPECTED_INDEX" "$TEST_DIR/fstab.ndjson" "index.ndjson of the fstab mount"
assert_fails "ro from the fstab line reached logdex: a new file" touch "$mnt/new.jsonl"
assert_eq "$cache" "$(on_mount jq -r .cache.dir "$mnt/.logdex/status.json")" "cache.dir of the fstab mount"
assert_eq reused "$(on_mount jq -r .cache.start "$mnt/.logdex/status.json")" "cache.start of the fstab mount"
# umount(8), not fusermount3: mount(8) noted the x-systemd.* option in /run/mount/utab, and only
# umount(8) takes it out again.
rc=0
out=$(timeout -k 5 20 umount -- "$mnt" 2>&1) || rc=$?
[ "$rc" -eq 0 ] || fail "umount $mnt exited $rc: $out"
unmount_logdex "$mnt" || fail "the fstab mount $mnt is still mounted after umount"
if grep -qsF "TARGET=$mnt " /run/mount/utab; then fail "umount left $mnt in /run/mount/utab"; fi

assert_eq "$before" "$(tree_state "$logdir")" "the log dir after the mounts"
echo "PASS [$TEST_NAME]: mount -t fuse.logdex and an fstab line ran /usr/bin/logdex (daemon $pids) with their options"

#!/usr/bin/env bash
# mount.fuse3, `mount -t fuse.logdex` and an fstab line (`mount -T FSTAB MNT`) mount a log dir
# like `logdex mount`: mount.fuse3 runs `logdex LOGDIR MNT -o OPTS` through sh, the fstab and
# systemd options (defaults, _netdev, nofail, x-systemd.*, comment=, relatime) are accepted, cache_dir= is
# used, nosuid/nodev reach the kernel, the mount's source is LOGDIR (so `mount -a` sees an fstab
# line mounted), and the mount is ready when the command returns.
# mount(8) clears PATH (sh then searches /usr/local/bin, /usr/bin, /bin), so its two cases run in
# a private mount namespace with the binary bind-mounted over /usr/local/bin; the daemon lives in
# that namespace and is unmounted there.
. "$(dirname "$0")/lib.sh" "$1"

command -v mount.fuse3 >/dev/null || fail "mount.fuse3 is missing (fuse3 package)"
logdir=$(make_dir logs)
copy_sample "$logdir"
mnt=$(make_dir mnt)
bindir=$(make_dir bin)
ln -s -- "$LOGDEX" "$bindir/logdex"
"$LOGDEX" index "$logdir" >"$TEST_DIR/expected.ndjson"

# The mount.fuse3 case, as mount(8) calls it for a `fuse.logdex` line (PATH kept: mount.fuse3
# itself does not clear it).
cache=$(make_dir cache-fuse3)
LIB_MOUNTS+=("$mnt")
record_log_dir "$logdir"  # mounted here without mount_logdex: the digest check covers it too
rc=0
PATH="$bindir:$PATH" timeout -k 5 "$MOUNT_TIMEOUT" mount.fuse3 "$logdir" "$mnt" -t fuse.logdex \
  -o rw,nosuid,nodev,relatime,noatime,_netdev,nofail,x-systemd.automount,x-systemd.idle-timeout=60,comment=x,cache_dir="$cache" ||
  rc=$?
assert_eq 0 "$rc" "exit status of mount.fuse3"
# Ready when mount.fuse3 returns: no waiting.
mountpoint -q -- "$mnt" || fail "not mounted when mount.fuse3 returned"
line=$(awk -v m="$mnt" '$5 == m' /proc/self/mountinfo)
case "$line" in *" - fuse.logdex "*) ;; *) fail "mountinfo type of $mnt is not fuse.logdex: $line" ;; esac
for flag in nosuid nodev noatime; do
  case "$line" in *"$flag"*) ;; *) fail "$flag not in the mount flags: $line" ;; esac
done
on_mount cat "$mnt/index.ndjson" >"$TEST_DIR/fuse3.ndjson"
assert_same_bytes "$TEST_DIR/expected.ndjson" "$TEST_DIR/fuse3.ndjson" "index.ndjson via mount.fuse3"
assert_eq "$cache" "$(on_mount jq -r .cache_dir "$mnt/.logdex/status.json")" "cache_dir from -o"
unmount_logdex "$mnt" || fail "could not unmount $mnt"
[ -s "$cache/index.cache" ] || fail "no cache saved in cache_dir=$cache at unmount"

# The mount(8) cases, in a namespace of their own.
command -v unshare >/dev/null || fail "unshare is missing (util-linux)"
cache_t=$(make_dir cache-t)
cache_fstab=$(make_dir cache-fstab)
printf '%s %s fuse.logdex defaults,relatime,nofail,_netdev,x-systemd.automount,cache_dir=%s 0 0\n' \
  "$logdir" "$mnt" "$cache_fstab" >"$TEST_DIR/fstab"
cat >"$TEST_DIR/inside.sh" <<'INNER'
set -euo pipefail
bindir=$1 logdir=$2 mnt=$3 cache_t=$4 fstab=$5 out=$6
trap 'fusermount3 -u -- "$mnt" 2>/dev/null || true' EXIT
mount --bind "$bindir" /usr/local/bin
[ -d /run/mount ] && mount -t tmpfs tmpfs /run/mount  # libmount's utab stays in here
for how in t fstab; do
  if [ "$how" = t ]; then
    timeout -k 5 60 mount -t fuse.logdex -o nosuid,nodev,cache_dir="$cache_t" "$logdir" "$mnt"
  else
    timeout -k 5 60 mount -T "$fstab" "$mnt"
  fi
  mountpoint -q -- "$mnt" || { echo "not mounted after mount ($how)"; exit 1; }
  if [ "$how" = fstab ]; then  # the source is the line's: mount -a sees it mounted already
    timeout -k 5 60 mount -T "$fstab" -a
    [ "$(awk -v m="$mnt" '$5 == m' /proc/self/mountinfo | wc -l)" = 1 ] || { echo "mount -a mounted again"; exit 1; }
  fi
  awk -v m="$mnt" '$5 == m { print $(NF-1) }' /proc/self/mountinfo >"$out.$how.source"
  awk -v m="$mnt" '$5 == m { print $(NF-2) }' /proc/self/mountinfo >"$out.$how.type"
  timeout -k 5 30 cat "$mnt/index.ndjson" >"$out.$how.ndjson"
  timeout -k 5 30 jq -r .cache_dir "$mnt/.logdex/status.json" >"$out.$how.cache_dir"
  timeout -k 5 30 fusermount3 -u -- "$mnt"
  for _ in $(seq 300); do  # the daemon exits once it has saved its cache
    pgrep -f -- "logdex $logdir $mnt" >/dev/null || break
    sleep 0.1
  done
done
INNER
rc=0
timeout -k 5 180 unshare -m --propagation private bash "$TEST_DIR/inside.sh" \
  "$bindir" "$logdir" "$mnt" "$cache_t" "$TEST_DIR/fstab" "$TEST_DIR/ns" >"$TEST_DIR/ns.log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
  sed 's/^/    /' "$TEST_DIR/ns.log" >&2
  fail "the mount(8) cases exited $rc"
fi
for how in t fstab; do
  assert_eq fuse.logdex "$(cat "$TEST_DIR/ns.$how.type")" "file system type (mount $how)"
  assert_eq "$logdir" "$(cat "$TEST_DIR/ns.$how.source")" "mount source (mount $how)"
  assert_same_bytes "$TEST_DIR/expected.ndjson" "$TEST_DIR/ns.$how.ndjson" "index.ndjson (mount $how)"
done
assert_eq "$cache_t" "$(cat "$TEST_DIR/ns.t.cache_dir")" "cache_dir (mount -t)"
assert_eq "$cache_fstab" "$(cat "$TEST_DIR/ns.fstab.cache_dir")" "cache_dir (fstab line)"
[ -s "$cache_fstab/index.cache" ] || fail "no cache saved for the fstab mount"

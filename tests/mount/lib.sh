# shellcheck shell=bash
# Shared verbs for the mount tests. Source it from a t_*.sh script whose $1 is the logdex binary:
#
#   . "$(dirname "$0")/lib.sh" "$1"
#   logdir=$(make_dir logs); mnt=$(make_dir mnt)
#   mount_logdex "$logdir" "$mnt"
#   assert_eq 0444 "$(on_mount stat -c %a "$mnt/index.ndjson")" "index.ndjson mode"
#
# Contract: every test runs in its own temp dir (under $LOGDEX_TEST_TMPROOT when run_all.sh sets
# it), every mount it makes is unmounted by the EXIT trap (fusermount3 -u, then -uz if busy) and
# every daemon still serving one of its mount points is killed by pid. Every command that touches
# a mount runs under `timeout`: a hung mount is a failed test, never a hung test run. Tests add
# their own cleanup with `at_exit` (before the unmounts) and `after_unmount`; they never replace
# the EXIT trap. The index
# cache goes to the test's own XDG_CACHE_HOME, never to the user's ~/.cache.

set -euo pipefail

LOGDEX=${1:?usage: $0 LOGDEX_BINARY}
LOGDEX=$(readlink -f -- "$LOGDEX")
[ -x "$LOGDEX" ] || { echo "FAIL: logdex binary not executable: $LOGDEX" >&2; exit 1; }

TEST_NAME=$(basename "$0" .sh)
TEST_DIR=$(mktemp -d "${LOGDEX_TEST_TMPROOT:-${TMPDIR:-/tmp}}/$TEST_NAME.XXXXXX")
export XDG_CACHE_HOME="$TEST_DIR/.xdg-cache"
export LC_ALL=C
LIB_MOUNTS=()
. "$(dirname "${BASH_SOURCE[0]}")/lib_sanitizer.sh"  # sanitizer reports fail the test

readonly MOUNT_TIMEOUT=60   # seconds for `logdex mount` to return
readonly READY_TIMEOUT=20   # seconds to wait for the mount to show in /proc/mounts
readonly IO_TIMEOUT=30      # seconds for any single command that touches a mount

fail() {
  echo "FAIL [$TEST_NAME]: $*" >&2
  exit 1
}

# make_dir NAME: a fresh empty directory inside the test dir; prints its path.
make_dir() {
  local dir="$TEST_DIR/$1"
  mkdir -p -- "$dir"
  printf '%s\n' "$dir"
}

# on_mount CMD...: runs CMD with the I/O timeout (exit 124 when it hangs).
on_mount() {
  timeout -k 5 "$IO_TIMEOUT" "$@"
}

is_mounted() {
  # /proc/mounts escapes space, tab, newline and backslash as octal.
  local want
  want=$(printf '%s' "$1" | sed -e 's/\\/\\134/g' -e 's/ /\\040/g' -e 's/\t/\\011/g')
  awk -v m="$want" '$2 == m { found = 1 } END { exit !found }' /proc/mounts
}

# daemon_pids MNT: pids of logdex processes whose arguments include MNT.
daemon_pids() {
  local mnt=$1 proc
  for proc in /proc/[0-9]*; do
    [ "$proc/exe" -ef "$LOGDEX" ] 2>/dev/null || continue  # same file, no fork per process
    if tr '\0' '\n' <"$proc/cmdline" 2>/dev/null | grep -qxF -- "$mnt"; then
      echo "${proc#/proc/}"
    fi
  done
}

# mount_logdex LOGDIR MNT [ARGS...]: mounts and waits until the kernel shows the mount.
# Fails the test when `logdex mount` fails or hangs, or the mount never appears.
mount_logdex() {
  local logdir=$1 mnt=$2 rc=0 waited=0
  shift 2
  LIB_MOUNTS+=("$mnt")
  record_log_dir "$logdir"
  timeout -k 5 "$MOUNT_TIMEOUT" "$LOGDEX" mount "$logdir" "$mnt" "$@" || rc=$?
  [ "$rc" -eq 0 ] || fail "logdex mount $logdir $mnt $* exited $rc"
  until timeout 5 mountpoint -q -- "$mnt" 2>/dev/null; do
    if [ "$waited" -ge $((READY_TIMEOUT * 10)) ]; then
      fail "mount not ready after ${READY_TIMEOUT}s: $mnt"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

# mount_logdex_under_limit N LOGDIR MNT [ARGS...]: mount_logdex, with the daemon started under
# `prlimit --nofile=N:N`. prlimit execs logdex, so daemon_pids still finds the daemon by its
# executable.
mount_logdex_under_limit() {
  local n=$1 wrapper
  shift
  wrapper="$TEST_DIR/logdex-nofile-$n"
  printf '#!/bin/sh\nexec prlimit --nofile=%d:%d -- %s "$@"\n' "$n" "$n" "$(printf '%q' "$LOGDEX")" >"$wrapper"
  chmod +x -- "$wrapper"
  LOGDEX=$wrapper mount_logdex "$@"
}

# unmount_logdex MNT: unmounts (lazily if busy), then waits for the daemon to exit and kills it
# by pid if it does not. Returns non-zero if the mount point is still mounted afterwards.
unmount_logdex() {
  local mnt=$1 pid
  if is_mounted "$mnt"; then
    timeout -k 5 20 fusermount3 -u -- "$mnt" 2>/dev/null ||
      timeout -k 5 20 fusermount3 -uz -- "$mnt" 2>/dev/null || true
  fi
  for _ in $(seq 100); do
    [ -z "$(daemon_pids "$mnt")" ] && break
    sleep 0.1
  done
  for pid in $(daemon_pids "$mnt"); do
    echo "WARN [$TEST_NAME]: logdex daemon $pid still running after unmount of $mnt; killing it" >&2
    kill -9 "$pid" 2>/dev/null || true
  done
  ! is_mounted "$mnt"
}

# at_exit CMD: CMD (one string, eval'd) runs when the test exits, before its mounts are
# unmounted: kill background readers, close descriptors held on a mount. Last registered, first run.
LIB_AT_EXIT=()
at_exit() { LIB_AT_EXIT+=("$1"); }
# after_unmount CMD: CMD runs after the mounts are unmounted, before the test dir is removed (say,
# unmount a scratch tmpfs a daemon wrote into); its failure fails the test.
LIB_AFTER_UNMOUNT=()
after_unmount() { LIB_AFTER_UNMOUNT+=("$1"); }
# expect_log_changes PATH...: the test itself changes PATH (absolute; a directory covers all
# below it) in a log dir, through the mount or behind it. Logs are never modified by logdex
# (SPEC §1, §9): a log dir may differ after the test's last unmount from what it held at its
# first mount only under the declared paths.
LIB_EXPECTED_LOG_CHANGES=()
expect_log_changes() { LIB_EXPECTED_LOG_CHANGES+=("$@"); }
# shellcheck source=tests/mount/lib_digest.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_digest.sh"

lib_cleanup() {
  local rc=$? mnt i
  set +e
  for ((i = ${#LIB_AT_EXIT[@]} - 1; i >= 0; i--)); do eval "${LIB_AT_EXIT[i]}"; done
  for mnt in "${LIB_MOUNTS[@]}"; do
    if ! unmount_logdex "$mnt"; then
      echo "FAIL [$TEST_NAME]: could not unmount $mnt" >&2
      rc=1
    fi
  done
  # Waits (bounded) for the test's logdex processes to exit; a sanitizer report fails the test.
  sanitizer_check || rc=1
  # Every daemon has exited: the log dirs must hold what they held at their first mount, but for
  # the declared changes (lib_digest.sh; before the after_unmount teardown, which is the test's).
  lib_digest_check || rc=1
  for ((i = ${#LIB_AFTER_UNMOUNT[@]} - 1; i >= 0; i--)); do
    eval "${LIB_AFTER_UNMOUNT[i]}" || rc=1
  done
  # Make everything removable (tests may create read-only dirs), then remove.
  chmod -R u+rwX -- "$TEST_DIR" 2>/dev/null
  rm -rf -- "$TEST_DIR"
  exit "$rc"
}
trap lib_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# assert_eq EXPECTED ACTUAL WHAT
assert_eq() {
  [ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}

# assert_ne UNEXPECTED ACTUAL WHAT
assert_ne() {
  [ "$1" != "$2" ] || fail "$3: did not expect '$1'"
}

# assert_same_bytes FILE_EXPECTED FILE_ACTUAL WHAT: byte comparison; shows the first differences.
assert_same_bytes() {
  if ! cmp -s -- "$1" "$2"; then
    echo "--- first differences ($1 vs $2):" >&2
    diff -- "$1" "$2" 2>&1 | head -n 10 | cut -c1-300 >&2 || true
    fail "$3: bytes differ"
  fi
}

# assert_fails WHAT CMD...: CMD must exit non-zero (and not by timing out).
assert_fails() {
  local what=$1 rc=0
  shift
  on_mount "$@" >/dev/null 2>&1 || rc=$?
  [ "$rc" -ne 0 ] || fail "$what: '$*' succeeded but must fail"
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then fail "$what: '$*' timed out"; fi
}

# assert_succeeds WHAT CMD...
assert_succeeds() {
  local what=$1 rc=0
  shift
  on_mount "$@" >/dev/null || rc=$?
  [ "$rc" -eq 0 ] || fail "$what: '$*' exited $rc"
}

# tree_state ROOT [--owners]: one line per entry below ROOT: path, type, mode (and owner, with
# --owners), and for non-directories size and symlink target; then the content hash of every
# regular file. Skips a mount's virtual index.ndjson and .logdex. Two trees with the same state
# hold the same names, types, modes (owners) and bytes.
tree_state() {
  local owner=""
  [ "${2:-}" != --owners ] || owner=" %U:%G"
  (
    cd -- "$1" || exit 1
    on_mount find . -mindepth 1 \( -path ./index.ndjson -o -path ./.logdex \) -prune -o \
      -type d -printf "%p d %m$owner\n" -o -printf "%p %y %m$owner %s ->%l\n" | sort
    on_mount find . -mindepth 1 \( -path ./index.ndjson -o -path ./.logdex \) -prune -o \
      -type f -print0 | sort -z | xargs -0r md5sum
  ) || fail "could not list $1"
}

# copy_sample DEST: the bundled sample log dir, copied (symlinks kept) so tests never mount the
# repo's own files.
copy_sample() {
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  cp -a -- "$here/../data/sample-logs/." "$1/"
}

# shellcheck disable=SC2034  # used by the tests that source this
SAMPLE_EXPECTED_INDEX=$(cd "$(dirname "${BASH_SOURCE[0]}")/../data" && pwd)/sample-logs.expected.ndjson

#!/usr/bin/env bash
# usage: tests/mount/run_all.sh LOGDEX_BINARY [TEST_NAME...]
# Runs every tests/mount/t_*.sh (or only the named ones, e.g. t_soak_readers_and_writers_see_whole_rows)
# with the binary, each under a hard timeout (LOGDEX_MOUNT_TEST_TIMEOUT seconds, 300 unless set),
# and checks that none leaves a mount behind. A failed test's output is shown from its last 40
# lines, or whole when it holds a sanitizer report. Final line: "N passed, N failed". Exit 0 only
# if all pass; exit 77 (CTest: skipped) only when this machine cannot mount FUSE at all.
set -uo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 LOGDEX_BINARY [TEST_NAME...]" >&2
  exit 2
fi
logdex=$(readlink -f -- "$1")
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tests=()
if [ $# -eq 0 ]; then
  tests=("$here"/t_*.sh)
else
  for name in "$@"; do
    name=${name%.sh}
    [ -f "$here/$name.sh" ] || { echo "no such mount test: $here/$name.sh" >&2; exit 2; }
    tests+=("$here/$name.sh")
  done
fi
readonly TEST_TIMEOUT=${LOGDEX_MOUNT_TEST_TIMEOUT:-300}

skip() {
  echo "##########################################################################" >&2
  echo "SKIP: mount tests need /dev/fuse ($1)" >&2
  echo "##########################################################################" >&2
  exit 77
}
[ -c /dev/fuse ] || skip "/dev/fuse is missing: run on a machine or container with FUSE (e.g. docker --device /dev/fuse --cap-add SYS_ADMIN)"
command -v fusermount3 >/dev/null || skip "fusermount3 is missing: install the fuse3 package"
command -v mountpoint >/dev/null || skip "mountpoint is missing: install util-linux"
[ -x "$logdex" ] || { echo "FAIL: not an executable: $logdex"; echo "0 passed, 1 failed"; exit 1; }

tmproot=$(mktemp -d "${TMPDIR:-/tmp}/logdex-mount-tests.XXXXXX")
export LOGDEX_TEST_TMPROOT=$tmproot

# Mount points under our temp root that are still mounted (from /proc/mounts, octal-decoded).
leftover_mounts() {
  awk -v root="$tmproot/" 'index($2, root) == 1 { print $2 }' /proc/mounts |
    while IFS= read -r m; do printf '%b\n' "$m"; done
}

# logdex processes (by pid) still running with an argument under our temp root.
leftover_daemons() {
  local proc
  for proc in /proc/[0-9]*; do
    [ "$proc/exe" -ef "$logdex" ] 2>/dev/null || continue  # same file, no fork per process
    tr '\0' '\n' <"$proc/cmdline" 2>/dev/null | grep -qF -- "$tmproot/" && echo "${proc#/proc/}"
  done
  return 0
}

passed=0
failed=0
failures=()
for test in "${tests[@]}"; do
  name=$(basename "$test" .sh)
  log="$tmproot/$name.log"
  start=$SECONDS
  rc=0
  timeout -k 10 "$TEST_TIMEOUT" bash "$test" "$logdex" </dev/null >"$log" 2>&1 || rc=$?
  left=$(leftover_mounts)
  if [ -n "$left" ]; then
    echo "left mounted after $name (unmounting now):" >>"$log"
    while IFS= read -r m; do
      echo "  $m" >>"$log"
      timeout 20 fusermount3 -u -- "$m" 2>/dev/null || timeout 20 fusermount3 -uz -- "$m" 2>/dev/null || true
    done <<<"$left"
    [ "$rc" -ne 0 ] || rc=1
  fi
  pids=$(leftover_daemons)
  for _ in $(seq 50); do  # a daemon may take a moment to exit after its unmount
    [ -n "$pids" ] || break
    sleep 0.1
    pids=$(leftover_daemons)
  done
  if [ -n "$pids" ]; then
    echo "logdex daemons left running after $name (killing): $pids" >>"$log"
    # shellcheck disable=SC2086  # one pid per word
    kill -9 $pids 2>/dev/null || true
    [ "$rc" -ne 0 ] || rc=1
  fi
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    echo "PASS $name ($((SECONDS - start))s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && echo "(timed out after ${TEST_TIMEOUT}s)" >>"$log"
    if grep -q '^==== SANITIZER REPORT BEGIN' "$log"; then
      echo "FAIL $name (exit $rc, $((SECONDS - start))s); its whole output (a sanitizer report):"
      sed 's/^/    /' "$log"
    else
      echo "FAIL $name (exit $rc, $((SECONDS - start))s); its output:"
      sed 's/^/    /' "$log" | tail -n 40
    fi
  fi
done

rm -rf -- "$tmproot" 2>/dev/null || true
[ "$failed" -eq 0 ] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

#!/usr/bin/env bash
# The one test command (README, .ci/run): installs dependencies, then
#   1. build/       normal build; ctest runs the unit tests and the mount tests; then
#                   scripts/bench.sh --quick with build/fs/logdex (errors fail, timings never);
#   2. build-pkg/   the Debian package (scripts/check_package.sh): built, installed with
#                   apt-get, /usr/bin/logdex and its man page checked, one mount test and a
#                   `mount -t fuse.logdex` test run with it, removed again;
#   3. build-asan/  -DLOGDEX_SANITIZE=ON; ctest runs the unit tests under ASan + UBSan
#                   (mount tests are not registered there).
# Exits non-zero if anything fails; the last line says what happened.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo" || exit 1

start=$SECONDS
results=()
failed=0

step() {  # step NAME CMD...: runs CMD, records NAME as passed or failed
  local name=$1 rc=0 t0=$SECONDS
  shift
  echo
  echo "=== $name: $*"
  "$@" || rc=$?
  if [ "$rc" -eq 0 ]; then
    results+=("$name: ok ($((SECONDS - t0))s)")
  else
    results+=("$name: FAILED (exit $rc)")
    failed=1
  fi
  return "$rc"
}

# shellcheck disable=SC2317  # called by the EXIT trap
summary() {
  echo
  echo "=== summary"
  printf '  %s\n' "${results[@]}"
  if [ "$failed" -eq 0 ]; then
    echo "logdex tests: ALL PASSED in $((SECONDS - start))s"
  else
    echo "logdex tests: FAILED in $((SECONDS - start))s (see above)"
  fi
}
trap summary EXIT

jobs=$(nproc)
export CTEST_OUTPUT_ON_FAILURE=1
# The sanitizers stop at the first error, and a leak is an error.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

step "install dependencies" bash scripts/install_deps.sh || exit 1

if step "build (RelWithDebInfo)" bash scripts/build.sh build -DBUILD_TESTING=ON -DLOGDEX_SANITIZE=OFF; then
  step "tests: unit + mount" ctest --test-dir build --output-on-failure --no-tests=error --timeout 900 -j"$jobs"
  # Every benchmark path once on small corpora with the binary just built; fails only on
  # errors (a failed mount, a wrong served index, a crash, a mount left behind), never on timings.
  step "bench --quick" bash scripts/bench.sh --quick --binary build/fs/logdex
fi
# The mount tests must be registered, and may skip only where /dev/fuse is missing.
if [ -f build/CTestTestfile.cmake ] && ! ctest --test-dir build -N | grep -q 'mount_tests'; then
  results+=("mount tests: NOT REGISTERED in build/ (tests/CMakeLists.txt)")
  failed=1
fi
if [ -c /dev/fuse ] && [ -f build/Testing/Temporary/LastTest.log ] &&
   grep -q 'SKIP: mount tests' build/Testing/Temporary/LastTest.log; then
  results+=("mount tests: SKIPPED although /dev/fuse exists")
  failed=1
fi

# The Debian package: built (Release, daemon only) in build-pkg/, installed with apt-get, its
# /usr/bin/logdex mounted by a mount test and by `mount -t fuse.logdex`, then removed again.
step "package: build, install, mount -t" bash scripts/check_package.sh build-pkg

if step "build (ASan+UBSan)" bash scripts/build.sh build-asan -DBUILD_TESTING=ON -DLOGDEX_SANITIZE=ON; then
  step "tests: unit under ASan+UBSan" ctest --test-dir build-asan --output-on-failure --no-tests=error --timeout 900 -j"$jobs"
fi

exit "$failed"

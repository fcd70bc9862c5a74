#!/usr/bin/env bash
# The one test command (README, .ci/run): installs dependencies, then
#   1. build/       normal build (gcc); ctest runs the unit tests, the fuzz targets' replays of
#                   their corpora and regressions, and the mount tests; then
#                   scripts/bench.sh --quick with build/fs/logdex (errors fail, timings never);
#   2. build-pkg/   the Debian package (scripts/check_package.sh): built, installed with
#                   apt-get, /usr/bin/logdex and its man page checked, one mount test and a
#                   `mount -t fuse.logdex` test run with it, removed again;
#   3. build-asan/  -DLOGDEX_SANITIZE=ON (gcc, ASan+UBSan); ctest runs the unit tests, the
#                   replays and every mount test against the ASan daemon (any sanitizer report
#                   of any logdex process fails its test: tests/mount/lib_sanitizer.sh);
#   4. build-fuzz/  -DLOGDEX_FUZZ=ON (clang 14: libFuzzer, ASan+UBSan, -Werror=thread-safety):
#                   the fuzz targets only; scripts/fuzz.sh fuzzes each for FUZZ_SECONDS (30);
#   5. build-tsan/  -DLOGDEX_TSAN=ON -DLOGDEX_THREAD_SAFETY=ON (clang 14): every other target
#                   compiled under the thread-safety analysis; ctest runs the unit tests under
#                   TSan, then the soak and the concurrent appenders against the TSan daemon.
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
  step "tests: unit + mount under ASan+UBSan" ctest --test-dir build-asan --output-on-failure --no-tests=error --timeout 900 -j"$jobs"
fi

# One clang build for libFuzzer; the thread-safety analysis is on in it and in the TSan build,
# which between them compile every target.
fuzz_targets=()
for d in tests/fuzz/corpus/*/; do fuzz_targets+=("fuzz_$(basename "$d")"); done
if step "build (clang: libFuzzer + thread-safety)" env CC=clang-14 CXX=clang++-14 \
    bash scripts/build.sh build-fuzz -DBUILD_TESTING=ON -DLOGDEX_FUZZ=ON -- "${fuzz_targets[@]}"; then
  step "fuzz: ${FUZZ_SECONDS:-30} s per target" bash scripts/fuzz.sh build-fuzz "${FUZZ_SECONDS:-30}"
fi

if step "build (clang: TSan + thread-safety)" env CC=clang-14 CXX=clang++-14 \
    bash scripts/build.sh build-tsan -DBUILD_TESTING=ON -DLOGDEX_TSAN=ON -DLOGDEX_THREAD_SAFETY=ON; then
  step "tests: unit + soak + appenders under TSan" ctest --test-dir build-tsan --output-on-failure --no-tests=error --timeout 900 -j"$jobs"
fi

exit "$failed"

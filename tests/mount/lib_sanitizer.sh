# shellcheck shell=bash
# Sanitizer reports fail the test (issue 10). Sourced by lib.sh once TEST_DIR exists; lib.sh's
# EXIT cleanup calls sanitizer_check after the unmounts.
#
# Against an ASan+UBSan build (-DLOGDEX_SANITIZE=ON) or a TSan build (-DLOGDEX_TSAN=ON), every
# logdex process the test starts (the daemon, `logdex index`, `verify`, `status`, ...) inherits
# this test's report path in ASAN_OPTIONS, LSAN_OPTIONS, UBSAN_OPTIONS and TSAN_OPTIONS (appended
# to what the caller set, so a later log_path wins and the caller's other flags stay). A runtime
# then writes each report to $TEST_DIR/sanitizer/report.PID instead of to stderr, which the
# daemon has closed (fuse_daemonize points it at /dev/null) and which tests often capture or
# compare. LeakSanitizer stays on (detect_leaks=1): a leak at any logdex exit is a report.
# At exit, once the mounts are gone, the cleanup waits (bounded) for this test's logdex
# processes to exit (a daemon's leak check runs as it exits) and fails the test on any non-empty
# report, printing it whole between "SANITIZER REPORT" marker lines (run_all.sh shows a failed
# test's whole output when it holds one).
#
# The daemon opens its report file right after daemonizing (fs/sanitizer_report.h), so a report
# is written even while the daemon is out of file descriptors; the file is empty unless a report
# was made. Against a build without sanitizers the flags are unused and no report appears.

SANITIZER_REPORT_DIR="$TEST_DIR/sanitizer"
readonly SANITIZER_EXIT_TIMEOUT=60  # seconds for the test's logdex processes to exit after its unmounts
mkdir -p -- "$SANITIZER_REPORT_DIR"
SANITIZER_REPORT_DIR=$(cd -- "$SANITIZER_REPORT_DIR" && pwd -P)  # absolute: the daemon chdirs to /
readonly SANITIZER_REPORT_DIR
readonly SANITIZER_LOG_PATH="$SANITIZER_REPORT_DIR/report"
# The runtimes split their option strings at ':', ',', spaces, tabs and newlines; quotes too.
case $SANITIZER_LOG_PATH in
  *[:,\ \	\"\'$'\n']*)
    echo "FAIL [$TEST_NAME]: sanitizer report path '$SANITIZER_LOG_PATH' holds a character the sanitizer options cannot carry; set TMPDIR to a plain path" >&2
    rm -rf -- "$TEST_DIR"
    exit 1 ;;
esac
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:log_path=$SANITIZER_LOG_PATH"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}log_path=$SANITIZER_LOG_PATH"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$SANITIZER_LOG_PATH"
export TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}log_path=$SANITIZER_LOG_PATH"

# sanitizer_pids: pids of this test's logdex processes, those running the binary under test with
# this test's report path in their environment (not another test's, nor a shell that has it).
sanitizer_pids() {
  local proc
  for proc in /proc/[0-9]*; do
    [ "$proc/exe" -ef "$LOGDEX" ] 2>/dev/null || continue  # a zombie's exe reads as nothing
    if tr '\0' '\n' <"$proc/environ" 2>/dev/null | grep -qF -- "log_path=$SANITIZER_LOG_PATH"; then
      echo "${proc#/proc/}"
    fi
  done
  return 0
}

# sanitizer_wait_for_exit SECONDS: until none of this test's logdex processes runs; non-zero (and
# the pids on stdout) if some still do after SECONDS.
sanitizer_wait_for_exit() {
  local deadline=$((SECONDS + $1)) pids
  pids=$(sanitizer_pids)
  while [ -n "$pids" ] && [ "$SECONDS" -lt "$deadline" ]; do
    sleep 0.1
    pids=$(sanitizer_pids)
  done
  [ -z "$pids" ] || { echo "$pids"; return 1; }
}

# sanitizer_reports: the non-empty report files so far, one path a line.
sanitizer_reports() {
  find "$SANITIZER_REPORT_DIR" -maxdepth 1 -type f -name 'report.*' -size +0 2>/dev/null | sort
}

# sanitizer_check: the cleanup's check (after the unmounts). Non-zero if a report was made, or a
# logdex process of the test outlived the wait (it is killed: whatever it would still have
# reported, its leaks above all, is lost, so the test cannot pass).
sanitizer_check() {
  local rc=0 pids pid report
  if ! pids=$(sanitizer_wait_for_exit "$SANITIZER_EXIT_TIMEOUT"); then
    echo "FAIL [$TEST_NAME]: logdex processes still running ${SANITIZER_EXIT_TIMEOUT}s after the test's unmounts, killed before any exit-time sanitizer check (leaks): ${pids//$'\n'/ }" >&2
    for pid in $pids; do
      tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | sed "s/^/  $pid: /" >&2
      echo >&2
      kill -9 "$pid" 2>/dev/null
    done
    rc=1
  fi
  while IFS= read -r report; do
    [ -n "$report" ] || continue
    echo "FAIL [$TEST_NAME]: a sanitizer reported an error in a logdex process (${report##*.} is its pid):" >&2
    echo "==== SANITIZER REPORT BEGIN ($report)" >&2
    cat -- "$report" >&2
    echo "==== SANITIZER REPORT END" >&2
    rc=1
  done <<<"$(sanitizer_reports)"
  return "$rc"
}

# sanitizer_runtime BINARY: "asan" or "tsan" for a binary built with that sanitizer (ASan builds
# carry UBSan too), else "none".
sanitizer_runtime() {
  if grep -qaF -- __asan_init "$1"; then echo asan
  elif grep -qaF -- __tsan_init "$1"; then echo tsan
  else echo none
  fi
}

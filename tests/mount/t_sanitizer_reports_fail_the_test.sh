#!/usr/bin/env bash
# A sanitizer report from any logdex process of a mount test fails that test, and its output
# shows the report whole (tests/mount/lib_sanitizer.sh). Shown with small inner tests that use
# lib.sh as every test does:
#  - a clean one (mount, read, unmount) passes: the check finds nothing in a good run, also
#    against a sanitizer build;
#  - one whose report dir holds a (fake, several-line) report fails and prints every line of it;
#  - against an ASan or TSan build: one whose daemon gets a SIGSEGV, which the sanitizer runtime
#    catches and reports like a crash of its own, fails and prints that real report; and so does
#    one whose daemon is out of file descriptors when it gets the signal (the daemon opened its
#    report file early, so the report is still written: fs/sanitizer_report.h).
# Nothing in logdex crashes on purpose: the signal comes from outside.
. "$(dirname "$0")/lib.sh" "$1"

here=$(cd "$(dirname "$0")" && pwd)
runtime=$(sanitizer_runtime "$LOGDEX")
echo "binary: $LOGDEX (sanitizer runtime: $runtime)"

# inner NAME BODY: writes an inner test NAME.sh whose body (after sourcing lib.sh) is BODY; it
# mounts the sample at $mnt first.
inner() {
  cat >"$TEST_DIR/$1.sh" <<EOF
. $(printf '%q' "$here/lib.sh") "\$1"
logdir=\$(make_dir logs); mnt=\$(make_dir mnt)
copy_sample "\$logdir"
mount_logdex "\$logdir" "\$mnt"
on_mount cat -- "\$mnt/index.ndjson" >/dev/null || fail "cannot read index.ndjson"
$2
EOF
}

# run_inner NAME: runs inner test NAME against the binary (its temp dir inside ours); its exit
# code in $inner_rc, its output in $TEST_DIR/NAME.out.
run_inner() {
  inner_rc=0
  env -u LOGDEX_TEST_TMPROOT TMPDIR="$TEST_DIR" timeout -k 10 240 \
    bash "$TEST_DIR/$1.sh" "$LOGDEX" >"$TEST_DIR/$1.out" 2>&1 || inner_rc=$?
  if [ "$inner_rc" -eq 124 ] || [ "$inner_rc" -eq 137 ]; then fail "inner test $1 timed out"; fi
}

show() { sed 's/^/    | /' -- "$TEST_DIR/$1.out" >&2; }

# expect_report NAME WHAT PATTERN: inner test NAME failed, its output holds a sanitizer report
# block, and a line of the block matches PATTERN (grep -E).
expect_report() {
  [ "$inner_rc" -ne 0 ] || { show "$1"; fail "$2: the inner test passed despite a sanitizer report"; }
  local block
  block=$(sed -n '/^==== SANITIZER REPORT BEGIN/,/^==== SANITIZER REPORT END/p' -- "$TEST_DIR/$1.out")
  [ -n "$block" ] || { show "$1"; fail "$2: the inner test's output shows no sanitizer report"; }
  grep -qE -- "$3" <<<"$block" || { show "$1"; fail "$2: the report printed does not match '$3'"; }
  echo "$2: the inner test failed (exit $inner_rc) and printed the report ($(wc -l <<<"$block") lines)"
}

inner clean ''
run_inner clean
[ "$inner_rc" -eq 0 ] || { show clean; fail "a clean inner test (mount, read, unmount) failed (exit $inner_rc)"; }
echo "clean run: passed"

inner fake 'printf "%s\n" "==1==ERROR: AddressSanitizer: fake report, first line" "    #0 0x1 in fake_frame" "SUMMARY: fake report, last line" >"$SANITIZER_REPORT_DIR/report.1"'
run_inner fake
expect_report fake "a fake report" 'SUMMARY: fake report, last line'
for line in 'first line' 'fake_frame' 'last line'; do
  grep -qF -- "$line" "$TEST_DIR/fake.out" || fail "the fake report's line '$line' is not in the output"
done

if [ "$runtime" = none ]; then
  echo "not a sanitizer build: no real report to make (build with -DLOGDEX_SANITIZE=ON or -DLOGDEX_TSAN=ON)"
  exit 0
fi

# The daemon of the inner test, by its mount point; then SIGSEGV, and wait for it to be gone.
segv_daemon='
daemon=$(daemon_pids "$mnt")
[ "$(wc -w <<<"$daemon")" -eq 1 ] || fail "expected one daemon, found: $daemon"
[ -f "$SANITIZER_REPORT_DIR/report.$daemon" ] || fail "the daemon did not open its report file early"
kill -SEGV "$daemon"
for _ in $(seq 300); do [ -e "/proc/$daemon" ] || break; sleep 0.1; done
[ ! -e "/proc/$daemon" ] || fail "the daemon is still running 30s after SIGSEGV"'

inner segv "$segv_daemon"
run_inner segv
expect_report segv "a real report (SIGSEGV to the daemon)" 'Sanitizer: SEGV'

# Out of descriptors: the daemon's soft RLIMIT_NOFILE lowered to its lowest free descriptor, so
# every open(2) in it fails with EMFILE; the report must still reach its (early opened) file.
inner emfile '
daemon=$(daemon_pids "$mnt")
free=$(find "/proc/$daemon/fd" -mindepth 1 -maxdepth 1 -printf "%f\n" | sort -n |
  awk "BEGIN { want = 0 } \$1 == want { want++ } \$1 > want { exit } END { print want }")
prlimit --pid "$daemon" --nofile="$free:" || fail "prlimit --pid $daemon failed"
if on_mount cat -- "$mnt/misc/app.ndjson" >/dev/null 2>"$TEST_DIR/err"; then
  fail "the daemon could still open a file"
fi
grep -q "Too many open files" "$TEST_DIR/err" || fail "a read failed otherwise than EMFILE: $(cat "$TEST_DIR/err")"
'"$segv_daemon"
run_inner emfile
expect_report emfile "a real report from a daemon out of descriptors" 'Sanitizer: SEGV'

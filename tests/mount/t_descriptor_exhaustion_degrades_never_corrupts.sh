#!/usr/bin/env bash
# A daemon out of file descriptors (started under RLIMIT_NOFILE 64:64, then made to use them all
# up by a process holding files open through the mount) degrades, never corrupts. While it is
# out, frames are appended straight into the log dir: a read of index.ndjson may fail with
# EMFILE/ENFILE, or take longer, or succeed; a read that succeeds holds whole rows only, every
# one of them a row `logdex index` prints, and every row served before, unmoved (nothing was
# truncated or removed, so no regeneration is due); status.json turns "degraded" with a
# "descriptors" warning, metrics.prom agreeing. Once the descriptors are released the index
# converges: sorted, it is `logdex index` again, every appended frame present and none lost; the
# daemon is still up and unmounts cleanly.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_warnings.sh"

readonly LIMIT=64       # RLIMIT_NOFILE of the daemon, soft and hard
readonly FILES=200      # log files; the holder opens each once through the mount

command -v prlimit >/dev/null || fail "prlimit is missing: install util-linux"
logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
for i in $(seq -w 0 $((FILES - 1))); do
  d="$logdir/many/g${i:0:2}"
  mkdir -p "$d"
  printf '{"type":"m","id":"f%s-%d"}\n' "$i" 0 "$i" 1 "$i" 2 >"$d/f$i.jsonl"
done

mount_logdex_under_limit "$LIMIT" "$logdir" "$mnt"
daemon=$(daemon_pids "$mnt")
if [ -z "$daemon" ] || [ "$(wc -w <<<"$daemon")" -ne 1 ]; then fail "expected one daemon for $mnt, found '$daemon'"; fi
limits=$(awk '/^Max open files/ { print $4 ":" $5 }' "/proc/$daemon/limits")
assert_eq "$LIMIT:$LIMIT" "$limits" "the daemon's RLIMIT_NOFILE (soft:hard)"

assert_index_canonical "$mnt" "$logdir" "index before the descriptors run out"
read_index "$mnt" "$TEST_DIR/before.ndjson"
before_bytes=$(wc -c <"$TEST_DIR/before.ndjson" | tr -d ' ')

# lowest_free_fd PID: the lowest descriptor number PID does not hold. At or above its limit,
# every open(2) in PID fails with EMFILE.
lowest_free_fd() {
  find "/proc/$1/fd" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -n |
    awk 'BEGIN { want = 0 } $1 == want { want++ } $1 > want { exit } END { print want }'
}
daemon_exhausted() { [ "$(lowest_free_fd "$daemon")" -ge "$LIMIT" ]; }

# The holder opens every log file through the mount, one after another, and keeps what it got
# open (the opens that fail, fail with EMFILE once the daemon is out; one may also block until
# descriptors free up). It records its progress, then becomes `sleep`, holding them.
holder_progress="$TEST_DIR/holder.progress"
find "$mnt/many" -name '*.jsonl' | sort >"$TEST_DIR/holder.list"
assert_eq "$FILES" "$(line_count "$TEST_DIR/holder.list")" "files for the holder to open"
bash -c '
  progress=$1 list=$2 opened=0 failed=0
  report() { echo "$*" >"$progress.new" && mv -f -- "$progress.new" "$progress"; }
  report 0 0
  while IFS= read -r f; do
    if { exec {fd}<"$f"; } 2>/dev/null; then opened=$((opened + 1)); else failed=$((failed + 1)); fi
    report "$opened" "$failed"
  done <"$list"
  report "$opened" "$failed" done
  exec sleep 1000
' holder "$holder_progress" "$TEST_DIR/holder.list" &
holder=$!
kill_on_exit "$holder"
show_holder() { echo "holder progress '$(cat -- "$holder_progress" 2>/dev/null)', daemon's lowest free fd $(lowest_free_fd "$daemon")"; }
# Until the holder has tried every file, or its progress stalls for 3 s (an open waiting for
# descriptors to free up).
last=none stalled_since=$SECONDS deadline=$((SECONDS + 30))
until grep -q ' done$' -- "$holder_progress" 2>/dev/null; do
  now=$(cat -- "$holder_progress" 2>/dev/null || echo none)
  if [ "$now" != "$last" ]; then last=$now stalled_since=$SECONDS; fi
  [ $((SECONDS - stalled_since)) -lt 3 ] || break
  [ "$SECONDS" -lt "$deadline" ] || fail "timed out after 30s waiting for the holder to use the daemon's descriptors up; $(show_holder)"
  sleep 0.1
done
clamped=no
if ! daemon_exhausted; then
  # The daemon does not keep a descriptor per open file (or keeps some in reserve): use the
  # rest up by lowering its soft limit to the lowest one it does not hold (the hard limit
  # stays, so the soft one can be raised again without CAP_SYS_RESOURCE).
  free=$(lowest_free_fd "$daemon")
  echo "note: holding files open left the daemon descriptors ($(show_holder)); lowering its soft RLIMIT_NOFILE to $free"
  prlimit --pid "$daemon" --nofile="$free:" || fail "prlimit --pid $daemon --nofile=$free: failed"
  clamped=yes
fi
echo "out of descriptors: $(show_holder)"

# Appends straight into the log dir while the daemon cannot open anything.
expect_log_changes "$logdir"/many/g{00,04,10,15,19}/f{003,047,101,150,199}.jsonl "$logdir/many/new" "$logdir/misc/app.ndjson"
appended=0
for i in 003 047 101 150 199; do
  printf '{"type":"m","id":"f%s-late-%d"}\n' "$i" 0 "$i" 1 >>"$logdir/many/g${i:0:2}/f$i.jsonl"
  appended=$((appended + 2))
done
mkdir -p "$logdir/many/new"
printf '{"type":"m","id":"new-%d"}\n' 0 1 2 >"$logdir/many/new/fresh.jsonl"
appended=$((appended + 3))
printf '%s\n' 'uest"}' '{"id":"evt-6","type":"late"}' >>"$logdir/misc/app.ndjson"  # completes the torn tail
appended=$((appended + 2))
cli_index "$logdir" "$TEST_DIR/final.ndjson"
sort -- "$TEST_DIR/final.ndjson" >"$TEST_DIR/final.sorted"
assert_eq $(($(line_count "$TEST_DIR/before.ndjson") + appended)) "$(line_count "$TEST_DIR/final.ndjson")" \
  "rows of logdex index after the appends"

# check_read FILE WHAT: FILE, a successful read of index.ndjson, holds whole rows only, each one
# a row of `logdex index`, and starts with every byte served before the descriptors ran out.
check_read() {
  local file=$1 what=$2
  if [ -s "$file" ] && [ "$(tail -c 1 -- "$file" | od -An -c | tr -d ' ')" != '\n' ]; then
    fail "$what: the read ends inside a row: $(tail -c 200 -- "$file")"
  fi
  sort -- "$file" >"$file.sorted"
  if [ -n "$(comm -23 -- "$file.sorted" "$TEST_DIR/final.sorted" | head -n 1)" ]; then
    echo "--- rows served that logdex index does not print:" >&2
    comm -23 -- "$file.sorted" "$TEST_DIR/final.sorted" | head -n 5 | cut -c1-300 >&2
    fail "$what: index.ndjson served a wrong row"
  fi
  if ! cmp -s -n "$before_bytes" -- "$TEST_DIR/before.ndjson" "$file"; then
    echo "--- rows served before the descriptors ran out, missing or moved now:" >&2
    comm -23 -- <(sort -- "$TEST_DIR/before.ndjson") "$file.sorted" | head -n 5 | cut -c1-300 >&2
    fail "$what: the read ($(line_count "$file") rows) does not start with the $(line_count "$TEST_DIR/before.ndjson") rows served before"
  fi
}

# try_read N WHAT: one read of index.ndjson with a short timeout; a success is checked, an error
# must be EMFILE/ENFILE, a timeout counts as slow.
reads_ok=0 reads_failed=0 reads_slow=0 rows_seen=none
try_read() {
  local out="$TEST_DIR/try$1.ndjson" err="$TEST_DIR/try$1.err" rc=0
  timeout -k 2 5 cat -- "$mnt/index.ndjson" >"$out" 2>"$err" || rc=$?
  case $rc in
    0) check_read "$out" "$2"; reads_ok=$((reads_ok + 1)) rows_seen=$(line_count "$out") ;;
    124 | 137) reads_slow=$((reads_slow + 1)) ;;
    *) grep -q 'Too many open files' -- "$err" ||
         fail "$2: reading index.ndjson failed with something else than EMFILE/ENFILE (exit $rc): $(head -c 300 -- "$err")"
       reads_failed=$((reads_failed + 1)) ;;
  esac
}

# While out: read (5 times at least), and watch status.json, until it says degraded with a
# descriptors warning.
n=0
deadline=$((SECONDS + 30))
until [ "$n" -ge 5 ] && has_warning "$mnt" descriptors "descriptors"; do
  n=$((n + 1))
  try_read "$n" "read $n while out of descriptors"
  [ "$SECONDS" -lt "$deadline" ] ||
    fail "timed out after 30s waiting for health \"degraded\" with a \"descriptors\" warning mentioning 'descriptors'; status.json has $(status_summary "$mnt")"
  sleep 0.2
done
assert_warning "$mnt" descriptors "descriptors" "while out of descriptors"
n=$((n + 1))
try_read "$n" "a read after the warning, still out of descriptors"
assert_daemon_alive "$mnt" "while out of descriptors"
echo "while out of descriptors: $reads_ok reads succeeded (the last had $rows_seen rows of $(line_count "$TEST_DIR/final.ndjson")), $reads_failed failed with EMFILE/ENFILE, $reads_slow timed out"

# Release: the holder goes (its descriptors close), the limit is back; the index converges.
kill "$holder"
wait "$holder" 2>/dev/null || true
if [ "$clamped" = yes ]; then prlimit --pid "$daemon" --nofile="$LIMIT:" || fail "cannot restore the daemon's soft limit"; fi
converged() {
  n=$((n + 1))
  local out="$TEST_DIR/try$n.ndjson"
  on_mount cat -- "$mnt/index.ndjson" >"$out" 2>/dev/null || return 1
  check_read "$out" "read $n after the descriptors were released"
  cmp -s -- "$out.sorted" "$TEST_DIR/final.sorted"
}
show_rows() { echo "the last read has $(line_count "$TEST_DIR/try$n.ndjson" 2>/dev/null) rows, logdex index $(line_count "$TEST_DIR/final.ndjson")"; }
wait_showing 30 "index.ndjson sorted to equal logdex index sorted after the descriptors were released" show_rows converged
assert_index_invariant "$mnt" "$logdir" "index after the descriptors were released"
read_index "$mnt" "$TEST_DIR/after.ndjson"
check_read "$TEST_DIR/after.ndjson" "the index after the descriptors were released"
assert_daemon_alive "$mnt" "after the descriptors were released"
on_mount cat -- "$mnt/.logdex/status.json" >"$TEST_DIR/status.json" || fail "cannot read status.json"
assert_warning_shape "$TEST_DIR/status.json" "after the descriptors were released"
unmount_clean "$mnt"

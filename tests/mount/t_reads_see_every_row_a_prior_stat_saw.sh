#!/usr/bin/env bash
# Freshness under load: while 4 processes append (2 through the mount, 2 straight into the log
# dir), every `cat index.ndjson` returns at least the st_size a stat just before it reported,
# a stat right after it reports at least what the cat read, and every read is a prefix of the
# final index (appends only ever add rows at the end).
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"

command -v python3 >/dev/null || fail "python3 is needed for the writers"
logdir=$(make_dir logs)
mnt=$(make_dir mnt)
snaps=$(make_dir snaps)
copy_sample "$logdir"
mount_logdex "$logdir" "$mnt" -o "cache_dir=$(make_dir cache)"
expect_log_changes "$logdir"/fresh-{1,2,3,4}.jsonl
read_index "$mnt" "$TEST_DIR/before.ndjson"

pids=()
for w in 1 2 3 4; do
  if [ "$w" -le 2 ]; then root=$mnt; else root=$logdir; fi
  timeout -k 5 100 python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
for i in range(40000):
    os.write(fd, ("{\"type\":\"f\",\"id\":\"%s-%d\"}\n" % (sys.argv[2], i)).encode())
' "$root/fresh-$w.jsonl" "w$w" &
  pids+=("$!")
  kill_on_exit "$!"
done

writers_running() {
  local pid
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && return 0; done
  return 1
}
n=0
while writers_running && [ "$n" -lt 200 ]; do
  n=$((n + 1))
  size_before=$(on_mount stat -c %s "$mnt/index.ndjson") || fail "stat $n exited $?"
  on_mount cat "$mnt/index.ndjson" >"$snaps/$n" || fail "cat $n exited $?"
  size_after=$(on_mount stat -c %s "$mnt/index.ndjson") || fail "stat $n exited $?"
  got=$(wc -c <"$snaps/$n" | tr -d ' ')
  [ "$got" -ge "$size_before" ] ||
    fail "read $n returned $got bytes, but a stat just before it said $size_before (stale read)"
  [ "$size_after" -ge "$got" ] ||
    fail "stat after read $n said $size_after bytes, but the read returned $got (stale stat)"
done
for pid in "${pids[@]}"; do wait "$pid" || fail "a writer exited $?"; done
[ "$n" -ge 2 ] || fail "only $n reads while the writers ran"

read_index "$mnt" "$TEST_DIR/final.ndjson"
assert_eq $(($(line_count "$TEST_DIR/before.ndjson") + 160000)) "$(line_count "$TEST_DIR/final.ndjson")" "rows at the end"
for i in $(seq "$n"); do
  head -c "$(wc -c <"$snaps/$i")" "$TEST_DIR/final.ndjson" | cmp -s - "$snaps/$i" ||
    fail "read $i is not a prefix of the final index"
  [ ! -s "$snaps/$i" ] || [ "$(tail -c 1 "$snaps/$i" | od -An -c | tr -d ' ')" = '\n' ] ||
    fail "read $i ends inside a row"
done
assert_index_invariant "$mnt" "$logdir" "after the writers"

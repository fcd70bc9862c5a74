#!/usr/bin/env bash
# A second read of index.ndjson, or of a log file unchanged since its last open, is served from
# the kernel's page cache (no read request reaches the daemon), and the page cache never hides a
# change: a frame appended straight into the log dir is in the next read of the index and of the
# log file, with st_size to match, and a log file rewritten in place (same size) reads as its new
# bytes. index.ndjson can be mapped with mmap and reads the same bytes.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_warnings.sh"

command -v python3 >/dev/null || fail "python3 is needed for the mmap and rewrite steps"
logdir=$(make_dir logs)
mnt=$(make_dir mnt)
# About 1.5 MB of index: many read requests when cold.
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "{\"type\":\"t\",\"id\":\"a-%06d\"}\n", i }' \
  >"$logdir/a.jsonl"
cp "$logdir/a.jsonl" "$TEST_DIR/a.expected"
expect_log_changes "$logdir/a.jsonl"
mount_logdex "$logdir" "$mnt" -o "cache_dir=$(make_dir cache)"

reads() { metric_get "$mnt" 'logdex_fuse_requests_total{op="read"}' "read requests"; }
# What rendering and reading metrics.prom itself costs in read requests (it is never cached).
r0=$(reads)
r1=$(reads)
per_look=$((r1 - r0))

read_index "$mnt" "$TEST_DIR/cold.ndjson"
r2=$(reads)
cold=$((r2 - r1 - per_look))
[ "$cold" -gt 1 ] || fail "the first read of index.ndjson made $cold read requests; expected several"
read_index "$mnt" "$TEST_DIR/warm.ndjson"
r3=$(reads)
assert_eq 0 $((r3 - r2 - per_look)) "read requests of a second read of index.ndjson"
assert_same_bytes "$TEST_DIR/cold.ndjson" "$TEST_DIR/warm.ndjson" "index.ndjson read twice"

# mmap reads what read() reads.
timeout 30 python3 -c '
import mmap, sys
with open(sys.argv[1], "rb") as f, mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ) as m:
    sys.stdout.buffer.write(m[:])
' "$mnt/index.ndjson" >"$TEST_DIR/mapped.ndjson" || fail "mmap of index.ndjson failed"
assert_same_bytes "$TEST_DIR/warm.ndjson" "$TEST_DIR/mapped.ndjson" "index.ndjson through mmap"

# Appended straight into the log dir: the very next stat and read see the row, whole.
rows=$(line_count "$TEST_DIR/warm.ndjson")
for i in 1 2 3; do
  printf '{"type":"t","id":"late-%d"}\n' "$i" >>"$logdir/a.jsonl"
  printf '{"type":"t","id":"late-%d"}\n' "$i" >>"$TEST_DIR/a.expected"
  size=$(on_mount stat -c %s "$mnt/index.ndjson")
  on_mount cat "$mnt/index.ndjson" >"$TEST_DIR/grown.ndjson"
  assert_eq "$size" "$(wc -c <"$TEST_DIR/grown.ndjson" | tr -d ' ')" "st_size after append $i"
  assert_eq $((rows + i)) "$(line_count "$TEST_DIR/grown.ndjson")" "rows after append $i"
  tail -n 1 "$TEST_DIR/grown.ndjson" | grep -q "\"byteOffset\":" || fail "last row after append $i is not whole"
  head -c "$(wc -c <"$TEST_DIR/warm.ndjson")" "$TEST_DIR/grown.ndjson" |
    cmp -s - "$TEST_DIR/warm.ndjson" || fail "rows before append $i changed"
done
assert_index_invariant "$mnt" "$logdir" "after the appends"

# A log file: its pages are kept only while it is unchanged since the last open, and a file
# changed in the last seconds is never trusted (a rewrite in the same timestamp tick would not
# show), so let the file age first.
sleep 3
on_mount cat "$mnt/a.jsonl" >"$TEST_DIR/log1"
assert_same_bytes "$TEST_DIR/a.expected" "$TEST_DIR/log1" "a.jsonl, first read"
r4=$(reads)
on_mount cat "$mnt/a.jsonl" >"$TEST_DIR/log2"
r5=$(reads)
on_mount cat "$mnt/a.jsonl" >"$TEST_DIR/log3"
r6=$(reads)
assert_same_bytes "$TEST_DIR/a.expected" "$TEST_DIR/log3" "a.jsonl, third read"
assert_eq 0 $((r6 - r5 - per_look)) "read requests of an unchanged log file read again"
: "$r4"

printf '{"type":"t","id":"later"}\n' >>"$logdir/a.jsonl"
printf '{"type":"t","id":"later"}\n' >>"$TEST_DIR/a.expected"
on_mount cat "$mnt/a.jsonl" >"$TEST_DIR/log4"
assert_same_bytes "$TEST_DIR/a.expected" "$TEST_DIR/log4" "a.jsonl after an append into the log dir"
assert_eq "$(stat -c %s "$logdir/a.jsonl")" "$(on_mount stat -c %s "$mnt/a.jsonl")" "st_size of a.jsonl after the append"

# Same size, other bytes, written in place straight into the log dir.
timeout 30 python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY)
os.pwrite(fd, b"{\"type\":\"t\",\"id\":\"A-000000\"}\n", 0)
os.close(fd)
' "$logdir/a.jsonl" || fail "rewrite in place failed"
cp "$logdir/a.jsonl" "$TEST_DIR/a.expected"
on_mount cat "$mnt/a.jsonl" >"$TEST_DIR/log5"
assert_same_bytes "$TEST_DIR/a.expected" "$TEST_DIR/log5" "a.jsonl after a same-size rewrite in place"

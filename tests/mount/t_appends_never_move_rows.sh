#!/usr/bin/env bash
# New frames (appends to existing files, a new file, through the mount and straight into the
# log dir) are added at the end of index.ndjson: the index before them is a byte prefix of the
# index after. A torn tail adds no row and changes no byte until its \n arrives, then adds
# exactly one row at the end, pointing at where the torn bytes began.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
mkdir -p "$logdir/grow"
printf '%s\n' '{"type":"g","id":"g0"}' >"$logdir/grow/a.jsonl"
printf '%s\n' '{"type":"g","id":"h0"}' >"$logdir/grow/b.jsonl"
expect_log_changes "$logdir/grow/a.jsonl" "$logdir/grow/b.jsonl" "$logdir/grow/new-through.jsonl" "$logdir/grow/deeper"
mount_logdex "$logdir" "$mnt" -o "cache_dir=$(make_dir cache)"

# snap NAME: reads the index into $TEST_DIR/NAME.ndjson and prints that path.
snap() { read_index "$mnt" "$TEST_DIR/$1.ndjson"; printf '%s\n' "$TEST_DIR/$1.ndjson"; }

# assert_grew OLD NEW ADDED WHAT: NEW is OLD's bytes followed by exactly ADDED rows.
assert_grew() {
  local old_bytes
  old_bytes=$(wc -c <"$1" | tr -d ' ')
  head -c "$old_bytes" "$2" | cmp -s - "$1" || fail "$4: rows that were there moved or changed"
  assert_eq $(($(line_count "$1") + $3)) "$(line_count "$2")" "$4: rows added"
}

s0=$(snap s0)
printf '%s\n' '{"type":"g","id":"g1"}' >>"$mnt/grow/a.jsonl"
s1=$(snap s1)
assert_grew "$s0" "$s1" 1 "append through the mount"
printf '%s\n' '{"type":"g","id":"h1"}' '{"type":"g","id":"h2"}' >>"$logdir/grow/b.jsonl"
s2=$(snap s2)
assert_grew "$s1" "$s2" 2 "append into the log dir"
printf '%s\n' '{"type":"g","id":"n0"}' >"$mnt/grow/new-through.jsonl"
mkdir -p "$logdir/grow/deeper"
printf '%s\n' '{"type":"g","id":"m0"}' >"$logdir/grow/deeper/new-behind.jsonl"
s3=$(snap s3)
assert_grew "$s2" "$s3" 2 "new files through the mount and in the log dir"
assert_eq "g1 h1 h2" "$(tail -n +$(($(line_count "$s0") + 1)) "$s2" | jq -r .entryId | tr '\n' ' ' | sed 's/ $//')" \
  "new rows in the order their frames were written"
assert_index_invariant "$mnt" "$logdir" "after appends and new files"

# A torn tail, behind the mount, then through it.
i=0
for root in "$logdir" "$mnt"; do
  i=$((i + 1))
  off=$(stat -c %s "$logdir/grow/a.jsonl")
  before=$(snap "before-$i")
  printf '%s' '{"type":"g","id":"torn' >>"$root/grow/a.jsonl"
  torn=$(snap "torn-$i")
  assert_same_bytes "$before" "$torn" "torn tail written under $root: index unchanged"
  printf '%s' '-half"' >>"$root/grow/a.jsonl"
  still=$(snap "still-$i")
  assert_same_bytes "$before" "$still" "torn tail grown under $root: index unchanged"
  printf '%s\n' '}' >>"$root/grow/a.jsonl"
  done_=$(snap "done-$i")
  assert_grew "$before" "$done_" 1 "torn tail completed under $root"
  assert_eq "grow/a.jsonl $off torn-half" "$(tail -n 1 "$done_" | jq -r '"\(.file) \(.byteOffset) \(.entryId)"')" \
    "torn tail completed under $root: the new row"
  assert_index_invariant "$mnt" "$logdir" "after the torn tail under $root completed"
done

#!/usr/bin/env bash
# When an indexed file is truncated, deleted, renamed or rewritten in place (same size), through
# the mount or straight in the log dir, index.ndjson is regenerated in canonical order: read
# right after, it is exactly `logdex index LOGDIR`, byte for byte, even though appends had made
# it non-canonical before.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
mkdir -p "$logdir/rw"
frames() {  # frames PREFIX: three frames
  printf '{"type":"r","id":"%s1"}\n{"type":"r","id":"%s2"}\n{"type":"r","id":"%s3"}\n' "$1" "$1" "$1"
}
for name in trunc rm mv rewrite; do
  for where in mnt dir; do frames "$name" >"$logdir/rw/$name-$where.jsonl"; done
done
frames early >"$logdir/rw/0-early.jsonl"   # sorts first: appends to it make the index non-canonical
expect_log_changes "$logdir"/rw/{0-early,{trunc,rm,mv,zz-moved,rewrite}-{mnt,dir}}.jsonl
mount_logdex "$logdir" "$mnt" -o "cache_dir=$(make_dir cache)"
assert_index_canonical "$mnt" "$logdir" "fresh mount"

appended=0
# make_non_canonical WHAT: appends to the file that sorts first, so its new row at the end of
# the index is out of canonical order; checks that it is (else the case proves nothing).
make_non_canonical() {
  appended=$((appended + 1))
  printf '{"type":"r","id":"late%d"}\n' "$appended" >>"$mnt/rw/0-early.jsonl"
  assert_index_invariant "$mnt" "$logdir" "$1: after an append"
  read_index "$mnt" "$TEST_DIR/appended.ndjson"
  cli_index "$logdir" "$TEST_DIR/cli.ndjson"
  ! cmp -s "$TEST_DIR/appended.ndjson" "$TEST_DIR/cli.ndjson" ||
    fail "$1: index.ndjson already canonical after an append to the first file (no append-at-end?)"
}

for where in mnt dir; do
  if [ "$where" = mnt ]; then root=$mnt; else root=$logdir; fi
  make_non_canonical "truncate ($where)"
  truncate -s "$(head -n 1 "$logdir/rw/trunc-$where.jsonl" | wc -c)" "$root/rw/trunc-$where.jsonl"
  assert_index_canonical "$mnt" "$logdir" "truncate to one frame ($where)"

  make_non_canonical "truncate mid-frame ($where)"
  truncate -s 5 "$root/rw/trunc-$where.jsonl"
  assert_index_canonical "$mnt" "$logdir" "truncate into a torn tail ($where)"

  make_non_canonical "delete ($where)"
  rm -- "$root/rw/rm-$where.jsonl"
  assert_index_canonical "$mnt" "$logdir" "delete ($where)"

  make_non_canonical "rename ($where)"
  mv -T -- "$root/rw/mv-$where.jsonl" "$root/rw/zz-moved-$where.jsonl"
  assert_index_canonical "$mnt" "$logdir" "rename ($where)"

  make_non_canonical "rewrite ($where)"
  size=$(stat -c %s "$logdir/rw/rewrite-$where.jsonl")
  # "rewrite1" -> "REWRITE1" in the first frame: same size, new CRC and entryId.
  printf 'REWRITE' | dd of="$root/rw/rewrite-$where.jsonl" bs=1 seek=18 conv=notrunc status=none
  assert_eq "$size" "$(stat -c %s "$logdir/rw/rewrite-$where.jsonl")" "rewrite ($where): same size"
  assert_eq '{"type":"r","id":"REWRITE1"}' "$(head -n 1 "$logdir/rw/rewrite-$where.jsonl")" "rewrite ($where): the new first frame"
  assert_index_canonical "$mnt" "$logdir" "same-size rewrite in place ($where)"
done

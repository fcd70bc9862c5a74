#!/usr/bin/env bash
# A pi store's index/offsets.jsonl reads as pi's rebuild_index would write it, whatever the
# backing copy holds: missing, stale or garbage.
. "$(dirname "$0")/lib.sh" "$1"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
store=pi/sessions/demo.v2
# The committed offsets.jsonl is exactly what rebuild_index writes for the sample's segments.
cp "$logdir/$store/index/offsets.jsonl" "$TEST_DIR/want.jsonl"
[ "$(wc -l <"$TEST_DIR/want.jsonl")" -eq 6 ] || fail "sample offsets.jsonl should have 6 rows"

# A second store whose backing index is garbage, and a third whose index is missing.
cp -a "$logdir/$store" "$logdir/pi/sessions/garbage.v2"
printf 'not an index\n{"schema":"x"}\n' >"$logdir/pi/sessions/garbage.v2/index/offsets.jsonl"
cp -a "$logdir/$store" "$logdir/pi/sessions/missing.v2"
rm "$logdir/pi/sessions/missing.v2/index/offsets.jsonl"
cp "$logdir/pi/sessions/garbage.v2/index/offsets.jsonl" "$TEST_DIR/garbage-backing.jsonl"

mount_logdex "$logdir" "$mnt"
for name in demo garbage missing; do
  on_mount cat "$mnt/pi/sessions/$name.v2/index/offsets.jsonl" >"$TEST_DIR/$name.jsonl" ||
    fail "cannot read $name.v2/index/offsets.jsonl through the mount"
  assert_same_bytes "$TEST_DIR/want.jsonl" "$TEST_DIR/$name.jsonl" "$name.v2/index/offsets.jsonl"
  assert_eq "$(wc -c <"$TEST_DIR/want.jsonl" | tr -d ' ')" \
    "$(on_mount stat -c %s "$mnt/pi/sessions/$name.v2/index/offsets.jsonl")" "st_size of $name.v2 offsets.jsonl"
done
# The view never changes the backing files.
assert_same_bytes "$TEST_DIR/garbage-backing.jsonl" "$logdir/pi/sessions/garbage.v2/index/offsets.jsonl" "backing garbage offsets.jsonl"
[ ! -e "$logdir/pi/sessions/missing.v2/index/offsets.jsonl" ] || fail "the view created a backing offsets.jsonl"
# offsets.jsonl is not a log file: no rows for it.
on_mount cat "$mnt/index.ndjson" | jq -r .file | grep -q 'index/offsets.jsonl' && fail "offsets.jsonl was indexed"
exit 0

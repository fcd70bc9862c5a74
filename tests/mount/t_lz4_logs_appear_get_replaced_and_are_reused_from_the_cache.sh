#!/usr/bin/env bash
# A NAME.lz4 that appears behind the mount is indexed at the end; one replaced the way a rotate
# tool does it (a new file renamed over it) regenerates the index canonically; a remount reuses
# the cache after checking every cached row's CRC-32C against the decompressed bytes
# (verify=full), rescanning nothing; a .lz4 rewritten while unmounted is caught and rescanned.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_lz4.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
cache=$(make_dir cache)
copy_sample "$logdir"
lz4_pack "$logdir/claude" -BD -B4
big_log "$TEST_DIR/big" 2
lz4 -q -BD -B4 "$TEST_DIR/big" "$logdir/big.jsonl.lz4"

mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache"
read_index "$mnt" "$TEST_DIR/first.ndjson"
assert_index_canonical "$mnt" "$logdir" "first build"

# A new .lz4 (written elsewhere, renamed in, as rotate tools do): rows at the end.
# .tmp: the temp name both new .lz4 files are written under before their rename.
expect_log_changes "$logdir/.tmp" "$logdir/0new.jsonl.lz4" "$logdir/big.jsonl.lz4"
printf '{"type":"new","id":"n1"}\n{"type":"new","id":"n2"}\n' | lz4 -q -c >"$logdir/.tmp"
mv "$logdir/.tmp" "$logdir/0new.jsonl.lz4"
wait_until 10 "the new .lz4's rows" sh -c 'tail -n 1 "$1/index.ndjson" | grep -q "\"file\":\"0new.jsonl\""' sh "$mnt"
assert_index_invariant "$mnt" "$logdir" "after a new .lz4"
assert_eq '{"type":"new","id":"n2"}' "$(on_mount tail -n 1 "$mnt/0new.jsonl")" "the new file's bytes"

# Replaced by rename: regenerated in canonical order.
printf '{"type":"again","id":"x"}\n' | lz4 -q -c >"$logdir/.tmp"
mv "$logdir/.tmp" "$logdir/big.jsonl.lz4"
wait_until 10 "the replaced .lz4's rows" sh -c '! grep -q "\"file\":\"big.jsonl\",\"byteOffset\":26," "$1/index.ndjson" && grep -q "\"entryId\":\"x\"" "$1/index.ndjson"' sh "$mnt"
assert_index_canonical "$mnt" "$logdir" "after a .lz4 was replaced"
assert_eq 26 "$(on_mount stat -c %s "$mnt/big.jsonl")" "st_size of the replaced file"
read_index "$mnt" "$TEST_DIR/before.ndjson"
unmount_clean "$mnt"

mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache"
read_index "$mnt" "$TEST_DIR/after.ndjson"
assert_same_bytes "$TEST_DIR/before.ndjson" "$TEST_DIR/after.ndjson" "index after a remount"
assert_eq reused "$(status_get "$mnt" .cache.start)" "remount: cache.start"
assert_eq 0 "$(status_get "$mnt" .cache.files_rescanned)" "remount: files rescanned"
assert_eq "$(line_count "$TEST_DIR/after.ndjson")" "$(status_get "$mnt" .cache.rows_checked)" "every row checked"
unmount_clean "$mnt"

# Rewritten while unmounted (same name, other bytes): the cached rows fail their check.
printf '{"type":"third","id":"y"}\n' | lz4 -q -c >"$logdir/big.jsonl.lz4"
mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache"
assert_index_invariant "$mnt" "$logdir" "after a rewrite while unmounted"
grep -q '"entryId":"y"' "$TEST_DIR/invariant."*/mounted.ndjson 2>/dev/null || on_mount grep -q '"entryId":"y"' "$mnt/index.ndjson" || fail "rewritten .lz4 not rescanned"

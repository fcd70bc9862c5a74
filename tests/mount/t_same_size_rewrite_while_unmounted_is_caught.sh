#!/usr/bin/env bash
# A byte of an indexed frame rewritten in place while unmounted, same size, same inode, mtime
# put back: the remount (verify=full, the default) CRC-checks every cached row, catches it,
# rescans only that file, and serves exactly `logdex index` (the row shows the new bytes).
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
cache=$(make_dir cache)
copy_sample "$logdir"
mkdir -p "$logdir/sneaky"
printf '%s\n' '{"type":"s","id":"x1"}' '{"type":"s","id":"x2"}' '{"type":"s","id":"x3"}' >"$logdir/sneaky/f.jsonl"
f="$logdir/sneaky/f.jsonl"
expect_log_changes "$f"

mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache"
read_index "$mnt" "$TEST_DIR/before.ndjson"
unmount_clean "$mnt"
[ -s "$cache/index.cache" ] || fail "no index.cache after unmount"

ident_before=$(stat -c '%d:%i %s %.9Y' "$f")
mtime_before=$(stat -c %.9Y "$f")
# Second frame, '"id":"x2"' -> '"id":"y2"': offset of 'x2' = first line (23) + 18.
printf 'y' | dd of="$f" bs=1 seek=$((23 + 18)) conv=notrunc status=none
touch -m -d "@$mtime_before" -- "$f"
assert_eq "$ident_before" "$(stat -c '%d:%i %s %.9Y' "$f")" "device:inode, size and mtime after the rewrite"
assert_eq '{"type":"s","id":"y2"}' "$(sed -n 2p "$f")" "the rewritten frame"

mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache"
assert_index_canonical "$mnt" "$logdir" "remount after a same-size rewrite"
read_index "$mnt" "$TEST_DIR/after.ndjson"
assert_eq y2 "$(jq -r 'select(.file == "sneaky/f.jsonl" and .byteOffset == 23) | .entryId' "$TEST_DIR/after.ndjson")" \
  "the rewritten frame's row"
assert_eq reused "$(status_get "$mnt" .cache.start)" "cache.start (only the changed file is rescanned)"
assert_eq 1 "$(status_get "$mnt" .cache.files_rescanned)" "cache.files_rescanned"
rows=$(line_count "$TEST_DIR/before.ndjson")
checked=$(status_get "$mnt" .cache.rows_checked)
[ "$checked" -ge 2 ] && [ "$checked" -le "$rows" ] ||
  fail "cache.rows_checked: expected between 2 and $rows, got $checked"

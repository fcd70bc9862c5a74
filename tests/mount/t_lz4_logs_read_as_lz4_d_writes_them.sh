#!/usr/bin/env bash
# A NAME.lz4 (linked or independent blocks, 64 KiB or 4 MiB blocks, with or without content size,
# block and content checksums, pi segments included) shows as NAME: listed without its .lz4, its
# exact decompressed size, mode without write bits, `cat` and random `dd` reads equal to
# `lz4 -d`'s output, and index.ndjson rows equal to those of the decompressed log dir. pi's
# offsets.jsonl view ignores .seg.lz4 segments, as pi does.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_lz4.sh"

plain=$(make_dir plain)
logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$plain"
big_log "$plain/big.jsonl" 6
cp -a "$plain/." "$logdir/"
lz4_pack "$logdir/claude" -BD -B4 --content-size
lz4_pack "$logdir/codex" -B4 -BX --no-frame-crc
lz4_pack "$logdir/pi" -BD -BX
lz4 -q -BD -B4 "$logdir/big.jsonl" "$logdir/big.jsonl.lz4" && rm "$logdir/big.jsonl"
lz4 -q -B7 "$logdir/misc/app.ndjson" "$logdir/misc/app.ndjson.lz4" && rm "$logdir/misc/app.ndjson"
[ -e "$logdir/pi/sessions/demo.v2/segments/0000000000000001.seg.lz4" ] || fail "no .seg.lz4 made"

mount_logdex "$logdir" "$mnt"

# Names and sizes: the tree of the decompressed dir (modes aside), no .lz4 left.
listing() { (cd "$1" && on_mount find . -mindepth 1 \( -path ./index.ndjson -o -path ./.logdex \) -prune -o \
  -path ./pi/sessions/demo.v2/index -prune -o -printf '%p %y %s\n' | sort); }
listing "$plain" >"$TEST_DIR/plain.txt"
listing "$mnt" >"$TEST_DIR/mnt.txt"
assert_same_bytes "$TEST_DIR/plain.txt" "$TEST_DIR/mnt.txt" "names, types and sizes"
assert_eq 444 "$(on_mount stat -c %a "$mnt/big.jsonl")" "mode of a 0644 .lz4 shown decompressed"
assert_eq "$(stat -c %s "$plain/big.jsonl")" "$(on_mount stat -c %s "$mnt/big.jsonl")" "st_size of big.jsonl"
assert_fails "the .lz4 under its own name" stat "$mnt/big.jsonl.lz4"

# Bytes: cat of every file equals lz4 -d's output.
while IFS= read -r -d '' f; do
  rel=${f#"$logdir"/}
  lz4 -q -d -c -- "$f" >"$TEST_DIR/d"
  on_mount cat -- "$mnt/${rel%.lz4}" >"$TEST_DIR/m"
  assert_same_bytes "$TEST_DIR/d" "$TEST_DIR/m" "cat of ${rel%.lz4}"
done < <(find "$logdir" -name '*.lz4' -print0)
random_reads "$mnt/big.jsonl" "$plain/big.jsonl" 60
random_reads "$mnt/misc/app.ndjson" "$plain/misc/app.ndjson" 10

# Rows: the index of the decompressed dir, in the mount and from logdex index.
"$LOGDEX" index "$plain" >"$TEST_DIR/want.ndjson"
on_mount cat "$mnt/index.ndjson" >"$TEST_DIR/got.ndjson"
assert_same_bytes "$TEST_DIR/want.ndjson" "$TEST_DIR/got.ndjson" "index.ndjson of the mount"
"$LOGDEX" index "$logdir" >"$TEST_DIR/cli.ndjson"
assert_same_bytes "$TEST_DIR/want.ndjson" "$TEST_DIR/cli.ndjson" "logdex index of the .lz4 dir"
grep -q '"file":"pi/sessions/demo.v2/segments/0000000000000001.seg","byteOffset":0' "$TEST_DIR/got.ndjson" \
  || fail "no row of the .seg.lz4 segment"

# pi reads no .seg.lz4: its offsets.jsonl view holds no rows, and status says it drifted.
assert_eq 0 "$(on_mount stat -c %s "$mnt/pi/sessions/demo.v2/index/offsets.jsonl")" "pi view of .seg.lz4 segments"
"$LOGDEX" verify "$logdir" >/dev/null 2>&1 && fail "verify: the stale backing offsets.jsonl is drift" || true

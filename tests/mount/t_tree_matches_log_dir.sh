#!/usr/bin/env bash
# The mount shows the log dir's tree: same names, types, modes, sizes, times and symlink
# targets, and every regular file reads back byte for byte.
. "$(dirname "$0")/lib.sh" "$1"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
mount_logdex "$logdir" "$mnt"

# One line per entry; the virtual root entries are the mount's own and are left out.
listing() {
  (cd "$1" && on_mount find . -mindepth 1 -printf "%P %y %m %s $2 -> %l\n") |
    grep -v -e '^index\.ndjson ' -e '^\.logdex ' -e '^\.logdex/' | sort
}
listing "$logdir" "" >"$TEST_DIR/want.txt"
listing "$mnt" "" >"$TEST_DIR/got.txt"
[ "$(wc -l <"$TEST_DIR/want.txt")" -gt 20 ] || fail "sample log dir copy looks empty"
grep -q '^misc/current.ndjson l 777 10  -> app.ndjson$' "$TEST_DIR/got.txt" ||
  fail "symlink misc/current.ndjson not shown as a symlink to app.ndjson"
assert_same_bytes "$TEST_DIR/want.txt" "$TEST_DIR/got.txt" "names, types, modes, sizes, symlink targets"

listing "$logdir" "%T@" >"$TEST_DIR/want-times.txt"
listing "$mnt" "%T@" >"$TEST_DIR/got-times.txt"
assert_same_bytes "$TEST_DIR/want-times.txt" "$TEST_DIR/got-times.txt" "modification times"

count=0
while IFS= read -r -d '' rel; do
  on_mount cmp -- "$logdir/$rel" "$mnt/$rel" || fail "bytes differ through the mount: $rel"
  count=$((count + 1))
done < <(cd "$logdir" && find . -type f -printf '%P\0')
[ "$count" -gt 15 ] || fail "compared only $count files"

# Reading did not change the log dir.
listing "$logdir" "%T@" >"$TEST_DIR/after.txt"
assert_same_bytes "$TEST_DIR/want-times.txt" "$TEST_DIR/after.txt" "log dir after reading"

#!/usr/bin/env bash
# Log files and directories with odd names (a newline, quotes, a backslash, a leading dash,
# non-UTF-8 bytes, a directory named like a log file) made and removed while mounted: the index
# follows (sorted, it is `logdex index`), each non-UTF-8 name is shown, not indexed and counted,
# and the counts in status.json always equal what `logdex verify` counts in a fresh walk.
# (t_weird_names covers the same names present at mount time.)
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_warnings.sh"
. "$(dirname "$0")/lib_trees.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
mkdir -p "$logdir/w"
expect_log_changes "$logdir/w"
line='{"type":"t","id":"1","sessionId":"s"}'

mount_logdex "$logdir" "$mnt"
# Built now (the first read builds it): what follows is seen by the live index as changes.
assert_index_canonical "$mnt" "$logdir" "index before"
assert_eq "0 0" "$(mount_skips "$mnt")" "skips before"

names=($'new\nline.jsonl' 'quo"te.jsonl' 'back\slash.jsonl' '-dash.jsonl' $'bad-\xff.jsonl' $'bad-\xc3.ndjson')
for name in "${names[@]}"; do printf '%s\n' "$line" >"$logdir/w/$name"; done
mkdir -p "$logdir/w/"$'dir-\xfe' "$logdir/w/dir.jsonl"
printf '%s\n' "$line" >"$logdir/w/"$'dir-\xfe/in.jsonl'
printf '%s\n' "$line" >"$logdir/w/dir.jsonl/in.jsonl"
wait_skips 20 "$mnt" "3 0" "after odd names were made"
assert_eq "3 0" "$(verify_skips "$logdir")" "verify skips after odd names were made"
wait_index_invariant 20 "$mnt" "$logdir" "index after odd names were made"
assert_eq 1 "$(on_mount jq -r 'select(.file == "w/new\nline.jsonl") | .byteOffset' -- "$mnt/index.ndjson" | wc -l)" \
  "rows of the name with a newline"
assert_eq 1 "$(on_mount jq -r 'select(.file == "w/dir.jsonl/in.jsonl") | .byteOffset' -- "$mnt/index.ndjson" | wc -l)" \
  "rows below the directory named like a log"
assert_eq directory "$(on_mount stat -c %F -- "$mnt/w/dir.jsonl")" "the directory named like a log through the mount"

rm -f -- "$logdir/w/"$'bad-\xff.jsonl'
rm -rf -- "$logdir/w/"$'dir-\xfe'
wait_skips 20 "$mnt" "1 0" "after two non-UTF-8 names were removed"
assert_eq "1 0" "$(verify_skips "$logdir")" "verify skips after the removals"
mv -- "$logdir/w/"$'bad-\xc3.ndjson' "$logdir/w/good.ndjson"
wait_skips 20 "$mnt" "0 0" "after the last non-UTF-8 name was renamed to UTF-8"
wait_index_invariant 20 "$mnt" "$logdir" "index after the renames"
assert_daemon_alive "$mnt" "after odd names"

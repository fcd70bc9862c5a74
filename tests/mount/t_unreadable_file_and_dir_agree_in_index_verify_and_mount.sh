#!/usr/bin/env bash
# An unreadable log file and an unreadable directory: the mount (its daemon without
# CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH, so root sees the modes), `logdex index` and `logdex
# verify` (both as nobody, via setpriv) agree: the same rows, and each is one counted unreadable
# skip. Made readable, or unreadable, while mounted, the counts and rows follow, equal to a fresh
# walk's.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_warnings.sh"
. "$(dirname "$0")/lib_trees.sh"

command -v setpriv >/dev/null || fail "setpriv is missing: install util-linux"
as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
without_dac=(setpriv --inh-caps=-dac_override,-dac_read_search --bounding-set=-dac_override,-dac_read_search)
chmod 755 "$TEST_DIR"  # nobody walks to the log dir
logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
mkdir -p "$logdir/open" "$logdir/closed"
printf '%s\n' '{"type":"t","id":"1"}' '{"type":"t","id":"2"}' >"$logdir/open/secret.jsonl"
printf '%s\n' '{"type":"t","id":"3"}' >"$logdir/closed/inside.jsonl"
printf '%s\n' '{"type":"t","id":"4"}' >"$logdir/open/plain.jsonl"
chmod -R a+rX "$logdir"
chmod 000 "$logdir/open/secret.jsonl" "$logdir/closed"
expect_log_changes "$logdir/open" "$logdir/closed"
after_unmount "chmod -R u+rwX '$logdir'"

# What nobody sees: the canonical index without the two, and both counted.
"${as_nobody[@]}" cat "$logdir/open/secret.jsonl" >/dev/null 2>&1 && fail "nobody can read the unreadable file"
timeout -k 5 60 "${as_nobody[@]}" "$LOGDEX" index "$logdir" >"$TEST_DIR/nobody.ndjson" ||
  fail "logdex index as nobody exited $?"
grep -q -e secret.jsonl -e inside.jsonl "$TEST_DIR/nobody.ndjson" && fail "logdex index as nobody has rows of an unreadable path"
assert_eq "0 2" "$(verify_skips "$logdir" "${as_nobody[@]}")" "verify as nobody: skips (non-UTF-8, unreadable)"

LOGDEX_PLAIN=$LOGDEX
wrapper="$TEST_DIR/logdex-without-dac"
printf '#!/bin/sh\nexec %s %s "$@"\n' "$(printf '%q ' "${without_dac[@]}")" "$(printf '%q' "$LOGDEX_PLAIN")" >"$wrapper"
chmod +x "$wrapper"
LOGDEX=$wrapper mount_logdex "$logdir" "$mnt"
read_index "$mnt" "$TEST_DIR/mounted.ndjson"
assert_same_bytes "$TEST_DIR/nobody.ndjson" "$TEST_DIR/mounted.ndjson" "index.ndjson vs logdex index as nobody"
assert_eq "0 2" "$(mount_skips "$mnt")" "status.json skips (non-UTF-8, unreadable) at mount"

# Readable again while mounted: rows appear, the counts drop; then unreadable again.
chmod 644 "$logdir/open/secret.jsonl"
wait_skips 20 "$mnt" "0 1" "after the file was made readable"
chmod 755 "$logdir/closed"
wait_skips 20 "$mnt" "0 0" "after the directory was made readable"
wait_index_invariant 20 "$mnt" "$logdir" "index after both were made readable"
assert_eq 3 "$(on_mount jq -r .file -- "$mnt/index.ndjson" | grep -c -e secret.jsonl -e inside.jsonl)" \
  "rows of the paths made readable"
chmod 000 "$logdir/open/plain.jsonl" "$logdir/closed"
wait_skips 20 "$mnt" "0 2" "after a file and the directory were made unreadable again"
assert_eq "0 2" "$(verify_skips "$logdir" "${as_nobody[@]}")" "verify as nobody after the changes"
timeout -k 5 60 "${as_nobody[@]}" "$LOGDEX_PLAIN" index "$logdir" | sort >"$TEST_DIR/nobody2.sorted"
on_mount cat -- "$mnt/index.ndjson" | sort >"$TEST_DIR/mounted2.sorted"
assert_same_bytes "$TEST_DIR/nobody2.sorted" "$TEST_DIR/mounted2.sorted" "index.ndjson sorted vs logdex index as nobody sorted"
assert_daemon_alive "$mnt" "after the mode changes"

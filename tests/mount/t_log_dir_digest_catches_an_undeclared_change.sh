#!/usr/bin/env bash
# The log-dir digest check of lib_digest.sh fails a mount test on each kind of change to its log
# dir the test did not declare with expect_log_changes, names the entry, and passes when the same
# changes are declared (each as narrowly as the change). Each case is a child mount test (sourcing
# lib.sh like any t_*.sh) so this test can observe its exit status and output.
# shellcheck disable=SC2016  # each change is shell text the child test runs, expanded there
. "$(dirname "$0")/lib.sh" "$1"
here=$(cd "$(dirname "$0")" && pwd)

# child NAME CHANGE [DECLARATIONS]: writes and runs a child test that mounts a small log dir, runs
# CHANGE (shell text, with $logdir, $mnt and $ref in scope) while mounted, declares DECLARATIONS
# (shell words, e.g. "$logdir/a.jsonl"), and exits 0. Prints its output; returns its exit status.
child() {
  local name=$1 change=$2 decls=${3:-} script rc=0
  script="$TEST_DIR/child_$name.sh"
  cat >"$script" <<EOF
. "$here/lib.sh" "\$1"
logdir=\$(make_dir logs); mnt=\$(make_dir mnt); ref="\$TEST_DIR/ref"
printf '{"a":1}\n{"a":2}\n' >"\$logdir/a.jsonl"
mkdir -p "\$logdir/sub" "\$logdir/gone"
printf '{"b":1}\n' >"\$logdir/sub/b.jsonl"
printf '{"c":1}\n' >"\$logdir/c.jsonl"
printf '{"d":1}\n' >"\$logdir/gone/d.jsonl"
ln -s a.jsonl "\$logdir/link.jsonl"
touch -d @1600000000 "\$logdir/a.jsonl" "\$logdir/c.jsonl" "\$logdir/sub/b.jsonl"
touch -r "\$logdir/a.jsonl" "\$ref"
mount_logdex "\$logdir" "\$mnt"
on_mount cat "\$mnt/index.ndjson" >/dev/null
$change
${decls:+expect_log_changes $decls}
EOF
  TMPDIR=$TEST_DIR bash "$script" "$LOGDEX" >"$TEST_DIR/child_$name.out" 2>&1 </dev/null || rc=$?
  cat -- "$TEST_DIR/child_$name.out"
  return "$rc"
}

# must_catch NAME ENTRY CHANGE: the child fails, its report names ENTRY, and it left no mount.
must_catch() {
  local name=$1 entry=$2 change=$3 out rc=0
  out=$(child "$name" "$change") || rc=$?
  [ "$rc" -ne 0 ] || fail "$name: an undeclared change passed the check"
  grep -q "changed outside the paths the test declared" <<<"$out" || fail "$name: no digest report in: $out"
  grep -q "^    $entry: " <<<"$out" || fail "$name: the report does not name $entry: $out"
  echo "caught $name: $(grep "^    $entry: " <<<"$out" | head -n 1 | sed 's/^ *//')"
}

# A rewrite that leaves the size and, put back with touch -r, the mtime: only ctime and bytes move.
same_size='printf X | dd of="$logdir/a.jsonl" bs=1 seek=2 conv=notrunc status=none; touch -r "$ref" "$logdir/a.jsonl"'

must_catch content a.jsonl 'printf X | dd of="$logdir/a.jsonl" bs=1 seek=2 conv=notrunc status=none'
must_catch same_size_rewrite_mtime_restored a.jsonl "$same_size"
must_catch append_through_the_mount a.jsonl 'echo "{\"a\":3}" >>"$mnt/a.jsonl"'
must_catch mode a.jsonl 'chmod 600 "$logdir/a.jsonl"'
must_catch owner a.jsonl 'chown 4321:4321 "$logdir/a.jsonl"'
must_catch new_file new.jsonl 'echo "{}" >"$logdir/new.jsonl"'
must_catch removed_file c.jsonl 'rm "$logdir/c.jsonl"'
must_catch rename c2.jsonl 'mv "$logdir/c.jsonl" "$logdir/c2.jsonl"'
must_catch symlink_target link.jsonl 'ln -sfn c.jsonl "$logdir/link.jsonl"'
must_catch truncate sub/b.jsonl 'truncate -s 0 "$logdir/sub/b.jsonl"'
must_catch mtime_only sub/b.jsonl 'touch -d @1700000000 "$logdir/sub/b.jsonl"'
must_catch new_dir newdir 'mkdir "$logdir/newdir"'
must_catch removed_dir gone 'rm -r "$logdir/gone"'
must_catch dir_mode sub 'chmod 700 "$logdir/sub"'
must_catch temp_file_created_and_removed sub 'touch "$logdir/sub/.tmp"; rm "$logdir/sub/.tmp"'
must_catch log_dir_removed '\.' 'rm -r "$logdir"'
# A declaration excuses only what it names: a change next to it is still caught.
must_catch sibling_of_a_declared_file c.jsonl \
  'echo "{}" >>"$logdir/c.jsonl"; echo "{}" >>"$logdir/a.jsonl"; expect_log_changes "$logdir/a.jsonl"'
# A log dir mounted twice is compared with what it held at its first mount.
must_catch change_between_two_mounts c.jsonl \
  'unmount_logdex "$mnt"; echo "{}" >>"$logdir/c.jsonl"; mount_logdex "$logdir" "$mnt"'

# Declared, each as narrowly as it was made, the same changes pass.
out=$(child declared "$same_size
chmod 600 \"\$logdir/c.jsonl\"; chown 4321:4321 \"\$logdir/c.jsonl\"
echo '{}' >\"\$logdir/new.jsonl\"
truncate -s 0 \"\$logdir/sub/b.jsonl\"; touch \"\$logdir/sub/.tmp\"; rm \"\$logdir/sub/.tmp\"
ln -sfn c.jsonl \"\$logdir/link.jsonl\"
rm -r \"\$logdir/gone\"; mkdir \"\$logdir/newdir\"
unmount_logdex \"\$mnt\"; mount_logdex \"\$logdir\" \"\$mnt\"
echo '{\"a\":3}' >>\"\$mnt/a.jsonl\"" \
  '"$logdir/a.jsonl" "$logdir/c.jsonl" "$logdir/new.jsonl" "$logdir/sub/b.jsonl" "$logdir/sub/.tmp" "$logdir/link.jsonl" "$logdir/gone" "$logdir/newdir"') ||
  fail "the declared changes failed the check: $out"
# A whole log dir declared excuses anything in it, even its removal.
out=$(child whole_dir_declared 'rm -r "$logdir"' '"$logdir"') || fail "a declared log dir removal failed: $out"
# Nothing changed, nothing reported.
out=$(child unchanged ':') || fail "an unchanged log dir failed the check: $out"
[ -z "$out" ] || fail "an unchanged log dir printed: $out"
echo "PASS: every undeclared change failed its test; declared, they passed"

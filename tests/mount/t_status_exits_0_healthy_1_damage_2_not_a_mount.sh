#!/usr/bin/env bash
# `logdex status MNT` summarizes .logdex/status.json: exit 0 and "healthy" for a clean log dir,
# 1 naming the damage for one with a corrupt frame, 2 with one line for what is not a logdex mount
# (a plain directory, a missing path, a file, another file system, a directory inside a logdex
# mount). --json prints status.json,
# which names the daemon's pid.
. "$(dirname "$0")/lib.sh" "$1"

clean=$(make_dir clean)
printf '%s\n' '{"type":"t","id":"1"}' '{"type":"t","id":"2"}' >"$clean/a.jsonl"
damaged=$(make_dir damaged)
printf '%s\n' '{"type":"t","id":"1"}' 'not json' >"$damaged/a.jsonl"
mnt_clean=$(make_dir mnt-clean)
mnt_damaged=$(make_dir mnt-damaged)
mount_logdex "$clean" "$mnt_clean"
mount_logdex "$damaged" "$mnt_damaged"
on_mount cat "$mnt_clean/index.ndjson" "$mnt_damaged/index.ndjson" >/dev/null  # build both

# status_of MNT [ARGS...]: runs logdex status; sets rc, out, err.
status_of() {
  rc=0
  on_mount "$LOGDEX" status "$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err" || rc=$?
  out=$(cat "$TEST_DIR/out")
  err=$(cat "$TEST_DIR/err")
}

status_of "$mnt_clean"
assert_eq 0 "$rc" "exit status for a clean mount (stderr: $err)"
grep -q 'verdict *healthy' "$TEST_DIR/out" || fail "no 'healthy' verdict: $out"
grep -q 'jsonl 2 active, 0 corrupt' "$TEST_DIR/out" || fail "rows by source and state missing: $out"
pid=$(daemon_pids "$mnt_clean")
grep -q "pid $pid," "$TEST_DIR/out" || fail "daemon pid $pid not shown: $out"

status_of "$mnt_clean" --json
assert_eq 0 "$rc" "exit status of status --json"
assert_eq "$pid" "$(jq -r .pid "$TEST_DIR/out")" "status --json .pid"
assert_eq "$clean" "$(jq -r .log_dir "$TEST_DIR/out")" "status --json .log_dir"
assert_eq 1 "$(jq -s length "$TEST_DIR/out")" "status --json prints one JSON object"

status_of "$mnt_damaged"
assert_eq 1 "$rc" "exit status for a mount with a corrupt row"
grep -q 'verdict *1 corrupt row' "$TEST_DIR/out" || fail "damage not named: $out"
grep -q 'corrupt *1 (json 1)' "$TEST_DIR/out" || fail "corrupt rows by error missing: $out"

plain=$(make_dir plain)
touch "$TEST_DIR/file"
for case in "$plain:not mounted" "$TEST_DIR/missing:does not exist" "$TEST_DIR/file:not a directory" \
  "/proc:is a proc mount, not a logdex mount" "$mnt_clean/.logdex:is inside the logdex mount at '$mnt_clean'"; do
  path=${case%%:*} want=${case#*:}
  status_of "$path"
  assert_eq 2 "$rc" "exit status of status $path"
  assert_eq 1 "$(wc -l <"$TEST_DIR/err" | tr -d ' ')" "stderr lines for status $path"
  grep -q "^logdex status: .*$want" "$TEST_DIR/err" || fail "status $path: expected '$want', got: $err"
  assert_eq "" "$out" "stdout of status $path"
done

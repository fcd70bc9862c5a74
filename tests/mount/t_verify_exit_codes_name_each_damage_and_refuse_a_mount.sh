#!/usr/bin/env bash
# `logdex verify LOGDIR [--json]` exits 0 on a clean log dir (a torn tail alone is not damage),
# 1 on a corrupt line and on each kind of pi offsets drift (offsets.jsonl deleted, a ghost row
# appended, truncated), naming the kind in --json, and 2 with one clear line when it cannot run:
# bad arguments, a missing log dir, a file, or a path in a logdex mount. Fixtures come from the
# bundled sample (its pi store under pi/), never from generators.
. "$(dirname "$0")/lib.sh" "$1"

sample=$(make_dir sample)
copy_sample "$sample"
store=pi/sessions/demo.v2

# fresh NAME: a clean log dir: the sample's pi store and one clean JSON-lines file.
fresh() {
  local dir
  dir=$(make_dir "$1")
  cp -a -- "$sample/pi" "$dir/"
  printf '%s\n' '{"type":"t","id":"1"}' '{"type":"t","id":"2"}' >"$dir/app.jsonl"
  printf '%s\n' "$dir"
}

# verify EXPECTED_RC DIR [ARGS...]: runs verify --json on DIR; checks the exit code, that stdout
# is one JSON object whose exit_code agrees; leaves it in $TEST_DIR/report.json.
verify() {
  local want=$1 dir=$2 rc=0
  shift 2
  timeout -k 5 60 "$LOGDEX" verify "$dir" --json "$@" >"$TEST_DIR/report.json" 2>"$TEST_DIR/err" </dev/null || rc=$?
  assert_eq "$want" "$rc" "exit status of logdex verify $dir --json"
  assert_eq 1 "$(jq -s length "$TEST_DIR/report.json")" "JSON objects printed"
  assert_eq "$want" "$(jq .exit_code "$TEST_DIR/report.json")" "exit_code in the report"
}

# report JQ: the jq filter's output on the last report, compact.
report() { jq -c "$1" "$TEST_DIR/report.json"; }

# --- clean --------------------------------------------------------------------------------------
clean=$(fresh clean)
verify 0 "$clean"
assert_eq 0 "$(report '.findings | length')" "findings of a clean dir"
assert_eq '"present"' "$(report '.pi_stores[0].backing')" "backing offsets.jsonl state"
assert_eq '"ok"' "$(report '.pi_stores[0].drift.kind')" "drift of the sample store"
assert_eq 6 "$(report '.pi_stores[0].derived_rows')" "rows pi's rebuild writes for the sample"
rc=0
timeout 60 "$LOGDEX" verify "$clean" >"$TEST_DIR/text" 2>&1 </dev/null || rc=$?
assert_eq 0 "$rc" "exit status of the text report"
grep -q '^summary: .*: clean (exit 0)$' "$TEST_DIR/text" || fail "no clean summary line: $(cat "$TEST_DIR/text")"

# --- a torn tail alone is not damage; a corrupt line is -------------------------------------
torn=$(fresh torn)
printf '{"type":"t","id":"3"' >>"$torn/app.jsonl"
verify 0 "$torn"
assert_eq '[{"kind":"torn_tail","damage":false,"file":"app.jsonl","byte_offset":44,"byte_length":20}]' \
  "$(report '.findings')" "torn tail finding"

bad=$(fresh corrupt)
printf 'not json\n{"type":"t","id":"4"}\n' >>"$bad/app.jsonl"
verify 1 "$bad"
assert_eq '["corrupt_frame","json","app.jsonl",44,9,true]' \
  "$(report '[.findings[0] | .kind, .error, .file, .byte_offset, .byte_length, .damage]')" "corrupt frame finding"
timeout 60 "$LOGDEX" verify "$bad" >"$TEST_DIR/text" 2>&1 </dev/null || true
grep -qxF 'app.jsonl:44: corrupt frame (json), 9 bytes' "$TEST_DIR/text" ||
  fail "no FILE:OFFSET line for the corrupt frame: $(cat "$TEST_DIR/text")"

# --- pi offsets drift: each kind is exit 1 and named -------------------------------------------
# expect_drift NAME KIND: verify of log dir NAME exits 1 with one pi_drift finding of KIND.
expect_drift() {
  verify 1 "$TEST_DIR/$1"
  assert_eq "[\"$2\"]" "$(report '[.findings[] | select(.kind == "pi_drift") | .drift]')" "$1: drift finding"
  assert_eq "\"$2\"" "$(report '.pi_stores[0].drift.kind')" "$1: drift kind of the store"
  assert_eq true "$(report '.pi_stores[0].damage')" "$1: store damage"
  assert_eq 1 "$(report '.counts.pi_stores_drifted')" "$1: stores drifted"
}

dir=$(fresh deleted)
rm -- "$dir/$store/index/offsets.jsonl"
expect_drift deleted missing
assert_eq '"missing"' "$(report '.pi_stores[0].backing')" "deleted: backing state"
assert_eq 6 "$(report '.pi_stores[0].drift.missing_rows')" "deleted: rows missing"

dir=$(fresh ghost)
tail -n 1 "$dir/$store/index/offsets.jsonl" | sed 's/"entrySeq":6/"entrySeq":7/' >>"$dir/$store/index/offsets.jsonl"
expect_drift ghost ghost_rows
assert_eq 1 "$(report '.pi_stores[0].drift.ghost_rows')" "ghost: ghost rows"
assert_eq "$(wc -c <"$clean/$store/index/offsets.jsonl")" \
  "$(report '.findings[] | select(.kind == "pi_drift") | .byte_offset')" "ghost: offset of the first difference"

dir=$(fresh truncated)
head -n 4 "$clean/$store/index/offsets.jsonl" >"$dir/$store/index/offsets.jsonl"
expect_drift truncated stale
assert_eq 2 "$(report '.pi_stores[0].drift.missing_rows')" "truncated: rows missing"

# --- could not run: exit 2, one line on stderr, nothing on stdout ------------------------------
# expect_refusal WHAT PATTERN ARGS...: exit 2, one stderr line matching PATTERN, empty stdout.
expect_refusal() {
  local what=$1 pattern=$2 rc=0
  shift 2
  timeout -k 5 60 "$LOGDEX" verify "$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err" </dev/null || rc=$?
  assert_eq 2 "$rc" "$what: exit status"
  assert_eq 1 "$(wc -l <"$TEST_DIR/err" | tr -d ' ')" "$what: lines on stderr ($(cat "$TEST_DIR/err"))"
  grep -q -- "$pattern" "$TEST_DIR/err" || fail "$what: stderr does not say '$pattern': $(cat "$TEST_DIR/err")"
  [ ! -s "$TEST_DIR/out" ] || fail "$what: something on stdout"
}
expect_refusal "missing log dir" "does not exist" "$TEST_DIR/no-such-dir"
expect_refusal "log dir is a file" "is not a directory" "$clean/app.jsonl" --json
expect_refusal "no log dir" "LOGDIR"
expect_refusal "two log dirs" "LOGDIR" "$clean" "$torn"
expect_refusal "unknown flag" "unknown flag" "$clean" --no-such-flag

mnt=$(make_dir mnt)
mount_logdex "$clean" "$mnt"
expect_refusal "the mount point" "run verify on the log dir" "$mnt" --json
expect_refusal "a directory inside the mount" "run verify on the log dir" "$mnt/pi"
grep -qF -- "$mnt" "$TEST_DIR/err" || fail "the refusal does not name the mount point: $(cat "$TEST_DIR/err")"

# --- on a terminal, a progress line on stderr ----------------------------------------------
if command -v script >/dev/null; then
  rc=0
  timeout 60 script -qec "$(printf '%q ' "$LOGDEX" verify "$bad")" /dev/null >"$TEST_DIR/tty" 2>&1 || rc=$?
  assert_eq 1 "$rc" "exit status on a terminal"
  grep -q 'logdex verify: checked 4 files' "$TEST_DIR/tty" || fail "no progress line on a terminal: $(cat "$TEST_DIR/tty")"
fi

#!/usr/bin/env bash
# Every kind of bad frame content (tests/data/bad-frames: invalid UTF-8, NUL runs, a binary file
# named .jsonl, deep nesting, huge numbers, duplicate keys, lone surrogates, CRLF and blank lines,
# a BOM, an empty file, a file that is only a torn line) has a defined row: the mount's
# index.ndjson, `logdex index` and the committed expected index are the same bytes; `logdex
# verify` names exactly the corrupt rows and the torn tails (exit 1); status counts the same
# rows by state and error and the same torn tails. Then giant lines are appended straight into
# the log dir, in pieces: a frame of exactly 100 MiB is one active row, one of 150 MiB one
# `oversized` row, the daemon's peak RSS rises by no more than one frame (never twice) and not
# at all for the oversized one, and the frames after them index right.
. "$(dirname "$0")/lib.sh" "$1"

data=$(cd "$(dirname "$0")/../data" && pwd)
expected="$data/bad-frames.expected.ndjson"
logdir=$(make_dir logs)
mnt=$(make_dir mnt)
cp -a -- "$data/bad-frames/." "$logdir/"
mount_logdex "$logdir" "$mnt"

# --- the three agree, byte for byte ---------------------------------------------------------
on_mount cat "$mnt/index.ndjson" >"$TEST_DIR/mounted.ndjson"
assert_same_bytes "$expected" "$TEST_DIR/mounted.ndjson" "index.ndjson vs bad-frames.expected.ndjson"
timeout 120 "$LOGDEX" index "$logdir" >"$TEST_DIR/cli.ndjson" || fail "logdex index exited $?"
assert_same_bytes "$expected" "$TEST_DIR/cli.ndjson" "logdex index vs expected"
rows=$(wc -l <"$expected")
# rows_json FILTER FILE: FILTER (Python, over `r`, one row) printed compactly for each row of FILE.
# Python, not jq: jq 1.6 refuses the lone surrogate escapes that rows of valid frames may hold.
rows_json() {
  python3 -c 'import json, sys
for line in open(sys.argv[2], encoding="utf-8"):
    r = json.loads(line)
    v = eval(sys.argv[1])
    if v is not None: print(json.dumps(v, separators=(",", ":")))' "$1" "$2"
}
assert_eq "$rows" "$(rows_json 'r["file"]' "$TEST_DIR/mounted.ndjson" | wc -l)" "rows that parse as JSON"

# --- verify names exactly the corrupt rows and the torn tails --------------------------------
rc=0
timeout 120 "$LOGDEX" verify "$logdir" --json >"$TEST_DIR/report.json" 2>"$TEST_DIR/verify.err" </dev/null || rc=$?
assert_eq 1 "$rc" "exit status of logdex verify on the bad frames"
rows_json '[r["file"], r["byteOffset"], r["byteLength"], r["error"]] if r["state"] == "corrupt" else None' \
  "$expected" | sort >"$TEST_DIR/want-corrupt"
jq -c '.findings[] | select(.kind == "corrupt_frame") | [.file, .byte_offset, .byte_length, .error]' \
  "$TEST_DIR/report.json" | sort >"$TEST_DIR/got-corrupt"
[ -s "$TEST_DIR/want-corrupt" ] || fail "the fixture has no corrupt rows"
assert_same_bytes "$TEST_DIR/want-corrupt" "$TEST_DIR/got-corrupt" "verify's corrupt frames vs the corrupt rows"
# Torn tails: bytes after the last '\n' that are not all blank (blank.jsonl ends in " \t \r": not
# torn; empty.jsonl has none).
cat >"$TEST_DIR/want-torn" <<'EOF'
["binary.jsonl",828,245]
["nul-torn.jsonl",13,1000]
["torn-only.jsonl",0,13]
EOF
jq -c '.findings[] | select(.kind == "torn_tail") | [.file, .byte_offset, .byte_length]' \
  "$TEST_DIR/report.json" | sort >"$TEST_DIR/got-torn"
assert_same_bytes "$TEST_DIR/want-torn" "$TEST_DIR/got-torn" "verify's torn tails"
# Beyond frames, the pi store's own findings: it has no index/offsets.jsonl, and pi would stop at
# its first frame (an entrySeq of 2^64-1 is not the sequence it expects).
assert_eq '[["pi_drift","store.v2/index/offsets.jsonl"],["pi_stop","store.v2/segments/0001.seg"]]' \
  "$(jq -c '[.findings[] | select(.kind != "corrupt_frame" and .kind != "torn_tail") | [.kind, .file]] | sort' \
  "$TEST_DIR/report.json")" "findings of other kinds"

# --- status counts the same rows and torn tails ---------------------------------------------
on_mount cat "$mnt/.logdex/status.json" >"$TEST_DIR/status.json"
assert_eq "$rows" "$(jq '.frames' "$TEST_DIR/status.json")" "status frames"
for state in active corrupt; do
  assert_eq "$(rows_json "r['state'] == '$state' or None" "$expected" | wc -l)" \
    "$(jq "[.rows[] | .$state] | add" "$TEST_DIR/status.json")" "status rows $state"
done
for err in json oversized schema payload_hash payload_bytes; do
  assert_eq "$(rows_json "r.get('error') == '$err' or None" "$expected" | wc -l)" \
    "$(jq ".corrupt_by_error.$err // 0" "$TEST_DIR/status.json")" "status corrupt_by_error.$err"
done
assert_eq 3 "$(jq '.torn_tails' "$TEST_DIR/status.json")" "status torn_tails"
assert_eq $((245 + 1000 + 13)) "$(jq '.torn_tail_bytes' "$TEST_DIR/status.json")" "status torn_tail_bytes"

# --- giant lines appended live, in pieces ----------------------------------------------------
pid=$(jq '.pid' "$TEST_DIR/status.json")
# A sanitizer build's RSS is its shadow memory and quarantine: rows are checked, RSS is not.
sanitized=0
if grep -qaE '__(asan|tsan|msan)_init' "$LOGDEX"; then sanitized=1; fi
kib() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$pid/status"; }
giant="$logdir/giant.jsonl"
expect_log_changes "$giant"
# put_line TOTAL: appends {"type":"big","pad":"xxx…"}\n of exactly TOTAL bytes in 16 MiB pieces,
# reading index.ndjson's size between pieces so the daemon scans each partial line.
put_line() {
  local total=$1 head='{"type":"big","pad":"' left piece
  printf '%s' "$head" >>"$giant"
  left=$((total - ${#head} - 3))
  while [ "$left" -gt 0 ]; do
    piece=$((left < 16777216 ? left : 16777216))
    head -c "$piece" /dev/zero | tr '\0' x >>"$giant"
    left=$((left - piece))
    on_mount stat -c %s "$mnt/index.ndjson" >/dev/null
  done
  printf '"}\n' >>"$giant"
}
small='{"type":"small"}'
printf '%s\n' "$small" >>"$giant"
on_mount stat -c %s "$mnt/index.ndjson" >/dev/null
rss0=$(kib VmRSS)
# The peak from here on (root may reset it; else the build's peak stays, which only loosens this).
echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true
put_line 104857600
on_mount cat "$mnt/index.ndjson" >"$TEST_DIR/after100.ndjson"
assert_eq '["active",104857600,"big"]' \
  "$(tail -n 1 "$TEST_DIR/after100.ndjson" | jq -c '[.state, .byteLength, .entryType]')" "row of the 100 MiB frame"
rise100=$(($(kib VmHWM) - rss0))
# Held once (100 MiB) plus buffers; holding it twice would be 200 MiB and more.
[ "$sanitized" = 1 ] || [ "$rise100" -lt $((140 * 1024)) ] || fail "daemon peak RSS rose ${rise100} KiB for a 100 MiB frame"
rss1=$(kib VmRSS)
echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true
hwm_before=$(kib VmHWM)
put_line $((150 * 1048576))
printf '%s\n' "$small" >>"$giant"
on_mount cat "$mnt/index.ndjson" >"$TEST_DIR/after150.ndjson"
tail -n 2 "$TEST_DIR/after150.ndjson" | jq -c '[.byteOffset, .byteLength, .state, .error]' >"$TEST_DIR/tail-rows"
printf '%s\n' "[$((17 + 104857600)),157286400,\"corrupt\",\"oversized\"]" \
  "[$((17 + 104857600 + 157286400)),17,\"active\",null]" >"$TEST_DIR/want-tail-rows"
assert_same_bytes "$TEST_DIR/want-tail-rows" "$TEST_DIR/tail-rows" "rows of the 150 MiB line and the frame after it"
hwm=$(kib VmHWM)
if [ "$hwm" -gt "$hwm_before" ]; then
  rise150=$((hwm - rss1))
  [ "$sanitized" = 1 ] || [ "$rise150" -lt $((48 * 1024)) ] || fail "daemon peak RSS rose ${rise150} KiB for a 150 MiB oversized line"
fi
echo "measured: daemon RSS ${rss0} KiB; peak rise ${rise100} KiB over a 100 MiB frame; peak ${hwm} KiB after a 150 MiB line (RSS before ${rss1} KiB)"

# The invariant: `logdex index` now is the fixture's rows plus giant.jsonl's four, and the live
# index is the fixture's rows with those four appended (nothing else moved or changed).
timeout 300 "$LOGDEX" index "$logdir" >"$TEST_DIR/cli2.ndjson" || fail "logdex index exited $?"
grep -F '{"file":"giant.jsonl",' "$TEST_DIR/cli2.ndjson" >"$TEST_DIR/giant-rows" || true
assert_eq 4 "$(wc -l <"$TEST_DIR/giant-rows")" "rows of giant.jsonl"
grep -vF '{"file":"giant.jsonl",' "$TEST_DIR/cli2.ndjson" >"$TEST_DIR/cli2-rest" || true
assert_same_bytes "$expected" "$TEST_DIR/cli2-rest" "logdex index's other rows after the giant lines"
cat "$expected" "$TEST_DIR/giant-rows" >"$TEST_DIR/want-live"
assert_same_bytes "$TEST_DIR/want-live" "$TEST_DIR/after150.ndjson" "live index after the giant lines"

# verify sees the same: one more corrupt frame, the oversized line, and nothing else new.
rc=0
timeout 300 "$LOGDEX" verify "$logdir" --json >"$TEST_DIR/report2.json" 2>/dev/null </dev/null || rc=$?
assert_eq 1 "$rc" "exit status of logdex verify after the giant lines"
printf '%s\n' "[\"giant.jsonl\",$((17 + 104857600)),157286400,\"oversized\"]" | cat - "$TEST_DIR/want-corrupt" |
  sort >"$TEST_DIR/want-corrupt2"
jq -c '.findings[] | select(.kind == "corrupt_frame") | [.file, .byte_offset, .byte_length, .error]' \
  "$TEST_DIR/report2.json" | sort >"$TEST_DIR/got-corrupt2"
assert_same_bytes "$TEST_DIR/want-corrupt2" "$TEST_DIR/got-corrupt2" "verify's corrupt frames after the giant lines"

# The cache: unmount saves it; a remount checks every cached row's CRC (the giant ones too, in
# pieces) and serves the same index, rows in the same order, without rescanning a file.
unmount_logdex "$mnt" || fail "unmount"
mount_logdex "$logdir" "$mnt"
on_mount cat "$mnt/index.ndjson" >"$TEST_DIR/remounted.ndjson"  # waits for the index
on_mount cat "$mnt/.logdex/status.json" >"$TEST_DIR/status2.json"
assert_eq '"reused"' "$(jq '.cache.start' "$TEST_DIR/status2.json")" "remount: cache.start"
assert_eq $((rows + 4)) "$(jq '.cache.rows_checked' "$TEST_DIR/status2.json")" "remount: cache.rows_checked"
assert_eq 0 "$(jq '.cache.files_rescanned' "$TEST_DIR/status2.json")" "remount: cache.files_rescanned"
assert_same_bytes "$TEST_DIR/after150.ndjson" "$TEST_DIR/remounted.ndjson" "index after a remount from the cache"
pid=$(jq '.pid' "$TEST_DIR/status2.json")
hwm=$(kib VmHWM)
[ "$sanitized" = 1 ] || [ "$hwm" -lt $((64 * 1024)) ] ||
  fail "daemon peak RSS ${hwm} KiB after checking the cached rows of 250 MiB of giant frames"
echo "measured: remounted daemon's peak RSS ${hwm} KiB"

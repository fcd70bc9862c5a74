#!/usr/bin/env bash
# A pi store's offsets.jsonl view is as fresh as index.ndjson (SPEC §5): a frame pi appends,
# straight into the log dir or through the mount, is in the view at the next read, with the row
# pi's rebuild would write (its offset, length and CRC those of the very frame index.ndjson
# points at); appends keep the view's inode, a rewrite of a segment gives it a new one while a
# reader that opened the old one reads it to its end. Where pi would stop (a torn tail, a bad
# frame), the view holds the rows before that frame and status.json names the store and the
# reason; a torn tail becomes a row when its newline arrives.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
store=pi/sessions/demo.v2
seg2=$store/segments/0000000000000002.seg
expect_log_changes "$logdir/$seg2" "$logdir/$store/segments/0000000000000003.seg"
mount_logdex "$logdir" "$mnt" -o "cache_dir=$(make_dir cache)"
view="$mnt/$store/index/offsets.jsonl"

# frame SEG FRAME ENTRY ID: a segment frame pi's rebuild accepts, with its newline.
frame() {
  printf '{"schema":"pi.session_store_v2.segment_frame.v1","segmentSeq":%d,"frameSeq":%d,"entrySeq":%d,"entryId":"%s","entryType":"message","timestamp":"2026-02-15T18:10:00.125Z","payloadSha256":"%064d","payloadBytes":2,"payload":{}}\n' "$1" "$2" "$3" "$4" 0
}
view_rows() { on_mount cat -- "$view" | wc -l | tr -d ' '; }
view_ino() { on_mount stat -c %i -- "$view"; }
# assert_last_row ENTRY ID SEG FRAME REL: the view's last row is entry ENTRY (id ID) at SEG/FRAME,
# and its byteOffset, byteLength and crc32c are those of index.ndjson's row for REL's last frame.
assert_last_row() {
  local last want
  last=$(on_mount tail -n 1 -- "$view")
  want=$(on_mount jq -c --arg f "$5" 'select(.file == $f) | {byteOffset, byteLength, crc32c}' -- "$mnt/index.ndjson" | tail -n 1)
  assert_eq "{\"schema\":\"pi.session_store_v2.offset_index.v1\",\"entrySeq\":$1,\"entryId\":\"$2\",\"segmentSeq\":$3,\"frameSeq\":$4,$(jq -r '"\"byteOffset\":\(.byteOffset),\"byteLength\":\(.byteLength),\"crc32c\":\"\(.crc32c)\""' <<<"$want"),\"state\":\"active\"}" \
    "$last" "the view's last row"
}
stop_of() { status_get "$mnt" "[.pi.listed[] | select(.store == \"$store\") | .stop] + [\"none\"] | .[0]"; }

assert_eq 6 "$(view_rows)" "rows before any append"
ino=$(view_ino)

# Appended straight into the log dir, then through the mount: at the next read.
frame 2 3 7 fresh7 >>"$logdir/$seg2"
assert_eq 7 "$(view_rows)" "rows after an append in the log dir"
assert_last_row 7 fresh7 2 3 "$seg2"
frame 2 4 8 fresh8 | on_mount dd of="$mnt/$seg2" oflag=append conv=notrunc status=none
assert_eq 8 "$(view_rows)" "rows after an append through the mount"
assert_last_row 8 fresh8 2 4 "$seg2"
assert_eq "$ino" "$(view_ino)" "st_ino after appends (the same file, grown)"

# A new segment after the last (pi rotating).
frame 3 1 9 fresh9 >"$logdir/$store/segments/0000000000000003.seg"
assert_eq 9 "$(view_rows)" "rows after a new segment"
assert_last_row 9 fresh9 3 1 "$store/segments/0000000000000003.seg"

# A torn tail: the rows stop before it, status says so (not damage: a writer mid-append).
line=$(frame 3 2 10 fresh10)
printf '%s' "${line:0:50}" >>"$logdir/$store/segments/0000000000000003.seg"
assert_eq 9 "$(view_rows)" "rows with a torn tail"
assert_eq torn_tail "$(stop_of)" "status: the store's stop"
printf '%s\n' "${line:50}" >>"$logdir/$store/segments/0000000000000003.seg"
assert_eq 10 "$(view_rows)" "rows once the torn tail's newline arrived"
assert_eq none "$(stop_of)" "status: no stop once the line is whole"
assert_eq "$ino" "$(view_ino)" "st_ino after a torn tail completed"

# A rewrite (the last segment truncated behind the mount): a new version, a new inode; a reader
# of the old one reads it to its end.
on_mount cat -- "$view" >"$TEST_DIR/old-view"
exec 3<"$view"
at_exit 'exec 3<&-'
truncate -s 0 -- "$logdir/$store/segments/0000000000000003.seg"
assert_eq 8 "$(view_rows)" "rows after the last segment was emptied"
assert_ne "$ino" "$(view_ino)" "st_ino after a rewrite"
on_mount cat <&3 >"$TEST_DIR/old-read"
exec 3<&-
assert_same_bytes "$TEST_DIR/old-view" "$TEST_DIR/old-read" "the old view read after the rewrite"

# A bad frame in the middle of a segment: pi's rebuild would fail there; the rows stop before it.
{ echo 'not a frame'; frame 3 1 9 late9; } >"$logdir/$store/segments/0000000000000003.seg"
assert_eq 8 "$(view_rows)" "rows with a bad frame"
assert_eq bad_frame "$(stop_of)" "status: the store's stop"
assert_eq fail "$(status_get "$mnt" "[.pi.listed[] | select(.store == \"$store\") | .pi_action][0]")" "status: what pi would do"
assert_eq true "$(status_get "$mnt" "[.pi.listed[] | select(.store == \"$store\") | .damage][0]")" "status: a bad frame is damage"

#!/usr/bin/env bash
# `logdex rebuild` killed at any moment leaves every pi store with its old offsets.jsonl or its
# new one, byte for byte (and .bak absent or the old one), and a rerun finishes the job: exit 0,
# every store right; a third run changes nothing.
#   1. The crash seam: LOGDEX_TEST_REBUILD_ABORT_AFTER=STEP aborts right after each step of a
#      rewrite (shadow_written, shadow_verified, backup_kept, renamed, dir_synced).
#   2. Real SIGKILL at random moments of a rebuild of a generated log dir of many stores whose
#      indexes are missing, stale, have ghost rows or are right. The "new" bytes are those of a
#      full, uninterrupted rebuild of a pristine copy.
. "$(dirname "$0")/lib.sh" "$1"

readonly STORES=${LOGDEX_REBUILD_KILL_STORES:-400}
readonly KILLS=8

# gen_store DIR SEGMENTS FRAMES: a pi store as pi writes one (PI_FORMAT §2: frames numbered
# per segment and across segments, payload hashed with SHA-256), with no index.
gen_store() {
  local dir=$1 segs=$2 per=$3 s f e=0 id parent="" payload sha pad
  mkdir -p -- "$dir/segments"
  for ((s = 1; s <= segs; s++)); do
    for ((f = 1; f <= per; f++)); do
      e=$((e + 1))
      printf -v id '%08x' $(((e * 2654435761) % 4294967296))
      printf -v pad '%*s' $((200 + (e * 37) % 600)) ''
      payload="{\"id\":\"$id\",\"message\":{\"content\":\"${pad// /x}\",\"role\":\"user\"},\"type\":\"message\"}"
      sha=$(printf '%s' "$payload" | sha256sum)
      printf '{"schema":"pi.session_store_v2.segment_frame.v1","segmentSeq":%d,"frameSeq":%d,"entrySeq":%d,"entryId":"%s",%s"entryType":"message","timestamp":"2026-02-15T18:10:00.125Z","payloadSha256":"%s","payloadBytes":%d,"payload":%s}\n' \
        "$s" "$f" "$e" "$id" "${parent:+\"parentEntryId\":\"$parent\",}" "${sha%% *}" "${#payload}" "$payload"
      parent=$id
    done >"$(printf '%s/segments/%016d.seg' "$dir" "$s")"
  done
}

# A template store and its right index, from a full rebuild of a dir holding only it.
template=$(make_dir template)/t.v2
gen_store "$template" 3 60
"$LOGDEX" rebuild "$(dirname "$template")" >/dev/null || fail "rebuild of the template"
good=$TEST_DIR/good.offsets.jsonl
cp -- "$template/index/offsets.jsonl" "$good"
assert_eq 180 "$(wc -l <"$good")" "rows of the template's index"
rm -rf -- "$template/index" "$template/tmp" "$template/store.mutation.lock"

# make_log_dir DIR N: N copies of the template, in turn without index/, with an empty index/,
# with a stale index, with ghost rows, or with the right index.
make_log_dir() {
  local dir=$1 n=$2 i s
  mkdir -p -- "$dir/pi"
  for ((i = 0; i < n; i++)); do
    s=$(printf '%s/pi/s%04d.v2' "$dir" "$i")
    cp -a -- "$template" "$s"
    case $((i % 5)) in
      0) ;;
      1) mkdir "$s/index" && chmod 700 "$s/index" ;;
      2) mkdir "$s/index" && head -n $((i % 170 + 1)) -- "$good" >"$s/index/offsets.jsonl" ;;
      3) mkdir "$s/index" && { cat -- "$good"; tail -n 3 -- "$good"; } >"$s/index/offsets.jsonl" ;;
      4) mkdir "$s/index" && cp -- "$good" "$s/index/offsets.jsonl" ;;
    esac
  done
}

state() {
  (cd -- "$1" && find . -printf '%p %y %m %s %i %T@\n' | sort && find . -type f -print0 | sort -z | xargs -0r md5sum)
}

# digests DIR NAME: "STORE MD5" for each store of DIR, MD5 of STORE/index/NAME or "-" without one.
digests() {
  (cd -- "$1" && find . -path "*/index/$2" -type f -print0 | xargs -0r md5sum) >"$TEST_DIR/sums"
  (cd -- "$1" && find . -type d -name segments -printf '%h\n' | sort) >"$TEST_DIR/stores"
  awk -v suffix="/index/$2" '
    FILENAME == ARGV[1] { p = $2; sub(suffix "$", "", p); sum[p] = $1; next }
    { print $0, ($0 in sum ? sum[$0] : "-") }' "$TEST_DIR/sums" "$TEST_DIR/stores"
}

# check_old_or_new DIR WHAT: every store's index is its old bytes or its new bytes, its .bak
# absent or the old index; sets $done to the number of stores that have their new index and
# needed one.
check_old_or_new() {
  local dir=$1 what=$2 bad
  digests "$dir" offsets.jsonl >"$TEST_DIR/cur"
  digests "$dir" offsets.jsonl.bak >"$TEST_DIR/cur.bak"
  bad=$(paste -d' ' "$TEST_DIR/old" "$TEST_DIR/new" "$TEST_DIR/cur" "$TEST_DIR/cur.bak" | awk '
    $1 != $3 || $1 != $5 || $1 != $7 { print "store lists differ: " $0; next }
    $6 != $2 && $6 != $4 { print $1 ": offsets.jsonl is neither old nor new (" $6 ")" }
    $8 != "-" && $8 != $2 { print $1 ": offsets.jsonl.bak is not the old index (" $8 ")" }')
  [ -z "$bad" ] || fail "$what: $(head -n 5 <<<"$bad")"
  done=$(paste -d' ' "$TEST_DIR/old" "$TEST_DIR/new" "$TEST_DIR/cur" | awk '$2 != $4 && $6 == $4 { n++ } END { print n + 0 }')
}

# set_baseline DIR: the old digests of DIR, and the new ones from a full rebuild of a copy.
set_baseline() {
  local dir=$1
  rm -rf -- "$TEST_DIR/pristine"
  cp -a -- "$dir" "$TEST_DIR/pristine"
  digests "$dir" offsets.jsonl >"$TEST_DIR/old"
  sync  # the copies' dirty pages are not the rebuild's to flush: time the rebuild alone
  local start=$(date +%s%N)
  "$LOGDEX" rebuild "$TEST_DIR/pristine" >"$TEST_DIR/pristine.out" || fail "rebuild of the pristine copy"
  run_ms=$((($(date +%s%N) - start) / 1000000))
  start=$(date +%s%N)
  "$LOGDEX" rebuild "$TEST_DIR/pristine" >/dev/null || fail "second rebuild of the pristine copy"
  look_ms=$((($(date +%s%N) - start) / 1000000))  # a run that only looks at every store
  digests "$TEST_DIR/pristine" offsets.jsonl >"$TEST_DIR/new"
  needing=$(paste -d' ' "$TEST_DIR/old" "$TEST_DIR/new" | awk '$2 != $4 { n++ } END { print n + 0 }')
}

# finish DIR WHAT: a rerun exits 0 and leaves every store with its new index and no temp file;
# a third run reports nothing to do and changes nothing.
finish() {
  local dir=$1 what=$2 rc=0 before bad
  "$LOGDEX" rebuild "$dir" >"$TEST_DIR/rerun.out" 2>&1 || rc=$?
  assert_eq 0 "$rc" "$what: exit status of the rerun ($(tail -n 1 "$TEST_DIR/rerun.out"))"
  digests "$dir" offsets.jsonl >"$TEST_DIR/cur"
  cmp -s -- "$TEST_DIR/new" "$TEST_DIR/cur" || fail "$what: after the rerun, not every store has its new index"
  [ -z "$(find "$dir" -path '*/tmp/offsets.logdex*')" ] || fail "$what: temp files left after the rerun"
  digests "$dir" offsets.jsonl.bak >"$TEST_DIR/cur.bak"
  bad=$(paste -d' ' "$TEST_DIR/old" "$TEST_DIR/new" "$TEST_DIR/cur.bak" | awk '
    $2 != $4 && $6 != $2 { print $1 ": offsets.jsonl.bak is not the old index (" $6 ")" }')
  [ -z "$bad" ] || fail "$what: after the rerun: $(head -n 5 <<<"$bad")"
  before=$(state "$dir")
  rc=0
  "$LOGDEX" rebuild "$dir" >"$TEST_DIR/third.out" 2>&1 || rc=$?
  assert_eq 0 "$rc" "$what: exit status of the third run"
  grep -q ' 0 rewritten, 0 unrepaired, 0 locked, 0 failed$' "$TEST_DIR/third.out" || fail "$what: third run: $(cat "$TEST_DIR/third.out")"
  assert_eq 1 "$(wc -l <"$TEST_DIR/third.out")" "$what: lines printed by the third run"
  assert_eq "$before" "$(state "$dir")" "$what: the log dir after the third run"
}

# 1. The seam, after each step, on a small dir (the first store rewritten aborts).
for step in shadow_written shadow_verified backup_kept renamed dir_synced; do
  dir=$TEST_DIR/seam-$step
  make_log_dir "$dir" 10
  set_baseline "$dir"
  segments_before=$(cd -- "$dir" && find . -path '*/segments/*' -type f -print0 | sort -z | xargs -0 md5sum)
  rc=0
  { LOGDEX_TEST_REBUILD_ABORT_AFTER=$step "$LOGDEX" rebuild "$dir" >/dev/null 2>&1; } 2>/dev/null || rc=$?
  assert_eq 134 "$rc" "$step: exit status (SIGABRT at the seam)"
  check_old_or_new "$dir" "after an abort at $step"
  case $step in
    shadow_written | shadow_verified | backup_kept) assert_eq 0 "$done" "$step: stores with their new index" ;;
    *) assert_eq 1 "$done" "$step: stores with their new index" ;;
  esac
  finish "$dir" "abort at $step"
  assert_eq "$segments_before" \
    "$(cd -- "$dir" && find . -path '*/segments/*' -type f -print0 | sort -z | xargs -0 md5sum)" "$step: segments"
  echo "seam $step: ok"
done

# 2. Real SIGKILL at random moments, in rounds until one has interrupted a run mid-rewrite.
work=$TEST_DIR/work
make_log_dir "$work" "$STORES"
set_baseline "$work"
echo "$STORES stores, $needing need a rewrite; an uninterrupted rebuild takes ${run_ms} ms, one with nothing to do ${look_ms} ms"
segments_before=$(cd -- "$work" && find . -path '*/segments/*' -type f -print0 | sort -z | xargs -0 md5sum)
cp -a -- "$work" "$TEST_DIR/work.orig"  # each round starts from the same old log dir
RANDOM=$$
mid_run=0
# Rounds of up to KILLS kills until one kill has landed while stores were being rewritten. A kill
# is random, so a round may have none: its kills all landed before the first rewrite, or the one
# that ended it after the last (a run's time varies, a lot under ASan on a loaded machine). Such a
# round is checked like any other and the next starts afresh from the old log dir; the test needs
# at least one kill mid-rewrite in the end, at most MAX_ROUNDS rounds.
readonly MAX_ROUNDS=5
for ((round = 1; round <= MAX_ROUNDS && mid_run == 0; round++)); do
  if [ "$round" -gt 1 ]; then
    echo "round $((round - 1)): no kill landed while stores were being rewritten; again from the old log dir"
    rm -rf -- "$work"
    cp -a -- "$TEST_DIR/work.orig" "$work"
  fi
  done=0
  for ((k = 1; k <= KILLS; k++)); do
    # A moment within what this run has to do: look at every store, rewrite those still old.
    delay_ms=$((RANDOM % (look_ms + (run_ms - look_ms) * (needing - done) / needing + 1)))
    done_before=$done
    "$LOGDEX" rebuild "$work" >/dev/null 2>&1 &
    pid=$!
    sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    check_old_or_new "$work" "round $round, after kill $k (at ${delay_ms} ms)"
    echo "round $round, kill $k at ${delay_ms} ms: $done of $needing stores had their new index;" \
      "temp files left mid-store: $(find "$work" -path '*/tmp/offsets.logdex*' | wc -l)"
    [ "$done" -gt "$done_before" ] && [ "$done" -lt "$needing" ] && mid_run=$((mid_run + 1))
    [ "$done" -lt "$needing" ] || break
  done
done
[ "$mid_run" -ge 1 ] ||
  fail "in $MAX_ROUNDS rounds of up to $KILLS kills, none landed while stores were being rewritten (a run took ${run_ms} ms)"
finish "$work" "after the kills"
assert_eq "$segments_before" \
  "$(cd -- "$work" && find . -path '*/segments/*' -type f -print0 | sort -z | xargs -0 md5sum)" "segments after the kills"
echo "ok ($mid_run kills interrupted a run that was rewriting stores)"

#!/usr/bin/env bash
# Real concurrent churn of the tree under a mounted daemon for a bounded time (CHURN_SECONDS,
# default 12): appends, truncations, rewrites, files replaced by rename, directories made and
# removed with files in them, non-UTF-8 names appearing and going, FIFOs appearing and going,
# while readers read index.ndjson whole. Every read ends on a whole row; the daemon never
# crashes or hangs; once the churn stops the index sorted is `logdex index` sorted, and the
# status.json skip counts equal `logdex verify`'s.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/lib_warnings.sh"
. "$(dirname "$0")/lib_trees.sh"

readonly CHURN_SECONDS=${CHURN_SECONDS:-12}
logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"
mkdir -p "$logdir/churn"
for i in 1 2 3 4; do random_frames 20 "c$i" >"$logdir/churn/f$i.jsonl"; done
expect_log_changes "$logdir/churn"
mount_logdex "$logdir" "$mnt"
assert_index_canonical "$mnt" "$logdir" "index before the churn"

stop="$TEST_DIR/stop"
# Each churner loops until the stop file appears (or its own timeout), one change at a time.
churn() {
  local what=$1 n=0
  while [ ! -e "$stop" ]; do
    n=$((n + 1))
    case $what in
      append) printf '{"type":"t","id":"a%d"}\n' "$n" >>"$logdir/churn/f$((n % 4 + 1)).jsonl" ;;
      truncate) : >"$logdir/churn/f2.jsonl"; printf '{"type":"t","id":"t%d"}\n{"type":"t",' "$n" >>"$logdir/churn/f2.jsonl" ;;
      rename)
        printf '{"type":"t","id":"r%d"}\n' "$n" >"$logdir/churn/.tmp-r"
        mv -f -- "$logdir/churn/.tmp-r" "$logdir/churn/f3.jsonl" ;;
      dirs)
        mkdir -p "$logdir/churn/d$((n % 3))/sub"
        printf '{"type":"t","id":"d%d"}\n' "$n" >"$logdir/churn/d$((n % 3))/sub/x.jsonl"
        printf '{"type":"t","id":"n%d"}\n' "$n" >"$logdir/churn/d$((n % 3))/"$'bad-\xff.jsonl'
        rm -rf -- "$logdir/churn/d$(((n + 1) % 3))" ;;
      special)
        rm -f -- "$logdir/churn/p.jsonl"; mkfifo "$logdir/churn/p.jsonl"
        rm -f -- "$logdir/churn/p.jsonl"; printf '{"type":"t","id":"p%d"}\n' "$n" >"$logdir/churn/p.jsonl" ;;
    esac
  done
}
reader() {
  local n=0 size
  while [ ! -e "$stop" ]; do
    n=$((n + 1))
    timeout -k 2 20 cat -- "$mnt/index.ndjson" >"$TEST_DIR/read.$1" || { echo "read $n failed" >"$TEST_DIR/reader-failed.$1"; return; }
    size=$(stat -c %s -- "$TEST_DIR/read.$1")
    if [ "$size" -gt 0 ] && [ "$(tail -c 1 -- "$TEST_DIR/read.$1" | od -An -c | tr -d ' ')" != '\n' ]; then
      echo "read $n ends mid-row" >"$TEST_DIR/reader-failed.$1"; return
    fi
  done
}
pids=()
for what in append truncate rename dirs special; do
  timeout -k 5 $((CHURN_SECONDS + 30)) bash -c "$(declare -f churn); stop=$(printf '%q' "$stop") logdir=$(printf '%q' "$logdir"); churn $what" &
  pids+=($!); kill_on_exit $!
done
for r in 1 2; do reader "$r" & pids+=($!); kill_on_exit $!; done
deadline=$((SECONDS + CHURN_SECONDS))
while [ "$SECONDS" -lt "$deadline" ]; do
  assert_daemon_alive "$mnt" "during the churn"
  on_mount stat -- "$mnt/.logdex/status.json" >/dev/null || fail "status.json did not answer during the churn"
  sleep 1
done
touch -- "$stop"
for pid in "${pids[@]}"; do wait "$pid" || true; done
for f in "$TEST_DIR"/reader-failed.*; do [ -e "$f" ] && fail "reader: $(cat -- "$f")"; done

wait_index_invariant 30 "$mnt" "$logdir" "index after the churn"
skips_match() { [ "$(mount_skips "$mnt")" = "$(verify_skips "$logdir")" ]; }
both_skips() { echo "mount $(mount_skips "$mnt") verify $(verify_skips "$logdir")"; }
wait_showing 20 "status.json skips to equal verify's after the churn" both_skips skips_match
assert_daemon_alive "$mnt" "after the churn"
unmount_clean "$mnt"

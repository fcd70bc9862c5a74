#!/usr/bin/env bash
# Crash anywhere (issue 10): many times over, while writers append heavily through the mount and
# straight into the log dir (new files too, some left with a torn tail), the daemon is SIGKILLed at
# a random moment, or the instant a cache save is in progress (its temp file is in the cache dir),
# or just after a save has renamed its file into place. After `fusermount3 -u` (-uz if busy) and a
# remount (save_interval=1; verify=full and verify=stat by turns) every time: index.ndjson sorted
# is `logdex index` sorted, byte for byte; no row is there twice; every write that returned success
# is in the log dir; health is ok; no temp file of a dead daemon is left in the cache dir; the cache
# was reused or rebuilt (a damaged one is moved aside, never trusted: the index check shows it).
#
# Bounded by a time budget, not an iteration count, so a slow (ASan, loaded) machine runs fewer
# iterations in the same time: LOGDEX_KILL_TEST_SECONDS (default 60) of iterations, at most
# LOGDEX_KILL_TEST_ITERATIONS (default 200). LOGDEX_KILL_TEST_SEED repeats a run's choices.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"

readonly BUDGET=${LOGDEX_KILL_TEST_SECONDS:-60}
readonly MAX_ITERATIONS=${LOGDEX_KILL_TEST_ITERATIONS:-200}
readonly WRITERS=3
seed=${LOGDEX_KILL_TEST_SEED:-$$}
RANDOM=$seed
echo "seed $seed (LOGDEX_KILL_TEST_SEED=$seed repeats the choices), budget ${BUDGET}s"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
cache=$(make_dir cache)
journal=$(make_dir journal)
copy_sample "$logdir"  # never written: the digest check shows the kills change none of it
mkdir -p "$logdir/w"
# The writers write only below w/ (appends, new files, torn tails), through the mount and behind it.
expect_log_changes "$logdir/w"

# writer W IT: appends rows forever, until killed. Odd rows go through the mount to a file of this
# iteration (a new one every 40 rows; one in three is left with a torn tail: half a row, no
# newline, never appended to again); even rows go straight into the log dir, to this writer's own
# file. Each row that printf wrote without error is journaled as "FILE<TAB>ID" (FILE relative to
# the log dir). Builtins only: a SIGKILL leaves no child behind.
writer() {
  local w=$1 it=$2 n=0 k=0 id target rel pad
  pad=$(printf '%0200d' 0)
  local through="w/w$w-i$it-f$k.jsonl" direct="w/w$w-direct.jsonl"
  while :; do
    n=$((n + 1))
    id="w$w-i$it-n$n"
    if ((n % 2)); then target="$mnt/$through" rel=$through; else target="$logdir/$direct" rel=$direct; fi
    if printf '{"type":"w","id":"%s","pad":"%s"}\n' "$id" "$pad" 2>/dev/null >>"$target"; then
      printf '%s\t%s\n' "$rel" "$id" >>"$journal/w$w"
    fi
    if ((n % 80 == 79)); then
      if ((k % 3 == 2)); then printf '{"type":"w","id":"torn-%s","pa' "$id" 2>/dev/null >>"$mnt/$through"; fi
      k=$((k + 1))
      through="w/w$w-i$it-f$k.jsonl"
    fi
  done
}

WRITER_PIDS=()
stop_writers() {
  local pid
  for pid in "${WRITER_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for pid in "${WRITER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done  # reaped: none left behind
  WRITER_PIDS=()
}
at_exit stop_writers

# journaled_writes_present: every journaled row id is in its file in the log dir.
journaled_writes_present() {
  python3 - "$logdir" "$journal" <<'EOF'
import os, re, sys
logdir, journal = sys.argv[1], sys.argv[2]
want = {}
for name in os.listdir(journal):
    with open(os.path.join(journal, name), "rb") as f:
        for line in f:
            if line.endswith(b"\n") and b"\t" in line:  # a writer killed mid-journal line: skip it
                rel, ident = line[:-1].split(b"\t", 1)
                want.setdefault(rel, set()).add(ident)
missing = 0
for rel, ids in want.items():
    try:
        with open(os.path.join(logdir.encode(), rel), "rb") as f:
            have = set(re.findall(rb'"id":"([^"]*)"', f.read()))
    except OSError as e:
        have = set()
    lost = ids - have
    for ident in sorted(lost)[:5]:
        print("lost: %s in %s" % (ident.decode(), rel.decode()))
    missing += len(lost)
print("journaled %d, missing %d" % (sum(len(v) for v in want.values()), missing))
sys.exit(1 if missing else 0)
EOF
}

# stale_temp_files PID: the cache temp files of any process but PID (the live daemon).
stale_temp_files() {
  local f
  for f in "$cache"/index.cache.tmp.*; do
    [ -e "$f" ] || continue
    case ${f##*/} in "index.cache.tmp.$1."*) ;; *) printf '%s ' "${f##*/}" ;; esac
  done
}

cache_started() { [ "$(on_mount jq -r .cache.start "$mnt/.logdex/status.json")" != null ]; }

# After a remount: the index, the writes, the health, the cache dir.
declare -A starts=()
check_remount() {
  local what=$1 pid=$2 tmp=$TEST_DIR/check out start
  mkdir -p "$tmp"
  # The first read of index.ndjson loads (or builds) the index, and with it the cache.
  assert_index_invariant "$mnt" "$logdir" "$what"
  wait_until 30 "$what: the cache load or build to finish (status.json cache.start)" cache_started
  read_index "$mnt" "$tmp/index"
  [ -z "$(sort "$tmp/index" | uniq -d | head -n 3)" ] || fail "$what: rows twice: $(sort "$tmp/index" | uniq -d | head -n 3)"
  out=$(journaled_writes_present) || fail "$what: a write that returned success is not in the log dir: $out"
  assert_eq ok "$(status_get "$mnt" .health)" "$what: health (warnings: $(status_get "$mnt" .warnings))"
  out=$(stale_temp_files "$pid")
  [ -z "$out" ] || fail "$what: a dead daemon's cache temp file is left over: $out (cache dir: $(cache_listing "$cache"))"
  start=$(status_get "$mnt" .cache.start)
  case $start in
    reused | built | rebuilt_damaged_cache) starts[$start]=$((${starts[$start]:-0} + 1)) ;;
    *) fail "$what: cache.start $start (the cache was made by this log dir and these sources)" ;;
  esac
}

mount_once() {
  local verify=$1
  mount_logdex "$logdir" "$mnt" -o "cache_dir=$cache,save_interval=1,verify=$verify"
  DAEMON=$(daemon_pids "$mnt")
  [ -n "$DAEMON" ] || fail "no daemon serving $mnt"
}

# The inode of index.cache (empty if none): a save renames a new file into place.
cache_inode() { stat -c %i -- "$cache/index.cache" 2>/dev/null || true; }

declare -A kills=()
in_save=0
moved_aside=0
iterations=0
bad_before=$(stat -c %i -- "$cache/index.cache.bad" 2>/dev/null || true)
mount_once full
check_remount "first mount" "$DAEMON"
start_time=$SECONDS
while ((SECONDS - start_time < BUDGET && iterations < MAX_ITERATIONS)); do
  iterations=$((iterations + 1))
  for ((w = 1; w <= WRITERS; w++)); do
    writer "$w" "$iterations" &
    WRITER_PIDS+=($!)
  done
  kind=$(((RANDOM % 3)))
  case $kind in
    0)  # a random moment: 0 to 2 s into the writes
      kind=random
      sleep "$((RANDOM % 1500 / 1000)).$(printf '%03d' $((RANDOM % 1000)))" ;;
    1)  # the instant this daemon's save has its temp file in the cache dir (saves follow changes)
      kind=during_save
      deadline=$((SECONDS + 4))
      until compgen -G "$cache/index.cache.tmp.$DAEMON.*" >/dev/null; do
        ((SECONDS < deadline)) || { kind=during_save_not_seen; break; }
      done ;;
    2)  # just after a save renamed its file into place
      kind=after_save
      before=$(cache_inode)
      deadline=$((SECONDS + 4))
      until [ "$(cache_inode)" != "$before" ]; do
        ((SECONDS < deadline)) || { kind=after_save_not_seen; break; }
        sleep 0.01
      done ;;
  esac
  kill -9 "$DAEMON" || fail "iteration $iterations: daemon $DAEMON was gone before its kill (it crashed?)"
  kills[$kind]=$((${kills[$kind]:-0} + 1))
  stop_writers
  # A temp file of the killed daemon: the kill landed between the temp file's creation and its rename.
  if compgen -G "$cache/index.cache.tmp.$DAEMON.*" >/dev/null; then in_save=$((in_save + 1)); fi
  timeout -k 5 20 fusermount3 -u -- "$mnt" 2>/dev/null || timeout -k 5 20 fusermount3 -uz -- "$mnt" ||
    fail "iteration $iterations: neither fusermount3 -u nor -uz unmounted the dead mount"
  wait_until 10 "iteration $iterations: the killed daemon to be gone" daemons_gone "$mnt"
  verify=stat
  ((iterations % 2)) || verify=full
  killed=$DAEMON
  mount_once "$verify"
  bad_now=$(stat -c %i -- "$cache/index.cache.bad" 2>/dev/null || true)
  if [ "$bad_now" != "$bad_before" ]; then moved_aside=$((moved_aside + 1)) bad_before=$bad_now; fi
  check_remount "iteration $iterations (kill: $kind of daemon $killed, remount verify=$verify)" "$DAEMON"
done

rows=$(line_count "$TEST_DIR/check/index")
unmount_clean "$mnt"
[ -z "$(stale_temp_files none)" ] || fail "a cache temp file is left after the last unmount: $(cache_listing "$cache")"
kill_summary=""
for k in "${!kills[@]}"; do kill_summary+=" $k=${kills[$k]}"; done
start_summary=""
for k in "${!starts[@]}"; do start_summary+=" $k=${starts[$k]}"; done
echo "iterations $iterations in $((SECONDS - start_time))s; kills:$kill_summary; kills inside a save: $in_save;" \
  "cache at the mounts:$start_summary; moved aside: $moved_aside; final rows: $rows"
[ "$iterations" -ge 3 ] || fail "only $iterations iterations in ${BUDGET}s: too few to mean anything"

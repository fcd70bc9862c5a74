#!/usr/bin/env bash
# usage: scripts/bench.sh [--baseline OLD_LOGDEX] [--binary LOGDEX] [--quick | --scale]
#                        [--sessions-only] [LOGDIR]
#
# logdex's speed and memory: every row of issue 9's table, measured in one run for the
# candidate binary and, with --baseline, for a baseline binary beside it. Runs of the two
# interleave (A B A B ...; medians), so the machine's noise falls on both alike. Prints
#   row | before | after | target | met
# (without --baseline only `after`); `met` judges the candidate. Rows:
#   a  cold `logdex index` of the mixed dir vs `cat` of its log files and vs a jq one-liner
#   b  warm read of MNT/index.ndjson vs the same bytes in a native file
#   c  warm read of MNT/<largest log file> vs the native file
#   d  first stat of index.ndjson after a remount with a valid cache (verify=full) vs cold
#   e  100,000 small files: remount (verify=full, verify=stat) vs cold
#   f  append one line through a read-write mount, then stat + open + read the index's tail,
#      at ~10,000 and ~1,000,000 rows (mixed dirs: ~10 files per 1,900 rows); and the stat alone
#   g  daemon VmRSS per row: mixed dir and 100,000 files (after the build and a full read),
#      and a memory curve on the mixed dirs of ~10k, ~100k, ~1M rows
#   h  100,000 small files: `logdex index` vs `find ... -print0 | xargs -0 cat`
#   i  session views (SPEC §10), 100,000 one-file sessions: ls / ls -l / ls -lt | head of
#      MNT/.logdex/sessions and open+cat of one session file, each vs the same on the backing
#      files through the mount; daemon VmRSS before and after the listing and status.json's
#      sessions.memory_bytes, per session
#   +  the Google Benchmark micro-benchmarks (logdex_bench), when built
# LOGDIR replaces the generated ~200 MiB mixed dir of rows a-d and g.
#
# --baseline OLD   (or LOGDEX_BENCH_BASELINE) also measure OLD, side by side.
# --binary NEW     (or LOGDEX_BENCH_BINARY) the candidate; default: build Release into
#                  build-bench/ (with logdex_bench) and use build-bench/fs/logdex.
# --quick          small corpora (a few MiB, a few thousand files), every path once; for CI
#                  (scripts/test.sh runs it after the mount tests). Fails only on errors.
# --out FILE       write the results to FILE instead.
# --sessions-only  row i alone (with --quick: on 2,000 sessions); results in sessions-results.txt.
# --scale          instead of the table: a 10 GiB dir and a 1,000,000-file dir grown step by
#                  step (1, 2.5, 5, 10 GiB; 100k, 250k, 500k, 1M files; removed afterwards):
#                  `logdex index` time and peak RSS, a mount's cold build and daemon RSS, with
#                  per-GiB / per-file figures. Needs ~25 GiB free beside the temp dir.
#
# Exit 1 on an error (a failed mount, a served index that differs from `logdex index`, a crash,
# a wrong appended tail, a mount left behind), never on a timing: targets are printed, not
# enforced. The table goes to stdout and to bench-results.txt (scale-results.txt for --scale)
# in build-bench/ or in the build dir of --binary (X/ for X/fs/logdex).
#
# Knobs (environment): LOGDEX_BENCH_MB (mixed dir, 200), LOGDEX_BENCH_FILES (small files,
# 100000), LOGDEX_BENCH_SESSIONS (one-file sessions of row i, 100000), LOGDEX_BENCH_BIG_ROWS (1000000), LOGDEX_BENCH_SAMPLES (appends per mount, 100),
# LOGDEX_BENCH_RUNS (interleaved runs per timing, 5), LOGDEX_BENCH_MICRO=0 (skip logdex_bench),
# LOGDEX_BENCH_SEED (1), TMPDIR (where corpora and mounts go).
# Runs as root on Debian 12 after scripts/install_deps.sh; mounts need /dev/fuse.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
baseline=${LOGDEX_BENCH_BASELINE:-}
candidate=${LOGDEX_BENCH_BINARY:-}
mode=full only_sessions=0
logs_arg= out_arg=
while [ $# -gt 0 ]; do
  case $1 in
    --baseline) baseline=${2:?--baseline needs a path}; shift 2 ;;
    --baseline=*) baseline=${1#*=}; shift ;;
    --binary) candidate=${2:?--binary needs a path}; shift 2 ;;
    --binary=*) candidate=${1#*=}; shift ;;
    --out) out_arg=${2:?--out needs a file}; shift 2 ;;
    --quick) mode=quick; shift ;;
    --scale) mode=scale; shift ;;
    --sessions-only) only_sessions=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) [ -z "$logs_arg" ] || { echo "bench: one LOGDIR only" >&2; exit 2; }
       logs_arg=$1; shift ;;
  esac
done

say() { echo "bench: $*" >&2; }
abspath() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }

if [ "$mode" = quick ]; then
  mb=4 nsmall=3000 nsess=2000 small_rows=2000 big_rows=20000 mid_rows=5000 samples=20 runs=1 reps=1
  read_rounds=1 read_min=$((4 * 1048576)) read_min_cat=$((2 * 1048576))
else
  mb=${LOGDEX_BENCH_MB:-200} nsmall=${LOGDEX_BENCH_FILES:-100000} nsess=${LOGDEX_BENCH_SESSIONS:-100000}
  small_rows=10000 big_rows=${LOGDEX_BENCH_BIG_ROWS:-1000000} mid_rows=100000
  samples=${LOGDEX_BENCH_SAMPLES:-100} runs=${LOGDEX_BENCH_RUNS:-5} reps=3
  read_rounds=7 read_min=$((256 * 1048576)) read_min_cat=$((32 * 1048576))
fi
seed=${LOGDEX_BENCH_SEED:-1}

# ---- prerequisites and the binaries ----
for tool in python3 jq; do
  command -v "$tool" >/dev/null 2>&1 || { say "$tool missing: run scripts/install_deps.sh"; exit 1; }
done
micro_bin=
if [ -n "$candidate" ]; then
  [ -x "$candidate" ] || { say "--binary $candidate is not an executable"; exit 2; }
  candidate=$(abspath "$candidate")
  outdir=$(dirname "$candidate")
  [ "$(basename "$outdir")" = fs ] && outdir=$(dirname "$outdir")
  [ -x "$outdir/tests/bench/logdex_bench" ] && micro_bin=$outdir/tests/bench/logdex_bench
else
  command -v cmake >/dev/null 2>&1 || { say "cmake missing: run scripts/install_deps.sh"; exit 1; }
  build=$repo/build-bench
  say "building Release into $build"
  mkdir -p "$build"
  cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON >"$build/configure.log" 2>&1 \
    || { cat "$build/configure.log" >&2; exit 1; }
  targets=(logdex)
  # Not `| grep -q`: under pipefail grep's early exit makes cmake die of SIGPIPE.
  build_targets=$(cmake --build "$build" --target help 2>/dev/null || true)
  if grep -q logdex_bench <<<"$build_targets"; then targets+=(logdex_bench); fi
  cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >"$build/build.log" 2>&1 \
    || { tail -50 "$build/build.log" >&2; exit 1; }
  candidate=$build/fs/logdex
  outdir=$build
  [ -x "$build/tests/bench/logdex_bench" ] && micro_bin=$build/tests/bench/logdex_bench
fi
if [ -n "$baseline" ]; then
  [ -x "$baseline" ] || { say "--baseline $baseline is not an executable"; exit 2; }
  baseline=$(abspath "$baseline")
fi
[ "$mode" = quick ] && micro_bin=
[ "${LOGDEX_BENCH_MICRO:-1}" = 0 ] && micro_bin=
declare -A bin
bins=()
if [ -n "$baseline" ]; then bin[before]=$baseline; bins+=(before); fi
bin[after]=$candidate; bins+=(after)
if [ -n "$out_arg" ]; then results=$out_arg
elif [ "$mode" = scale ]; then results=$outdir/scale-results.txt
elif [ "$only_sessions" = 1 ]; then results=$outdir/sessions-results.txt
else results=$outdir/bench-results.txt; fi

# ---- temp space, mounts and their cleanup ----
work=$(mktemp -d "${TMPDIR:-/tmp}/logdex-bench.XXXXXX")
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
mounts=()   # mount points we mounted
daemons=()  # daemon pids we saw
nmount=0

fail() { say "ERROR: $*"; echo "$*" >>"$work/errors.txt"; }  # a file: subshells fail too
errors_seen() { [ -s "$work/errors.txt" ]; }

daemon_pid() {  # MNT: pid of the logdex daemon serving MNT (argv: LOGDEX mount LOGDIR MNT ...)
  local p
  local -a argv
  for p in $(pgrep -x logdex); do
    mapfile -d '' -t argv < <(cat "/proc/$p/cmdline" 2>/dev/null)
    if [ "${argv[1]:-}" = mount ] && [ "${argv[3]:-}" = "$1" ]; then
      echo "$p"; return 0
    fi
  done
  return 1
}

unmount() {  # MNT: unmount and wait for its daemon to exit (it saves the cache on the way out)
  local mnt=$1 pid
  pid=$(daemon_pid "$mnt") || pid=
  if timeout 10 mountpoint -q "$mnt"; then
    timeout 30 fusermount3 -u "$mnt" 2>/dev/null || timeout 30 fusermount3 -uz "$mnt" 2>/dev/null || true
  fi
  if [ -n "$pid" ]; then
    for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    say "daemon $pid still running 60 s after unmount; ending it"
    kill "$pid" 2>/dev/null || true
  fi
}

cleanup() {
  local rc=$? mnt pid left=0
  for mnt in "${mounts[@]}"; do unmount "$mnt"; done
  for pid in "${daemons[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
  done
  for mnt in "${mounts[@]}"; do
    if grep -qF " $mnt " /proc/mounts; then left=1; say "ERROR: $mnt is still mounted"; fi
  done
  # Never delete through a mount (a read-write one would delete the logs behind it).
  if [ "$left" -eq 0 ]; then rm -rf "$work"; else say "left $work in place"; rc=1; fi
  exit "$rc"
}
trap cleanup EXIT
# A command that stops the script under set -e says so (otherwise the run would end silently).
trap 'say "ERROR: stopped at line $LINENO: $BASH_COMMAND"' ERR
trap 'exit 130' INT TERM

# LOGDEX LOGDIR OPTS: mounts on a fresh dir and sets $mnt, $pid (the daemon) and $mount_ms.
# The index is built on first use (stderr is not a terminal), so the mount command is quick.
mount_logdex() {
  nmount=$((nmount + 1))
  mnt=$work/mnt$nmount pid=
  mkdir -p "$mnt"
  mounts+=("$mnt")
  local t0=${EPOCHREALTIME/./}
  if ! timeout 120 "$1" mount "$2" "$mnt" -o "$3" </dev/null 2>>"$work/mount.log"; then
    fail "mount of $2 with $1 failed: $(tail -3 "$work/mount.log" | tr '\n' ' ')"; return 1
  fi
  for _ in $(seq 200); do timeout 10 mountpoint -q "$mnt" && break; sleep 0.05; done
  timeout 10 mountpoint -q "$mnt" || { fail "$mnt not mounted 10 s after the mount command"; return 1; }
  mount_ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
  pid=$(daemon_pid "$mnt") || pid=
  if [ -n "$pid" ]; then daemons+=("$pid"); else fail "no daemon found for $mnt"; fi
}

fuse_ok() { [ -c /dev/fuse ] && command -v fusermount3 >/dev/null 2>&1 && command -v mountpoint >/dev/null 2>&1; }

# ---- measuring ----
# Samples: S[key] holds a space-separated list; keys are "BIN:name".
declare -A S
add() { case $2 in ''|n/a) ;; *) S[$1]="${S[$1]:-} $2" ;; esac; }
median() { if [ $# -eq 0 ]; then echo n/a; else printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; fi; }
med() { local k; k=${S[$1]:-}; median $k; }
samples_of() { echo "${S[$1]:-}" | sed 's/^ //'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "n/a" && b != "n/a" && b > 0) printf "%.2f", a / b; else print "n/a" }'; }
mibk() { awk -v k="$1" 'BEGIN { if (k == "n/a" || k == "") print (k == "" ? "" : "n/a"); else printf "%.1f", k / 1024 }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
mibps() { awk -v b="$1" -v ms="$2" 'BEGIN { if (ms != "n/a" && ms > 0) printf "%.0f", b / 1048576 / (ms / 1000); else print "n/a" }'; }
per_row() { awk -v kb="$1" -v r="$2" 'BEGIN { if (kb != "n/a" && kb != "" && r > 0) printf "%.0f", kb * 1024 / r; else print "n/a" }'; }
meets() {  # VALUE OP LIMIT
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
    if (v == "n/a" || v == "") { print "n/a"; exit }
    if (op == "<=") ok = (v <= l); else if (op == "<") ok = (v < l); else ok = (v >= l)
    print ok ? "met" : "NOT met" }'
}
proc_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || true; }
ms_now() { echo "${EPOCHREALTIME/./}"; }
elapsed_ms() { awk -v a="$1" -v b="$(ms_now)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }

# Wall ms, CPU ms (user+sys, children included) and peak RSS KiB of a command; stdout to OUT.
timed() {  # OUT COMMAND...
  local out=$1; shift
  local TIMEFORMAT='%3R %3U %3S' t rss=n/a
  if [ -x /usr/bin/time ] && [ "$(type -t "$1")" = file ]; then
    if ! t=$( { time /usr/bin/time -f %M -o "$work/rss" "$@" >"$out" 2>>"$work/stderr.log"; } 2>&1 ); then
      fail "$* exited non-zero: $(tail -3 "$work/stderr.log" | tr '\n' ' ')"
    fi
    rss=$(tail -1 "$work/rss")
  elif ! t=$( { time "$@" >"$out" 2>>"$work/stderr.log"; } 2>&1 ); then
    fail "$* exited non-zero"
  fi
  awk -v r="$rss" '{ printf "%.1f %.0f %s\n", $1 * 1000, ($2 + $3) * 1000, r }' <<<"$t"
}

# First stat of MNT/index.ndjson in ms (the build, when there is no valid cache).
first_stat() {  # MNT
  local t0; t0=$(ms_now)
  timeout 900 stat -c %s "$1/index.ndjson" >/dev/null || { fail "stat of $1/index.ndjson failed"; echo n/a; return; }
  elapsed_ms "$t0"
}

# ---- the table ----
table=()
line() {  # LABEL BEFORE AFTER TARGET MET
  if [ -n "$baseline" ]; then
    table+=("$(printf '%-62s %15s %15s  %-12s %s' "$1" "$2" "$3" "$4" "$5")")
  else
    table+=("$(printf '%-62s %15s  %-12s %s' "$1" "$3" "$4" "$5")")
  fi
}
header() {
  table+=("" "== $1 ==")
  line "" before after target met
}
note() { table+=("    $*"); }
# A row whose value is a ratio or number per binary: LABEL OP LIMIT UNIT VALUE_BEFORE VALUE_AFTER
result() {
  local label=$1 op=$2 limit=$3 unit=$4 vb=$5 va=$6 target= met=
  if [ -n "$op" ]; then target="$op $limit$unit"; met=$(meets "$va" "$op" "$limit"); fi
  line "$label" "$vb$([ "$vb" != n/a ] && [ -n "$vb" ] && echo "$unit")" "$va$([ "$va" != n/a ] && echo "$unit")" "$target" "$met"
}
val() { if [ -n "$baseline" ]; then echo "${1:-n/a}"; else echo ""; fi; }  # before's column
bm() { if [ -n "$baseline" ]; then med "before:$1"; fi; }  # the before column of a median

write_results() {
  {
    echo "logdex benchmarks ($mode), started $started, ended $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet 2>/dev/null || echo '+dirty') of $repo"
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GiB RAM", $2 / 1048576}' /proc/meminfo), kernel $(uname -r)"
    echo "load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
    [ -n "$baseline" ] && echo "before: $baseline"
    echo "after:  $candidate"
    [ "$mode" = scale ] || echo "interleaved runs per timing: $runs (medians); page cache warm unless said"
    printf '%s\n' "${table[@]}"
    if [ -n "${micro:-}" ]; then
      echo
      echo "== micro-benchmarks ($micro_bin) =="
      echo "$micro"
    fi
    if errors_seen; then
      echo
      echo "ERRORS:"
      sed 's/^/  /' "$work/errors.txt"
    fi
  } | tee "$results"
  say "results written to $results"
}

# The log files logdex reads under DIR (a pi store's index/offsets.jsonl is derived, not read).
list_logs() {  # DIR OUT
  find "$1" -type f \( -name '*.jsonl' -o -name '*.ndjson' -o -name '*.seg' \) \
    ! -path '*/index/offsets.jsonl' -print0 >"$2"
}

# Row i, measured: session views (SPEC §10) of nsess sessions of one small Claude Code file each.
sessions_measure() {
  # Every row twice: on MNT/.logdex/sessions, and on the same sessions' backing files through the
  # same mount (the baseline a user has without session views). Index built first (the views
  # are derived from it), page cache of the backing files warm.
  sdir=$work/sessions
  say "i: generating $nsess one-file sessions"
  python3 "$repo/scripts/gen_bench_corpus.py" "$sdir" --sessions "$nsess" --seed "$seed"
  find "$sdir" -type f -print0 | xargs -0 cat >/dev/null
  # The session of the open+cat rows (one in the middle) and the newest one (ls -lt's first).
  pick_rel=$(cd "$sdir" && find claude -type f | LC_ALL=C sort | awk -v n=$((nsess / 2)) 'NR == n')
  pick_id=$(head -n 1 "$sdir/$pick_rel" | jq -r .sessionId)
  newest_id=$(head -n 1 "$(find "$sdir" -type f -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)" | jq -r .sessionId)
  tm() {  # OUT CMD...: wall ms of CMD with stdout to OUT; a failure is an error (and n/a)
    local out=$1 t0; shift
    t0=$(ms_now)
    if ! timeout 900 "$@" >"$out" 2>>"$work/stderr.log"; then fail "i: $* failed"; echo n/a; return; fi
    elapsed_ms "$t0"
  }
  sess_notes=()
  for b in "${bins[@]}"; do
    mount_logdex "${bin[$b]}" "$sdir" "ro,cache_dir=$work/cache-sessions-$b" || continue
    sv=$mnt/.logdex/sessions
    timeout 900 cat "$mnt/index.ndjson" >/dev/null || fail "cat of $mnt/index.ndjson failed"
    if ! timeout 60 test -d "$sv"; then
      sess_notes+=("$b has no .logdex/sessions (a binary without session views): its column is n/a")
      [ "$b" = before ] || fail "i: the candidate $candidate has no .logdex/sessions"
      unmount "$mnt"; continue
    fi
    # The sessions' rows first, then the same on the backing files, with the daemon's VmRSS
    # before, between and after: what listing the sessions costs, apart from what listing (and
    # so looking up) 100,000 backing files costs.
    add "$b:s_rss0" "$(proc_kb "$pid" VmRSS)"
    for k in 1 2; do
      add "$b:s_ls$k" "$(tm "$work/ls-sessions" ls "$sv")"
      [ "$(wc -l <"$work/ls-sessions")" -eq "$nsess" ] ||
        fail "i: $b: ls $sv listed $(wc -l <"$work/ls-sessions") names, want $nsess"
    done
    for k in 1 2; do add "$b:s_lsl$k" "$(tm /dev/null ls -l "$sv")"; done
    add "$b:s_lst" "$(tm "$work/lst" bash -c 'ls -lt "$1" | head -n 11' _ "$sv")"
    sed -n 2p "$work/lst" | grep -qF " $newest_id.ndjson" ||
      fail "i: $b: ls -lt | head does not start with the newest session $newest_id: $(sed -n 2p "$work/lst")"
    add "$b:s_find" "$(tm "$work/find" bash -c 'find "$1" -type f -printf "%T@ %s %p\n" | sort -rn | head -n 10' _ "$sv")"
    head -n 1 "$work/find" | grep -qF "/$newest_id.ndjson" || fail "i: $b: find | sort does not give the newest session first"
    add "$b:s_rss1" "$(proc_kb "$pid" VmRSS)"
    # The backing files: ls of their 1,000-file project dirs (ls -lt DIRS sorts each dir, and
    # with | head dies of SIGPIPE after the first: so without head), the newest 10 by find.
    for k in 1 2; do
      add "$b:b_ls$k" "$(tm "$work/ls-backing" bash -c 'ls "$1"/claude/projects/*' _ "$mnt")"
      [ "$(grep -c '\.jsonl$' "$work/ls-backing")" -eq "$nsess" ] || fail "i: $b: ls of the backing dirs listed the wrong count"
    done
    for k in 1 2; do add "$b:b_lsl$k" "$(tm /dev/null bash -c 'ls -l "$1"/claude/projects/*' _ "$mnt")"; done
    add "$b:b_lst" "$(tm /dev/null bash -c 'ls -lt "$1"/claude/projects/*' _ "$mnt")"
    add "$b:b_find" "$(tm /dev/null bash -c 'find "$1"/claude -type f -printf "%T@ %s %p\n" | sort -rn | head -n 10' _ "$mnt")"
    add "$b:s_rss2" "$(proc_kb "$pid" VmRSS)"
    add "$b:s_mem" "$(timeout 30 jq -r '.sessions.memory_bytes // "n/a"' "$mnt/.logdex/status.json")"
    files=$(timeout 30 jq -r '.sessions.files // "n/a"' "$mnt/.logdex/status.json")
    [ "$files" = "$nsess" ] || fail "i: $b: status.json .sessions.files is $files, want $nsess"
    # open+cat of one session file (its bytes are its backing file's), first and repeated.
    add "$b:s_cat1" "$(tm "$work/cat-session" cat "$sv/$pick_id.ndjson")"
    cmp -s "$work/cat-session" "$sdir/$pick_rel" || fail "i: $b: session $pick_id differs from its only file"
    add "$b:b_cat1" "$(tm /dev/null cat "$mnt/$pick_rel")"
    for _ in $(seq $((runs * 4))); do
      add "$b:s_catn" "$(tm /dev/null cat "$sv/$pick_id.ndjson")"
      add "$b:b_catn" "$(tm /dev/null cat "$mnt/$pick_rel")"
    done
    unmount "$mnt"
  done
  rm -rf "$sdir"
}

# Row i, in the table.
sessions_table() {
  header "i. session views: $nsess one-file sessions (ms; base = the same on the backing files through the mount)"
  per_sess() { awk -v v="$1" -v n="$nsess" 'BEGIN { if (v != "n/a" && v != "" && n > 0) printf "%.0f", v / n; else print "n/a" }'; }
  srow() {  # LABEL KEY_SESSIONS KEY_BASE: the sessions' ms, the base's ms and their ratio
    local vb=
    result "$1" "" "" " ms" "$(bm "$2")" "$(med "after:$2")"
    result "  base: the same on the backing files" "" "" " ms" "$(bm "$3")" "$(med "after:$3")"
    [ -n "$baseline" ] && vb=$(ratio "$(med "before:$2")" "$(med "before:$3")")
    result "  sessions / base" "" "" "x" "$vb" "$(ratio "$(med "after:$2")" "$(med "after:$3")")"
  }
  srow "ls | wc -l, first" s_ls1 b_ls1
  srow "ls | wc -l, second" s_ls2 b_ls2
  srow "ls -l, first" s_lsl1 b_lsl1
  srow "ls -l, second" s_lsl2 b_lsl2
  srow "ls -lt | head (base: ls -lt of the dirs, whole)" s_lst b_lst
  srow "newest 10: find -printf %T@ | sort -rn | head" s_find b_find
  srow "open+cat of one session, first" s_cat1 b_cat1
  srow "open+cat, repeated (median)" s_catn b_catn
  kbd() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || a == "" || b == "") print "n/a"; else print (b - a) * 1024 }'; }
  result "daemon VmRSS after the index build" "" "" " MiB" "$(mibk "$(bm s_rss0)")" "$(mibk "$(med after:s_rss0)")"
  result "daemon VmRSS after the sessions' listings" "" "" " MiB" "$(mibk "$(bm s_rss1)")" "$(mibk "$(med after:s_rss1)")"
  result "daemon VmRSS after the backing files' listings" "" "" " MiB" "$(mibk "$(bm s_rss2)")" "$(mibk "$(med after:s_rss2)")"
  rb=$( [ -n "$baseline" ] && per_sess "$(kbd "$(med before:s_rss0)" "$(med before:s_rss1)")" || echo "")
  result "VmRSS growth by the sessions' listings, per session" "" "" " B" "$rb" "$(per_sess "$(kbd "$(med after:s_rss0)" "$(med after:s_rss1)")")"
  rb=$( [ -n "$baseline" ] && per_sess "$(kbd "$(med before:s_rss1)" "$(med before:s_rss2)")" || echo "")
  result "  base: by the backing files' listings, per file" "" "" " B" "$rb" "$(per_sess "$(kbd "$(med after:s_rss1)" "$(med after:s_rss2)")")"
  rb=$( [ -n "$baseline" ] && per_sess "$(med before:s_mem)" || echo "")
  result "status.json sessions.memory_bytes, per session" "" "" " B" "$rb" "$(per_sess "$(med after:s_mem)")"
  result "status.json sessions.memory_bytes" "" "" " B" "$(bm s_mem)" "$(med after:s_mem)"
  for n in "${sess_notes[@]}"; do note "$n"; done
  note "base: ls / ls -l / ls -lt of the $((nsess / 1000 + (nsess % 1000 > 0))) project dirs holding the backing files, find over them,"
  note "cat of the session's only file, all through the same mount (measured after the sessions'"
  note "rows); open+cat repeated $((runs * 4)) times"
}

# =================================== --sessions-only ===================================
if [ "$only_sessions" = 1 ]; then
  fuse_ok || { say "--sessions-only needs /dev/fuse, fusermount3 and mountpoint"; exit 1; }
  sessions_measure
  sessions_table
  write_results
  if errors_seen; then exit 1; fi
  exit 0
fi

# =================================== --scale ===================================
if [ "$mode" = scale ]; then
  avail_kb=$(df -Pk "$work" | awk 'NR == 2 {print $4}')
  need_kb=$((25 * 1024 * 1024))
  if [ "$avail_kb" -lt "$need_kb" ]; then
    say "--scale needs ~25 GiB free under $work; $((avail_kb / 1048576)) GiB are: refusing"
    exit 1
  fi
  avail_inodes=$(df -Pi "$work" | awk 'NR == 2 {print $4}')
  if [ "$avail_inodes" -lt 1500000 ]; then
    say "--scale needs ~1.5M free inodes under $work; $avail_inodes are: refusing"; exit 1
  fi
  fuse_ok || say "no /dev/fuse: measuring logdex index only"
  scale_gib=${LOGDEX_BENCH_SCALE_GIB:-"1 2.5 5 10"}
  scale_files=${LOGDEX_BENCH_SCALE_FILES:-"100000 250000 500000 1000000"}
  table+=("" "== scale: a big dir (copies of one 256 MiB mix) ==")
  table+=("$(printf '%-7s %-6s %8s %10s %10s %9s %10s %9s %10s %10s' point bin rows "index ms" "ms/GiB" "peak MiB" "build ms" "ms/GiB" "daemon MiB" "B/row")")
  scale_point() {  # KIND LABEL DIR UNITS(GiB or 1e5 files)
    local kind=$1 label=$2 dir=$3 units=$4 b w c rss rows st rssd
    list_logs "$dir" "$work/files"
    say "$label: warming the page cache"
    # Every generated line is a frame, so the lines are the index's rows (its output, GiBs at
    # this scale, goes to /dev/null).
    rows=$(xargs -0 cat <"$work/files" | wc -l)
    for b in "${bins[@]}"; do
      say "$label: logdex index ($b)"
      read -r w c rss < <(timed /dev/null "${bin[$b]}" index "$dir")
      st=n/a rssd=n/a
      if fuse_ok && mount_logdex "${bin[$b]}" "$dir" "ro,cache_dir=$work/cache-scale"; then
        st=$(first_stat "$mnt")
        st=$(awk -v a="$st" -v m="$mount_ms" 'BEGIN { printf "%.0f", a + m }')
        rssd=$(proc_kb "$pid" VmRSS)
        unmount "$mnt"
        rm -rf "$work/cache-scale"
      fi
      table+=("$(printf '%-7s %-6s %8s %10.0f %10.0f %9.1f %10s %9.0f %10.1f %10s' "$label" "$b" "$rows" "$w" \
        "$(awk -v w="$w" -v u="$units" 'BEGIN { print w / u }')" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" \
        "$st" "$(awk -v w="$st" -v u="$units" 'BEGIN { print (w == "n/a") ? 0 : w / u }')" \
        "$(awk -v k="$rssd" 'BEGIN { print (k == "n/a") ? 0 : k / 1024 }')" "$(per_row "$rssd" "$rows")")")
      printf '%s\n' "${table[-1]}" >&2
    done
  }
  big=$work/big
  for g in $scale_gib; do
    say "growing $big to $g GiB"
    t0=$(ms_now)
    python3 "$repo/scripts/gen_bench_corpus.py" "$big" --gb "$g" --seed "$seed" --grow
    note "generated up to $g GiB in $(elapsed_ms "$t0") ms; du $(du -sh "$big" | cut -f1)"
    scale_point gib "${g}GiB" "$big" "$g"
  done
  rm -rf "$big"
  table+=("" "== scale: many small files (5 rows each; ms per 100k files) ==")
  table+=("$(printf '%-7s %-6s %8s %10s %10s %9s %10s %9s %10s %10s' point bin rows "index ms" "ms/100k" "peak MiB" "build ms" "ms/100k" "daemon MiB" "B/row")")
  many=$work/many
  for n in $scale_files; do
    say "growing $many to $n files"
    t0=$(ms_now)
    python3 "$repo/scripts/gen_bench_corpus.py" "$many" --files "$n" --seed "$seed" --grow
    note "generated up to $n files in $(elapsed_ms "$t0") ms; du $(du -sh "$many" | cut -f1)"
    scale_point files "$((n / 1000))k" "$many" "$(awk -v n="$n" 'BEGIN { print n / 100000 }')"
  done
  rm -rf "$many"
  note "index ms: logdex index > /dev/null (peak MiB: its VmHWM); build ms: mount + first stat of a mount"
  note "with an empty cache_dir (daemon MiB: its VmRSS then; B/row = that / rows). Linear growth: the"
  note "ms/GiB and ms/100k columns stay flat from point to point."
  write_results
  if errors_seen; then exit 1; fi
  exit 0
fi

# =================================== the table ===================================
# ---- corpora ----
if [ -n "$logs_arg" ]; then
  logs=$(cd "$logs_arg" && pwd); corpus="given: $logs"
else
  logs=$work/logs
  say "generating the mixed dir (--mb $mb)"
  python3 "$repo/scripts/gen_bench_corpus.py" "$logs" --mb "$mb" --seed "$seed"
  corpus="gen_bench_corpus.py --mb $mb --seed $seed"
fi
small=$work/small
say "generating $nsmall small files"
python3 "$repo/scripts/gen_bench_corpus.py" "$small" --files "$nsmall" --seed "$seed"
list_logs "$logs" "$work/files"
list_logs "$small" "$work/small-files"
nfiles=$(tr -cd '\0' <"$work/files" | wc -c)
bytes=$(xargs -0 cat <"$work/files" | wc -c)
small_bytes=$(xargs -0 cat <"$work/small-files" | wc -c)
largest=$(xargs -0 stat -c '%s %n' <"$work/files" | sort -n | tail -1 | cut -d' ' -f2-)
largest_rel=${largest#"$logs"/}
say "warming the page cache"
xargs -0 cat <"$work/files" >/dev/null
find "$small" -type f -print0 | xargs -0 cat >/dev/null

# ---- a. cold logdex index vs cat vs jq; h. small files vs find | xargs cat ----
cat_all() { xargs -0 cat <"$work/files"; }
jq_all() { xargs -0 cat <"$work/files" | jq -c '{type,uuid,sessionId,timestamp}'; }
find_cat() { find "$small" -type f -print0 | xargs -0 cat; }
say "a/h: logdex index vs cat ($runs interleaved runs)"
for r in $(seq "$runs"); do
  read -r w c _ < <(timed /dev/null cat_all); add cat:ms "$w"; add cat:cpu "$c"
  read -r w c _ < <(timed /dev/null find_cat); add findcat:ms "$w"
  for b in "${bins[@]}"; do
    read -r w c rss < <(timed "$work/cli-$b.ndjson" "${bin[$b]}" index "$logs")
    add "$b:idx_ms" "$w"; add "$b:idx_cpu" "$c"; add "$b:idx_rss" "$rss"
    read -r w c rss < <(timed "$work/cli-small-$b.ndjson" "${bin[$b]}" index "$small")
    add "$b:sidx_ms" "$w"; add "$b:sidx_rss" "$rss"
  done
done
say "a: the jq baseline (one run)"
read -r jq_ms jq_cpu _ < <(timed /dev/null jq_all)
rows=$(wc -l <"$work/cli-after.ndjson")
small_rows_n=$(wc -l <"$work/cli-small-after.ndjson")
idx_size=$(wc -c <"$work/cli-after.ndjson")
if [ -n "$baseline" ]; then
  cmp -s "$work/cli-before.ndjson" "$work/cli-after.ndjson" || note "(the two binaries' logdex index outputs differ on the mixed dir)"
fi

# ---- b, c, d, g: mounts of the mixed dir ----
declare -A cache files_of
if fuse_ok; then
  say "d/g: mixed dir, cold build vs remount ($reps interleaved rounds)"
  for r in $(seq "$reps"); do
    for b in "${bins[@]}"; do
      cache[$b]=$work/cache-mixed-$b-$r
      mount_logdex "${bin[$b]}" "$logs" "ro,cache_dir=${cache[$b]}" || continue
      add "$b:cold_ms" "$(first_stat "$mnt")"
      add "$b:cold_mount_ms" "$mount_ms"
      if [ "$r" = 1 ]; then
        timeout 900 cat "$mnt/index.ndjson" >"$work/served-$b.ndjson" || fail "cat of $mnt/index.ndjson failed"
        cmp -s "$work/served-$b.ndjson" "$work/cli-$b.ndjson" \
          || fail "$b: the served index.ndjson of the mixed dir differs from logdex index's output"
        add "$b:mixed_rss" "$(proc_kb "$pid" VmRSS)"
        add "$b:mixed_hwm" "$(proc_kb "$pid" VmHWM)"
      fi
      unmount "$mnt"
      mount_logdex "${bin[$b]}" "$logs" "ro,verify=full,cache_dir=${cache[$b]}" || continue
      add "$b:warm_ms" "$(first_stat "$mnt")"
      add "$b:warm_mount_ms" "$mount_ms"
      unmount "$mnt"
    done
  done
  # b, c: warm reads, every binary's mount and the native files in one interleaved probe.
  say "b/c: warm reads through the mounts vs native files"
  cp "$work/cli-after.ndjson" "$work/native-index.ndjson"
  cp "$largest" "$work/native-largest"
  probe=("$work/native-index.ndjson" "$work/native-largest")
  declare -A mnt_of
  for b in "${bins[@]}"; do
    mount_logdex "${bin[$b]}" "$logs" "ro,cache_dir=${cache[$b]}" || continue
    mnt_of[$b]=$mnt
    first_stat "$mnt" >/dev/null
    probe+=("$mnt/index.ndjson" "$mnt/$largest_rel")
  done
  # Twice: `cat` processes (what a user runs: the row's figure) and reads in one process (the
  # read path alone, without fork and exec).
  for how in cat proc; do
  if [ $how = cat ]; then args=(--cat --min-bytes "$read_min_cat"); else args=(--min-bytes "$read_min"); fi
  if out=$(timeout 1200 python3 "$repo/tests/bench/read_speed.py" --rounds "$read_rounds" "${args[@]}" "${probe[@]}"); then
    while read -r _ best _ medv _ size f; do
      k=
      case $f in
        "$work/native-index.ndjson") k=native:index ;;
        "$work/native-largest") k=native:largest ;;
        */index.ndjson) for b in "${bins[@]}"; do [ "$f" = "${mnt_of[$b]:-}/index.ndjson" ] && k=$b:index; done ;;
        *) for b in "${bins[@]}"; do [ "$f" = "${mnt_of[$b]:-}/$largest_rel" ] && k=$b:largest; done ;;
      esac
      [ -n "$k" ] && S[$k:$how:best]=$best && S[$k:$how:med]=$medv
    done <<<"$out"
  else
    fail "read_speed.py ${args[*]} failed: $out"
  fi
  done
  for b in "${bins[@]}"; do [ -n "${mnt_of[$b]:-}" ] && unmount "${mnt_of[$b]}"; done

  # ---- e, g: 100,000 small files: cold, remount verify=full, remount verify=stat ----
  say "e/g: small files, cold vs remount ($reps interleaved rounds)"
  for r in $(seq "$reps"); do
    for b in "${bins[@]}"; do
      c=$work/cache-small-$b-$r
      mount_logdex "${bin[$b]}" "$small" "ro,cache_dir=$c" || continue
      add "$b:scold_ms" "$(first_stat "$mnt")"
      if [ "$r" = 1 ]; then
        timeout 900 cat "$mnt/index.ndjson" >"$work/served-small-$b.ndjson" || fail "cat of $mnt/index.ndjson failed"
        cmp -s "$work/served-small-$b.ndjson" "$work/cli-small-$b.ndjson" \
          || fail "$b: the served index.ndjson of the small files differs from logdex index's output"
        add "$b:small_rss" "$(proc_kb "$pid" VmRSS)"
      fi
      unmount "$mnt"
      for v in full stat; do
        mount_logdex "${bin[$b]}" "$small" "ro,verify=$v,cache_dir=$c" || continue
        add "$b:s${v}_ms" "$(first_stat "$mnt")"
        unmount "$mnt"
      done
    done
  done

  # ---- f, g: append latency and the memory curve on mixed dirs of ~N rows ----
  # Mixed dirs like the one of row a (~1,900 rows and ~10 files per MiB), so costs that grow
  # with the number of files show as well as those that grow with rows. The appends go to a
  # claude file (the probe writes claude lines and looks for their uuid as entryId).
  for n in "$small_rows" "$mid_rows" "$big_rows"; do
    dir=$work/rows$n
    rmb=$(awk -v n="$n" 'BEGIN { printf "%.2f", n / 1900 }')
    say "f/g: ~$n rows (--mb $rmb)"
    python3 "$repo/scripts/gen_bench_corpus.py" "$dir" --mb "$rmb" --seed "$seed"
    files_of[$n]=$(find "$dir" -type f \( -name '*.jsonl' -o -name '*.ndjson' -o -name '*.seg' \) ! -path '*/index/offsets.jsonl' | wc -l)
    # Not `| head -1`: under pipefail sort dies of SIGPIPE once its output outgrows the pipe.
    rel=$(cd "$dir" && find ./claude -type f -name '*.jsonl' | sort | awk 'NR == 1'); rel=${rel#./}
    for r in 1 2; do
      for b in "${bins[@]}"; do
        mount_logdex "${bin[$b]}" "$dir" "rw,cache_dir=$work/cache-rows$n-$b-$r" || continue
        st=$(first_stat "$mnt")
        if [ "$r" = 1 ]; then
          timeout 900 cat "$mnt/index.ndjson" >/dev/null || fail "cat of $mnt/index.ndjson failed"
          add "$b:rss$n" "$(proc_kb "$pid" VmRSS)"
          add "$b:rows$n" "$(timeout 60 wc -l <"$mnt/index.ndjson")"
        fi
        if [ "$n" != "$mid_rows" ]; then
          if out=$(timeout 600 python3 "$repo/tests/bench/append_latency.py" "$mnt" "$rel" --count "$samples"); then
            read -r -a f <<<"$out"
            add "$b:lat$n" "${f[3]}"; add "$b:latp99$n" "${f[5]}"
            add "$b:vis$n" "${f[9]}"; add "$b:stat$n" "${f[11]}"
          else
            fail "$b: append latency at $n rows: ${out:-no sample} (see above)"
          fi
        fi
        unmount "$mnt"
      done
      [ "$n" = "$mid_rows" ] && break
    done
    rm -rf "$dir"
  done
  sessions_measure
else
  note "mount rows skipped: no /dev/fuse, fusermount3 or mountpoint"
fi

# ---- micro-benchmarks ----
micro=
if [ -n "$micro_bin" ]; then
  say "micro-benchmarks ($micro_bin)"
  micro=$(timeout 900 "$micro_bin" --benchmark_min_time=0.3 2>&1) || micro="logdex_bench failed:
$micro"
fi

# ---- the table ----
cat_med=$(med cat:ms)
header "a. cold logdex index of the mixed dir ($corpus: $nfiles files, $(mib "$bytes") MiB, $rows rows)"
line "cat of the log files (wall, median)" "" "$cat_med ms" "" "$(mibps "$bytes" "$cat_med") MiB/s"
line "cat | jq -c '{type,uuid,sessionId,timestamp}' (1 run)" "" "$jq_ms ms" "" "$(mibps "$bytes" "$jq_ms") MiB/s"
idx() { med "$1:idx_ms"; }
result "logdex index > file (wall, median)" "" "" " ms" "$(bm idx_ms)" "$(idx after)"
rb=$( [ -n "$baseline" ] && ratio "$(idx before)" "$cat_med" || echo "")
result "logdex index / cat (wall)" "<=" 1.2 "x" "$rb" "$(ratio "$(idx after)" "$cat_med")"
rb=$( [ -n "$baseline" ] && ratio "$jq_ms" "$(idx before)" || echo "")
result "jq / logdex index (wall: logdex this many times faster)" ">=" 25 "x" "$rb" "$(ratio "$jq_ms" "$(idx after)")"
rb=$( [ -n "$baseline" ] && ratio "$(med before:idx_cpu)" "$(med cat:cpu)" || echo "")
result "logdex index / cat (CPU time, for a loaded machine)" "" "" "x" "$rb" "$(ratio "$(med after:idx_cpu)" "$(med cat:cpu)")"
result "logdex index peak RSS" "" "" " MiB" "$(mibk "$(bm idx_rss)")" "$(mibk "$(med after:idx_rss)")"
note "runs (ms): cat $(samples_of cat:ms);$(for b in "${bins[@]}"; do echo -n " $b $(samples_of "$b:idx_ms");"; done)"

if fuse_ok; then
  header "b, c. warm reads: mount vs native file (read_speed.py, $read_rounds interleaved rounds, MiB/s)"
  for what in index largest; do
    if [ $what = index ]; then lab="index.ndjson ($(mib "$idx_size") MiB)"; lim=0.8; else lab="largest log ($(mib "$(stat -c %s "$largest")") MiB)"; lim=0.9; fi
    for how in cat proc; do
      if [ $how = cat ]; then hl="cat"; tl=">="; else hl="in-process reads"; tl=""; fi
      g() { echo "${S[$1:$what:$how:best]:-n/a} / ${S[$1:$what:$how:med]:-n/a}"; }
      line "$hl: native $lab, best / median" "" "$(g native)" "" ""
      line "$hl: MNT/$lab, best / median" "$( [ -n "$baseline" ] && g before)" "$(g after)" "" ""
      for stat_ in best med; do
        rb=$( [ -n "$baseline" ] && ratio "${S[before:$what:$how:$stat_]:-n/a}" "${S[native:$what:$how:$stat_]:-n/a}" || echo "")
        result "  $hl: mount / native ($stat_ vs $stat_)" "$tl" "$lim" "x" "$rb" "$(ratio "${S[after:$what:$how:$stat_]:-n/a}" "${S[native:$what:$how:$stat_]:-n/a}")"
      done
    done
  done
  note "cat: a \`cat FILE >/dev/null\` process per read (its fork+exec included: the row's figure);"
  note "in-process: the same reads without fork+exec, the read path alone (for a small file mostly open/release)"

  header "d. mixed dir: first stat of index.ndjson, remount with a valid cache vs cold build"
  result "cold: first stat (the build; median)" "" "" " ms" "$(bm cold_ms)" "$(med after:cold_ms)"
  result "remount verify=full: first stat (median)" "" "" " ms" "$(bm warm_ms)" "$(med after:warm_ms)"
  rb=$( [ -n "$baseline" ] && ratio "$(med before:warm_ms)" "$(med before:cold_ms)" || echo "")
  result "remount / cold (first stat)" "<=" 0.25 "x" "$rb" "$(ratio "$(med after:warm_ms)" "$(med after:cold_ms)")"
  note "mount command: cold$(for b in "${bins[@]}"; do echo -n " $b $(med "$b:cold_mount_ms") ms"; done), remount$(for b in "${bins[@]}"; do echo -n " $b $(med "$b:warm_mount_ms") ms"; done)"
  note "first stat runs (ms):$(for b in "${bins[@]}"; do echo -n " $b cold $(samples_of "$b:cold_ms"), warm $(samples_of "$b:warm_ms");"; done)"

  header "e. $nsmall small files ($small_rows_n rows, $(mib "$small_bytes") MiB): remount vs cold (first stat)"
  result "cold: first stat (median)" "" "" " ms" "$(bm scold_ms)" "$(med after:scold_ms)"
  result "remount verify=full (median)" "" "" " ms" "$(bm sfull_ms)" "$(med after:sfull_ms)"
  result "remount verify=stat (median)" "" "" " ms" "$(bm sstat_ms)" "$(med after:sstat_ms)"
  rb=$( [ -n "$baseline" ] && ratio "$(med before:sfull_ms)" "$(med before:scold_ms)" || echo "")
  result "verify=full remount / cold" "<" 1 "x" "$rb" "$(ratio "$(med after:sfull_ms)" "$(med after:scold_ms)")"
  rb=$( [ -n "$baseline" ] && ratio "$(med before:sstat_ms)" "$(med before:scold_ms)" || echo "")
  result "verify=stat remount / cold" "<=" 0.3 "x" "$rb" "$(ratio "$(med after:sstat_ms)" "$(med after:scold_ms)")"

  header "f. append one line through a rw mount, then stat + open + read the index's tail ($samples appends x 2 mounts; mixed dirs)"
  for n in "$small_rows" "$big_rows"; do
    note "~$n rows: $(med "after:rows$n") rows in ${files_of[$n]:-?} log files"
    result "$n rows: total, median" "<=" 1 " ms" "$(bm lat$n)" "$(med "after:lat$n")"
    result "$n rows: total, p99" "" "" " ms" "$(bm latp99$n)" "$(med "after:latp99$n")"
    result "$n rows: write -> stat shows it, median" "" "" " ms" "$(bm vis$n)" "$(med "after:vis$n")"
    result "$n rows: the stat alone, median" "" "" " ms" "$(bm stat$n)" "$(med "after:stat$n")"
  done
  rb=$( [ -n "$baseline" ] && ratio "$(med "before:lat$big_rows")" "$(med "before:lat$small_rows")" || echo "")
  result "total: $big_rows rows / $small_rows rows" "<=" 1.5 "x" "$rb" "$(ratio "$(med "after:lat$big_rows")" "$(med "after:lat$small_rows")")"
  rb=$( [ -n "$baseline" ] && ratio "$(med "before:stat$big_rows")" "$(med "before:stat$small_rows")" || echo "")
  result "the stat alone: $big_rows rows / $small_rows rows" "" "" "x" "$rb" "$(ratio "$(med "after:stat$big_rows")" "$(med "after:stat$small_rows")")"

  header "g. daemon VmRSS per indexed row (after the build and a full read of index.ndjson)"
  pr() { per_row "$(med "$1:$2")" "$3"; }
  rb=$( [ -n "$baseline" ] && pr before mixed_rss "$rows" || echo "")
  result "mixed dir ($rows rows)" "<=" 48 " B" "$rb" "$(pr after mixed_rss "$rows")"
  rb=$( [ -n "$baseline" ] && pr before small_rss "$small_rows_n" || echo "")
  result "$nsmall small files, all-in ($small_rows_n rows)" "<=" 160 " B" "$rb" "$(pr after small_rss "$small_rows_n")"
  for what in mixed_rss small_rss; do
    result "  VmRSS, ${what%_rss}" "" "" " MiB" "$(mibk "$(bm "$what")")" "$(mibk "$(med "after:$what")")"
  done
  for n in "$small_rows" "$mid_rows" "$big_rows"; do
    rn=$(med "after:rows$n")
    rb=$( [ -n "$baseline" ] && pr before "rss$n" "$(med "before:rows$n")" || echo "")
    result "curve: mixed dir of $rn rows, ${files_of[$n]:-?} files, B/row" "" "" " B" "$rb" "$(pr after "rss$n" "$rn")"
  done
  note "curve VmRSS (MiB):$(for b in "${bins[@]}"; do echo -n " $b"; for n in "$small_rows" "$mid_rows" "$big_rows"; do echo -n " $(mibk "$(med "$b:rss$n")")"; done; echo -n ";"; done)"
fi

header "h. $nsmall small files: logdex index vs find -print0 | xargs -0 cat"
fc=$(med findcat:ms)
line "find | xargs cat (wall, median)" "" "$fc ms" "" "$(mibps "$small_bytes" "$fc") MiB/s"
result "logdex index (wall, median)" "" "" " ms" "$(bm sidx_ms)" "$(med after:sidx_ms)"
rb=$( [ -n "$baseline" ] && ratio "$(med before:sidx_ms)" "$fc" || echo "")
result "logdex index / find | xargs cat" "<=" 1 "x" "$rb" "$(ratio "$(med after:sidx_ms)" "$fc")"
result "logdex index peak RSS" "" "" " MiB" "$(mibk "$(bm sidx_rss)")" "$(mibk "$(med after:sidx_rss)")"

if fuse_ok; then sessions_table; fi

write_results
if errors_seen; then exit 1; fi
exit 0

# shellcheck shell=bash
# Verbs of the compressed-log tests (SPEC §7), on top of lib.sh. Inputs are made with the lz4 CLI.

[ -n "$(command -v lz4)" ] || fail "the compressed-log tests need the lz4 command (scripts/install_deps.sh installs it)"

# lz4_pack DIR FLAGS...: replaces every log file below DIR (but pi's index/offsets.jsonl) by
# FILE.lz4 made with `lz4 FLAGS`.
lz4_pack() {
  local dir=$1 f
  shift
  while IFS= read -r -d '' f; do
    lz4 -q "$@" -- "$f" "$f.lz4"
    rm -f -- "$f"
  done < <(find "$dir" -type f \( -name '*.jsonl' -o -name '*.ndjson' -o -name '*.seg' \) \
             ! -path '*/index/offsets.jsonl' -print0)
}

# random_reads FILE_A FILE_B N: N reads of random offsets and sizes with dd, through the page
# cache and around it; each must give the same bytes from both files.
random_reads() {
  local a=$1 b=$2 n=$3 size i skip count
  size=$(stat -c %s -- "$b")
  for ((i = 0; i < n; i++)); do
    skip=$(( (RANDOM * 32768 + RANDOM) % (size + 100) ))
    count=$(( RANDOM % 70000 + 1 ))
    on_mount dd if="$a" bs=65536 skip="$skip" count="$count" iflag=skip_bytes,count_bytes status=none \
      >"$TEST_DIR/ra" || fail "dd of $a at $skip"
    dd if="$b" bs=65536 skip="$skip" count="$count" iflag=skip_bytes,count_bytes status=none >"$TEST_DIR/rb"
    cmp -s "$TEST_DIR/ra" "$TEST_DIR/rb" || fail "dd skip=$skip count=$count: bytes differ from $b"
  done
}

# big_log FILE MB: about MB megabytes of JSON lines.
big_log() {
  python3 - "$1" "$2" <<'PY'
import random, sys
random.seed(7)
with open(sys.argv[1], "w") as f:
    n, total = 0, int(sys.argv[2]) << 20
    while total > 0:
        line = '{"type":"user","id":"e%d","text":"%s"}\n' % (n, "".join(random.choice("abcdefgh ") for _ in range(random.randrange(20, 300))))
        f.write(line); total -= len(line); n += 1
PY
}

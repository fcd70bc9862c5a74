#!/usr/bin/env bash
# A cache that is damaged (one byte flipped in the middle) or truncated to half is never
# trusted: the remount moves it aside as index.cache.bad (those very bytes), rebuilds from the
# logs (status says why), serves exactly `logdex index`, and its own unmount saves a good cache
# that the next mount reuses.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"

logdir=$(make_dir logs)
mnt=$(make_dir mnt)
copy_sample "$logdir"

# 1. One byte flipped in the middle.
cache=$(make_dir cache-flipped)
save_good_cache "$logdir" "$mnt" "$cache"
size=$(stat -c %s "$cache/index.cache")
python3 - "$cache/index.cache" "$((size / 2))" <<'EOF'
import sys
path, at = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    f.seek(at); b = f.read(1); f.seek(at); f.write(bytes([b[0] ^ 0xFF]))
EOF
assert_eq "$size" "$(stat -c %s "$cache/index.cache")" "flipped cache keeps its size"
assert_cache_moved_aside "$logdir" "$mnt" "$cache" rebuilt_damaged_cache "byte flipped"

# 2. Truncated to half.
cache=$(make_dir cache-truncated)
save_good_cache "$logdir" "$mnt" "$cache"
truncate -s $(($(stat -c %s "$cache/index.cache") / 2)) "$cache/index.cache"
assert_cache_moved_aside "$logdir" "$mnt" "$cache" rebuilt_damaged_cache "truncated to half"


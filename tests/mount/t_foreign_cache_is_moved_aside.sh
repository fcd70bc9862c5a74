#!/usr/bin/env bash
# A good cache saved for another log dir (same files, other path) is not trusted for this one:
# the mount rebuilds from the logs (cache.start "rebuilt_foreign_cache"), serves exactly
# `logdex index`, and moves the foreign cache aside as index.cache.bad (the issue: "a cache that
# is damaged, truncated, of another version or another log dir is moved aside as
# index.cache.bad"); its unmount saves a cache the next mount reuses.
. "$(dirname "$0")/lib.sh" "$1"
. "$(dirname "$0")/lib_live.sh"

logdir=$(make_dir logs)
other=$(make_dir other-logs)
mnt=$(make_dir mnt)
cache=$(make_dir cache)
copy_sample "$logdir"
copy_sample "$other"
save_good_cache "$other" "$mnt" "$cache"
assert_cache_moved_aside "$logdir" "$mnt" "$cache" rebuilt_foreign_cache "cache of another log dir"

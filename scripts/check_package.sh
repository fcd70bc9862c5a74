#!/usr/bin/env bash
# usage: scripts/check_package.sh [BUILD_DIR]
# The Debian package, end to end (a step of scripts/test.sh): builds it with scripts/package.sh
# (Release, daemon only, in BUILD_DIR, default build-pkg/), checks that it holds the binary and
# the man page and nothing else, installs it with apt-get, checks /usr/bin/logdex --help and
# `man -w logdex`, runs one mount test with the installed binary and the `mount -t fuse.logdex`
# test, and removes the package again at the end (also on failure), so the machine is left as it
# was. A logdex package installed before is removed first, so the one tested is this build.
# Runs as root (apt-get, mount) with no terminal; the package's dependencies must already be
# installed (scripts/install_deps.sh), so apt-get needs no network.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$repo/build-pkg}
cd "$repo"
mkdir -p "$build"
build=$(cd "$build" && pwd)
export DEBIAN_FRONTEND=noninteractive

say() { echo "check_package: $*"; }
die() { echo "check_package: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (apt-get install, mount)"

installed() { dpkg-query -W -f='${Status}' logdex 2>/dev/null | grep -q 'install ok installed'; }
remove_package() {
  if installed; then
    say "removing the logdex package"
    apt-get remove -y -q logdex >/dev/null || echo "check_package: apt-get remove logdex failed" >&2
  fi
}
trap remove_package EXIT

t0=$SECONDS
bash scripts/package.sh "$build" | tee "$build/package.log"
deb=$(tail -n 1 "$build/package.log")
[ -f "$deb" ] || die "package.sh did not name a .deb (last line: $deb)"
say "built $deb ($(stat -c %s "$deb") bytes) in $((SECONDS - t0))s"

# Only what users need: the binary and the man page (and the directories holding them).
contents=$(dpkg-deb --contents "$deb" | awk '{ print $NF }' | grep -v '/$' | sort)
want=$'./usr/bin/logdex\n./usr/share/man/man1/logdex.1.gz'
[ "$contents" = "$want" ] || die "the package holds $(echo "$contents" | tr '\n' ' ')instead of $(echo "$want" | tr '\n' ' ')"
depends=$(dpkg-deb --field "$deb" Depends)
say "Depends: $depends"
grep -qw fuse3 <<<"$depends" || die "the package does not depend on fuse3"
grep -qw 'libfuse3-3' <<<"$depends" || die "dpkg-shlibdeps found no libfuse3-3 dependency"

if installed; then
  say "a logdex package is installed already: removing it, so the one tested is this build"
  apt-get remove -y -q logdex >/dev/null
fi
t1=$SECONDS
apt-get install -y -q --no-install-recommends "$deb" || die "apt-get install $deb failed"
say "installed in $((SECONDS - t1))s"
installed || die "dpkg does not list logdex as installed after apt-get install"

[ "$(command -v logdex)" = /usr/bin/logdex ] || die "logdex in PATH is $(command -v logdex || echo nothing), not /usr/bin/logdex"
/usr/bin/logdex --help >/dev/null || die "/usr/bin/logdex --help exited $?"
if grep -qs 'path-exclude=/usr/share/man' /etc/dpkg/dpkg.cfg.d/*; then
  say "dpkg on this machine excludes man pages (/etc/dpkg/dpkg.cfg.d): not checking man -w"
else
  page=$(man -w logdex) || die "man -w logdex finds no page"
  [ "$page" = /usr/share/man/man1/logdex.1.gz ] || die "man -w logdex gives $page"
  man logdex 2>&1 | grep -q 'fuse.logdex' || die "man logdex does not render the page"
fi

if [ ! -c /dev/fuse ]; then
  echo "##########################################################################"
  echo "SKIP: package mount tests need /dev/fuse (missing); the package was built,"
  echo "installed and checked without mounting"
  echo "##########################################################################"
  exit 0
fi
t2=$SECONDS
bash tests/mount/t_index_matches_expected.sh /usr/bin/logdex </dev/null ||
  die "tests/mount/t_index_matches_expected.sh failed with /usr/bin/logdex"
say "t_index_matches_expected passed with /usr/bin/logdex"
bash tests/mount/installed/t_installed_package_mounts_with_mount_t.sh /usr/bin/logdex </dev/null ||
  die "tests/mount/installed/t_installed_package_mounts_with_mount_t.sh failed (exit $?)"
say "mount tests with the installed package took $((SECONDS - t2))s; whole check $((SECONDS - t0))s"

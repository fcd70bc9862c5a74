#!/usr/bin/env bash
# usage: scripts/package.sh [BUILD_DIR]
# Builds the Debian package of logdex with CPack (cmake/Packaging.cmake): a Release build of the
# daemon alone (BUILD_TESTING=OFF) in its own build dir, default build-pkg/, so build/ is left as
# it was. Prints the path of the .deb (logdex_VERSION_ARCH.deb in BUILD_DIR) on its last line.
# Needs what scripts/install_deps.sh installs (dpkg-dev for dpkg-shlibdeps, which derives the
# library dependencies; file, which CPack uses to find the binaries to strip).
#   sudo apt-get install -y ./build-pkg/logdex_*.deb     # /usr/bin/logdex, logdex(1)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$repo/build-pkg}
mkdir -p "$build"
build=$(cd "$build" && pwd)  # absolute: apt-get takes a path to a .deb only with a slash first

for tool in cmake cpack dpkg-shlibdeps dpkg-deb file; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "package.sh: $tool is missing (run scripts/install_deps.sh)" >&2
    exit 1
  }
done

cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF -DLOGDEX_SANITIZE=OFF
cmake --build "$build" -j"$(nproc)"
# A .deb left from an earlier version must not be mistaken for this one.
rm -f "$build"/logdex_*.deb
(cd "$build" && cpack -G DEB)

debs=("$build"/logdex_*.deb)
if [ "${#debs[@]}" -ne 1 ] || [ ! -f "${debs[0]}" ]; then
  echo "package.sh: expected one logdex_*.deb in $build, found: ${debs[*]}" >&2
  exit 1
fi
dpkg-deb --info "${debs[0]}"
dpkg-deb --contents "${debs[0]}"
echo "${debs[0]}"

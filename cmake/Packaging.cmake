# The Debian package, made by CPack's DEB generator from the install rules (scripts/package.sh
# builds it: `cpack -G DEB` in a Release build dir of its own). It holds /usr/bin/logdex and
# /usr/share/man/man1/logdex.1.gz and nothing else.
#
# Dependencies: dpkg-shlibdeps (from dpkg-dev) derives the shared libraries' packages from the
# binary (libfuse3, abseil, simdjson, ISA-L, LZ4, OpenSSL, libstdc++, libc); `fuse3` is named
# on top, because mounting needs fusermount3 (libfuse calls it to mount and unmount as a user)
# and `mount -t fuse.logdex` / fstab lines need /sbin/mount.fuse3, neither of which is a library.

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME logdex)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "logdex maintainers")
set(CPACK_PACKAGE_CONTACT "logdex maintainers <maintainers@users.noreply.b-seed-55c01110.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # logdex_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${CPACK_PACKAGE_CONTACT})
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS fuse3)
# The long description; CPack puts the summary line before it and indents it as
# deb-control(5) wants.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"logdex mounts a directory of append-only log files (AI coding-agent sessions,
pi session-store segments, any JSON-lines log) with FUSE and shows the same
tree plus a synthesized /index.ndjson: one row per log line with its file,
byte offset and length, CRC-32C, source, state and the entry's type, ids,
session and timestamp. The index is kept fresh as the logs grow, cached
across mounts, checked against the logs' bytes, and rebuilt from them when
it is missing or damaged. The same binary prints an index without mounting,
verifies a log dir and repairs pi's offsets.jsonl indexes.")

include(CPack)

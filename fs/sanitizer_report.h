// Sanitizer builds only (-DLOGDEX_SANITIZE=ON, -DLOGDEX_TSAN=ON): where a
// report of the daemon goes.
//
// With log_path=PREFIX in ASAN_OPTIONS/TSAN_OPTIONS (tests/mount/
// lib_sanitizer.sh sets it), a sanitizer runtime writes its reports to
// PREFIX.PID, opening that file when it first reports. The daemon cannot
// count on that open: it may be out of file descriptors then (the descriptor
// exhaustion test makes it so), and its stderr, where the runtime would say
// so, is /dev/null once daemonized. So right after fuse_daemonize (a new pid)
// the daemon has the runtime open its report file (empty until a report) and
// keep it: one descriptor, held for the process's life.
//
// In a build without a sanitizer runtime this does nothing.
#ifndef LOGDEX_FS_SANITIZER_REPORT_H_
#define LOGDEX_FS_SANITIZER_REPORT_H_

namespace logdex::fs {

// Opens this process's sanitizer report file now, if a runtime is linked in
// and a log_path is set (else the runtime keeps stderr).
void OpenSanitizerReportNow();

// Whether this is a ThreadSanitizer build (-DLOGDEX_TSAN=ON).
#if defined(__SANITIZE_THREAD__)
inline constexpr bool kThreadSanitizerBuild = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool kThreadSanitizerBuild = true;
#else
inline constexpr bool kThreadSanitizerBuild = false;
#endif
#else
inline constexpr bool kThreadSanitizerBuild = false;
#endif

}  // namespace logdex::fs

#endif  // LOGDEX_FS_SANITIZER_REPORT_H_

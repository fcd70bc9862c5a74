// Helpers shared by the fuzz targets: a check that aborts in every build type (the fuzzer and
// the replay tests see the abort as a crash), reference implementations written independently
// of the product's, and scratch places for targets that need a file descriptor.
#ifndef LOGDEX_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define LOGDEX_TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace logdex::fuzz {

// Prints the failed property and aborts (never compiled out, unlike assert).
[[noreturn]] void Fail(const char* file, int line, const char* what, const std::string& detail);

#define FUZZ_CHECK(cond, detail)                                                    \
  do {                                                                             \
    if (!(cond)) ::logdex::fuzz::Fail(__FILE__, __LINE__, #cond, (detail));        \
  } while (0)

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) computed bit by bit: a reference that
// shares nothing with index/crc32c.cc (ISA-L).
uint32_t ReferenceCrc32c(std::string_view bytes);

// A memfd holding `bytes` (an in-memory file: no disk, no path). The caller closes it; -1 on
// failure.
int MemFdWith(std::string_view bytes);

// A per-process scratch directory on tmpfs (in $LOGDEX_FUZZ_SCRATCH if set, else /dev/shm, else
// $TMPDIR or /tmp), created on first use and removed at exit; targets that need a directory tree reuse it for every input.
const std::string& ScratchDir();

// Removes everything inside `dir` (not dir itself).
void ClearDir(const std::string& dir);

// Writes `bytes` to `path` (created or truncated), creating no directories. Aborts on failure:
// the scratch dir is the harness's own, so a failure there is the harness's bug.
void WriteFileOrDie(const std::string& path, std::string_view bytes);

}  // namespace logdex::fuzz

#endif  // LOGDEX_TESTS_FUZZ_FUZZ_SUPPORT_H_

// Runs a fuzz target's LLVMFuzzerTestOneInput over files, without libFuzzer: each argument is a
// file, or a directory whose regular files (not recursively) are each one input. A directory
// that does not exist is skipped with a note (a target may have no regressions yet). Exits 0
// when every input ran; a failed check or a sanitizer report aborts with the input's name
// printed first. This makes the corpus and every checked-in crash input a ctest in every build.
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool RunFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
    return false;
  }
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::fprintf(stderr, "replay: %s (%zu bytes)\n", path.c_str(), bytes.size());
  // A copy of exactly the input's size, so ASan sees any read past its end.
  std::vector<uint8_t> exact(bytes.begin(), bytes.end());
  LLVMFuzzerTestOneInput(exact.empty() ? nullptr : exact.data(), exact.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  size_t inputs = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg = argv[i];
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<std::string> files;
      for (const auto& entry : fs::directory_iterator(arg)) {
        if (entry.is_regular_file()) files.push_back(entry.path().string());
      }
      std::sort(files.begin(), files.end());
      for (const std::string& f : files) {
        ok = RunFile(f) && ok;
        ++inputs;
      }
    } else if (fs::exists(arg, ec)) {
      ok = RunFile(arg.string()) && ok;
      ++inputs;
    } else {
      std::fprintf(stderr, "replay: %s does not exist; skipped\n", argv[i]);
    }
  }
  std::fprintf(stderr, "replay: %zu inputs ran\n", inputs);
  if (inputs == 0) {
    std::fprintf(stderr, "replay: no inputs at all (is the corpus missing?)\n");
    return 1;
  }
  return ok ? 0 : 1;
}

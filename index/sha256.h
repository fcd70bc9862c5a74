// SHA-256 for pi's payloadSha256 check, backed by OpenSSL's libcrypto.
#ifndef LOGDEX_INDEX_SHA256_H_
#define LOGDEX_INDEX_SHA256_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

struct evp_md_st;
struct evp_md_ctx_st;

namespace logdex::index {

// One per thread: holds a fetched digest and a reusable context, so hashing a
// short payload costs no algorithm lookup.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  std::array<uint8_t, 32> Digest(std::string_view data);
  // Lowercase hex of Digest(data).
  std::string HexDigest(std::string_view data);

 private:
  evp_md_st* md_;
  evp_md_ctx_st* ctx_;
};

}  // namespace logdex::index

#endif  // LOGDEX_INDEX_SHA256_H_

#include "index/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace logdex::index {

Sha256::Sha256() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx_(EVP_MD_CTX_new()) {
  if (md_ == nullptr || ctx_ == nullptr) std::abort();  // libcrypto is unusable
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(ctx_);
  EVP_MD_free(md_);
}

std::array<uint8_t, 32> Sha256::Digest(std::string_view data) {
  std::array<uint8_t, 32> out{};
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx_, md_, nullptr) != 1 ||
      EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx_, out.data(), &len) != 1 || len != out.size()) {
    std::abort();  // only fails on allocation failure inside libcrypto
  }
  return out;
}

std::string Sha256::HexDigest(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto d = Digest(data);
  std::string hex(64, '0');
  for (size_t i = 0; i < d.size(); ++i) {
    hex[2 * i] = kHex[d[i] >> 4];
    hex[2 * i + 1] = kHex[d[i] & 15];
  }
  return hex;
}

}  // namespace logdex::index

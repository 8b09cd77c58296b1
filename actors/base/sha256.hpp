#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace troupe::base {

/// SHA-256 (FIPS 180-4), incremental, computed by OpenSSL's libcrypto,
/// which uses the CPU's SHA extensions or vector units where present (about
/// 7x faster than portable code here). Allocation-free: the hash state
/// lives inside the object. Plain logic, no actor involved.
class sha256 {
 public:
  sha256() noexcept;

  void update(std::string_view data) noexcept;

  /// Finishes the hash; the object must not be updated afterwards.
  std::array<uint8_t, 32> finish() noexcept;

  /// Lower-case hex digest of `data`.
  static std::string hex_digest(std::string_view data);

 private:
  // OpenSSL's SHA256_CTX, kept opaque so that this header does not pull in
  // OpenSSL's (the .cpp checks size and alignment).
  alignas(8) unsigned char ctx_[112];
};

} // namespace troupe::base

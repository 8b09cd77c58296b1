#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace troupe {

/// SHA-256 (FIPS 180-4), incremental. Plain logic, no actor involved.
class sha256 {
 public:
  sha256() noexcept;

  void update(std::string_view data) noexcept;

  /// Finishes the hash; the object must not be updated afterwards.
  std::array<uint8_t, 32> finish() noexcept;

  /// Lower-case hex digest of `data`.
  static std::string hex_digest(std::string_view data);

 private:
  void compress(const uint8_t* block) noexcept;

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_;
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

} // namespace troupe

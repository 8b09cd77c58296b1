#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace troupe::pool {

/// Why a pool replaced a worker (the `reason` label of
/// `troupe_process_restarts_total`).
enum class restart_reason : uint8_t {
  crashed,      ///< the worker ended on its own (process exited or died)
  unhealthy,    ///< it did not answer a ping in time or broke the protocol
  start_failed, ///< it could not be started or never answered its first ping
  timeout,      ///< killed because its job ran past the deadline
  cancelled,    ///< killed because its job was cancelled
  recycled,     ///< replaced after its configured number of jobs
};

inline constexpr size_t restart_reason_count = 6;

std::string_view to_string(restart_reason x) noexcept;

} // namespace troupe::pool

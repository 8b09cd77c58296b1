#include "actors/pool/restart_reason.hpp"

namespace troupe::pool {

std::string_view to_string(restart_reason x) noexcept {
  switch (x) {
    case restart_reason::crashed:
      return "crashed";
    case restart_reason::unhealthy:
      return "unhealthy";
    case restart_reason::start_failed:
      return "start_failed";
    case restart_reason::timeout:
      return "timeout";
    case restart_reason::cancelled:
      return "cancelled";
    case restart_reason::recycled:
      return "recycled";
  }
  return "unknown";
}

} // namespace troupe::pool

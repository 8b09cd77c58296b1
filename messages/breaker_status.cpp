#include "messages/breaker_status.hpp"

namespace troupe {

std::string_view to_string(circuit_state x) noexcept {
  switch (x) {
    case circuit_state::closed:
      return "closed";
    case circuit_state::open:
      return "open";
    case circuit_state::half_open:
      return "half-open";
    case circuit_state::forced_open:
      return "forced-open";
    case circuit_state::forced_closed:
      return "forced-closed";
  }
  return "closed";
}

int metric_value(circuit_state x) noexcept {
  switch (x) {
    case circuit_state::open:
    case circuit_state::forced_open:
      return 1;
    case circuit_state::half_open:
      return 2;
    default:
      return 0;
  }
}

std::string_view to_string(breaker_command x) noexcept {
  switch (x) {
    case breaker_command::force_open:
      return "force-open";
    case breaker_command::force_close:
      return "force-close";
    case breaker_command::reset:
      return "reset";
    default:
      return "show";
  }
}

} // namespace troupe

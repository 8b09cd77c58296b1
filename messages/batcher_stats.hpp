#pragma once

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

namespace troupe {

/// What a batcher reports about its link to one destination.
struct batcher_stats {
  std::string destination;
  /// Jobs waiting to be sent, and sent but not yet answered.
  uint64_t buffered = 0;
  uint64_t in_flight = 0;
  /// Batches sent, by reason: count, bytes, linger, idle.
  uint64_t flushed_count = 0;
  uint64_t flushed_bytes = 0;
  uint64_t flushed_linger = 0;
  uint64_t flushed_idle = 0;
  /// Jobs sent in all batches.
  uint64_t items_sent = 0;
  /// Jobs refused because the destination was too slow (OVERLOADED).
  uint64_t refused = 0;
  /// Whether the destination went away.
  bool destination_down = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batcher_stats& x) {
  return f(caf::meta::type_name("batcher_stats"), x.destination, x.buffered,
           x.in_flight, x.flushed_count, x.flushed_bytes, x.flushed_linger,
           x.flushed_idle, x.items_sent, x.refused, x.destination_down);
}

} // namespace troupe

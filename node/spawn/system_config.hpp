#pragma once

#include <caf/actor_system_config.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace troupe::node {

/// An actor_system_config for any process that runs troupe: registers
/// troupe's message types and error category and keeps CAF's own console
/// output off. It loads no CAF network module: between processes troupe
/// speaks gRPC, and CAF's wire protocol never leaves the process. It never
/// parses the command line (troupe's CLI does that), so nothing in argv can
/// silently reconfigure CAF.
class system_config : public caf::actor_system_config {
 public:
  system_config();

  /// Sets the scheduler policy ("sharing" or "stealing") and thread count.
  /// "sharing" is CAF's work sharing with help from the node's door thread
  /// (`base::helping_sharing`); "stealing" is CAF's own work stealing.
  void scheduler(const std::string& policy, uint32_t threads);

 private:
  /// Where the helping scheduler's factory is in `module_factories`.
  std::optional<size_t> helping_factory_;
};

/// Adds troupe's message types and error category to an application's own
/// config (what `system_config` does, for embedding apps).
void add_troupe_types(caf::actor_system_config& cfg);

} // namespace troupe::node

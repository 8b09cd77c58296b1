#include "node/system_config.hpp"

#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

#include <caf/atom.hpp>
#include <caf/io/middleman.hpp>

namespace troupe {

void add_troupe_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::troupe>();
  // The templated add_error_category of CAF 0.17.6 does not compile; the
  // renderer overload does the same.
  cfg.add_error_category(
    caf::atom("troupe"),
    [](uint8_t code, caf::atom_value, const caf::message& ctx) -> std::string {
      caf::error err{code, caf::atom("troupe"), ctx};
      return describe(err);
    });
}

system_config::system_config() {
  add_troupe_types(*this);
  load<caf::io::middleman>();
  set("logger.console", caf::atom("none"));
  set("logger.verbosity", caf::atom("quiet"));
  scheduler("sharing", 1);
}

void system_config::scheduler(const std::string& policy, uint32_t threads) {
  set("scheduler.policy",
      policy == "stealing" ? caf::atom("stealing") : caf::atom("sharing"));
  set("scheduler.max-threads", static_cast<size_t>(threads));
}

} // namespace troupe

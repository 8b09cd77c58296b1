#include "node/spawn/system_config.hpp"

#include "actors/base/helping_scheduler.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

#include <caf/atom.hpp>

#include <cstddef>

namespace troupe::node {

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
  set("logger.console", caf::atom("none"));
  set("logger.verbosity", caf::atom("quiet"));
  set("scheduler.policy", caf::atom("sharing"));
  set("scheduler.max-threads", size_t{1});
}

void system_config::scheduler(const std::string& policy, uint32_t threads) {
  set("scheduler.policy",
      policy == "stealing" ? caf::atom("stealing") : caf::atom("sharing"));
  set("scheduler.max-threads", static_cast<size_t>(threads));
  // Work sharing with help from the door's thread: a client's quick job is
  // answered on the thread that read it (see helping_scheduler.hpp).
  auto helping = policy != "stealing";
  if (helping && !helping_factory_) {
    helping_factory_ = module_factories.size();
    base::use_helping_scheduler(*this);
  } else if (!helping && helping_factory_) {
    module_factories.erase(module_factories.begin()
                           + static_cast<std::ptrdiff_t>(*helping_factory_));
    helping_factory_.reset();
  }
}

} // namespace troupe::node

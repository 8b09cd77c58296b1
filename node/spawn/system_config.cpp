#include "node/spawn/system_config.hpp"

#include "actors/base/helping_scheduler.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

#include <caf/atom.hpp>
#include <caf/defaults.hpp>
#include <caf/io/middleman.hpp>

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
  load<caf::io::middleman>();
  set("logger.console", caf::atom("none"));
  set("logger.verbosity", caf::atom("quiet"));
  set("scheduler.policy", caf::atom("sharing"));
  set("scheduler.max-threads", size_t{1});
  // A client mostly waits for replies: deserializing on the I/O thread
  // saves a thread hand-off per message (sequential remote jobs: p50 189 ->
  // 148 us measured on 2 cores). Nodes opt back into the worker hub.
  set("middleman.workers", size_t{0});
}

void system_config::node_io() {
  // CAF's own default: deserialization on worker threads spreads a busy
  // node's load over the cores (up to 40 % more jobs/s measured).
  set("middleman.workers", caf::defaults::middleman::workers);
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

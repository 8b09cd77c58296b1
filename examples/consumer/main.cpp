// The smallest program built against an installed troupe: registers a skill,
// embeds a node in its own actor system and runs one job through it.
#include "actors/skills/skill.hpp"
#include "node/spawn/node.hpp"
#include "node/spawn/system_config.hpp"

#include <caf/all.hpp>

#include <iostream>

int main() {
  caf::actor_system_config cfg;
  troupe::node::add_troupe_types(cfg);
  caf::actor_system sys{cfg};
  troupe::skills::skill_catalog catalog;
  troupe::skills::skill_definition greet;
  greet.name = "greet";
  greet.mode = troupe::skills::skill_mode::in_pool;
  greet.fn = [](const std::string& who) {
    return troupe::skills::skill_output::success("hello, " + who);
  };
  if (auto err = catalog.add(std::move(greet))) {
    std::cerr << "consumer: " << sys.render(err) << "\n";
    return 1;
  }
  auto node = troupe::node::spawn_node(sys, troupe::config::node_config{},
                                       catalog, nullptr,
                                       /*publish=*/false);
  if (!node) {
    std::cerr << "consumer: " << sys.render(node.error()) << "\n";
    return 1;
  }
  caf::scoped_actor self{sys};
  troupe::job j;
  j.id = 1;
  j.skill = "greet";
  j.input = "troupe";
  self->send(node->router, std::move(j),
             caf::actor_cast<troupe::result_sink_actor>(self));
  int rc = 1;
  self->receive(
    [&](troupe::job_result& r) {
      std::cout << "consumer: " << troupe::to_string(r.status) << " "
                << r.output << std::endl;
      rc = r.status == troupe::job_status::ok ? 0 : 1;
    },
    caf::after(std::chrono::seconds(10)) >>
      [] {
        std::cerr << "consumer: no result within 10 s\n";
      });
  troupe::node::stop_node(sys, *node);
  return rc;
}

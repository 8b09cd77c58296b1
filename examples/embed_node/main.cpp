// embed_node: a CAF application that embeds a troupe node in its own actor
// system, registers skills of its own next to the built-in ones (one that
// answers at once, one that answers later through one of the application's
// actors), and calls skills with typed requests from one of its actors.
//
//   troupe-example-embed-node [--port P]   (P > 0 also serves remote clients)

#include "actors/skills/builtin_skills.hpp"
#include "actors/skills/skill.hpp"
#include "node/spawn/node.hpp"
#include "node/spawn/system_config.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;

// The application's own skill: reverses its input. Fast and non-blocking,
// so it runs inside its pool (`in_pool`), the cheapest way to run a skill.
troupe::skills::skill_definition reverse_skill() {
  troupe::skills::skill_definition def;
  def.name = "reverse";
  def.description = "reverses its input";
  def.mode = troupe::skills::skill_mode::in_pool;
  def.fn = [](const std::string& in) {
    return troupe::skills::skill_output::success(
      std::string(in.rbegin(), in.rend()));
  };
  return def;
}

// One of the application's actors: it owns the stock of a shop and answers
// how many of an item are left.
caf::behavior stock_keeper(caf::event_based_actor*) {
  auto stock = std::make_shared<std::map<std::string, int32_t>>(
    std::map<std::string, int32_t>{{"apples", 12}, {"pears", 0}});
  return {
    [stock](const std::string& item) -> caf::result<int32_t> {
      auto i = stock->find(item);
      if (i == stock->end())
        return caf::make_error(caf::sec::runtime_error, "no such item");
      return i->second;
    },
  };
}

// An asynchronous skill: it asks the stock keeper and answers when the
// keeper does, without blocking anything meanwhile. The skill code only
// starts the work; a short-lived actor waits for the keeper's answer and
// passes it to the job's reply.
troupe::skills::skill_definition stock_skill(caf::actor_system& sys,
                                             caf::actor keeper) {
  troupe::skills::skill_definition def;
  def.name = "stock";
  def.description = "items left in stock (asks the application's keeper)";
  // Jobs awaiting the keeper's answer at once; more wait in the queue.
  def.workers = 64;
  def.async_fn = [&sys, keeper](const std::string& item,
                                const troupe::skills::skill_context&,
                                troupe::skills::skill_reply reply) {
    sys.spawn([=](caf::event_based_actor* self) {
      self->request(keeper, 5s, item)
        .then(
          [=](int32_t n) {
            reply(troupe::skills::skill_output::success(item + ": "
                                                        + std::to_string(n)));
          },
          [=](caf::error& err) {
            reply(troupe::skills::skill_output::failure(
              troupe::job_status::bad_input,
              "the keeper says: " + self->system().render(err)));
          });
    });
  };
  return def;
}

troupe::job make_job(uint64_t id, std::string skill, std::string input) {
  troupe::job j;
  j.id = id;
  j.skill = std::move(skill);
  j.input = std::move(input);
  return j;
}

// One of the application's actors: runs jobs through the node one after
// another with typed requests, printing each result.
void run_next(caf::event_based_actor* self, troupe::router_actor router,
              std::shared_ptr<std::vector<troupe::job>> jobs, size_t i) {
  if (i == jobs->size()) {
    self->quit();
    return;
  }
  self->request(router, 10s, (*jobs)[i])
    .then(
      [=](troupe::job_result& r) {
        auto ok = r.status == troupe::job_status::ok;
        std::printf("job %llu %s: %s %s%s\n",
                    static_cast<unsigned long long>(r.id), r.skill.c_str(),
                    std::string{troupe::to_string(r.status)}.c_str(),
                    ok ? r.output.c_str() : r.error.c_str(),
                    r.cache_hit ? " (cache hit)" : "");
        run_next(self, router, jobs, i + 1);
      },
      [self](caf::error& err) {
        std::printf("request failed: %s\n", self->system().render(err).c_str());
        self->quit(err);
      });
}

caf::behavior app_actor(caf::event_based_actor* self,
                        troupe::router_actor router) {
  auto jobs = std::make_shared<std::vector<troupe::job>>();
  jobs->push_back(make_job(1, "reverse", "stressed"));
  jobs->push_back(make_job(2, "sha256", "abc"));
  // sha256 caches its results: the same job again is answered at once.
  jobs->push_back(make_job(3, "sha256", "abc"));
  jobs->push_back(make_job(4, "stock", "apples"));
  jobs->push_back(make_job(5, "stock", "plums"));
  jobs->push_back(make_job(6, "nope", "x"));
  run_next(self, std::move(router), std::move(jobs), 0);
  return {};
}

} // namespace

int main(int argc, char** argv) {
  uint16_t port = 0;
  if (argc == 3 && std::string{argv[1]} == "--port")
    port = static_cast<uint16_t>(std::atoi(argv[2]));
  // troupe's message types join the application's own configuration.
  caf::actor_system_config cfg;
  troupe::node::add_troupe_types(cfg);
  caf::actor_system sys{cfg};
  troupe::skills::skill_catalog catalog;
  if (auto err = troupe::skills::add_builtin_skills(catalog)) {
    std::fprintf(stderr, "%s\n", sys.render(err).c_str());
    return 1;
  }
  auto keeper = sys.spawn(stock_keeper);
  std::vector<troupe::skills::skill_definition> own;
  own.push_back(reverse_skill());
  own.push_back(stock_skill(sys, keeper));
  for (auto& def : own)
    if (auto err = catalog.add(std::move(def))) {
      std::fprintf(stderr, "%s\n", sys.render(err).c_str());
      return 1;
    }
  troupe::config::node_config node_cfg;
  node_cfg.name = "embedded";
  node_cfg.port = port;
  auto node = troupe::node::spawn_node(sys, node_cfg, catalog, nullptr,
                                       /*publish=*/port != 0);
  if (!node) {
    std::fprintf(stderr, "%s\n", sys.render(node.error()).c_str());
    return 1;
  }
  std::printf("node '%s' runs %zu skills inside this application\n",
              node_cfg.name.c_str(), catalog.size());
  {
    caf::scoped_actor self{sys};
    auto app = self->spawn(app_actor, node->router);
    self->wait_for(app);
  }
  troupe::node::stop_node(sys, *node);
  caf::anon_send_exit(keeper, caf::exit_reason::user_shutdown);
  return 0;
}

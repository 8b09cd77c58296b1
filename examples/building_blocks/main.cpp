// building_blocks: an application that runs no troupe node, only two of its
// building blocks around an actor of its own: a cache shard (repeated
// requests answered from memory, identical ones in flight run once) in
// front of a circuit breaker (a failing service is cut off and answered at
// once instead of being hammered) in front of the application's actor.
//
//   troupe-example-building-blocks

#include "actors/breaker/breaker.hpp"
#include "actors/cache/cache_digest.hpp"
#include "actors/cache/cache_shard.hpp"
#include "actors/skills/skill.hpp"
#include "node/spawn/system_config.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;

// The application's own service, not a troupe skill: looks up a price and
// fails for every request while `down` (the input "outage" takes it down).
// Anything handling (job, result_sink_actor) can sit behind the blocks.
troupe::job_runner_actor::behavior_type
price_service(troupe::job_runner_actor::pointer self) {
  auto down = std::make_shared<bool>(false);
  auto calls = std::make_shared<int>(0);
  return {
    [self, down, calls](troupe::job& j, troupe::result_sink_actor& sink) {
      ++*calls;
      if (j.input == "outage")
        *down = true;
      troupe::job_result r;
      r.id = j.id;
      r.skill = j.skill;
      if (*down) {
        r.status = troupe::job_status::skill_error;
        r.error = "price database unreachable";
      } else {
        r.status = troupe::job_status::ok;
        r.output = j.input + " = " + std::to_string(100 + j.input.size())
                   + " (computed by call " + std::to_string(*calls) + ")";
      }
      self->send(sink, std::move(r));
    },
  };
}

// The service as troupe sees it: the name and version that go into cache
// keys, the cache policy and the breaker's thresholds (no skill function:
// the application's actor does the work).
std::shared_ptr<troupe::skills::skill_definition> price_skill() {
  auto def = std::make_shared<troupe::skills::skill_definition>();
  def->name = "price";
  def->version = "1";
  def->cache.enabled = true;
  def->cache.ttl = 60s;
  def->breaker.enabled = true;
  def->breaker.window_calls = 4;
  def->breaker.minimum_calls = 4;
  def->breaker.failure_rate = 50;
  def->breaker.open_wait = 30s;
  return def;
}

struct demo_state {
  troupe::cache_shard_actor cache;
  troupe::job_runner_actor front; // the breaker
  std::vector<std::string> inputs;
  size_t next = 0;
};

// Sends the inputs one at a time through cache → breaker → service and
// prints every result.
caf::behavior
demo(caf::stateful_actor<demo_state>* self, troupe::cache_shard_actor cache,
     troupe::job_runner_actor front, std::vector<std::string> inputs) {
  self->state.cache = std::move(cache);
  self->state.front = std::move(front);
  self->state.inputs = std::move(inputs);
  auto send_next = [self] {
    auto& st = self->state;
    if (st.next == st.inputs.size()) {
      self->quit();
      return;
    }
    troupe::job j;
    j.id = st.next + 1;
    j.skill = "price";
    j.input = st.inputs[st.next++];
    auto key = troupe::cache::cache_digest(j.skill, "1", j.input);
    self->send(st.cache, std::move(j), key, st.front,
               caf::actor_cast<troupe::result_sink_actor>(self));
  };
  send_next();
  return {
    [self, send_next](troupe::job_result& r) {
      auto& input = self->state.inputs[r.id - 1];
      std::printf("%-7s %-13s %s%s\n", input.c_str(),
                  std::string{troupe::to_string(r.status)}.c_str(),
                  r.status == troupe::job_status::ok ? r.output.c_str()
                                                     : r.error.c_str(),
                  r.cache_hit ? " [cache hit]" : "");
      send_next();
    },
  };
}

} // namespace

int main() {
  caf::actor_system_config cfg;
  troupe::node::add_troupe_types(cfg);
  caf::actor_system sys{cfg};
  auto skill = price_skill();
  auto service = sys.spawn(price_service);
  troupe::breaker::breaker_config bc;
  bc.node_name = "app";
  auto breaker = sys.spawn(troupe::breaker::breaker, skill, service, bc);
  troupe::cache::cache_shard_config sc;
  sc.node_name = "app";
  sc.budget = 1024 * 1024;
  sc.policies.emplace("price", skill->cache);
  auto cache = sys.spawn(troupe::cache::cache_shard, sc);
  // ACME twice: the second is a hit. Then the database goes down: with two
  // failures in the breaker's window of four calls it trips, and the next
  // requests are answered BREAKER_OPEN without reaching the service. ACME
  // is still served from the cache.
  std::vector<std::string> inputs{"ACME",   "ACME",  "INITECH",
                                  "outage", "HOOLI", "UMBRL",
                                  "STARK",  "WAYNE", "ACME"};
  {
    caf::scoped_actor self{sys};
    auto d = self->spawn(demo, cache, troupe::job_runner_actor{breaker},
                         inputs);
    self->wait_for(d);
  }
  caf::anon_send_exit(cache, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(breaker, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(service, caf::exit_reason::user_shutdown);
  return 0;
}

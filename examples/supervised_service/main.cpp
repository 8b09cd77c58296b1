// supervised_service: an application that keeps one of its own actors
// running with troupe's supervisor, as Erlang/OTP applications do: the
// actor crashes, the supervisor starts it again at once and tells its
// watchers the new handle; a third crash within the restart window is one
// too many, and the supervisor gives up and ends, so that its own parent
// (here: the application's main) can decide what to do.
//
//   troupe-example-supervised-service

#include "actors/supervision/supervisor.hpp"
#include "messages/atoms.hpp"
#include "messages/errors.hpp"
#include "node/spawn/system_config.hpp"

#include <caf/all.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

namespace {

using namespace std::chrono_literals;

std::atomic<int> incarnations{0};

// The application's service: answers any string and crashes on `crash`.
caf::behavior greeter(caf::event_based_actor* self) {
  auto me = ++incarnations;
  return {
    [me](const std::string&) {
      return "pong from incarnation " + std::to_string(me);
    },
    [self](troupe::atom::crash) {
      self->quit(caf::make_error(caf::sec::runtime_error, "it crashed"));
    },
  };
}

// The next running incarnation of the child the watch reports; null once
// the supervisor ended (its reason in `ended`).
caf::actor next_incarnation(caf::scoped_actor& self, const caf::actor& old,
                            std::optional<caf::error>& ended) {
  caf::actor out;
  bool timed_out = false;
  while (!out && !ended && !timed_out)
    self->receive(
      [&](troupe::child_event& ev) {
        if (ev.handle && ev.handle != old)
          out = ev.handle;
      },
      [&](caf::down_msg& dm) {
        ended = std::move(dm.reason);
      },
      caf::after(5s) >>
        [&] {
          timed_out = true;
        });
  return out;
}

} // namespace

int main() {
  caf::actor_system_config cfg;
  troupe::node::add_troupe_types(cfg);
  caf::actor_system sys{cfg};
  troupe::supervision::supervisor_config sc;
  sc.path = "app";
  sc.strategy = troupe::supervision::restart_strategy::one_for_one;
  // At most two restarts within ten seconds.
  sc.intensity.max_restarts = 2;
  sc.intensity.period = 10s;
  troupe::supervision::child_spec spec;
  spec.name = "greeter";
  spec.restart = troupe::supervision::restart_type::permanent;
  spec.start = [](const troupe::supervision::child_context& ctx) {
    return ctx.sys.spawn(greeter);
  };
  sc.children.push_back(spec);
  auto sup = sys.spawn(troupe::supervision::supervisor, sc);
  caf::scoped_actor self{sys};
  self->monitor(sup);
  // The watch reports the child's handle now and after every restart.
  self->send(sup, troupe::atom::watch::value,
             caf::actor_cast<caf::actor>(self.ptr()));
  std::optional<caf::error> ended;
  auto child = next_incarnation(self, caf::actor{}, ended);
  for (int crash = 1; child; ++crash) {
    self->request(child, 5s, std::string{"ping"})
      .receive(
        [](std::string& x) {
          std::printf("ping: %s\n", x.c_str());
        },
        [&](caf::error& err) {
          std::printf("ping failed: %s\n", sys.render(err).c_str());
        });
    std::printf("crash %d\n", crash);
    self->send(child, troupe::atom::crash::value);
    child = next_incarnation(self, child, ended);
    if (child)
      self->request(sup, 5s, troupe::atom::status::value)
        .receive(
          [](troupe::supervisor_report& r) {
            std::printf("restarted: %s/%s, restarts %llu (%u of at most %u "
                        "in the window)\n",
                        r.path.c_str(), r.children[0].name.c_str(),
                        static_cast<unsigned long long>(r.children[0].restarts),
                        r.recent_restarts, r.max_restarts);
          },
          [](caf::error&) {});
  }
  // The last crash was one too many: the supervisor stopped and ended.
  if (ended)
    std::printf("the supervisor gave up: %s\n",
                troupe::describe(*ended).c_str());
  else
    std::printf("the supervisor did not answer in time\n");
  return 0;
}

#include "node/spawn/cache_preload.hpp"

#include "actors/log/logging.hpp"
#include "messages/job.hpp"

#include <caf/scoped_actor.hpp>

namespace troupe::node {

void run_preload_jobs(caf::actor_system& sys, const router_actor& router,
                      const std::vector<config::preload_job>& jobs,
                      caf::timespan timeout) {
  if (jobs.empty())
    return;
  caf::scoped_actor self{sys};
  auto sink = caf::actor_cast<result_sink_actor>(caf::actor{self});
  for (size_t i = 0; i < jobs.size(); ++i) {
    job j;
    j.id = i;
    j.skill = jobs[i].skill;
    j.input = jobs[i].input;
    self->send(router, std::move(j), sink);
  }
  size_t ok = 0;
  size_t answered = 0;
  bool waiting = true;
  while (waiting && answered < jobs.size())
    self->receive(
      [&](job_result& r) {
        ++answered;
        if (r.status == job_status::ok)
          ++ok;
        else
          log::node().warn("preload job {} (skill {}) failed: {}: {}", r.id,
                           r.skill, to_string(r.status), r.error);
      },
      caf::after(timeout) >>
        [&] {
          waiting = false;
        });
  log::node().info("preloaded the cache: {} of {} job(s) ok{}", ok, jobs.size(),
                   answered < jobs.size() ? " (the rest did not finish in time)"
                                          : "");
}

} // namespace troupe::node

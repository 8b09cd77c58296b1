#include "actors/skills/skill.hpp"

#include "messages/errors.hpp"

#include <cctype>
#include <chrono>
#include <thread>

namespace troupe::skills {

caf::error skill_catalog::add(skill_definition def) {
  if (def.name.empty())
    return caf::make_error(error_code::invalid_config,
                           std::string{"a skill needs a name"});
  for (char c : def.name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'
          || c == '.'))
      return caf::make_error(error_code::invalid_config,
                             "skill name '" + def.name
                               + "' may only use letters, digits, '_', '-' "
                                 "and '.'");
  if (def.kind == skill_kind::native && !def.fn && !def.async_fn)
    return caf::make_error(error_code::invalid_config,
                           "skill '" + def.name + "' has no function");
  if (def.kind == skill_kind::native && def.fn && def.async_fn)
    return caf::make_error(error_code::invalid_config,
                           "skill '" + def.name
                             + "' has both a function and an asynchronous "
                               "function; give it one");
  if (def.kind == skill_kind::process && def.process.command.empty())
    return caf::make_error(error_code::invalid_config,
                           "process skill '" + def.name + "' has no command");
  if (def.max_attempts == 0)
    def.max_attempts = 1;
  auto name = def.name;
  auto [i, added] = skills_.emplace(
    name, std::make_shared<const skill_definition>(std::move(def)));
  if (!added)
    return caf::make_error(error_code::invalid_config,
                           "skill '" + name + "' is registered twice");
  return caf::none;
}

void cancellation::cancel(uint64_t ticket) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    cancelled_.store(ticket, std::memory_order_release);
  }
  cv_.notify_all();
}

bool cancellation::sleep_for(uint64_t ticket, std::chrono::nanoseconds d) {
  std::unique_lock<std::mutex> guard{mtx_};
  return !cv_.wait_for(guard, d, [&] {
    return cancelled(ticket);
  });
}

bool skill_context::sleep_for(std::chrono::nanoseconds d) const {
  if (d <= std::chrono::nanoseconds{0})
    return !cancelled();
  if (token_ == nullptr) {
    std::this_thread::sleep_for(d);
    return true;
  }
  return token_->sleep_for(ticket_, d);
}

namespace {

skill_run to_run(skill_output&& out) {
  skill_run run;
  run.crashed = out.crashed;
  run.result.status = out.status;
  if (out.status == job_status::ok)
    run.result.output = std::move(out.data);
  else
    run.result.error = std::move(out.data);
  return run;
}

// Real code may throw anything; only std::exception has a message.
skill_output foreign_throw_crash() {
  return skill_output::crash("the skill threw something that is not a "
                             "std::exception");
}

} // namespace

struct skill_reply::state {
  std::string skill;
  deliver_fn deliver;
  std::chrono::steady_clock::time_point started;
  std::atomic<bool> done{false};

  bool answer(skill_output&& out) {
    if (done.exchange(true, std::memory_order_acq_rel))
      return false;
    auto run = to_run(std::move(out));
    run.result.run_time = std::chrono::steady_clock::now() - started;
    deliver(std::move(run));
    return true;
  }

  ~state() {
    if (!done.load(std::memory_order_acquire) && deliver)
      answer(skill_output::failure(
        job_status::skill_error,
        "skill '" + skill + "' dropped its reply without answering"));
  }
};

skill_reply::skill_reply(std::string skill, deliver_fn deliver)
    : state_(std::make_shared<state>()) {
  state_->skill = std::move(skill);
  state_->deliver = std::move(deliver);
  state_->started = std::chrono::steady_clock::now();
}

bool skill_reply::operator()(skill_output out) const {
  return state_ != nullptr && state_->answer(std::move(out));
}

bool skill_reply::answered() const noexcept {
  return state_ == nullptr || state_->done.load(std::memory_order_acquire);
}

skill_run run_skill(const skill_definition& skill, const std::string& input,
                    const skill_context& ctx) {
  skill_run run;
  auto start = std::chrono::steady_clock::now();
  try {
    run = to_run(skill.fn(input, ctx));
  } catch (const std::exception& e) {
    run.result.status = job_status::skill_error;
    run.result.error = "skill '" + skill.name + "' threw: " + e.what();
  } catch (...) {
    run = to_run(foreign_throw_crash());
  }
  run.result.run_time = std::chrono::steady_clock::now() - start;
  return run;
}

void start_async_skill(const skill_definition& skill, const std::string& input,
                       const skill_context& ctx, const skill_reply& reply) {
  try {
    skill.async_fn(input, ctx, reply);
  } catch (const std::exception& e) {
    reply(
      skill_output::failure(job_status::skill_error,
                            "skill '" + skill.name + "' threw: " + e.what()));
  } catch (...) {
    reply(foreign_throw_crash());
  }
}

std::string kind_name(const skill_definition& skill) {
  if (skill.kind == skill_kind::process)
    return "process";
  if (is_async(skill))
    return "async";
  switch (skill.mode) {
    case skill_mode::in_pool:
      return "in_pool";
    case skill_mode::scheduled:
      return "scheduled";
    default:
      return "blocking";
  }
}

bool skill_catalog::modify(const std::string& name,
                           const std::function<void(skill_definition&)>& edit) {
  auto i = skills_.find(name);
  if (i == skills_.end())
    return false;
  auto copy = *i->second;
  edit(copy);
  if (copy.max_attempts == 0)
    copy.max_attempts = 1;
  i->second = std::make_shared<const skill_definition>(std::move(copy));
  return true;
}

std::shared_ptr<const skill_definition>
skill_catalog::find(const std::string& name) const {
  auto i = skills_.find(name);
  return i != skills_.end() ? i->second : nullptr;
}

std::vector<std::shared_ptr<const skill_definition>>
skill_catalog::all() const {
  std::vector<std::shared_ptr<const skill_definition>> out;
  out.reserve(skills_.size());
  for (auto& kv : skills_)
    out.push_back(kv.second);
  return out;
}

} // namespace troupe::skills

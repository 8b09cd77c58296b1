#include "actors/door/result_keeper.hpp"

#include "messages/detached.hpp"
#include "messages/wire/api_codec.hpp"

namespace troupe::door {

namespace {

std::string key_of(const std::string& owner, const std::string& key) {
  std::string out;
  out.reserve(owner.size() + 1 + key.size());
  out += owner;
  out += '\0';
  out += key;
  return out;
}

} // namespace

/// Results of the keeper's jobs, from the gateway.
class result_keeper::port_impl final : public result_port {
 public:
  explicit port_impl(result_keeper* keeper) : keeper_(keeper) {
    // nop
  }

  void deliver(std::vector<job_result>& results) override {
    keeper_->store(results);
  }

 private:
  // The keeper owns the port's only long-lived reference besides the
  // gateway's, and outlives the gateway's use of it (it goes with the
  // door, after the node's actors).
  result_keeper* keeper_;
};

result_keeper::result_keeper(std::string node_name, uint64_t incarnation,
                             keeper_limits limits,
                             std::shared_ptr<door::access> access)
    : node_name_(std::move(node_name)), incarnation_(incarnation),
      limits_(limits), access_(std::move(access)),
      port_(std::make_shared<port_impl>(this)) {
  // nop
}

std::string result_keeper::id_of(uint64_t number) const {
  return detached_id{number, incarnation_, node_name_}.to_string();
}

uint64_t result_keeper::number_of(const std::string& id) const {
  auto x = detached_id::parse(id);
  if (!x || x->holder != node_name_ || x->incarnation != incarnation_)
    return 0;
  return x->number;
}

bool result_keeper::of_earlier_run(const std::string& id) const {
  auto x = detached_id::parse(id);
  return x && x->holder == node_name_ && x->incarnation != incarnation_;
}

result_keeper::ticket
result_keeper::enter(const caller& who, const std::string& owner,
                     const std::string& key, const std::string& tag) {
  ticket out;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    sweep(clock::now());
    if (!key.empty()) {
      auto i = keys_.find(key_of(owner, key));
      if (i != keys_.end()) {
        out.number = i->second;
        out.id = id_of(i->second);
        out.existing = true;
      }
    }
    if (!out.existing) {
      if (jobs_.size() >= limits_.max_jobs) {
        out.full = true;
      } else {
        out.number = next_number_++;
        out.id = id_of(out.number);
        auto& e = jobs_[out.number];
        e.owner = owner;
        e.key = key;
        e.tag = tag;
        e.who = who;
        if (!key.empty())
          keys_.emplace(key_of(owner, key), out.number);
        return out;
      }
    }
  }
  access_->release(who, 1);
  return out;
}

void result_keeper::store(std::vector<job_result>& results) {
  std::vector<std::pair<on_end, v1::JobResult>> calls;
  std::vector<caller> ended;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto now = clock::now();
    for (auto& r : results) {
      auto i = jobs_.find(r.id);
      if (i == jobs_.end() || i->second.done)
        continue;
      auto& e = i->second;
      wire::api::to_proto(r, e.result);
      e.result.set_id(id_of(r.id));
      if (!e.tag.empty())
        e.result.set_tag(e.tag);
      e.done = true;
      e.bytes = e.result.ByteSizeLong() + e.owner.size() + e.key.size() + 128;
      bytes_ += e.bytes;
      ended_.emplace_back(now + limits_.retention, r.id);
      ended.push_back(e.who);
      for (auto& [w, fn] : e.waiters) {
        waits_.erase(w);
        calls.emplace_back(std::move(fn), e.result);
      }
      e.waiters.clear();
    }
    sweep(now);
  }
  for (auto& who : ended)
    access_->release(who, 1);
  for (auto& [fn, result] : calls)
    fn(&result);
}

void result_keeper::sweep(clock::time_point now) {
  while (!ended_.empty()
         && (ended_.front().first <= now || bytes_ > limits_.max_bytes)) {
    forget(ended_.front().second);
    ended_.pop_front();
  }
}

void result_keeper::forget(uint64_t number) {
  auto i = jobs_.find(number);
  if (i == jobs_.end())
    return;
  bytes_ -= i->second.bytes;
  if (!i->second.key.empty())
    keys_.erase(key_of(i->second.owner, i->second.key));
  jobs_.erase(i);
}

result_keeper::state result_keeper::find(const std::string& owner,
                                         const std::string& id,
                                         v1::JobResult* out) {
  std::lock_guard<std::mutex> guard{mtx_};
  sweep(clock::now());
  auto i = jobs_.find(number_of(id));
  if (i == jobs_.end() || i->second.owner != owner)
    return state::unknown;
  if (!i->second.done)
    return state::pending;
  if (out != nullptr)
    *out = i->second.result;
  return state::done;
}

uint64_t result_keeper::wait(const std::string& owner, const std::string& id,
                             on_end fn) {
  v1::JobResult result;
  uint64_t w = 0;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = jobs_.find(number_of(id));
    if (i == jobs_.end() || i->second.owner != owner)
      return 0;
    w = next_waiter_++;
    if (!i->second.done) {
      i->second.waiters.emplace_back(w, std::move(fn));
      waits_.emplace(w, i->first);
      return w;
    }
    result = i->second.result;
  }
  fn(&result);
  return w;
}

bool result_keeper::unwait(uint64_t waiter) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = waits_.find(waiter);
  if (i == waits_.end())
    return false;
  auto j = jobs_.find(i->second);
  waits_.erase(i);
  if (j == jobs_.end())
    return true;
  auto& ws = j->second.waiters;
  for (auto k = ws.begin(); k != ws.end(); ++k)
    if (k->first == waiter) {
      ws.erase(k);
      break;
    }
  return true;
}

std::vector<uint64_t>
result_keeper::pending(const std::string& owner,
                       const std::vector<std::string>& ids) {
  std::vector<uint64_t> out;
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& id : ids) {
    auto i = jobs_.find(number_of(id));
    if (i != jobs_.end() && i->second.owner == owner && !i->second.done)
      out.push_back(i->first);
  }
  return out;
}

} // namespace troupe::door

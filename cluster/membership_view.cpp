#include "cluster/membership_view.hpp"

#include <algorithm>

namespace troupe::cluster {

namespace {

// Within one incarnation a member only moves forward through these.
int severity(member_status x) {
  return static_cast<int>(x);
}

bool gone(member_status x) {
  return x == member_status::down || x == member_status::leaving;
}

} // namespace

membership_view::membership_view(member self) : self_name_(self.name) {
  self.status = member_status::up;
  members_.emplace(self_name_, tracked{std::move(self), {}, {}, {}});
}

void membership_view::update_self(std::vector<skill_load> skills,
                                  double jobs_per_second, uint32_t health) {
  auto& me = self_mut();
  me.skills = std::move(skills);
  me.jobs_per_second = jobs_per_second;
  me.health = health;
  ++me.seq;
}

void membership_view::reincarnate(uint64_t incarnation) {
  auto& me = self_mut();
  me.incarnation = incarnation;
  me.status = member_status::up;
  ++me.seq;
  self_declared_down_ = false;
}

void membership_view::leave_self() {
  auto& me = self_mut();
  me.status = member_status::leaving;
  ++me.seq;
}

bool membership_view::merge(const member& m, time_point now) {
  if (m.name.empty())
    return false;
  if (m.name == self_name_) {
    // Only this node speaks for itself; but learn that others gave up on it.
    auto& me = self();
    if (m.incarnation == me.incarnation && m.status == member_status::down)
      self_declared_down_ = true;
    return false;
  }
  auto i = members_.find(m.name);
  if (i == members_.end()) {
    tracked t{m, now, {}, gone(m.status) ? now : time_point{}};
    members_.emplace(m.name, std::move(t));
    return true;
  }
  auto& cur = i->second;
  if (m.incarnation < cur.m.incarnation)
    return false;
  if (m.incarnation > cur.m.incarnation) {
    // A new run of the node: its own word replaces everything we knew.
    cur.m = m;
    cur.heard = now;
    cur.contact = time_point{};
    cur.settled = gone(m.status) ? now : time_point{};
    return true;
  }
  bool changed = false;
  auto hearsay_only = m.status == member_status::down && !gone(cur.m.status)
                      && trust_direct_.count() > 0
                      && cur.contact != time_point{}
                      && now - cur.contact < trust_direct_;
  if (severity(m.status) > severity(cur.m.status) && !hearsay_only) {
    cur.m.status = m.status;
    if (gone(m.status))
      cur.settled = now;
    changed = true;
  }
  if (m.seq > cur.m.seq) {
    cur.m.seq = m.seq;
    cur.m.address = m.address;
    cur.m.skills = m.skills;
    cur.m.jobs_per_second = m.jobs_per_second;
    cur.m.health = m.health;
    changed = true;
  }
  return changed;
}

bool membership_view::merge(const std::vector<member>& ms, time_point now) {
  bool changed = false;
  for (auto& m : ms)
    changed |= merge(m, now);
  return changed;
}

void membership_view::heard_from(const std::string& name, uint64_t incarnation,
                                 time_point now) {
  auto i = members_.find(name);
  if (i != members_.end() && i->second.m.incarnation == incarnation) {
    i->second.heard = now;
    i->second.contact = now;
  }
}

void membership_view::suspend_judgement(time_point now,
                                        std::chrono::nanoseconds stalled) {
  for (auto& [name, t] : members_)
    if (name != self_name_ && !gone(t.m.status))
      t.heard = std::min(now, t.heard + stalled);
}

bool membership_view::mark_down(const std::string& name, uint64_t incarnation,
                                time_point now) {
  if (name == self_name_)
    return false;
  auto i = members_.find(name);
  if (i == members_.end())
    return false;
  auto& cur = i->second;
  if ((incarnation != 0 && cur.m.incarnation != incarnation)
      || gone(cur.m.status))
    return false;
  cur.m.status = member_status::down;
  cur.settled = now;
  return true;
}

std::vector<std::string>
membership_view::detect_failures(time_point now,
                                 std::chrono::nanoseconds timeout) {
  std::vector<std::string> out;
  for (auto& [name, t] : members_) {
    if (name == self_name_ || gone(t.m.status))
      continue;
    if (now - t.heard > timeout) {
      t.m.status = member_status::down;
      t.settled = now;
      out.push_back(name);
    }
  }
  return out;
}

size_t membership_view::prune(time_point now, std::chrono::nanoseconds after) {
  size_t n = 0;
  for (auto i = members_.begin(); i != members_.end();) {
    auto& t = i->second;
    if (i->first != self_name_ && gone(t.m.status) && now - t.settled > after) {
      i = members_.erase(i);
      ++n;
    } else {
      ++i;
    }
  }
  return n;
}

std::optional<std::string>
membership_view::join_conflict(const member& candidate) const {
  if (candidate.name == self_name_)
    return "a node named '" + candidate.name + "' is already live at "
           + self().address;
  auto i = members_.find(candidate.name);
  if (i == members_.end() || gone(i->second.m.status))
    return std::nullopt;
  auto& cur = i->second.m;
  // The same node restarting (same address, newer run) may rejoin.
  if (cur.address == candidate.address
      && candidate.incarnation > cur.incarnation)
    return std::nullopt;
  if (cur.address == candidate.address
      && candidate.incarnation == cur.incarnation)
    return std::nullopt;
  return "a node named '" + candidate.name + "' is already live at "
         + cur.address;
}

std::vector<member> membership_view::members() const {
  std::vector<member> out;
  out.reserve(members_.size());
  for (auto& kv : members_)
    out.push_back(kv.second.m);
  return out;
}

std::vector<member> membership_view::live_members() const {
  std::vector<member> out;
  for (auto& kv : members_)
    if (!gone(kv.second.m.status))
      out.push_back(kv.second.m);
  return out;
}

const member* membership_view::find(const std::string& name) const {
  auto i = members_.find(name);
  return i != members_.end() ? &i->second.m : nullptr;
}

} // namespace troupe::cluster

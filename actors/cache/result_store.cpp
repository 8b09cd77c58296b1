#include "actors/cache/result_store.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace troupe::cache {

namespace {

// Slab records per chunk: chunks never move, and at most one is partly
// used, so the slab wastes little beyond its live records.
constexpr uint32_t chunk_bits = 10;
constexpr uint32_t chunk_size = 1u << chunk_bits;

int64_t ticks(result_store::time_point x) noexcept {
  return x.time_since_epoch().count();
}

} // namespace

struct result_store::entry {
  cache_key key;
  /// Expiry as clock ticks since the clock's epoch.
  int64_t expires = 0;
  /// malloc'ed, `size` bytes; null when empty.
  char* value = nullptr;
  uint32_t size = 0;
  /// LRU neighbours (towards the most / least recently used end); `next`
  /// links the free list for unused records.
  uint32_t prev = npos;
  uint32_t next = npos;
  job_status status = job_status::ok;
  bool live = false;
};

static_assert(sizeof(cache_key) == 32);

result_store::result_store(config cfg) : cfg_(cfg), sketch_(1024) {
  index_.assign(64, npos);
  index_mask_ = index_.size() - 1;
}

result_store::~result_store() {
  for (uint32_t i = 0; i < slots_; ++i)
    std::free(at(i).value);
}

result_store::entry& result_store::at(uint32_t idx) const {
  return chunks_[idx >> chunk_bits][idx & (chunk_size - 1)];
}

// -- index: linear probing over slab indices ----------------------------------

uint32_t result_store::lookup(const cache_key& key, size_t* pos) const {
  auto i = static_cast<size_t>(key.hash()) & index_mask_;
  while (index_[i] != npos) {
    if (at(index_[i]).key == key) {
      if (pos != nullptr)
        *pos = i;
      return index_[i];
    }
    i = (i + 1) & index_mask_;
  }
  return npos;
}

void result_store::index_add(uint32_t idx) {
  if ((stats_.entries + 1) * 4 > index_.size() * 3)
    index_grow();
  auto i = static_cast<size_t>(at(idx).key.hash()) & index_mask_;
  while (index_[i] != npos)
    i = (i + 1) & index_mask_;
  index_[i] = idx;
}

void result_store::index_remove(size_t pos) {
  // Backward-shift deletion: no tombstones, so probes stay short.
  auto hole = pos;
  auto j = pos;
  for (;;) {
    j = (j + 1) & index_mask_;
    if (index_[j] == npos)
      break;
    auto home = static_cast<size_t>(at(index_[j]).key.hash()) & index_mask_;
    // Move j into the hole unless its home lies cyclically in (hole, j].
    bool stays = hole <= j ? (hole < home && home <= j)
                           : (hole < home || home <= j);
    if (!stays) {
      index_[hole] = index_[j];
      hole = j;
    }
  }
  index_[hole] = npos;
}

void result_store::index_grow() {
  std::vector<uint32_t> old;
  old.swap(index_);
  index_.assign(old.size() * 2, npos);
  index_mask_ = index_.size() - 1;
  for (auto idx : old) {
    if (idx == npos)
      continue;
    auto i = static_cast<size_t>(at(idx).key.hash()) & index_mask_;
    while (index_[i] != npos)
      i = (i + 1) & index_mask_;
    index_[i] = idx;
  }
}

// -- LRU list and slab --------------------------------------------------------

void result_store::link_front(uint32_t idx) {
  auto& e = at(idx);
  e.prev = npos;
  e.next = head_;
  if (head_ != npos)
    at(head_).prev = idx;
  head_ = idx;
  if (tail_ == npos)
    tail_ = idx;
}

void result_store::unlink(uint32_t idx) {
  auto& e = at(idx);
  if (e.prev != npos)
    at(e.prev).next = e.next;
  else
    head_ = e.next;
  if (e.next != npos)
    at(e.next).prev = e.prev;
  else
    tail_ = e.prev;
  e.prev = e.next = npos;
}

uint32_t result_store::allocate() {
  if (free_ != npos) {
    auto idx = free_;
    free_ = at(idx).next;
    return idx;
  }
  if ((slots_ & (chunk_size - 1)) == 0)
    chunks_.push_back(std::make_unique<entry[]>(chunk_size));
  return slots_++;
}

void result_store::set_value(entry& e, std::string_view value) {
  std::free(e.value);
  e.value = nullptr;
  e.size = static_cast<uint32_t>(value.size());
  if (!value.empty()) {
    e.value = static_cast<char*>(std::malloc(value.size()));
    if (e.value == nullptr)
      throw std::bad_alloc{};
    std::memcpy(e.value, value.data(), value.size());
  }
}

void result_store::remove(uint32_t idx, uint64_t& counter) {
  auto& e = at(idx);
  size_t pos = 0;
  lookup(e.key, &pos);
  index_remove(pos);
  unlink(idx);
  stats_.bytes -= charge(e.size);
  --stats_.entries;
  ++counter;
  std::free(e.value);
  e.value = nullptr;
  e.size = 0;
  e.live = false;
  e.next = free_;
  free_ = idx;
}

// -- public interface ---------------------------------------------------------

std::optional<result_store::found> result_store::find(const cache_key& key,
                                                      time_point now) {
  sketch_.increment(key.hash());
  auto idx = lookup(key);
  if (idx == npos) {
    ++stats_.misses;
    return std::nullopt;
  }
  auto& e = at(idx);
  if (e.expires <= ticks(now)) {
    remove(idx, stats_.evicted_ttl);
    ++stats_.misses;
    return std::nullopt;
  }
  if (head_ != idx) {
    unlink(idx);
    link_front(idx);
  }
  ++stats_.hits;
  return found{e.status, std::string_view{e.value, e.size},
               time_point{time_point::duration{e.expires}}};
}

bool result_store::make_room(uint64_t needed, uint32_t candidate_freq,
                             time_point now, uint32_t keep) {
  if (stats_.bytes + needed <= cfg_.budget)
    return true;
  // First decide, walking from the least recently used end over just
  // enough entries: expired ones go regardless, live ones only if the
  // candidate is hotter than each of them.
  auto excess = stats_.bytes + needed - cfg_.budget;
  uint64_t freed = 0;
  bool admit = true;
  victims_.clear();
  for (auto idx = tail_; idx != npos && freed < excess; idx = at(idx).prev) {
    if (idx == keep)
      continue;
    auto& e = at(idx);
    freed += charge(e.size);
    victims_.push_back(idx);
    if (cfg_.admission && e.expires > ticks(now)
        && candidate_freq <= sketch_.frequency(e.key.hash()))
      admit = false;
  }
  // Then act: on rejection only the expired ones leave.
  for (auto idx : victims_) {
    if (at(idx).expires <= ticks(now))
      remove(idx, stats_.evicted_ttl);
    else if (admit)
      remove(idx, stats_.evicted_size);
  }
  return stats_.bytes + needed <= cfg_.budget;
}

result_store::insert_outcome
result_store::insert(const cache_key& key, job_status status,
                     std::string_view value, time_point expires,
                     time_point now) {
  auto needed = charge(value.size());
  auto idx = lookup(key);
  if (needed > cfg_.budget || value.size() > 0xffffffffu) {
    if (idx != npos)
      remove(idx, stats_.evicted_size);
    ++stats_.rejected_too_large;
    return insert_outcome::too_large;
  }
  if (idx != npos) {
    // Replacing: the key is resident already, so no admission; the old
    // value's bytes are given back before room is made for the new one.
    auto& e = at(idx);
    stats_.bytes -= charge(e.size);
    make_room(needed, frequency_sketch::max_frequency + 1, now, idx);
    set_value(e, value);
    e.status = status;
    e.expires = ticks(expires);
    stats_.bytes += needed;
    if (head_ != idx) {
      unlink(idx);
      link_front(idx);
    }
    ++stats_.replaced;
    return insert_outcome::replaced;
  }
  if (!make_room(needed, sketch_.frequency(key.hash()), now, npos)) {
    ++stats_.rejected_admission;
    return insert_outcome::rejected_admission;
  }
  idx = allocate();
  auto& e = at(idx);
  e.key = key;
  e.status = status;
  e.expires = ticks(expires);
  e.live = true;
  set_value(e, value);
  index_add(idx);
  link_front(idx);
  ++stats_.entries;
  stats_.bytes += needed;
  ++stats_.inserts;
  sketch_.ensure_capacity(stats_.entries);
  return insert_outcome::stored;
}

bool result_store::erase(const cache_key& key) {
  auto idx = lookup(key);
  if (idx == npos)
    return false;
  uint64_t ignored = 0;
  remove(idx, ignored);
  return true;
}

size_t result_store::sweep(time_point now, size_t max_slots) {
  size_t removed = 0;
  if (slots_ == 0)
    return 0;
  for (size_t n = 0; n < std::min<size_t>(max_slots, slots_); ++n) {
    if (hand_ >= slots_)
      hand_ = 0;
    auto idx = static_cast<uint32_t>(hand_++);
    auto& e = at(idx);
    if (e.live && e.expires <= ticks(now)) {
      remove(idx, stats_.evicted_ttl);
      ++removed;
    }
  }
  return removed;
}

std::vector<cache_key> result_store::keys_by_recency() const {
  std::vector<cache_key> out;
  for (auto idx = head_; idx != npos; idx = at(idx).next)
    out.push_back(at(idx).key);
  return out;
}

} // namespace troupe::cache

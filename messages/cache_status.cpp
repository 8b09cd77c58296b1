#include "messages/cache_status.hpp"

#include <algorithm>

namespace troupe {

void merge_into(cache_status& sum, const cache_status& x) {
  sum.shards += x.shards;
  sum.hits += x.hits;
  sum.misses += x.misses;
  sum.coalesced += x.coalesced;
  sum.bypassed += x.bypassed;
  sum.refreshed += x.refreshed;
  sum.entries += x.entries;
  sum.bytes += x.bytes;
  sum.budget += x.budget;
  sum.evicted_size += x.evicted_size;
  sum.evicted_ttl += x.evicted_ttl;
  sum.rejected_admission += x.rejected_admission;
  sum.rejected_too_large += x.rejected_too_large;
  sum.refresh_aheads += x.refresh_aheads;
  sum.in_flight += x.in_flight;
  for (auto& s : x.skills) {
    auto i = std::find_if(sum.skills.begin(), sum.skills.end(),
                          [&](const skill_hits& y) {
                            return y.skill == s.skill;
                          });
    if (i == sum.skills.end()) {
      sum.skills.push_back(s);
    } else {
      i->hits += s.hits;
      i->misses += s.misses;
    }
  }
  std::sort(sum.skills.begin(), sum.skills.end(), [](auto& a, auto& b) {
    return a.hits != b.hits ? a.hits > b.hits : a.skill < b.skill;
  });
}

} // namespace troupe

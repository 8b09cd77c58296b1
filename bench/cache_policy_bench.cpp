// The result cache's own figures, without actors:
//  --policy    hit rate of plain LRU vs troupe's policy (LRU + TinyLFU
//              admission) at the same byte budget, on a Zipf(0.9) trace of
//              1 M requests over 100 k keys and on the same trace with a
//              one-pass scan of 100 k new keys in the middle;
//  --overhead  heap bytes per entry beyond key and value, measured with
//              glibc's mallinfo2 (this executable keeps glibc's malloc so the
//              count includes every allocator header).
//
//   troupe-bench-cache-policy [--policy] [--overhead] [--markdown]

#include "actors/cache/cache_digest.hpp"
#include "actors/cache/result_store.hpp"

#include <CLI/CLI.hpp>

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace troupe;
using namespace std::chrono_literals;

constexpr size_t key_count = 100'000;
constexpr size_t request_count = 1'000'000;
constexpr size_t scan_length = 100'000;

// Value size of key `id`: 64..1024 bytes, fixed per key.
size_t value_size(size_t id) {
  auto h = (id + 1) * 0x9e3779b97f4a7c15ULL;
  return 64 + static_cast<size_t>((h >> 33) % 961);
}

// Ids 0..key_count-1 drawn from Zipf(s) (id 0 the most popular).
std::vector<uint32_t> zipf_trace(size_t n, double s, uint64_t seed) {
  std::vector<double> cdf(key_count);
  double sum = 0;
  for (size_t k = 0; k < key_count; ++k) {
    sum += 1.0 / std::pow(static_cast<double>(k + 1), s);
    cdf[k] = sum;
  }
  std::mt19937_64 rng{seed};
  std::uniform_real_distribution<double> u{0.0, sum};
  std::vector<uint32_t> out(n);
  for (auto& x : out)
    x = static_cast<uint32_t>(std::lower_bound(cdf.begin(), cdf.end(), u(rng))
                              - cdf.begin());
  return out;
}

// The Zipf trace with a scan of never-repeated ids in its middle.
std::vector<uint32_t> scan_trace() {
  auto zipf = zipf_trace(request_count - scan_length, 0.9, 2);
  std::vector<uint32_t> out(zipf.begin(), zipf.begin() + zipf.size() / 2);
  for (size_t i = 0; i < scan_length; ++i)
    out.push_back(static_cast<uint32_t>(key_count + i));
  out.insert(out.end(), zipf.begin() + zipf.size() / 2, zipf.end());
  return out;
}

double hit_rate(const std::vector<uint32_t>& trace,
                const std::vector<cache_key>& keys, uint64_t budget,
                bool admission) {
  cache::result_store store{{budget, admission}};
  static const std::string payload(1024, 'v');
  cache::result_store::time_point now{std::chrono::hours(1)};
  uint64_t hits = 0;
  for (auto id : trace) {
    if (store.find(keys[id], now)) {
      ++hits;
      continue;
    }
    store.insert(keys[id], job_status::ok,
                 std::string_view{payload.data(), value_size(id)}, now + 24h,
                 now);
  }
  return static_cast<double>(hits) / static_cast<double>(trace.size());
}

void run_policy(bool markdown) {
  std::vector<cache_key> keys;
  for (size_t id = 0; id < key_count + scan_length; ++id)
    keys.push_back(cache::cache_digest("bench", "1", std::to_string(id)));
  uint64_t total = 0;
  for (size_t id = 0; id < key_count; ++id)
    total += cache::result_store::charge(value_size(id));
  struct trace_def {
    const char* name;
    std::vector<uint32_t> ids;
  };
  std::vector<trace_def> traces{
    {"Zipf(0.9)", zipf_trace(request_count, 0.9, 1)},
    {"Zipf(0.9) + one-pass scan", scan_trace()}};
  if (markdown)
    std::printf("| trace | budget (of all keys) | plain LRU | troupe (LRU + "
                "TinyLFU admission) |\n| --- | ---: | ---: | ---: |\n");
  for (auto& t : traces)
    for (double fraction : {0.01, 0.05, 0.10, 0.25}) {
      auto budget
        = static_cast<uint64_t>(static_cast<double>(total) * fraction);
      auto lru = hit_rate(t.ids, keys, budget, false);
      auto ours = hit_rate(t.ids, keys, budget, true);
      if (markdown)
        std::printf("| %s | %.1f MiB (%.0f%%) | %.1f%% | %.1f%% |\n", t.name,
                    static_cast<double>(budget) / (1 << 20), fraction * 100,
                    lru * 100, ours * 100);
      else
        std::printf("%-28s %6.1f MiB (%3.0f%%)  LRU %5.1f%%  troupe %5.1f%%\n",
                    t.name, static_cast<double>(budget) / (1 << 20),
                    fraction * 100, lru * 100, ours * 100);
    }
}

size_t heap_in_use() {
  return mallinfo2().uordblks;
}

void run_overhead(bool markdown) {
  if (markdown)
    std::printf("| entries | value bytes | heap bytes per entry | key + value "
                "| overhead per entry |\n| ---: | ---: | ---: | ---: | ---: "
                "|\n");
  for (size_t n : {100'000, 1'000'000}) {
    std::vector<cache_key> keys;
    keys.reserve(n);
    for (size_t i = 0; i < n; ++i)
      keys.push_back(cache::cache_digest("bench", "1", std::to_string(i)));
    for (size_t value : {0, 16, 100, 1000}) {
      std::string payload(value, 'v');
      cache::result_store::time_point now{std::chrono::hours(1)};
      auto before = heap_in_use();
      double per_entry = 0;
      {
        cache::result_store store{{uint64_t{1} << 40, true}};
        for (auto& k : keys)
          store.insert(k, job_status::ok, payload, now + 24h, now);
        per_entry = static_cast<double>(heap_in_use() - before)
                    / static_cast<double>(n);
      }
      auto kv = static_cast<double>(cache::result_store::key_bytes + value);
      if (markdown)
        std::printf("| %zu | %zu | %.1f | %.0f | **%.1f** |\n", n, value,
                    per_entry, kv, per_entry - kv);
      else
        std::printf("%8zu entries, %4zu-byte values: %.1f heap bytes per "
                    "entry, overhead %.1f\n",
                    n, value, per_entry, per_entry - kv);
    }
  }
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"result cache: hit rates and memory overhead"};
  bool policy = false;
  bool overhead = false;
  bool markdown = false;
  app.add_flag("--policy", policy, "hit rate of LRU vs troupe's policy");
  app.add_flag("--overhead", overhead, "heap bytes per entry");
  app.add_flag("--markdown", markdown, "print Markdown tables");
  CLI11_PARSE(app, argc, argv);
  if (!policy && !overhead)
    policy = overhead = true;
  if (policy)
    run_policy(markdown);
  if (policy && overhead)
    std::printf("\n");
  if (overhead)
    run_overhead(markdown);
  return 0;
}

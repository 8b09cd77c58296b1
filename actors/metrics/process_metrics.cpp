#include "actors/metrics/process_metrics.hpp"

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace troupe::metrics {

namespace {

std::string first_line(const char* path) {
  std::ifstream in{path};
  std::string line;
  std::getline(in, line);
  return line;
}

double boot_time() {
  std::ifstream in{"/proc/stat"};
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime" && in >> value)
      return value;
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

double open_fds() {
  auto* dir = opendir("/proc/self/fd");
  if (dir == nullptr)
    return 0;
  double n = 0;
  while (auto* entry = readdir(dir))
    if (entry->d_name[0] != '.')
      ++n;
  closedir(dir);
  // Not the descriptor that reads the directory.
  return n > 0 ? n - 1 : 0;
}

prometheus::MetricFamily family(const char* name, const char* help,
                                prometheus::MetricType type, double value) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter)
    m.counter.value = value;
  else
    m.gauge.value = value;
  f.metric.push_back(std::move(m));
  return f;
}

struct process_family {
  const char* name;
  const char* help;
  prometheus::MetricType type;
  double process_sample::*value;
};

// The names and help texts of Prometheus's own clients.
const process_family process_families[] = {
  {"process_cpu_seconds_total",
   "Total user and system CPU time spent in seconds",
   prometheus::MetricType::Counter, &process_sample::cpu_seconds},
  {"process_resident_memory_bytes", "Resident memory size in bytes",
   prometheus::MetricType::Gauge, &process_sample::resident_bytes},
  {"process_virtual_memory_bytes", "Virtual memory size in bytes",
   prometheus::MetricType::Gauge, &process_sample::virtual_bytes},
  {"process_start_time_seconds",
   "Start time of the process since unix epoch in seconds",
   prometheus::MetricType::Gauge, &process_sample::start_time_seconds},
  {"process_open_fds", "Number of open file descriptors",
   prometheus::MetricType::Gauge, &process_sample::open_fds},
  {"process_max_fds", "Maximum number of open file descriptors",
   prometheus::MetricType::Gauge, &process_sample::max_fds},
};

class process_collector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    auto s = sample_this_process();
    std::vector<prometheus::MetricFamily> out;
    for (auto& f : process_families)
      out.push_back(family(f.name, f.help, f.type, s.*f.value));
    return out;
  }
};

} // namespace

bool parse_proc_stat(const std::string& line, long ticks_per_second,
                     long page_bytes, double boot_time, process_sample& out) {
  // The command name is in parentheses and may hold spaces and
  // parentheses itself: the fields start after the last ')'.
  auto close = line.rfind(')');
  if (close == std::string::npos || ticks_per_second <= 0)
    return false;
  std::istringstream in{line.substr(close + 1)};
  std::vector<std::string> fields; // fields[0] is field 3, the state
  for (std::string f; in >> f;)
    fields.push_back(std::move(f));
  if (fields.size() < 22)
    return false;
  try {
    auto ticks = static_cast<double>(ticks_per_second);
    out.cpu_seconds = (std::stod(fields[11]) + std::stod(fields[12])) / ticks;
    out.start_time_seconds = boot_time + std::stod(fields[19]) / ticks;
    out.virtual_bytes = std::stod(fields[20]);
    out.resident_bytes = std::stod(fields[21])
                         * static_cast<double>(page_bytes);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

process_sample sample_this_process() {
  process_sample out;
  parse_proc_stat(first_line("/proc/self/stat"), sysconf(_SC_CLK_TCK),
                  sysconf(_SC_PAGESIZE), boot_time(), out);
  out.open_fds = open_fds();
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY)
    out.max_fds = static_cast<double>(lim.rlim_cur);
  return out;
}

std::shared_ptr<prometheus::Collectable> make_process_collector() {
  return std::make_shared<process_collector>();
}

} // namespace troupe::metrics

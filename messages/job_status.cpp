#include "messages/job_status.hpp"

#include "messages/ascii.hpp"

#include <array>

namespace troupe {

namespace {

constexpr std::array<std::string_view, job_status_count> status_names{{
  "OK",
  "SKILL_ERROR",
  "TIMEOUT",
  "OVERLOADED",
  "BREAKER_OPEN",
  "UNKNOWN_SKILL",
  "BAD_INPUT",
  "NODE_LOST",
  "CANCELLED",
  "INTERNAL",
}};

} // namespace

std::string_view to_string(job_status x) noexcept {
  auto i = static_cast<size_t>(x);
  return i < status_names.size() ? status_names[i] : "INTERNAL";
}

std::optional<job_status> parse_job_status(std::string_view str) noexcept {
  for (size_t i = 0; i < status_names.size(); ++i)
    if (iequals(status_names[i], str))
      return static_cast<job_status>(i);
  return std::nullopt;
}

bool is_retryable(job_status x) noexcept {
  switch (x) {
    case job_status::timeout:
    case job_status::overloaded:
    case job_status::node_lost:
    case job_status::internal:
      return true;
    default:
      return false;
  }
}

std::string to_string(job_status_set xs) {
  std::string out;
  for (size_t i = 0; i < job_status_count; ++i)
    if (xs.contains(static_cast<job_status>(i))) {
      if (!out.empty())
        out += ", ";
      out += status_names[i];
    }
  return out;
}

job_status_set retryable_statuses() noexcept {
  job_status_set out;
  for (size_t i = 0; i < job_status_count; ++i)
    if (is_retryable(static_cast<job_status>(i)))
      out.insert(static_cast<job_status>(i));
  return out;
}

} // namespace troupe

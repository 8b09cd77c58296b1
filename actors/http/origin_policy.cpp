#include "actors/http/origin_policy.hpp"

#include "messages/ascii.hpp"

namespace troupe::http {

origin_policy::origin_policy(std::vector<std::string> allowed, bool https)
    : allowed_(std::move(allowed)), https_(https) {
  // nop
}

bool origin_policy::allows(std::string_view origin,
                           std::string_view host) const {
  if (origin.empty())
    return true;
  // The page's own origin: the port's scheme and the host it asked for.
  std::string_view scheme = https_ ? "https://" : "http://";
  if (!host.empty() && origin.size() == scheme.size() + host.size()
      && iequals(origin.substr(0, scheme.size()), scheme)
      && iequals(origin.substr(scheme.size()), host))
    return true;
  for (auto& x : allowed_)
    if (iequals(origin, x))
      return true;
  return false;
}

} // namespace troupe::http

#include "cluster/gateway_connect.hpp"

#include <charconv>

namespace troupe::cluster {

bool split_address(const std::string& address, std::string& host,
                   uint16_t& port) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return false;
  unsigned p = 0;
  auto first = address.data() + colon + 1;
  auto last = address.data() + address.size();
  auto [end, ec] = std::from_chars(first, last, p);
  if (ec != std::errc{} || end != last || p == 0 || p > 65535)
    return false;
  host = address.substr(0, colon);
  port = static_cast<uint16_t>(p);
  return true;
}

} // namespace troupe::cluster

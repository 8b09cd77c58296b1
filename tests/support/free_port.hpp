#pragma once

#include <cstdint>
#include <string>

namespace troupe::test {

/// A port on 127.0.0.1 that nothing listened on a moment ago.
uint16_t unused_port();

/// GET http://127.0.0.1:<port><path>; the whole response, or empty.
std::string http_get(uint16_t port, const std::string& path);

/// GET http://<ipv4>:<port><path>; the whole response, or empty.
std::string http_get(const std::string& ipv4, uint16_t port,
                     const std::string& path);

} // namespace troupe::test

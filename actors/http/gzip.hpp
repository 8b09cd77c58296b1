#pragma once

#include <string>
#include <string_view>

namespace troupe::http {

/// Responses at least this large are gzipped for clients that accept it;
/// below, the header costs about what compression saves.
inline constexpr size_t gzip_min_bytes = 1024;

/// Whether an Accept-Encoding value admits gzip: a `gzip` or `*` coding
/// whose q-value is not 0 (RFC 9110, 12.5.3).
bool accepts_gzip(std::string_view accept_encoding);

/// `data` as a gzip stream (zlib, default level).
std::string gzip(std::string_view data);

} // namespace troupe::http

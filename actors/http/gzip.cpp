#include "actors/http/gzip.hpp"

#include "messages/ascii.hpp"

#include <zlib.h>

#include <cctype>

namespace troupe::http {

namespace {

std::string_view trim(std::string_view x) {
  while (!x.empty() && std::isspace(static_cast<unsigned char>(x.front())))
    x.remove_prefix(1);
  while (!x.empty() && std::isspace(static_cast<unsigned char>(x.back())))
    x.remove_suffix(1);
  return x;
}

// Whether a coding's parameters set q to zero ("q=0", "q=0.0", "q=0.000").
bool q_zero(std::string_view params) {
  while (!params.empty()) {
    auto semi = params.find(';');
    auto p = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{}
                                            : params.substr(semi + 1);
    if (p.size() < 2 || std::tolower(static_cast<unsigned char>(p[0])) != 'q'
        || p[1] != '=')
      continue;
    auto v = trim(p.substr(2));
    if (v.empty() || v[0] != '0')
      return false;
    for (auto c : v.substr(1))
      if (c != '.' && c != '0')
        return false;
    return true;
  }
  return false;
}

} // namespace

bool accepts_gzip(std::string_view accept_encoding) {
  bool star = false;
  while (!accept_encoding.empty()) {
    auto comma = accept_encoding.find(',');
    auto item = accept_encoding.substr(0, comma);
    accept_encoding = comma == std::string_view::npos
                        ? std::string_view{}
                        : accept_encoding.substr(comma + 1);
    auto semi = item.find(';');
    auto coding = trim(item.substr(0, semi));
    auto params = semi == std::string_view::npos ? std::string_view{}
                                                 : item.substr(semi + 1);
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip"))
      return !q_zero(params); // named: its own q decides
    if (coding == "*")
      star = !q_zero(params);
  }
  return star;
}

std::string gzip(std::string_view data) {
  z_stream z{};
  // 15 + 16: a gzip header and trailer around the deflate stream.
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                   Z_DEFAULT_STRATEGY)
      != Z_OK)
    return {};
  std::string out;
  out.resize(deflateBound(&z, static_cast<uLong>(data.size())));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  auto rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string{};
}

} // namespace troupe::http

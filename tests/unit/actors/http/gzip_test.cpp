// Which Accept-Encoding values admit gzip, and that what gzip makes is a
// gzip stream of the same bytes.
#include "actors/http/gzip.hpp"

#include <gtest/gtest.h>

#include <zlib.h>

#include <string>

using troupe::http::accepts_gzip;

namespace {

std::string gunzip(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

} // namespace

TEST(Gzip, AcceptEncodingValues) {
  for (auto yes : {"gzip", "GZIP", "gzip, deflate, br", "br;q=1.0, gzip;q=0.5",
                   "x-gzip", "*", "deflate, *;q=0.1", " gzip ; q=1 "})
    EXPECT_TRUE(accepts_gzip(yes)) << yes;
  for (auto no : {"", "identity", "deflate, br", "gzip;q=0", "gzip; q=0.000",
                  "*;q=0", "gzipx", "gzip;q=0, *", "*, gzip;q=0"})
    EXPECT_FALSE(accepts_gzip(no)) << no;
}

TEST(Gzip, MakesAGzipStreamOfTheSameBytes) {
  std::string json;
  for (int i = 0; i < 500; ++i)
    json += R"({"status":"OK","output":"job )" + std::to_string(i) + "\"},";
  auto zipped = troupe::http::gzip(json);
  ASSERT_GE(zipped.size(), 18u);
  EXPECT_EQ(static_cast<unsigned char>(zipped[0]), 0x1f); // gzip magic
  EXPECT_EQ(static_cast<unsigned char>(zipped[1]), 0x8b);
  EXPECT_LT(zipped.size(), json.size() / 4);
  EXPECT_EQ(gunzip(zipped), json);
  EXPECT_EQ(gunzip(troupe::http::gzip("")), "");
}

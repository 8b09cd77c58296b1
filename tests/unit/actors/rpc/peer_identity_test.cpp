// What a certificate says about its holder: the names in its URIs, its
// key usages, and its serial in the one form deny-lists compare.
#include "actors/rpc/peer_identity.hpp"

#include <gtest/gtest.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>

namespace {

void add_extension(X509* x, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  auto* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr);
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
}

// A self-signed certificate with the given serial (hex), URI and
// extended key usages, as PEM.
std::string certificate(const char* serial_hex, const char* uri,
                        const char* key_usage) {
  auto* key = EVP_EC_gen("P-256");
  auto* x = X509_new();
  BIGNUM* bn = nullptr;
  BN_hex2bn(&bn, serial_hex);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  auto* subject = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("t"), -1,
                             -1, 0);
  X509_set_issuer_name(x, subject);
  add_extension(x, NID_subject_alt_name, uri);
  if (key_usage != nullptr)
    add_extension(x, NID_ext_key_usage, key_usage);
  X509_sign(x, key, EVP_sha256());
  auto* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, x);
  char* data = nullptr;
  auto n = BIO_get_mem_data(bio, &data);
  std::string pem{data, static_cast<size_t>(n)};
  BIO_free(bio);
  X509_free(x);
  EVP_PKEY_free(key);
  return pem;
}

} // namespace

using troupe::rpc::identity_of_pem;

TEST(PeerIdentity, SerialsHaveNoLeadingZero) {
  // BN_bn2hex gives "0ABC" for the first: one in sixteen random serials
  // starts with such a byte, and a deny-list entry "ABC" must match it.
  auto cases = {std::pair{"0ABC", "ABC"}, std::pair{"ABCD", "ABCD"},
                std::pair{"00FF01", "FF01"}, std::pair{"1", "1"}};
  for (auto [serial, expected] : cases) {
    auto who = identity_of_pem(
      certificate(serial, "URI:troupe://member/beta", "serverAuth,clientAuth"));
    EXPECT_TRUE(who.verified) << serial;
    EXPECT_EQ(who.serial, expected) << serial;
  }
}

TEST(PeerIdentity, NamesAndKeyUsagesComeFromTheCertificate) {
  auto member = identity_of_pem(
    certificate("12", "URI:troupe://member/beta", "serverAuth,clientAuth"));
  EXPECT_EQ(member.member, "beta");
  EXPECT_TRUE(member.client.empty());
  EXPECT_TRUE(member.is_member());
  auto client = identity_of_pem(
    certificate("13", "URI:troupe://client/carol", "clientAuth"));
  EXPECT_EQ(client.client, "carol");
  EXPECT_FALSE(client.is_member());
  // A member URI without both key usages is not a member certificate.
  auto half = identity_of_pem(
    certificate("14", "URI:troupe://member/beta", "clientAuth"));
  EXPECT_FALSE(half.is_member());
  // Two different member names name nobody.
  auto two = identity_of_pem(
    certificate("15", "URI:troupe://member/a,URI:troupe://member/b",
                "serverAuth,clientAuth"));
  EXPECT_TRUE(two.member.empty());
  EXPECT_FALSE(identity_of_pem("not a certificate").verified);
}

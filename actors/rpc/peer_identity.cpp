#include "actors/rpc/peer_identity.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string_view>

namespace troupe::rpc {

namespace {

constexpr std::string_view member_prefix = "troupe://member/";
constexpr std::string_view client_prefix = "troupe://client/";

void read_uris(X509* x, peer_identity& out) {
  auto* names = static_cast<GENERAL_NAMES*>(
    X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr)
    return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    auto* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI)
      continue;
    auto* uri = name->d.uniformResourceIdentifier;
    std::string_view text{
      reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
      static_cast<size_t>(ASN1_STRING_length(uri))};
    // The first URI of each kind names the holder; a certificate naming
    // two members is not one troupe issues, and names neither.
    auto take = [&](std::string_view prefix, std::string& field) {
      if (text.size() <= prefix.size()
          || text.substr(0, prefix.size()) != prefix)
        return;
      auto rest = text.substr(prefix.size());
      if (field.empty())
        field.assign(rest);
      else if (field != rest)
        field = std::string{"\0", 1};
    };
    take(member_prefix, out.member);
    take(client_prefix, out.client);
  }
  GENERAL_NAMES_free(names);
  // The marker of a contradiction (two names) names nobody.
  if (out.member == std::string{"\0", 1})
    out.member.clear();
  if (out.client == std::string{"\0", 1})
    out.client.clear();
}

std::string serial_of(X509* x) {
  auto* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr);
  if (bn == nullptr)
    return {};
  auto* hex = BN_bn2hex(bn);
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  // BN_bn2hex writes whole bytes, so a serial whose first byte is below
  // 0x10 comes with a leading zero; deny-lists hold serials without one.
  auto first = out.find_first_not_of('0');
  if (first == std::string::npos)
    return out.empty() ? out : "0";
  return out.substr(first);
}

} // namespace

peer_identity identity_of_pem(const std::string& pem) {
  peer_identity out;
  auto* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  auto* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (x == nullptr)
    return out;
  out.verified = true;
  read_uris(x, out);
  out.serial = serial_of(x);
  auto flags = X509_get_extended_key_usage(x);
  out.server_auth = (flags & XKU_SSL_SERVER) != 0;
  out.client_auth = (flags & XKU_SSL_CLIENT) != 0;
  X509_free(x);
  return out;
}

peer_identity
identity_of(const std::shared_ptr<const grpc::AuthContext>& auth) {
  if (!auth || !auth->IsPeerAuthenticated())
    return {};
  auto pems = auth->FindPropertyValues("x509_pem_cert");
  if (pems.empty())
    return {};
  return identity_of_pem(std::string{pems.front().data(), pems.front().size()});
}

std::string describe(const peer_identity& who) {
  if (!who.verified)
    return "no certificate";
  std::string out;
  if (!who.member.empty())
    out = "member certificate of '" + who.member + "'";
  else if (!who.client.empty())
    out = "client certificate of '" + who.client + "'";
  else
    out = "a certificate naming no troupe member";
  return out + " (serial " + who.serial + ")";
}

} // namespace troupe::rpc

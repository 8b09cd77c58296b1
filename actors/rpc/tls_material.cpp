#include "actors/rpc/tls_material.hpp"

#include "messages/errors.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

namespace troupe::rpc {

namespace {

caf::error bad(const std::string& what, const std::string& path,
               const std::string& why) {
  return caf::make_error(error_code::invalid_config,
                         what + " " + path + ": " + why);
}

caf::expected<std::string> read_file(const std::string& what,
                                     const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return bad(what, path, "cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().empty())
    return bad(what, path, "is empty");
  return text.str();
}

bool holds_certificate(const std::string& pem) {
  auto* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  auto* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  X509_free(x);
  return x != nullptr;
}

bool holds_key(const std::string& pem) {
  auto* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  auto* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EVP_PKEY_free(k);
  return k != nullptr;
}

} // namespace

caf::expected<tls_material> load_tls(const tls_files& files) {
  tls_material out;
  if (files.cert.empty())
    return out;
  auto cert = read_file(files.cert_option, files.cert);
  if (!cert)
    return cert.error();
  if (!holds_certificate(*cert))
    return bad(files.cert_option, files.cert, "holds no PEM certificate");
  auto key = read_file(files.key_option, files.key);
  if (!key)
    return key.error();
  if (!holds_key(*key))
    return bad(files.key_option, files.key, "holds no PEM private key");
  out.cert = std::move(*cert);
  out.key = std::move(*key);
  if (!files.ca.empty()) {
    auto ca = read_file(files.ca_option, files.ca);
    if (!ca)
      return ca.error();
    if (!holds_certificate(*ca))
      return bad(files.ca_option, files.ca, "holds no PEM certificate");
    out.ca = std::move(*ca);
  }
  return out;
}

} // namespace troupe::rpc

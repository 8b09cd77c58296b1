#include "node/cli/cert_issuer.hpp"

#include "messages/errors.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace troupe::cli {

namespace {

struct pkey_free {
  void operator()(EVP_PKEY* x) const {
    EVP_PKEY_free(x);
  }
};
struct x509_free {
  void operator()(X509* x) const {
    X509_free(x);
  }
};
struct file_close {
  void operator()(FILE* f) const {
    std::fclose(f);
  }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;
using file_ptr = std::unique_ptr<FILE, file_close>;

caf::error refused(std::string why) {
  return caf::make_error(error_code::rejected, std::move(why));
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

/// A new file for writing, with `mode`; never an existing one.
file_ptr create(const std::string& path, mode_t mode, caf::error& err) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    err = refused("cannot create " + path + ": " + std::strerror(errno));
    return nullptr;
  }
  file_ptr f{::fdopen(fd, "w")};
  if (!f) {
    ::close(fd);
    err = refused("cannot write " + path);
  }
  return f;
}

pkey_ptr new_key() {
  return pkey_ptr{EVP_EC_gen("P-256")};
}

/// A certificate of `key` named `cn`, valid from 5 minutes ago (clocks
/// differ) for `days`, with a random 127-bit serial.
x509_ptr new_certificate(EVP_PKEY* key, const std::string& cn, int days) {
  x509_ptr x{X509_new()};
  if (!x || X509_set_version(x.get(), 2) != 1)
    return nullptr;
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial{BN_new(), BN_free};
  if (!serial
      || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1
      || BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x.get()))
           == nullptr)
    return nullptr;
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -300);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), long{days} * 86400);
  auto* name = X509_get_subject_name(x.get());
  if (X509_NAME_add_entry_by_txt(
        name, "CN", MBSTRING_UTF8,
        reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0)
        != 1
      || X509_set_pubkey(x.get(), key) != 1)
    return nullptr;
  return x;
}

/// Adds extension `nid` with OpenSSL's config syntax `value`.
bool add_ext(X509* x, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, x, nullptr, nullptr, 0);
  auto* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr)
    return false;
  bool ok = X509_add_ext(x, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

caf::error write_pair(const std::string& dir, const std::string& stem,
                      EVP_PKEY* key, X509* cert) {
  auto key_path = dir + "/" + stem + ".key";
  auto cert_path = dir + "/" + stem + ".pem";
  caf::error err;
  auto kf = create(key_path, 0600, err);
  if (!kf)
    return err;
  if (PEM_write_PrivateKey(kf.get(), key, nullptr, nullptr, 0, nullptr, nullptr)
      != 1)
    return refused("cannot write " + key_path);
  auto cf = create(cert_path, 0644, err);
  if (!cf)
    return err;
  if (PEM_write_X509(cf.get(), cert) != 1)
    return refused("cannot write " + cert_path);
  return caf::none;
}

/// "IP:x" for an address, "DNS:x" for a host name; empty when neither.
std::string alt_name(const std::string& host) {
  unsigned char buf[16];
  if (::inet_pton(AF_INET, host.c_str(), buf) == 1
      || ::inet_pton(AF_INET6, host.c_str(), buf) == 1)
    return "IP:" + host;
  if (host.empty() || host.size() > 253)
    return {};
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-'
          || c == '*'))
      return {};
  return "DNS:" + host;
}

} // namespace

std::string identity_uri(cert_kind kind, const std::string& name) {
  return std::string{"troupe://"}
         + (kind == cert_kind::member ? "member/" : "client/") + name;
}

std::string check_holder_name(const std::string& name) {
  if (name.empty() || name.size() > 128)
    return "a name has 1 to 128 characters";
  if (name.front() == '.' || name.front() == '-')
    return "a name starts with a letter, a digit, '_' or ':'";
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_'
          || c == '-' || c == ':'))
      return "a name has only letters, digits, '.', '_', '-' and ':'";
  if (name == "ca")
    return "\"ca\" names the CA's own files";
  return {};
}

caf::error init_authority(const std::string& dir, const std::string& ca_name,
                          int days) {
  if (days < 1)
    return refused("--days: a certificate is valid for at least 1 day");
  if (ca_name.empty())
    return refused("--name: the CA needs a name");
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return refused("cannot create " + dir + ": " + std::strerror(errno));
  if (exists(dir + "/ca.key") || exists(dir + "/ca.pem"))
    return refused(dir
                   + " holds a CA already (ca.key, ca.pem): a new one "
                     "would orphan every certificate it signed");
  auto key = new_key();
  auto cert = key ? new_certificate(key.get(), ca_name, days) : nullptr;
  if (!cert)
    return refused("cannot make the CA's key and certificate");
  auto* x = cert.get();
  if (!add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0")
      || !add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign")
      || !add_ext(x, x, NID_subject_key_identifier, "hash")
      || X509_set_issuer_name(x, X509_get_subject_name(x)) != 1
      || X509_sign(x, key.get(), EVP_sha256()) == 0)
    return refused("cannot sign the CA's certificate");
  return write_pair(dir, "ca", key.get(), x);
}

caf::error issue_certificate(const std::string& dir, const cert_request& req) {
  if (auto why = check_holder_name(req.name); !why.empty())
    return refused("bad name '" + req.name + "': " + why);
  if (req.days < 1)
    return refused("--days: a certificate is valid for at least 1 day");
  std::string sans = "URI:" + identity_uri(req.kind, req.name);
  auto hosts = req.hosts;
  if (hosts.empty() && req.kind == cert_kind::member) {
    // A member named HOST:PORT is dialled at HOST.
    auto colon = req.name.rfind(':');
    if (colon != std::string::npos && colon > 0)
      hosts.push_back(req.name.substr(0, colon));
  }
  for (const auto& h : hosts) {
    auto alt = alt_name(h);
    if (alt.empty())
      return refused("--host: '" + h
                     + "' is neither an IP address nor a "
                       "DNS name");
    sans += "," + alt;
  }
  for (const char* suffix : {".pem", ".key"})
    if (exists(dir + "/" + req.name + suffix))
      return refused(dir + "/" + req.name + suffix
                     + " exists: revoke or remove it before issuing anew");
  file_ptr kf{std::fopen((dir + "/ca.key").c_str(), "r")};
  file_ptr cf{std::fopen((dir + "/ca.pem").c_str(), "r")};
  if (!kf || !cf)
    return refused("no CA in " + dir + " (troupe certs init " + dir
                   + " makes one)");
  pkey_ptr ca_key{PEM_read_PrivateKey(kf.get(), nullptr, nullptr, nullptr)};
  x509_ptr ca{PEM_read_X509(cf.get(), nullptr, nullptr, nullptr)};
  if (!ca_key || !ca || X509_check_private_key(ca.get(), ca_key.get()) != 1)
    return refused("the CA in " + dir
                   + " is unreadable, or its key does "
                     "not match its certificate");
  auto key = new_key();
  auto cert = key ? new_certificate(key.get(), req.name, req.days) : nullptr;
  if (!cert)
    return refused("cannot make the key and certificate");
  auto* x = cert.get();
  auto usage = req.kind == cert_kind::member ? "serverAuth,clientAuth"
                                             : "clientAuth";
  if (!add_ext(x, ca.get(), NID_basic_constraints, "critical,CA:FALSE")
      || !add_ext(x, ca.get(), NID_key_usage, "critical,digitalSignature")
      || !add_ext(x, ca.get(), NID_ext_key_usage, usage)
      || !add_ext(x, ca.get(), NID_subject_alt_name, sans)
      || !add_ext(x, ca.get(), NID_subject_key_identifier, "hash")
      || !add_ext(x, ca.get(), NID_authority_key_identifier, "keyid:always")
      || X509_set_issuer_name(x, X509_get_subject_name(ca.get())) != 1
      || X509_sign(x, ca_key.get(), EVP_sha256()) == 0)
    return refused("cannot sign the certificate for " + req.name);
  return write_pair(dir, req.name, key.get(), x);
}

} // namespace troupe::cli

// `troupe certs init` and `troupe certs issue` with the real binary: what
// they write (checked with the openssl command), what they refuse, and a
// node serving mutual TLS with what they issued.
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace troupe::test;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0;
}

} // namespace

TEST(CertsCli, InitAndIssueMakeACaAndCertificatesOfEachKind) {
  temp_dir tmp;
  auto dir = tmp.path + "/pki";
  auto init = run_troupe({"certs", "init", dir});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_EQ(mode_of(dir + "/ca.key"), 0600u);
  EXPECT_TRUE(contains(
    shell("openssl x509 -noout -text -in " + dir + "/ca.pem"), "CA:TRUE"));
  auto member = run_troupe({"certs", "issue", dir, "node-a", "--host",
                            "127.0.0.1", "--host", "node-a.example"});
  ASSERT_EQ(member.exit_code, 0) << member.err;
  EXPECT_EQ(mode_of(dir + "/node-a.key"), 0600u);
  EXPECT_TRUE(contains(
    shell("openssl verify -CAfile " + dir + "/ca.pem " + dir + "/node-a.pem"),
    "node-a.pem: OK"));
  auto text = shell("openssl x509 -noout -text -in " + dir + "/node-a.pem");
  EXPECT_TRUE(contains(text, "URI:troupe://member/node-a")) << text;
  EXPECT_TRUE(contains(text, "IP Address:127.0.0.1")) << text;
  EXPECT_TRUE(contains(text, "DNS:node-a.example")) << text;
  EXPECT_TRUE(contains(text, "TLS Web Server Authentication")) << text;
  EXPECT_TRUE(contains(text, "TLS Web Client Authentication")) << text;
  auto client = run_troupe({"certs", "issue", dir, "alice", "--client"});
  ASSERT_EQ(client.exit_code, 0) << client.err;
  text = shell("openssl x509 -noout -text -in " + dir + "/alice.pem");
  EXPECT_TRUE(contains(text, "URI:troupe://client/alice")) << text;
  EXPECT_TRUE(contains(text, "TLS Web Client Authentication")) << text;
  EXPECT_FALSE(contains(text, "TLS Web Server Authentication")) << text;
  // A member named HOST:PORT is valid for its HOST without --host.
  auto named = run_troupe({"certs", "issue", dir, "127.0.0.1:5710"});
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_TRUE(contains(
    shell("openssl x509 -noout -text -in '" + dir + "/127.0.0.1:5710.pem'"),
    "IP Address:127.0.0.1"));
}

TEST(CertsCli, RefusesWhatWouldOverwriteOrCannotBeRight) {
  temp_dir tmp;
  auto dir = tmp.path + "/pki";
  // No CA yet.
  auto early = run_troupe({"certs", "issue", dir, "node-a"});
  EXPECT_EQ(early.exit_code, 2);
  EXPECT_TRUE(contains(early.err, "no CA in")) << early.err;
  ASSERT_EQ(run_troupe({"certs", "init", dir}).exit_code, 0);
  auto again = run_troupe({"certs", "init", dir});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_TRUE(contains(again.err, "holds a CA already")) << again.err;
  ASSERT_EQ(run_troupe({"certs", "issue", dir, "node-a"}).exit_code, 0);
  auto twice = run_troupe({"certs", "issue", dir, "node-a"});
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_TRUE(contains(twice.err, "exists")) << twice.err;
  for (std::string bad : {"../escape", "-dash", "ca", "a b", ""}) {
    auto r = run_troupe({"certs", "issue", dir, bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
  }
  auto host
    = run_troupe({"certs", "issue", dir, "node-b", "--host", "not a host!"});
  EXPECT_EQ(host.exit_code, 2);
  EXPECT_TRUE(contains(host.err, "--host")) << host.err;
  auto days = run_troupe({"certs", "issue", dir, "node-c", "--days", "0"});
  EXPECT_EQ(days.exit_code, 2);
}

TEST(CertsCli, ANodeServesMutualTlsWithWhatItIssued) {
  temp_dir tmp;
  auto dir = tmp.path;
  ASSERT_EQ(run_troupe({"certs", "init", dir}).exit_code, 0);
  ASSERT_EQ(run_troupe({"certs", "issue", dir, "node-a", "--host", "127.0.0.1"})
              .exit_code,
            0);
  ASSERT_EQ(run_troupe({"certs", "issue", dir, "alice", "--client"}).exit_code,
            0);
  node_process node{{"--tls-cert", dir + "/node-a.pem", "--tls-key",
                     dir + "/node-a.key", "--tls-ca", dir + "/ca.pem"}};
  ASSERT_TRUE(node.ready()) << node.log();
  auto with_cert = run_troupe(
    {"submit", "--node", node.address(), "--tls-ca", dir + "/ca.pem",
     "--tls-cert", dir + "/alice.pem", "--tls-key", dir + "/alice.key",
     "--skill", "echo", "--input", "over mutual tls"});
  EXPECT_EQ(with_cert.exit_code, 0) << with_cert.err;
  EXPECT_TRUE(contains(with_cert.out, "over mutual tls")) << with_cert.out;
  // Without a client certificate the node refuses the connection.
  auto without = run_troupe({"submit", "--node", node.address(), "--tls-ca",
                             dir + "/ca.pem", "--connect-timeout", "2s",
                             "--skill", "echo", "--input", "x"});
  EXPECT_NE(without.exit_code, 0);
}

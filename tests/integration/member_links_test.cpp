// Members talk over gRPC on their cluster ports, with real node processes
// on 127.0.0.1: which sockets a node holds, one link per pair of members,
// and what the cluster port does with bytes from someone who is not a
// member: garbage, CAF's old wire protocol, huge frame headers, idle and
// half-open connections, and, with mutual TLS, nodes without a certificate,
// with one of another CA, an expired one, a client's, one naming another
// member, and one whose serial is denied. Each is refused and the cluster
// goes on serving.
#include "messages/wire/member_codec.hpp"
#include "tests/support/cluster_status.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/process_probe.hpp"
#include "tests/support/tcp_sockets.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/temp_file.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "troupe/members/v1/members.grpc.pb.h"

using namespace troupe::test;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// A TCP connection to 127.0.0.1:port that sends `bytes` (if any); closed
/// when the object goes away.
struct raw_connection {
  int fd = -1;

  raw_connection(uint16_t port, const std::string& bytes) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd);
      fd = -1;
      return;
    }
    if (!bytes.empty())
      static_cast<void>(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL));
  }

  ~raw_connection() {
    if (fd >= 0)
      ::close(fd);
  }

  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;
};

/// What someone who is not a member may send a cluster port.
std::vector<std::string> hostile_payloads() {
  std::vector<std::string> out;
  std::mt19937 rng{42};
  std::string noise(4096, '\0');
  for (auto& c : noise)
    c = static_cast<char>(rng());
  out.push_back(noise);
  // A BASP header as CAF 0.17 reads it (operation, padding, flags, payload
  // length, operation data, source and destination actor ids: 32 bytes),
  // claiming a 1 GiB payload: what crashed or bloated nodes that spoke it.
  std::string basp(32, '\0');
  basp[0] = 0; // server handshake
  basp[4] = basp[5] = basp[6] = 0x40;
  basp[7] = 0x00;
  for (int i = 8; i < 32; ++i)
    basp[static_cast<size_t>(i)] = static_cast<char>(0xff);
  out.push_back(basp);
  // An HTTP/2 preface, then a frame header claiming 16 MiB.
  std::string h2 = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  h2 += std::string{"\xff\xff\xff\x00\x00\x00\x00\x00\x01", 9};
  h2 += std::string(1024, 'x');
  out.push_back(h2);
  // A TLS client hello that goes nowhere.
  out.push_back(std::string{"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11}
                + std::string(64, 'z'));
  return out;
}

/// The member links `node` holds: connections accepted on its cluster port
/// or dialled to one of `peers`' cluster ports.
size_t member_links_of(const node_process& node,
                       const std::vector<const node_process*>& peers) {
  size_t n = 0;
  for (auto& s : tcp_sockets_of(node.pid())) {
    if (!s.established)
      continue;
    if (s.local_port == node.cluster_port()) {
      ++n;
      continue;
    }
    for (auto* p : peers)
      if (s.remote_port == p->cluster_port())
        ++n;
  }
  return n;
}

/// Whether a job of the `slow` skill, which only `runner` offers, submitted
/// to `entry` runs there: the link between them carries jobs.
bool job_crosses(const node_process& entry, const std::string& runner) {
  auto r = entry.cli({"submit", "--skill", "slow", "--input", "1", "--json"});
  return r.exit_code == 0 && contains(r.out, "\"node\":\"" + runner + "\"");
}

struct MemberLinks : ::testing::Test {
  temp_file conf{"cluster.conf", fast_cluster_conf};

  std::vector<std::string> args(const std::string& name,
                                const node_process* seed = nullptr,
                                bool test_skills = false) {
    return member_args(name, seed, conf.path(), test_skills);
  }
};

} // namespace

TEST_F(MemberLinks, ANodeListensOnItsClientAndClusterPortsOnly) {
  node_process a{args("alpha")};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process b{args("beta", &a)};
  ASSERT_TRUE(b.ready()) << b.log();
  ASSERT_TRUE(sees(a, "beta", "up"));
  for (auto* n : {&a, &b}) {
    std::vector<uint16_t> want{n->port(), n->cluster_port()};
    std::sort(want.begin(), want.end());
    EXPECT_EQ(listening_ports(n->pid()), want);
  }
}

TEST_F(MemberLinks, EachPairOfMembersKeepsOneLink) {
  node_process a{args("alpha")};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process b{args("beta", &a, true)};
  ASSERT_TRUE(b.ready()) << b.log();
  node_process c{args("gamma", &b)};
  ASSERT_TRUE(c.ready()) << c.log();
  for (auto* n : {&a, &b, &c})
    for (auto name : {"alpha", "beta", "gamma"})
      ASSERT_TRUE(sees(*n, name, "up")) << name;
  // Jobs from both others to beta use the links that carry gossip.
  EXPECT_TRUE(job_crosses(a, "beta")) << a.log();
  EXPECT_TRUE(job_crosses(c, "beta")) << c.log();
  EXPECT_TRUE(eventually(
    [&] {
      return member_links_of(a, {&b, &c}) == 2
             && member_links_of(b, {&a, &c}) == 2
             && member_links_of(c, {&a, &b}) == 2;
    },
    10s))
    << "links: alpha " << member_links_of(a, {&b, &c}) << ", beta "
    << member_links_of(b, {&a, &c}) << ", gamma "
    << member_links_of(c, {&a, &b});
}

namespace {

/// A cluster CA with certificates for members and a client, and a second
/// CA that has nothing to do with the cluster.
struct pki {
  temp_dir tmp;
  std::string dir = tmp.path + "/pki";
  std::string other = tmp.path + "/other";

  pki() {
    run_troupe({"certs", "init", dir});
    for (auto name : {"alpha", "beta", "gamma"})
      run_troupe({"certs", "issue", dir, name, "--host", "127.0.0.1"});
    run_troupe({"certs", "issue", dir, "carol", "--client"});
    run_troupe({"certs", "init", other});
    run_troupe({"certs", "issue", other, "mallory", "--host", "127.0.0.1"});
  }

  /// The options of a member presenting `cert_dir`/`name`.pem with the
  /// cluster CA of `ca_dir`.
  std::vector<std::string> tls(const std::string& name,
                               const std::string& cert_dir,
                               const std::string& ca_dir) const {
    return {"--cluster-cert", cert_dir + "/" + name + ".pem",
            "--cluster-key",  cert_dir + "/" + name + ".key",
            "--cluster-ca",   ca_dir + "/ca.pem"};
  }

  /// An expired member certificate of the cluster CA for `name`, made with
  /// the openssl command (troupe never issues one).
  std::string expired(const std::string& name) const {
    auto d = tmp.path + "/expired";
    shell("mkdir -p " + d + " && : > " + d + "/index.txt && echo 1000 > " + d
          + "/serial");
    std::ofstream{d + "/ca.cnf"}
      << "[ca]\ndefault_ca = d\n[d]\ndatabase = " << d
      << "/index.txt\nnew_certs_dir = " << d << "\nserial = " << d
      << "/serial\ndefault_md = sha256\npolicy = p\n[p]\ncommonName = "
         "supplied\n[ext]\nsubjectAltName = URI:troupe://member/"
      << name
      << ",IP:127.0.0.1\nextendedKeyUsage = serverAuth,clientAuth\n"
         "keyUsage = critical,digitalSignature\n";
    shell("cd " + d
          + " && openssl ecparam -name prime256v1 -genkey -noout -out " + name
          + ".key && openssl req -new -key " + name + ".key -subj /CN=" + name
          + " -out " + name + ".csr && openssl ca -batch -config ca.cnf"
          + " -cert " + dir + "/ca.pem -keyfile " + dir + "/ca.key -in " + name
          + ".csr -out " + name + ".pem -startdate 20200101000000Z -enddate "
          + "20200102000000Z -extfile ca.cnf -extensions ext -notext");
    return d;
  }
};

struct MemberTls : ::testing::Test {
  pki certs;
  temp_file conf{"cluster.conf",
                 std::string{fast_cluster_conf} + "join-timeout = 2s\n"};

  std::vector<std::string> member(const std::string& name,
                                  const node_process* seed = nullptr,
                                  bool test_skills = false) {
    auto out = member_args(name, seed, conf.path(), test_skills);
    auto t = certs.tls(name, certs.dir, certs.dir);
    out.insert(out.end(), t.begin(), t.end());
    return out;
  }

  /// Starts `troupe node` with `extra` joining `seed` and returns how it
  /// ended: a node that cannot join exits.
  command_result try_join(const node_process& seed, const std::string& name,
                          std::vector<std::string> extra) {
    std::vector<std::string> cmd{"node",      "--port", "0",
                                 "--name",    name,     "--config",
                                 conf.path(), "--join", seed.cluster_address()};
    cmd.insert(cmd.end(), extra.begin(), extra.end());
    return run_troupe(cmd, {}, 30s);
  }
};

} // namespace

TEST_F(MemberTls, MembersLinkOverMutualTls) {
  node_process a{member("alpha")};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process b{member("beta", &a, true)};
  ASSERT_TRUE(b.ready()) << b.log();
  EXPECT_TRUE(sees(a, "beta", "up")) << a.log();
  EXPECT_TRUE(job_crosses(a, "beta")) << a.log();
  EXPECT_TRUE(contains(a.log(), "mutual TLS")) << a.log();
}

TEST_F(MemberTls, OutsidersAreRefusedAndTheClusterGoesOn) {
  node_process a{member("alpha")};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process b{member("beta", &a, true)};
  ASSERT_TRUE(b.ready()) << b.log();
  ASSERT_TRUE(sees(a, "beta", "up"));

  // No certificate at all.
  auto plain = try_join(a, "mallory", {});
  EXPECT_NE(plain.exit_code, 0) << plain.err;
  // A certificate of another CA.
  auto foreign = try_join(a, "mallory",
                          certs.tls("mallory", certs.other, certs.other));
  EXPECT_NE(foreign.exit_code, 0) << foreign.err;
  // The same, trusting the cluster's CA for the other side.
  auto foreign2 = try_join(a, "mallory",
                           certs.tls("mallory", certs.other, certs.dir));
  EXPECT_NE(foreign2.exit_code, 0) << foreign2.err;
  // An expired certificate of the cluster CA.
  auto old_dir = certs.expired("old");
  ASSERT_TRUE(contains(
    shell("openssl x509 -noout -enddate -in " + old_dir + "/old.pem"), "2020"));
  auto expired
    = try_join(a, "old",
               {"--cluster-cert", old_dir + "/old.pem", "--cluster-key",
                old_dir + "/old.key", "--cluster-ca", certs.dir + "/ca.pem"});
  EXPECT_NE(expired.exit_code, 0) << expired.err;
  // A valid member certificate, claiming another name.
  auto impostor = try_join(a, "mallory",
                           certs.tls("gamma", certs.dir, certs.dir));
  EXPECT_NE(impostor.exit_code, 0) << impostor.err;
  EXPECT_TRUE(eventually([&] {
    return contains(a.log(), "claims to be 'mallory'");
  }))
    << a.log();
  // A client's certificate.
  auto client = try_join(a, "carol", certs.tls("carol", certs.dir, certs.dir));
  EXPECT_NE(client.exit_code, 0) << client.err;
  EXPECT_TRUE(eventually([&] {
    return contains(a.log(), "is not a member certificate");
  }))
    << a.log();

  // None of them is a member, and the members still work together.
  for (auto name : {"mallory", "old", "carol"})
    EXPECT_EQ(member_status_of(a, name), "") << name;
  EXPECT_EQ(member_status_of(a, "beta"), "up");
  EXPECT_TRUE(job_crosses(a, "beta")) << a.log();
}

TEST_F(MemberTls, ADeniedSerialIsShutOut) {
  auto serial
    = shell("openssl x509 -noout -serial -in " + certs.dir + "/beta.pem");
  ASSERT_TRUE(contains(serial, "serial=")) << serial;
  serial = serial.substr(serial.find('=') + 1);
  serial.erase(serial.find_last_not_of("\r\n") + 1);
  auto args = member("alpha");
  args.insert(args.end(), {"--deny-serial", serial});
  node_process a{args};
  ASSERT_TRUE(a.ready()) << a.log();
  auto denied = try_join(a, "beta", certs.tls("beta", certs.dir, certs.dir));
  EXPECT_NE(denied.exit_code, 0) << denied.err;
  EXPECT_TRUE(eventually([&] {
    return contains(a.log(), "is denied");
  }))
    << a.log();
  node_process c{member("gamma", &a)};
  ASSERT_TRUE(c.ready()) << c.log();
  EXPECT_TRUE(sees(a, "gamma", "up"));
}

TEST_F(MemberTls, HostileBytesOnTheClusterPortHarmNothing) {
  node_process a{member("alpha")};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process b{member("beta", &a, true)};
  ASSERT_TRUE(b.ready()) << b.log();
  ASSERT_TRUE(sees(a, "beta", "up"));
  {
    // Crafted packets, each on a connection of its own, on both ports.
    std::vector<std::unique_ptr<raw_connection>> held;
    for (auto& bytes : hostile_payloads())
      for (auto* n : {&a, &b})
        held.push_back(
          std::make_unique<raw_connection>(n->cluster_port(), bytes));
    // Idle connections, and connections closed at once.
    for (int i = 0; i < 100; ++i)
      held.push_back(std::make_unique<raw_connection>(a.cluster_port(), ""));
    for (int i = 0; i < 300; ++i)
      raw_connection gone{a.cluster_port(), ""};
    EXPECT_TRUE(job_crosses(a, "beta")) << a.log();
    EXPECT_TRUE(running(a.pid()));
    EXPECT_TRUE(running(b.pid()));
  }
  EXPECT_EQ(member_status_of(a, "beta"), "up");
  EXPECT_EQ(member_status_of(b, "alpha"), "up");
  EXPECT_TRUE(job_crosses(a, "beta")) << a.log();
}

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

} // namespace

// A member with valid credentials that speaks the protocol by hand: it is
// linked as itself, but cannot join or gossip in another member's name,
// and a frame out of protocol ends its link.
TEST_F(MemberTls, AMemberSpeaksOnlyForItself) {
  namespace mv1 = troupe::members::v1;
  namespace codec = troupe::wire::member_codec;
  node_process a{member("alpha")};
  ASSERT_TRUE(a.ready()) << a.log();
  grpc::SslCredentialsOptions opts;
  opts.pem_root_certs = read_file(certs.dir + "/ca.pem");
  opts.pem_private_key = read_file(certs.dir + "/beta.key");
  opts.pem_cert_chain = read_file(certs.dir + "/beta.pem");
  auto channel = grpc::CreateChannel(a.cluster_address(),
                                     grpc::SslCredentials(opts));
  auto stub = mv1::Member::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 20s);
  auto link = stub->Link(&ctx);
  mv1::Frame hello;
  hello.mutable_hello()->set_protocol_version(1);
  hello.mutable_hello()->set_name("beta");
  hello.mutable_hello()->set_address("127.0.0.1:1");
  ASSERT_TRUE(link->Write(hello));
  mv1::Frame reply;
  ASSERT_TRUE(link->Read(&reply)) << a.log();
  EXPECT_EQ(reply.hello().name(), "alpha");
  // A join in gamma's name over beta's link.
  codec::cluster_message join;
  join.kind = codec::cluster_message::join;
  join.from = "gamma";
  join.from_incarnation = 1;
  troupe::member gamma;
  gamma.name = "gamma";
  gamma.address = "127.0.0.1:1";
  gamma.incarnation = 1;
  gamma.status = troupe::member_status::joining;
  join.members.push_back(gamma);
  mv1::Frame call;
  call.mutable_call()->set_id(7);
  call.mutable_call()->set_timeout_ms(5000);
  call.mutable_call()->set_cluster(codec::encode(join));
  ASSERT_TRUE(link->Write(call));
  mv1::Frame answer;
  ASSERT_TRUE(link->Read(&answer));
  EXPECT_EQ(answer.answer().id(), 7u);
  EXPECT_TRUE(contains(answer.answer().error(), "as 'gamma'"))
    << answer.DebugString();
  // Gossip from beta naming gamma as its sender: refused the same way.
  join.kind = codec::cluster_message::gossip;
  call.mutable_call()->set_id(8);
  call.mutable_call()->set_cluster(codec::encode(join));
  ASSERT_TRUE(link->Write(call));
  ASSERT_TRUE(link->Read(&answer));
  EXPECT_EQ(answer.answer().id(), 8u);
  EXPECT_TRUE(contains(answer.answer().error(), "as 'gamma'"))
    << answer.DebugString();
  // Batches from more sinks than any node has batchers: the link ends.
  for (uint32_t n = 1; n <= 300; ++n) {
    mv1::Frame batch;
    batch.mutable_submit()->set_sink(n);
    batch.mutable_submit()->set_body("\x18\x01"); // batch id 1, no jobs
    if (!link->Write(batch))
      break;
  }
  while (link->Read(&answer)) {
  }
  EXPECT_FALSE(link->Finish().ok());
  EXPECT_TRUE(eventually([&] {
    return contains(a.log(), "sent from more than 256 sinks");
  }))
    << a.log();
  // A second hello is out of protocol: the link ends.
  grpc::ClientContext ctx2;
  ctx2.set_deadline(std::chrono::system_clock::now() + 20s);
  link = stub->Link(&ctx2);
  ASSERT_TRUE(link->Write(hello));
  ASSERT_TRUE(link->Read(&reply)) << a.log();
  ASSERT_TRUE(link->Write(hello));
  while (link->Read(&answer)) {
  }
  auto st = link->Finish();
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(eventually([&] {
    return contains(a.log(), "out of protocol");
  }))
    << a.log();
  EXPECT_EQ(member_status_of(a, "gamma"), "");
  // alpha goes on serving members.
  node_process b{member("beta", &a, true)};
  ASSERT_TRUE(b.ready()) << b.log();
  EXPECT_TRUE(job_crosses(a, "beta")) << a.log();
}

// Idle connections beyond the node's descriptors: the cluster port refuses
// what it has no room for, and the links that stand carry on.
TEST_F(MemberTls, DescriptorExhaustionLeavesTheLinksUp) {
  node_process a{member("alpha")};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process b{member("beta", &a, true)};
  ASSERT_TRUE(b.ready()) << b.log();
  ASSERT_TRUE(sees(a, "beta", "up"));
  ASSERT_TRUE(limit_descriptors(a.pid(), 1024));
  allow_own_descriptors(4096);
  {
    std::vector<std::unique_ptr<raw_connection>> idle;
    for (int i = 0; i < 2048; ++i)
      idle.push_back(std::make_unique<raw_connection>(a.cluster_port(), ""));
    EXPECT_TRUE(job_crosses(a, "beta")) << a.log();
    EXPECT_EQ(member_status_of(b, "alpha"), "up");
    // The health monitor saw the port refuse them (within the window).
    std::string st;
    EXPECT_TRUE(eventually(
      [&] {
        st = a.cli({"status", "--json"}).out;
        return contains(st, "\"severity\":\"WARNING\",\"rule\":\"listener\","
                            "\"subject\":\"cluster port\"");
      },
      10s))
      << st;
  }
  // Once they are gone, a new member joins.
  node_process c{member("gamma", &a)};
  ASSERT_TRUE(c.ready()) << c.log();
  EXPECT_TRUE(sees(a, "gamma", "up")) << a.log();
  EXPECT_EQ(member_status_of(a, "beta"), "up");
}

// Members on other loopback addresses, as on other hosts: each dials the
// other at the address it advertises, and its certificate must name it.
TEST_F(MemberTls, MembersReachEachOtherAtTheirAdvertisedAddresses) {
  run_troupe({"certs", "issue", certs.dir, "delta", "--host", "127.0.0.2"});
  run_troupe({"certs", "issue", certs.dir, "epsilon", "--host", "127.0.0.3"});
  auto a_args = member("delta");
  a_args.insert(a_args.end(), {"--host", "127.0.0.2"});
  node_process a{a_args};
  ASSERT_TRUE(a.ready()) << a.log();
  ASSERT_EQ(a.cluster_address().rfind("127.0.0.2:", 0), 0u);
  auto b_args = member("epsilon", &a, true);
  b_args.insert(b_args.end(), {"--host", "127.0.0.3"});
  node_process b{b_args};
  ASSERT_TRUE(b.ready()) << b.log();
  EXPECT_TRUE(sees(a, "epsilon", "up")) << a.log();
  EXPECT_TRUE(contains(a.cli({"status", "--json"}).out,
                       "\"address\":\"" + b.cluster_address() + "\""));
  EXPECT_TRUE(job_crosses(a, "epsilon")) << a.log();
  // gamma's certificate names 127.0.0.1 only: a member that dials it at
  // 127.0.0.4 refuses it, and cannot join through it.
  auto g_args = member("gamma");
  g_args.insert(g_args.end(), {"--host", "127.0.0.4"});
  node_process g{g_args};
  ASSERT_TRUE(g.ready()) << g.log();
  auto joined = try_join(g, "beta", certs.tls("beta", certs.dir, certs.dir));
  EXPECT_NE(joined.exit_code, 0) << joined.err;
  EXPECT_EQ(member_status_of(a, "beta"), "");
}

// A node serves its client port and its cluster port from one gRPC
// server; with door TLS whose client CA is the cluster's own, a member's
// certificate is a valid client certificate at the door. Still, a member
// cannot link through the client port, and a client cannot call the client
// API through the cluster port: each port offers only its own protocol.
TEST_F(MemberTls, EachPortOffersOnlyItsOwnProtocol) {
  // alpha's clients need certificates; beta's client port is open, and
  // the test asks beta how the cluster looks.
  auto a_args = member("alpha", nullptr, true);
  a_args.insert(a_args.end(),
                {"--tls-cert", certs.dir + "/alpha.pem", "--tls-key",
                 certs.dir + "/alpha.key", "--tls-ca", certs.dir + "/ca.pem"});
  node_process a{a_args};
  ASSERT_TRUE(a.ready()) << a.log();
  node_process b{member("beta", &a)};
  ASSERT_TRUE(b.ready()) << b.log();
  ASSERT_TRUE(sees(b, "alpha", "up")) << b.log();
  // gamma dials the client port with its member certificate.
  std::vector<std::string> cmd{"node",      "--port", "0",
                               "--name",    "gamma",  "--config",
                               conf.path(), "--join", a.address()};
  auto t = certs.tls("gamma", certs.dir, certs.dir);
  cmd.insert(cmd.end(), t.begin(), t.end());
  auto astray = run_troupe(cmd, {}, 30s);
  EXPECT_NE(astray.exit_code, 0) << astray.err;
  EXPECT_TRUE(contains(astray.err, "does not speak troupe's member protocol"))
    << astray.err;
  EXPECT_TRUE(eventually(
    [&] {
      return contains(a.log(), "came through another port than the cluster "
                               "port");
    },
    10s))
    << a.log();
  EXPECT_EQ(member_status_of(b, "gamma"), "");
  // carol, a client of the cluster CA, calls the client API on the cluster
  // port, then on the client port.
  auto client = [&](const std::string& node) {
    return run_troupe({"skills", "--node", node, "--tls-ca",
                       certs.dir + "/ca.pem", "--tls-cert",
                       certs.dir + "/carol.pem", "--tls-key",
                       certs.dir + "/carol.key"});
  };
  auto wrong = client(a.cluster_address());
  EXPECT_NE(wrong.exit_code, 0) << wrong.out;
  EXPECT_TRUE(contains(wrong.err, "does not offer")) << wrong.err;
  auto right = client(a.address());
  EXPECT_EQ(right.exit_code, 0) << right.err;
  EXPECT_TRUE(job_crosses(b, "alpha")) << b.log();
}

// Plaintext members on loopback addresses other than 127.0.0.1: their
// cluster ports are served apart from their client ports, and they link.
TEST_F(MemberLinks, PlaintextMembersOnOtherLoopbackAddressesLink) {
  auto a_args = args("delta");
  a_args.insert(a_args.end(), {"--host", "127.0.0.2"});
  node_process a{a_args};
  ASSERT_TRUE(a.ready()) << a.log();
  auto b_args = args("epsilon", &a, true);
  b_args.insert(b_args.end(), {"--host", "127.0.0.3"});
  node_process b{b_args};
  ASSERT_TRUE(b.ready()) << b.log();
  EXPECT_TRUE(sees(a, "epsilon", "up")) << a.log();
  EXPECT_TRUE(job_crosses(a, "epsilon")) << a.log();
}

// A node listening on every address advertises the machine's name, which
// others can dial, rather than 0.0.0.0.
TEST_F(MemberLinks, AWildcardHostAdvertisesTheMachinesName) {
  char name[256] = {};
  ASSERT_EQ(::gethostname(name, sizeof(name) - 1), 0);
  node_process a{{"--host", "0.0.0.0", "--insecure", "--name", "alpha"}};
  ASSERT_TRUE(a.ready()) << a.log();
  auto st = a.cli({"status", "--json"});
  EXPECT_TRUE(contains(st.out, "\"address\":\"" + std::string{name} + ":"
                                 + std::to_string(a.cluster_port()) + "\""))
    << st.out;
  // --advertise says otherwise.
  node_process b{{"--host", "0.0.0.0", "--insecure", "--name", "beta",
                  "--advertise", "127.0.0.1:1234"}};
  ASSERT_TRUE(b.ready()) << b.log();
  EXPECT_TRUE(contains(b.cli({"status", "--json"}).out,
                       "\"address\":\"127.0.0.1:1234\""));
}

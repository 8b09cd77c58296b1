#include "cluster/member_port.hpp"

#include "actors/rpc/port_guard.hpp"
#include "messages/errors.hpp"

#include <caf/send.hpp>

namespace troupe::cluster {

namespace {

/// The name a guarded cluster port marks its calls with.
constexpr const char* port_name = "cluster port";

std::shared_ptr<grpc::ChannelCredentials>
channel_credentials(const rpc::tls_material& tls) {
  if (!tls.enabled())
    return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions opts;
  opts.pem_root_certs = tls.ca;
  opts.pem_private_key = tls.key;
  opts.pem_cert_chain = tls.cert;
  return grpc::SslCredentials(opts);
}

} // namespace

std::shared_ptr<grpc::ServerCredentials>
member_port::guarded_credentials(const member_port_config& cfg) {
  return rpc::guarded_credentials(cfg.tls, cfg.local_address, port_name,
                                  {link::mv1::Member::service_full_name()});
}

caf::expected<std::unique_ptr<member_port>>
member_port::prepare(const member_port_config& cfg, rpc::grpc_host& server) {
  std::unique_ptr<member_port> out{new member_port};
  out->cfg_ = cfg;
  out->server_ = &server;
  if (cfg.listen) {
    auto creds = guarded_credentials(cfg);
    out->guarded_ = creds != nullptr;
    if (!creds)
      creds = rpc::server_credentials(cfg.tls);
    auto index = server.add_port(cfg.host, cfg.port, cfg.limits.max_connections,
                                 cfg.limits.reserved_fds, port_name,
                                 std::move(creds));
    if (!index)
      return index.error();
    out->port_index_ = *index;
    server.add_service(&out->service_);
  }
  out->credentials_ = channel_credentials(cfg.tls);
  return out;
}

uint16_t member_port::port() const {
  return cfg_.listen ? server_->port(port_index_) : 0;
}

uint64_t member_port::refused() const {
  return cfg_.listen ? server_->refused(port_index_) : 0;
}

links_actor member_port::open(caf::actor_system& sys, member_links_config cfg) {
  auto& queue = server_->queue();
  cfg.queue = &queue;
  cfg.credentials = credentials_;
  cfg.streams = streams_;
  cfg.trust.tls = cfg_.tls.enabled();
  auto limits = cfg.limits;
  registry_ = sys.spawn(member_links, std::move(cfg));
  auto registry = registry_;
  if (cfg_.listen) {
    link::member_stream::accept(
      service_, queue,
      [registry] {
        return stream_handlers(registry);
      },
      limits, streams_, guarded_ ? port_name : "");
    server_->open_port(port_index_);
  }
  return registry_;
}

// The server stopped before (it refers to the service).
member_port::~member_port() = default;

void member_port::close() {
  if (cfg_.listen && server_)
    server_->close_port(port_index_);
  if (registry_)
    caf::anon_send(registry_, atom::stop::value);
  registry_ = nullptr;
  // Dialled streams end only when cancelled; accepted ones end with the
  // server, or now.
  streams_->close_all("the node stops");
}

} // namespace troupe::cluster

#include "cluster/member_port.hpp"

#include "messages/errors.hpp"

#include <caf/send.hpp>

namespace troupe::cluster {

namespace {

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

caf::expected<std::unique_ptr<member_port>>
member_port::start(const member_port_config& cfg) {
  std::unique_ptr<member_port> out{new member_port};
  out->cfg_ = cfg;
  auto& lim = cfg.limits;
  grpc::ServerBuilder builder;
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> acceptor;
  if (cfg.listen) {
    auto gate = rpc::connection_gate::listen(cfg.host, cfg.port,
                                             lim.max_connections,
                                             lim.reserved_fds, "cluster port");
    if (!gate)
      return gate.error();
    out->gate_ = std::move(*gate);
    out->port_ = out->gate_->port();
    acceptor = builder.experimental().AddExternalConnectionAcceptor(
      grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD,
      rpc::server_credentials(cfg.tls));
  }
  // The member service is the only one, on the links' own queue: no gRPC
  // thread of its own polls the node's connections.
  builder.RegisterService(&out->service_);
  rpc::apply_limits(builder, lim, "troupe-members");
  auto cq = builder.AddCompletionQueue();
  out->server_ = builder.BuildAndStart();
  if (!out->server_)
    return caf::make_error(error_code::port_in_use,
                           "cannot start the member protocol on " + cfg.host
                             + ":" + std::to_string(cfg.port));
  out->queue_ = std::make_unique<rpc::call_queue>(std::move(cq),
                                                  "troupe.links");
  out->credentials_ = channel_credentials(cfg.tls);
  if (acceptor)
    out->gate_->start(std::move(acceptor));
  return out;
}

links_actor member_port::open(caf::actor_system& sys, member_links_config cfg) {
  cfg.queue = queue_.get();
  cfg.credentials = credentials_;
  cfg.streams = streams_;
  cfg.trust.tls = cfg_.tls.enabled();
  auto limits = cfg.limits;
  registry_ = sys.spawn(member_links, std::move(cfg));
  auto registry = registry_;
  if (cfg_.listen)
    link::member_stream::accept(
      service_, *queue_,
      [registry] {
        return stream_handlers(registry);
      },
      limits, streams_);
  queue_->start();
  return registry_;
}

member_port::~member_port() {
  stop(std::chrono::milliseconds{0});
}

void member_port::stop(std::chrono::milliseconds grace) {
  if (gate_)
    gate_->stop();
  if (registry_)
    caf::anon_send(registry_, atom::stop::value);
  registry_ = nullptr;
  // Dialled streams end only when cancelled; accepted ones end with the
  // server.
  streams_->close_all("the node stops");
  rpc::shut_down(server_, queue_, grace);
}

} // namespace troupe::cluster

#include "actors/door/door_server.hpp"

#include "actors/door/client_service.hpp"
#include "actors/door/connection_gate.hpp"
#include "actors/door/door_queue.hpp"
#include "actors/door/health_service.hpp"
#include "actors/door/reflection_service.hpp"
#include "actors/log/logging.hpp"
#include "messages/errors.hpp"

#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>

namespace troupe::door {

namespace {

std::shared_ptr<grpc::ServerCredentials> credentials(const tls_material& tls) {
  if (!tls.enabled())
    return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions opts{
    tls.ca.empty()
      ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
      : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY};
  opts.pem_root_certs = tls.ca;
  opts.pem_key_cert_pairs.push_back({tls.key, tls.cert});
  return grpc::SslServerCredentials(opts);
}

int millis(std::chrono::milliseconds x) {
  return static_cast<int>(
    std::min<int64_t>(x.count(), std::numeric_limits<int>::max()));
}

} // namespace

caf::expected<std::unique_ptr<door_server>>
door_server::start(door_context door, const std::string& host, uint16_t port) {
  auto lim = door.limits;
  std::unique_ptr<door_server> out{new door_server};
  out->service_ = std::make_unique<client_service>(std::move(door));
  out->health_ = std::make_unique<health_service>();
  out->reflection_ = std::make_unique<reflection_service>(
    std::vector<std::string>{"troupe.v1.Troupe", "grpc.health.v1.Health",
                             "grpc.reflection.v1alpha.ServerReflection"});
  grpc::ServerBuilder builder;
  auto gate = connection_gate::listen(host, port, lim.max_connections,
                                      lim.reserved_fds);
  if (!gate)
    return gate.error();
  auto acceptor = builder.experimental().AddExternalConnectionAcceptor(
    grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD,
    credentials(out->service_->tls()));
  // Every service is on the door's queue: with no callback or sync
  // service, gRPC starts no threads of its own to poll the connections.
  builder.RegisterService(out->service_->service());
  builder.RegisterService(out->health_->service());
  builder.RegisterService(out->reflection_->service());
  builder.SetMaxReceiveMessageSize(static_cast<int>(std::min<uint64_t>(
    lim.max_message_bytes, std::numeric_limits<int>::max())));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             lim.max_concurrent_streams);
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                             millis(lim.handshake_timeout));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             millis(lim.max_connection_idle));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 30'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(
    GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  grpc::ResourceQuota quota{"troupe-door"};
  quota.Resize(static_cast<size_t>(lim.resource_quota_bytes));
  builder.SetResourceQuota(quota);
  auto cq = builder.AddCompletionQueue();
  out->server_ = builder.BuildAndStart();
  if (!out->server_)
    return caf::make_error(error_code::port_in_use,
                           "cannot start the gRPC server on " + host + ":"
                             + std::to_string(port));
  out->queue_ = std::make_unique<door_queue>(std::move(cq));
  out->service_->listen(*out->queue_);
  out->health_->listen(*out->queue_);
  out->reflection_->listen(*out->queue_);
  out->queue_->start();
  out->port_ = (*gate)->port();
  out->gate_ = std::move(*gate);
  out->gate_->start(std::move(acceptor));
  out->set_serving(true);
  return out;
}

door_server::~door_server() {
  stop(std::chrono::milliseconds{0});
}

void door_server::set_serving(bool serving) {
  health_->set_serving(serving);
}

void door_server::stop(std::chrono::milliseconds grace) {
  if (gate_)
    gate_->stop();
  if (!server_)
    return;
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  // The calls ended; their last events drain from the queue.
  queue_.reset();
  server_->Wait();
  server_.reset();
}

} // namespace troupe::door

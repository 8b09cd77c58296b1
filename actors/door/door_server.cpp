#include "actors/door/door_server.hpp"

#include "actors/door/client_service.hpp"
#include "actors/log/logging.hpp"
#include "messages/errors.hpp"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>

#include <mutex>

namespace troupe::door {

namespace {

// Process-wide gRPC switches, set once before the first server is built.
void enable_standard_services() {
  static std::once_flag once;
  std::call_once(once, [] {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  });
}

int millis(std::chrono::milliseconds x) {
  return static_cast<int>(
    std::min<int64_t>(x.count(), std::numeric_limits<int>::max()));
}

} // namespace

caf::expected<std::unique_ptr<door_server>>
door_server::start(door_context door, const std::string& host, uint16_t port) {
  enable_standard_services();
  auto lim = door.limits;
  std::unique_ptr<door_server> out{new door_server};
  out->service_ = std::make_unique<client_service>(std::move(door));
  grpc::ServerBuilder builder;
  int selected = 0;
  auto where = host + ":" + std::to_string(port);
  builder.AddListeningPort(where, grpc::InsecureServerCredentials(), &selected);
  builder.RegisterService(out->service_.get());
  // gRPC shares a port with any other process that asks (SO_REUSEPORT):
  // two nodes on one port would split its clients between them.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
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
  out->server_ = builder.BuildAndStart();
  if (!out->server_ || selected == 0)
    return caf::make_error(error_code::port_in_use,
                           "cannot listen on " + where
                             + ": the port is in use or not available");
  out->port_ = static_cast<uint16_t>(selected);
  out->set_serving(true);
  return out;
}

door_server::~door_server() {
  stop(std::chrono::milliseconds{0});
}

void door_server::set_serving(bool serving) {
  if (server_)
    if (auto* health = server_->GetHealthCheckService())
      health->SetServingStatus(serving);
}

void door_server::stop(std::chrono::milliseconds grace) {
  if (!server_)
    return;
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
  server_.reset();
}

} // namespace troupe::door

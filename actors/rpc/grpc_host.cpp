#include "actors/rpc/grpc_host.hpp"

#include "actors/rpc/process_tuning.hpp"
#include "messages/errors.hpp"

#include <algorithm>

namespace troupe::rpc {

grpc_host::grpc_host(server_limits limits, std::string name)
    : limits_(std::move(limits)), name_(std::move(name)) {
  tune_grpc_process();
}

grpc_host::~grpc_host() {
  stop(std::chrono::milliseconds{0});
}

caf::expected<size_t>
grpc_host::add_port(const std::string& host, uint16_t port,
                    size_t max_connections, size_t reserved_fds,
                    std::string what,
                    std::shared_ptr<grpc::ServerCredentials> creds) {
  auto gate = connection_gate::listen(host, port, max_connections, reserved_fds,
                                      std::move(what));
  if (!gate)
    return gate.error();
  ports_.push_back(port_entry{std::move(*gate), std::move(creds), nullptr});
  return ports_.size() - 1;
}

void grpc_host::add_service(grpc::Service* service) {
  services_.push_back(service);
}

caf::error grpc_host::start() {
  grpc::ServerBuilder builder;
  for (auto& p : ports_)
    p.acceptor = builder.experimental().AddExternalConnectionAcceptor(
      grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD,
      p.creds);
  // Every service is on the queue: with no callback or sync service, gRPC
  // starts no threads of its own to poll the connections.
  for (auto* s : services_)
    builder.RegisterService(s);
  apply_limits(builder, limits_, name_);
  auto cq = builder.AddCompletionQueue();
  server_ = builder.BuildAndStart();
  if (!server_)
    return caf::make_error(error_code::port_in_use,
                           "cannot start the gRPC server " + name_);
  queue_ = std::make_unique<call_queue>(std::move(cq), name_);
  queue_->start();
  return caf::none;
}

std::vector<grpc_host::listener_state> grpc_host::listeners() const {
  std::vector<listener_state> out;
  for (auto& p : ports_)
    out.push_back({p.gate->what(), p.gate->refused(), p.gate->accepting()});
  return out;
}

void grpc_host::open_port(size_t i) {
  auto& p = ports_[i];
  if (p.acceptor)
    p.gate->start(std::move(p.acceptor));
}

void grpc_host::close_port(size_t i) {
  ports_[i].gate->stop();
}

void grpc_host::stop(std::chrono::milliseconds grace) {
  for (auto& p : ports_)
    p.gate->stop();
  shut_down(server_, queue_, grace);
}

server_limits combined(const server_limits& a, const server_limits& b) {
  server_limits out;
  out.max_message_bytes = std::max(a.max_message_bytes, b.max_message_bytes);
  out.max_concurrent_streams = std::max(a.max_concurrent_streams,
                                        b.max_concurrent_streams);
  out.max_connections = a.max_connections + b.max_connections;
  out.reserved_fds = std::max(a.reserved_fds, b.reserved_fds);
  out.handshake_timeout = std::max(a.handshake_timeout, b.handshake_timeout);
  out.max_connection_idle = std::max(a.max_connection_idle,
                                     b.max_connection_idle);
  out.resource_quota_bytes = a.resource_quota_bytes + b.resource_quota_bytes;
  out.keepalive_time = std::min(a.keepalive_time, b.keepalive_time);
  out.min_peer_ping_interval = std::min(a.min_peer_ping_interval,
                                        b.min_peer_ping_interval);
  return out;
}

std::shared_ptr<grpc::Channel> grpc_host::in_process_channel() {
  grpc::ChannelArguments args;
  // The server bounds what comes in; results may be as large as a job's.
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  return server_->InProcessChannel(args);
}

} // namespace troupe::rpc

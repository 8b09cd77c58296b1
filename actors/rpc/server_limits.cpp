#include "actors/rpc/server_limits.hpp"

#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>

#include <algorithm>
#include <limits>

namespace troupe::rpc {

namespace {

int millis(std::chrono::milliseconds x) {
  return static_cast<int>(
    std::min<int64_t>(x.count(), std::numeric_limits<int>::max()));
}

} // namespace

void apply_limits(grpc::ServerBuilder& builder, const server_limits& lim,
                  const std::string& quota_name) {
  builder.SetMaxReceiveMessageSize(static_cast<int>(std::min<uint64_t>(
    lim.max_message_bytes, std::numeric_limits<int>::max())));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             lim.max_concurrent_streams);
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                             millis(lim.handshake_timeout));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             millis(lim.max_connection_idle));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             millis(lim.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(
    GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
    millis(lim.min_peer_ping_interval));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  grpc::ResourceQuota quota{quota_name};
  quota.Resize(static_cast<size_t>(lim.resource_quota_bytes));
  builder.SetResourceQuota(quota);
}

std::shared_ptr<grpc::ServerCredentials>
server_credentials(const tls_material& tls) {
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

} // namespace troupe::rpc

#include "node/client/grpc_channel.hpp"

#include "actors/rpc/process_tuning.hpp"
#include "actors/rpc/status_name.hpp"
#include "config/units.hpp"
#include "messages/errors.hpp"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <chrono>
#include <fstream>
#include <sstream>

namespace troupe::client {

namespace {

std::chrono::system_clock::time_point deadline_after(caf::timespan t) {
  return std::chrono::system_clock::now()
         + std::chrono::duration_cast<std::chrono::system_clock::duration>(t);
}

caf::expected<std::string> read_pem(const std::string& path, const char* what) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream buf;
  if (in)
    buf << in.rdbuf();
  if (!in || buf.str().empty())
    return caf::make_error(error_code::invalid_config,
                           std::string{what} + ": cannot read '" + path + "'");
  return buf.str();
}

caf::expected<std::shared_ptr<grpc::ChannelCredentials>>
credentials(const connect_options& opts) {
  if (opts.tls_ca_file.empty() && opts.tls_cert_file.empty()
      && opts.tls_key_file.empty())
    return grpc::InsecureChannelCredentials();
  if (opts.tls_cert_file.empty() != opts.tls_key_file.empty())
    return caf::make_error(error_code::invalid_config,
                           "a TLS client certificate needs its key, and a key "
                           "its certificate");
  grpc::SslCredentialsOptions ssl;
  // Empty roots make gRPC use the system's.
  if (!opts.tls_ca_file.empty()) {
    auto ca = read_pem(opts.tls_ca_file, "TLS CA file");
    if (!ca)
      return ca.error();
    ssl.pem_root_certs = std::move(*ca);
  }
  if (!opts.tls_cert_file.empty()) {
    auto cert = read_pem(opts.tls_cert_file, "TLS certificate file");
    if (!cert)
      return cert.error();
    auto key = read_pem(opts.tls_key_file, "TLS key file");
    if (!key)
      return key.error();
    ssl.pem_cert_chain = std::move(*cert);
    ssl.pem_private_key = std::move(*key);
  }
  return grpc::SslCredentials(ssl);
}

grpc::ChannelArguments channel_arguments() {
  rpc::tune_grpc_process();
  grpc::ChannelArguments args;
  // The node decides how large its result batches get; a client that
  // refused them would lose a whole batch of jobs.
  args.SetMaxReceiveMessageSize(-1);
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  // Each client its own connection, as a CLI process has: clients in one
  // process (tests, benchmarks) must not share the fate of one socket.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // A node that vanishes without closing the connection (a partition, a
  // frozen host) is noticed while jobs are in flight; within the rate a
  // node accepts pings at.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  // A node that restarts is back within seconds: a long-lived client
  // should not wait the default two minutes to try again.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5'000);
  return args;
}

// The node's reason with the status code, e.g. "invalid token
// (UNAUTHENTICATED)".
std::string reason(const grpc::Status& st) {
  auto code = rpc::status_name(st.error_code());
  if (st.error_message().empty())
    return code;
  return st.error_message() + " (" + code + ")";
}

// Codes with which a node refuses a call it understood: the caller, not
// the connection, has to change something.
bool is_refusal(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return true;
    default:
      return false;
  }
}

// gRPC's own text when a message is over the receiver's limit.
bool too_large(const grpc::Status& st) {
  return st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED
         && st.error_message().find("larger than max") != std::string::npos;
}

} // namespace

caf::expected<std::shared_ptr<grpc::Channel>>
open_channel(const std::string& host, uint16_t port,
             const connect_options& opts) {
  auto creds = credentials(opts);
  if (!creds)
    return creds.error();
  auto address = host + ":" + std::to_string(port);
  auto channel = grpc::CreateCustomChannel(address, *creds,
                                           channel_arguments());
  auto deadline = deadline_after(opts.timeout);
  auto state = channel->GetState(true);
  while (state != GRPC_CHANNEL_READY) {
    // A refused connection or a failed handshake (TLS, or a peer speaking
    // something else than HTTP/2) fails at once; waiting out the timeout
    // would only delay the same answer.
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE
        || state == GRPC_CHANNEL_SHUTDOWN)
      return caf::make_error(error_code::node_unreachable,
                             "cannot reach node " + address
                               + " (the connection or its handshake failed: "
                                 "is a troupe node listening there, with "
                                 "these TLS settings?)");
    if (!channel->WaitForStateChange(state, deadline))
      return caf::make_error(error_code::node_unreachable,
                             "cannot reach node " + address
                               + " (no handshake within "
                               + config::duration_text(opts.timeout) + ")");
    state = channel->GetState(true);
  }
  return channel;
}

void prepare_call(grpc::ClientContext& ctx, const std::string& token,
                  caf::timespan timeout) {
  if (!token.empty())
    ctx.AddMetadata("authorization", "Bearer " + token);
  if (timeout > caf::timespan{0})
    ctx.set_deadline(deadline_after(timeout));
}

caf::error call_error(const grpc::Status& st, const std::string& address) {
  auto code = st.error_code();
  if (code == grpc::StatusCode::DEADLINE_EXCEEDED)
    return caf::make_error(error_code::timeout,
                           "node " + address + " did not answer in time");
  if (code == grpc::StatusCode::UNIMPLEMENTED)
    return caf::make_error(error_code::protocol_mismatch,
                           "the service at " + address
                             + " does not offer this call of troupe.v1 ("
                             + reason(st) + ")");
  if (is_refusal(code)) {
    // The node's own words are what the user needs; the code only adds
    // something for refusals about who is asking.
    auto auth = code == grpc::StatusCode::UNAUTHENTICATED
                || code == grpc::StatusCode::PERMISSION_DENIED;
    return caf::make_error(error_code::rejected,
                           auth || st.error_message().empty()
                             ? "node " + address
                                 + " refused the call: " + reason(st)
                             : st.error_message());
  }
  return caf::make_error(error_code::node_unreachable, "cannot reach node "
                                                         + address + " ("
                                                         + reason(st) + ")");
}

std::pair<job_status, std::string> job_failure(const grpc::Status& st,
                                               const std::string& address,
                                               size_t wire_bytes) {
  auto code = st.error_code();
  if (code == grpc::StatusCode::CANCELLED)
    return {job_status::cancelled, "cancelled by its client"};
  if (code == grpc::StatusCode::DEADLINE_EXCEEDED)
    return {job_status::timeout,
            "no answer from node " + address + " before the deadline"};
  if (too_large(st))
    return {job_status::bad_input,
            "node " + address + " refused the job: its message"
              + (wire_bytes > 0 ? " of " + std::to_string(wire_bytes) + " bytes"
                                : std::string{})
              + " exceeds the limit of node " + address + " ("
              + st.error_message() + ")"};
  if (code == grpc::StatusCode::RESOURCE_EXHAUSTED)
    return {job_status::overloaded,
            "node " + address + " refused the job: " + reason(st)};
  if (is_refusal(code) || code == grpc::StatusCode::UNIMPLEMENTED)
    return {job_status::bad_input,
            "node " + address + " refused the job: " + reason(st)};
  return {job_status::node_lost,
          "lost the connection to node " + address + " (" + reason(st)
            + "); the job was sent and may have run: resubmit it if running "
              "it twice is safe"};
}

} // namespace troupe::client

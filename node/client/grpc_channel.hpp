#pragma once

#include "messages/job_status.hpp"
#include "node/client/client.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/timespan.hpp>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <cstddef>
#include <memory>
#include <string>

// The gRPC side of the client: reaching a node, preparing calls, and what a
// failed call means for the caller.
namespace troupe::client {

/// Opens a channel to host:port with the credentials of `opts` and waits
/// until it is connected: `error_code::node_unreachable` when nothing
/// accepts the connection or the handshake does not complete within
/// `opts.timeout`, `error_code::invalid_config` for unreadable TLS files.
caf::expected<std::shared_ptr<grpc::Channel>>
open_channel(const std::string& host, uint16_t port,
             const connect_options& opts);

/// Adds the bearer token (when not empty) to a call and, for a positive
/// `timeout`, its deadline.
void prepare_call(grpc::ClientContext& ctx, const std::string& token,
                  caf::timespan timeout);

/// A failed control call as troupe's error: `node_unreachable`, `timeout`,
/// `rejected` (with the node's reason) or `protocol_mismatch`.
caf::error call_error(const grpc::Status& st, const std::string& address);

/// The terminal status and error text of a job whose call failed with
/// `st`: a job the node never took (refused, too large: `wire_bytes`, when
/// known, says how large) did not run; one on a broken connection may have.
std::pair<job_status, std::string> job_failure(const grpc::Status& st,
                                               const std::string& address,
                                               size_t wire_bytes = 0);

} // namespace troupe::client

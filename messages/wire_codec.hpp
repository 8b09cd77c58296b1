#pragma once

#include "messages/breaker_status.hpp"
#include "messages/job.hpp"
#include "messages/node_status.hpp"

#include <caf/expected.hpp>

#include <string>
#include <variant>
#include <vector>

// Converts between troupe's in-process structs and the protobuf wire schema
// (messages/troupe.proto). Only bytes cross this header, so generated
// protobuf classes never leak into the rest of the code.
namespace troupe::wire_codec {

/// Protocol version this build speaks; a node refuses other versions.
inline constexpr uint32_t protocol_version = 1;

/// Serializes jobs as a `SubmitBatch`.
std::string encode_submit(const std::vector<job>& jobs);

/// Serializes the jobs in [first, last) as a `SubmitBatch`.
std::string encode_submit(const job* first, const job* last);

/// Parses a `SubmitBatch`; malformed bytes or another protocol version give
/// `error_code::malformed_message` / `protocol_mismatch`.
[[nodiscard]] caf::expected<std::vector<job>>
decode_submit(const std::string& bytes);

/// Serializes results as a `ResultBatch`.
std::string encode_results(const std::vector<job_result>& results);

/// Serializes the results in [first, last) as a `ResultBatch`.
std::string encode_results(const job_result* first, const job_result* last);

/// Parses a `ResultBatch`; results with an unspecified status are rejected.
[[nodiscard]] caf::expected<std::vector<job_result>>
decode_results(const std::string& bytes);

/// Serializes a `CancelJobs` request for the jobs with these client ids.
std::string encode_cancel(const std::vector<uint64_t>& ids);

/// Parses a `CancelJobs` request into the client ids it names.
[[nodiscard]] caf::expected<std::vector<uint64_t>>
decode_cancel(const std::string& bytes);

/// The control requests a client can make.
enum class query_kind { list_skills, get_status, breaker, crash_actor };

/// A decoded `ClientRequest`.
struct query {
  query_kind kind = query_kind::get_status;
  /// For `breaker`: the skill and what to do with its breaker.
  std::string skill;
  breaker_command command = breaker_command::show;
  /// For `crash_actor`: the path of the actor to crash.
  std::string target;
};

std::string encode_query(query_kind kind);

/// A `BreakerCommand` request for the breaker of `skill`.
std::string encode_breaker_query(const std::string& skill,
                                 breaker_command command);

/// A `CrashActor` request (test hook) for the actor at `target`.
std::string encode_crash_query(const std::string& target);

[[nodiscard]] caf::expected<query> decode_query(const std::string& bytes);

/// A request that needs no data back was carried out.
struct acknowledgement {
  std::string message;
};

/// Serializes a `ClientResponse` carrying a skill list, a status, a
/// breaker's status, an acknowledgement or an error.
std::string encode_response(const skill_list& x);
std::string encode_response(const node_status& x);
std::string encode_response(const breaker_status& x);
std::string encode_response(const acknowledgement& x);
std::string encode_error_response(const std::string& message);

/// A decoded `ClientResponse`; an error response becomes a `caf::error`.
using response
  = std::variant<skill_list, node_status, breaker_status, acknowledgement>;

[[nodiscard]] caf::expected<response> decode_response(const std::string& bytes);

} // namespace troupe::wire_codec

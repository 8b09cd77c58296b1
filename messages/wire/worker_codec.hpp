#pragma once

#include <caf/expected.hpp>
#include <caf/timespan.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// The worker protocol between a node and the processes of a process skill
// (docs/skills.md): length-prefixed `WorkerRequest` / `WorkerResponse`
// frames from messages/wire/troupe.proto. Both sides are here, so that C++
// workers (and troupe's tests) speak exactly what the node does.
namespace troupe::wire::worker_codec {

/// Bytes of a frame's length prefix (big-endian, unsigned).
inline constexpr size_t prefix_bytes = 4;

/// A frame's payload can be at most this large (the prefix's range).
inline constexpr uint64_t max_payload = 0xFFFFFFFFu;

/// Appends a `WorkerRequest` carrying a job, as one frame.
void append_job(std::string& out, uint64_t id, const std::string& skill,
                const std::string& version, const std::string& input,
                caf::timespan time_left, uint32_t attempt);

/// Appends a `WorkerRequest` carrying a ping, as one frame.
void append_ping(std::string& out, uint64_t id);

/// A decoded `WorkerRequest` (the worker's side).
struct request {
  enum class kind : uint8_t { job, ping };
  uint64_t id = 0;
  kind what = kind::ping;
  std::string skill;
  std::string version;
  std::string input;
  uint64_t timeout_ms = 0;
  uint32_t attempt = 0;
};

[[nodiscard]] caf::expected<request> decode_request(std::string_view bytes);

/// A decoded `WorkerResponse` (the node's side).
struct response {
  enum class kind : uint8_t { output, error, bad_input, pong };
  uint64_t id = 0;
  kind what = kind::pong;
  /// The output, or the error message.
  std::string data;
};

/// Appends a `WorkerResponse` as one frame (the worker's side).
void append_response(std::string& out, const response& x);

/// Parses one `WorkerResponse` payload; malformed bytes or a response
/// carrying nothing give `error_code::malformed_message`.
[[nodiscard]] caf::expected<response> decode_response(std::string_view bytes);

/// Cuts a byte stream into frame payloads, refusing frames larger than a
/// bound before buffering them. Not thread-safe.
class frame_reader {
 public:
  enum class status { frame, incomplete, too_large };

  explicit frame_reader(uint64_t max_frame) : max_frame_(max_frame) {
    // nop
  }

  /// Room for at least `n` more bytes; write them at the returned pointer,
  /// then call `commit` with the number written.
  char* prepare(size_t n);

  void commit(size_t n) {
    end_ += n;
  }

  /// The next complete payload (valid until the next `prepare`), or why
  /// there is none. `too_large` is final: the stream cannot be trusted.
  status next(std::string_view& payload);

  /// The length announced by the frame refused with `too_large`.
  uint64_t refused_length() const noexcept {
    return refused_;
  }

  /// Bytes received but not yet returned as a payload.
  size_t buffered() const noexcept {
    return end_ - begin_;
  }

 private:
  uint64_t max_frame_;
  uint64_t refused_ = 0;
  std::string buf_;
  size_t begin_ = 0;
  size_t end_ = 0;
};

} // namespace troupe::wire::worker_codec

#pragma once

#include "actors/door/admission.hpp"
#include "actors/door/role.hpp"
#include "actors/door/token_table.hpp"

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>

namespace troupe::door {

/// Who makes a call, as the door's tokens say: the token's entry, or none
/// when the node has no tokens file (everyone may do everything).
struct caller {
  const token_entry* token = nullptr;
};

/// The door's access control: which token a call carries, whether its
/// role allows the call, and whether its limits admit more jobs. Without a
/// tokens file every call is allowed and nothing is limited. Thread-safe.
class access {
 public:
  /// `table` null: no tokens file.
  explicit access(std::shared_ptr<const token_table> table);

  access(const access&) = delete;
  access& operator=(const access&) = delete;

  /// OK and the caller of `ctx` when it may make a call needing `needed`;
  /// else UNAUTHENTICATED (no or an unknown token) or PERMISSION_DENIED
  /// (the token's role is too low), saying so.
  grpc::Status authorize(const grpc::ServerContextBase& ctx, role needed,
                         const char* call, caller& out) const;

  /// Admits `jobs` more jobs of `who` (always, without tokens).
  admission admit(const caller& who, uint64_t jobs);

  /// `jobs` admitted jobs of `who` ended.
  void release(const caller& who, uint64_t jobs);

  /// RESOURCE_EXHAUSTED for a refused admission, saying which limit and
  /// when to retry; the retry time also goes into the call's trailing
  /// metadata as `retry-after-ms`.
  static grpc::Status refusal(grpc::ServerContextBase& ctx, const admission& a);

 private:
  std::shared_ptr<const token_table> table_;
  std::unique_ptr<admission_control> control_;
};

} // namespace troupe::door

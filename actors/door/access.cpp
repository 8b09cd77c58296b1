#include "actors/door/access.hpp"

#include "actors/door/bearer_token.hpp"

#include <string>

namespace troupe::door {

access::access(std::shared_ptr<const token_table> table)
    : table_(std::move(table)) {
  if (table_)
    control_ = std::make_unique<admission_control>(*table_);
}

grpc::Status access::authorize(const grpc::ServerContextBase& ctx, role needed,
                               const char* call, caller& out) const {
  if (!table_)
    return grpc::Status::OK;
  auto& md = ctx.client_metadata();
  auto i = md.find("authorization");
  if (i == md.end())
    return {grpc::StatusCode::UNAUTHENTICATED,
            "this node needs a bearer token: send the metadata "
            "'authorization: Bearer <token>' (the CLI's --token or "
            "TROUPE_TOKEN)"};
  auto token = bearer_of(std::string_view{i->second.data(), i->second.size()});
  const token_entry* entry = token ? table_->find(*token) : nullptr;
  if (entry == nullptr)
    return {grpc::StatusCode::UNAUTHENTICATED,
            "the bearer token is not one of this node's tokens"};
  if (!at_least(entry->role, needed))
    return {grpc::StatusCode::PERMISSION_DENIED,
            std::string{call} + " needs the role "
              + std::string{to_string(needed)} + " or higher; token '"
              + entry->name + "' has the role "
              + std::string{to_string(entry->role)}};
  out.token = entry;
  return grpc::Status::OK;
}

admission access::admit(const caller& who, uint64_t jobs) {
  if (who.token == nullptr || !control_) {
    admission ok;
    ok.jobs = jobs;
    return ok;
  }
  return control_->admit(*who.token, jobs, admission_clock::now());
}

void access::release(const caller& who, uint64_t jobs) {
  if (who.token != nullptr && control_ && jobs > 0)
    control_->release(*who.token, jobs);
}

grpc::Status access::refusal(grpc::ServerContextBase& ctx, const admission& a) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(a.retry_after)
              .count();
  if (a.retry_after.count() > 0)
    ctx.AddTrailingMetadata("retry-after-ms",
                            std::to_string(std::max<int64_t>(ms, 1)));
  return {grpc::StatusCode::RESOURCE_EXHAUSTED, describe(a)};
}

} // namespace troupe::door

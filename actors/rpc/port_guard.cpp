#include "actors/rpc/port_guard.hpp"

#include "actors/rpc/server_limits.hpp"

#include <grpcpp/security/auth_context.h>

namespace troupe::rpc {

namespace {

/// The auth-context property a guard sets: only a server-side processor
/// can add one, so a peer cannot claim a port it did not come through.
constexpr const char* port_property = "troupe_port";

} // namespace

port_guard::port_guard(std::string port,
                       const std::vector<std::string>& services)
    : port_(std::move(port)) {
  for (auto& s : services)
    prefixes_.push_back("/" + s + "/");
}

bool port_guard::offers(const std::string& path) const {
  for (auto& p : prefixes_)
    if (path.compare(0, p.size(), p) == 0)
      return true;
  return false;
}

grpc::Status port_guard::Process(const InputMetadata& metadata,
                                 grpc::AuthContext* context, OutputMetadata*,
                                 OutputMetadata*) {
  auto i = metadata.find(":path");
  auto path = i == metadata.end()
                ? std::string{}
                : std::string{i->second.data(), i->second.size()};
  if (!offers(path))
    return {grpc::StatusCode::UNIMPLEMENTED,
            "the " + port_ + " does not offer " + path};
  context->AddProperty(port_property, port_);
  return grpc::Status::OK;
}

std::shared_ptr<grpc::ServerCredentials>
guarded_credentials(const tls_material& tls, bool local_address,
                    std::string port,
                    const std::vector<std::string>& services) {
  std::shared_ptr<grpc::ServerCredentials> creds;
  if (tls.enabled())
    creds = server_credentials(tls);
  else if (local_address)
    creds = grpc::experimental::LocalServerCredentials(LOCAL_TCP);
  else
    return nullptr;
  creds->SetAuthMetadataProcessor(
    std::make_shared<port_guard>(std::move(port), services));
  return creds;
}

bool is_local_address(const std::string& host) {
  // Not the rest of 127.0.0.0/8: gRPC's local credentials take exactly
  // these two.
  return host == "127.0.0.1" || host == "::1" || host == "[::1]"
         || host == "localhost";
}

bool came_through(const grpc::ServerContextBase& ctx, const std::string& port) {
  auto auth = ctx.auth_context();
  if (!auth)
    return false;
  for (auto& v : auth->FindPropertyValues(port_property))
    if (std::string{v.data(), v.size()} == port)
      return true;
  return false;
}

} // namespace troupe::rpc

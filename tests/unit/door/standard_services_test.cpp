// The door's own health and reflection services on its completion queue,
// in one process: what generic gRPC tools and probes see.
#include "actors/door/health_service.hpp"
#include "actors/door/reflection_service.hpp"
#include "actors/rpc/call_queue.hpp"

#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

using namespace std::chrono_literals;
using namespace troupe::door;
namespace rpc = troupe::rpc;
namespace hv1 = grpc::health::v1;

namespace {

/// A server with the two services on a `rpc::call_queue`, on a free port.
struct standard_server {
  health_service health;
  reflection_service reflection{{"troupe.v1.Troupe", "grpc.health.v1.Health",
                                 "grpc.reflection.v1alpha.ServerReflection"}};
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<rpc::call_queue> queue;
  int port = 0;

  standard_server() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(health.service());
    builder.RegisterService(reflection.service());
    queue = std::make_unique<rpc::call_queue>(builder.AddCompletionQueue(),
                                              "troupe.test");
    server = builder.BuildAndStart();
    health.listen(*queue);
    reflection.listen(*queue);
    queue->start();
  }

  ~standard_server() {
    server->Shutdown(std::chrono::system_clock::now());
    queue.reset();
    server->Wait();
  }

  std::shared_ptr<grpc::Channel> channel() const {
    return grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                               grpc::InsecureChannelCredentials());
  }
};

void deadline(grpc::ClientContext& ctx) {
  ctx.set_deadline(std::chrono::system_clock::now() + 10s);
}

refl::ServerReflectionResponse ask(refl::ServerReflection::Stub& stub,
                                   const refl::ServerReflectionRequest& req) {
  grpc::ClientContext ctx;
  deadline(ctx);
  auto stream = stub.ServerReflectionInfo(&ctx);
  refl::ServerReflectionResponse out;
  EXPECT_TRUE(stream->Write(req));
  EXPECT_TRUE(stream->Read(&out));
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
  return out;
}

std::string file_name(const std::string& serialized) {
  google::protobuf::FileDescriptorProto proto;
  EXPECT_TRUE(proto.ParseFromString(serialized));
  return proto.name();
}

} // namespace

TEST(HealthService, ChecksAndWatchesTheServingStatus) {
  standard_server s;
  auto stub = hv1::Health::NewStub(s.channel());
  hv1::HealthCheckRequest whole;
  hv1::HealthCheckResponse out;
  {
    grpc::ClientContext ctx;
    deadline(ctx);
    ASSERT_TRUE(stub->Check(&ctx, whole, &out).ok());
    EXPECT_EQ(out.status(), hv1::HealthCheckResponse::SERVING);
  }
  {
    hv1::HealthCheckRequest other;
    other.set_service("no.such.Service");
    grpc::ClientContext ctx;
    deadline(ctx);
    EXPECT_EQ(stub->Check(&ctx, other, &out).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  // A watch gets the status now, then each change.
  grpc::ClientContext ctx;
  deadline(ctx);
  hv1::HealthCheckRequest troupe;
  troupe.set_service("troupe.v1.Troupe");
  auto watch = stub->Watch(&ctx, troupe);
  ASSERT_TRUE(watch->Read(&out));
  EXPECT_EQ(out.status(), hv1::HealthCheckResponse::SERVING);
  s.health.set_serving(false);
  ASSERT_TRUE(watch->Read(&out));
  EXPECT_EQ(out.status(), hv1::HealthCheckResponse::NOT_SERVING);
  s.health.set_serving(true);
  ASSERT_TRUE(watch->Read(&out));
  EXPECT_EQ(out.status(), hv1::HealthCheckResponse::SERVING);
  ctx.TryCancel();
  watch->Finish();
  // Another service: SERVICE_UNKNOWN, and the watch stays open.
  grpc::ClientContext ctx2;
  deadline(ctx2);
  hv1::HealthCheckRequest other;
  other.set_service("no.such.Service");
  auto unknown = stub->Watch(&ctx2, other);
  ASSERT_TRUE(unknown->Read(&out));
  EXPECT_EQ(out.status(), hv1::HealthCheckResponse::SERVICE_UNKNOWN);
  ctx2.TryCancel();
  unknown->Finish();
}

TEST(ReflectionService, ListsServicesAndGivesFilesWithTheirImports) {
  standard_server s;
  auto stub = refl::ServerReflection::NewStub(s.channel());
  refl::ServerReflectionRequest req;
  req.set_list_services("");
  auto out = ask(*stub, req);
  ASSERT_TRUE(out.has_list_services_response());
  ASSERT_EQ(out.list_services_response().service_size(), 3);
  EXPECT_EQ(out.list_services_response().service(0).name(), "troupe.v1.Troupe");
  // A method's file comes first.
  req.set_file_containing_symbol("grpc.health.v1.Health.Check");
  out = ask(*stub, req);
  ASSERT_TRUE(out.has_file_descriptor_response());
  EXPECT_EQ(file_name(out.file_descriptor_response().file_descriptor_proto(0)),
            "grpc/health/v1/health.proto");
  // A file by name, with what it imports.
  req.set_file_by_filename("google/protobuf/descriptor.proto");
  out = ask(*stub, req);
  ASSERT_TRUE(out.has_file_descriptor_response());
  EXPECT_EQ(file_name(out.file_descriptor_response().file_descriptor_proto(0)),
            "google/protobuf/descriptor.proto");
  EXPECT_EQ(out.original_request().file_by_filename(),
            "google/protobuf/descriptor.proto");
  // Unknown names are NOT_FOUND in the answer; the stream goes on.
  req.set_file_containing_symbol("no.such.Symbol");
  out = ask(*stub, req);
  ASSERT_TRUE(out.has_error_response());
  EXPECT_EQ(out.error_response().error_code(),
            static_cast<int>(grpc::StatusCode::NOT_FOUND));
  req.set_all_extension_numbers_of_type("no.such.Type");
  out = ask(*stub, req);
  ASSERT_TRUE(out.has_error_response());
  req.mutable_file_containing_extension()->set_containing_type(
    "google.protobuf.FieldOptions");
  req.mutable_file_containing_extension()->set_extension_number(99999);
  out = ask(*stub, req);
  ASSERT_TRUE(out.has_error_response());
  // A request that asks for nothing.
  out = ask(*stub, refl::ServerReflectionRequest{});
  ASSERT_TRUE(out.has_error_response());
  EXPECT_EQ(out.error_response().error_code(),
            static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
}

TEST(ReflectionService, AnswersAllExtensionNumbersOfAType) {
  refl::ServerReflectionRequest req;
  req.set_all_extension_numbers_of_type("google.protobuf.FieldOptions");
  refl::ServerReflectionResponse out;
  answer_reflection(req, {}, out);
  ASSERT_TRUE(out.has_all_extension_numbers_response());
  EXPECT_EQ(out.all_extension_numbers_response().base_type_name(),
            "google.protobuf.FieldOptions");
}

#include "actors/door/reflection_service.hpp"

#include "actors/rpc/queued_call.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <set>

namespace troupe::door {

namespace {

namespace pb = google::protobuf;

/// Adds `file` and, after it, the files it imports (each once).
void add_file(const pb::FileDescriptor* file, std::set<std::string>& seen,
              refl::FileDescriptorResponse& out) {
  if (!seen.insert(file->name()).second)
    return;
  pb::FileDescriptorProto proto;
  file->CopyTo(&proto);
  proto.SerializeToString(out.add_file_descriptor_proto());
  for (int i = 0; i < file->dependency_count(); ++i)
    add_file(file->dependency(i), seen, out);
}

void not_found(const std::string& what, refl::ServerReflectionResponse& out) {
  auto* err = out.mutable_error_response();
  err->set_error_code(static_cast<int32_t>(grpc::StatusCode::NOT_FOUND));
  err->set_error_message(what + " is not known here");
}

} // namespace

void answer_reflection(const refl::ServerReflectionRequest& in,
                       const std::vector<std::string>& services,
                       refl::ServerReflectionResponse& out) {
  using req = refl::ServerReflectionRequest;
  const auto* pool = pb::DescriptorPool::generated_pool();
  out.set_valid_host(in.host());
  *out.mutable_original_request() = in;
  const pb::FileDescriptor* file = nullptr;
  switch (in.message_request_case()) {
    case req::kListServices:
      for (auto& name : services)
        out.mutable_list_services_response()->add_service()->set_name(name);
      return;
    case req::kFileByFilename:
      file = pool->FindFileByName(in.file_by_filename());
      if (file == nullptr)
        return not_found("file " + in.file_by_filename(), out);
      break;
    case req::kFileContainingSymbol:
      file = pool->FindFileContainingSymbol(in.file_containing_symbol());
      if (file == nullptr)
        return not_found("symbol " + in.file_containing_symbol(), out);
      break;
    case req::kFileContainingExtension: {
      const auto& ext = in.file_containing_extension();
      const auto* type = pool->FindMessageTypeByName(ext.containing_type());
      const auto* field = type == nullptr ? nullptr
                                          : pool->FindExtensionByNumber(
                                            type, ext.extension_number());
      if (field == nullptr)
        return not_found("extension " + std::to_string(ext.extension_number())
                           + " of " + ext.containing_type(),
                         out);
      file = field->file();
      break;
    }
    case req::kAllExtensionNumbersOfType: {
      const auto& name = in.all_extension_numbers_of_type();
      const auto* type = pool->FindMessageTypeByName(name);
      if (type == nullptr)
        return not_found("type " + name, out);
      std::vector<const pb::FieldDescriptor*> fields;
      pool->FindAllExtensions(type, &fields);
      auto* nums = out.mutable_all_extension_numbers_response();
      nums->set_base_type_name(name);
      for (const auto* f : fields)
        nums->add_extension_number(f->number());
      return;
    }
    default: {
      auto* err = out.mutable_error_response();
      err->set_error_code(
        static_cast<int32_t>(grpc::StatusCode::INVALID_ARGUMENT));
      err->set_error_message("the reflection request asks for nothing");
      return;
    }
  }
  std::set<std::string> seen;
  add_file(file, seen, *out.mutable_file_descriptor_response());
}

/// One `ServerReflectionInfo` call: read a request, write its answer,
/// until the client closes its side.
class reflection_service::session final : public rpc::queued_call<session> {
 public:
  explicit session(reflection_service& owner) : owner_(owner) {
    // nop
  }

  static void listen(reflection_service& owner) {
    auto* raw = make(*owner.queue_, owner);
    auto* cq = owner.queue_->get();
    owner.service_.RequestServerReflectionInfo(&raw->ctx_, &raw->rw_, cq, cq,
                                               &raw->accepted_);
  }

 private:
  void on_accepted(bool ok) {
    if (!accepted(ok))
      return;
    listen(owner_);
    std::lock_guard<std::mutex> guard{mtx_};
    read();
  }

  /// Lock held.
  void read() {
    if (done())
      return;
    op_started();
    rw_.Read(&in_, &read_);
  }

  void on_read(bool ok) {
    std::shared_ptr<session> last;
    std::lock_guard<std::mutex> guard{mtx_};
    last = op_ended();
    if (done())
      return;
    if (!ok) {
      op_started();
      rw_.Finish(grpc::Status::OK, counted());
      return;
    }
    out_.Clear();
    answer_reflection(in_, owner_.services_, out_);
    op_started();
    rw_.Write(out_, &written_);
  }

  void on_written(bool ok) {
    std::shared_ptr<session> last;
    std::lock_guard<std::mutex> guard{mtx_};
    last = op_ended();
    if (ok)
      read();
  }

  reflection_service& owner_;
  grpc::ServerAsyncReaderWriter<refl::ServerReflectionResponse,
                                refl::ServerReflectionRequest>
    rw_{&ctx_};
  refl::ServerReflectionRequest in_;
  refl::ServerReflectionResponse out_;
  rpc::member_event<session, &session::on_accepted> accepted_{this};
  rpc::member_event<session, &session::on_read> read_{this};
  rpc::member_event<session, &session::on_written> written_{this};
};

reflection_service::reflection_service(std::vector<std::string> services)
    : services_(std::move(services)) {
  // nop
}

void reflection_service::listen(rpc::call_queue& queue) {
  queue_ = &queue;
  session::listen(*this);
}

} // namespace troupe::door

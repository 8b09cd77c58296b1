// The gRPC reference for the door's figures: a server of troupe.v1's `Run`
// stream that answers every job at once on gRPC's own thread, with no
// actor, no skill and no accounting in between. `troupe bench` against it
// measures what gRPC and troupe's client cost alone; against a node, what
// the node adds.
//
//   troupe-bench-grpc-floor [--port-file F]
//       serves on 127.0.0.1 (OS-chosen port) until killed; echo jobs only

#include <CLI/CLI.hpp>

#include <grpcpp/grpcpp.h>

#include <deque>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>

#include "troupe/v1/troupe.grpc.pb.h"

namespace {

using namespace troupe;

/// Echoes each batch of jobs as a batch of results, on the reading thread.
class echo_stream final
    : public grpc::ServerBidiReactor<v1::JobBatch, v1::ResultBatch> {
 public:
  echo_stream() {
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    v1::ResultBatch out;
    for (auto& j : in_.jobs()) {
      auto* r = out.add_results();
      r->set_ref(j.ref());
      r->set_tag(j.tag());
      r->set_status(v1::OK);
      r->set_skill(j.skill());
      r->set_output(j.input());
    }
    {
      std::lock_guard<std::mutex> guard{mtx_};
      queue_.push_back(std::move(out));
      if (queue_.size() == 1)
        StartWrite(&queue_.front());
    }
    StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> guard{mtx_};
    queue_.pop_front();
    if (ok && !queue_.empty())
      StartWrite(&queue_.front());
  }

  void OnDone() override {
    delete this;
  }

 private:
  v1::JobBatch in_;
  std::mutex mtx_;
  std::deque<v1::ResultBatch> queue_;
};

class floor_service final : public v1::Troupe::CallbackService {
  grpc::ServerBidiReactor<v1::JobBatch, v1::ResultBatch>*
  Run(grpc::CallbackServerContext*) override {
    return new echo_stream;
  }
};

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"troupe-bench-grpc-floor: troupe.v1 Run, answered inline"};
  std::string port_file;
  app.add_option("--port-file", port_file, "write the chosen port here");
  CLI11_PARSE(app, argc, argv);
  floor_service service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::cerr << "troupe-bench-grpc-floor: cannot listen on 127.0.0.1\n";
    return 1;
  }
  if (!port_file.empty())
    std::ofstream{port_file} << port << '\n';
  server->Wait();
  return 0;
}

// The HTTP reference for the JSON API's figures: troupe's HTTP server
// (civetweb, the same options as a node's --http-port) answering every
// request with a constant echo result, with no parsing, no gRPC call, no
// actor and no skill in between. wrk against it measures what the HTTP
// library costs alone; against a node, what troupe adds.
//
//   troupe-bench-http-floor [--port-file F]
//       serves on 127.0.0.1 (OS-chosen port) until SIGTERM or SIGINT

#include "actors/http/http_server.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <fstream>
#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"troupe-bench-http-floor"};
  std::string port_file;
  app.add_option("--port-file", port_file, "write the port here once ready");
  CLI11_PARSE(app, argc, argv);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  // What a node answers to {"skill":"echo","input":"x"}, byte for byte
  // in size.
  troupe::http::response constant;
  constant.body = R"({"status":"OK","output":"x","skill":"echo",)"
                  R"("node":"127.0.0.1:40000","runUs":"1","attempts":1})";
  auto server = troupe::http::http_server::start(
    "127.0.0.1", 0, {}, [&](const troupe::http::request&) {
      return constant;
    });
  if (!server) {
    std::cerr << "cannot serve HTTP" << std::endl;
    return 1;
  }
  if (!port_file.empty())
    std::ofstream{port_file} << (*server)->port() << "\n";
  int sig = 0;
  sigwait(&stop, &sig);
  return 0;
}

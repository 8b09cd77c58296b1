#pragma once

namespace troupe::rpc {

/// Sets, once per process, what gRPC's libraries run with in troupe: Debian
/// builds Abseil with its mutex deadlock detection on, which records every
/// lock gRPC takes in a graph (a few percent of a node's CPU per job);
/// troupe's own tests find deadlocks, so processes turn it off. Any call
/// after the first does nothing.
void tune_grpc_process();

} // namespace troupe::rpc

#pragma once

#include "messages/interfaces.hpp"
#include "messages/job.hpp"
#include "messages/node_status.hpp"

#include <caf/type_id.hpp>

// The one type-ID block for every type troupe puts in a message. Register it
// in every process that talks to troupe with
// `cfg.add_message_types<caf::id_block::troupe>()`.
CAF_BEGIN_TYPE_ID_BLOCK(troupe, caf::first_custom_type_id)

CAF_ADD_TYPE_ID(troupe, (troupe::job_options))
CAF_ADD_TYPE_ID(troupe, (troupe::job))
CAF_ADD_TYPE_ID(troupe, (troupe::job_result))
CAF_ADD_TYPE_ID(troupe, (troupe::skill_info))
CAF_ADD_TYPE_ID(troupe, (troupe::job_count))
CAF_ADD_TYPE_ID(troupe, (troupe::node_status))
CAF_ADD_TYPE_ID(troupe, (troupe::skill_list))
CAF_ADD_TYPE_ID(troupe, (troupe::result_sink_actor))
CAF_ADD_TYPE_ID(troupe, (troupe::job_runner_actor))
CAF_ADD_TYPE_ID(troupe, (troupe::worker_actor))
CAF_ADD_TYPE_ID(troupe, (std::vector<uint64_t>))
CAF_ADD_TYPE_ID(troupe, (troupe::worker_pool_actor))
CAF_ADD_TYPE_ID(troupe, (troupe::router_actor))
CAF_ADD_TYPE_ID(troupe, (troupe::client_sink_actor))
CAF_ADD_TYPE_ID(troupe, (troupe::gateway_actor))
CAF_ADD_TYPE_ID(troupe, (troupe::cache_key))
CAF_ADD_TYPE_ID(troupe, (troupe::skill_hits))
CAF_ADD_TYPE_ID(troupe, (troupe::cache_status))
CAF_ADD_TYPE_ID(troupe, (troupe::cache_shard_actor))
CAF_ADD_TYPE_ID(troupe, (troupe::batcher_stats))
CAF_ADD_TYPE_ID(troupe, (troupe::batcher_actor))
CAF_ADD_TYPE_ID(troupe, (troupe::skill_load))
CAF_ADD_TYPE_ID(troupe, (troupe::member))
CAF_ADD_TYPE_ID(troupe, (troupe::cluster_view))
CAF_ADD_TYPE_ID(troupe, (troupe::view_listener_actor))
CAF_ADD_TYPE_ID(troupe, (troupe::membership_actor))
CAF_ADD_TYPE_ID(troupe, (troupe::child_event))
CAF_ADD_TYPE_ID(troupe, (troupe::child_report))
CAF_ADD_TYPE_ID(troupe, (troupe::supervisor_report))
CAF_ADD_TYPE_ID(troupe, (troupe::alert))
CAF_ADD_TYPE_ID(troupe, (troupe::restart_count))
CAF_ADD_TYPE_ID(troupe, (troupe::health_status))
CAF_ADD_TYPE_ID(troupe, (troupe::health_report))
CAF_ADD_TYPE_ID(troupe, (troupe::supervisor_actor))
CAF_ADD_TYPE_ID(troupe, (troupe::health_monitor_actor))
CAF_ADD_TYPE_ID(troupe, (troupe::dispatcher_actor))
CAF_ADD_TYPE_ID(troupe, (troupe::failover_actor))
CAF_ADD_TYPE_ID(troupe, (troupe::breaker_command))
CAF_ADD_TYPE_ID(troupe, (troupe::breaker_status))
CAF_ADD_TYPE_ID(troupe, (troupe::breaker_actor))

CAF_END_TYPE_ID_BLOCK(troupe)

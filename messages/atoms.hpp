#pragma once

#include <caf/atom.hpp>

// Every atom troupe puts in a message. Atom texts are at most 10 characters
// (CAF 0.17) and must never change: they are part of the wire interface.
namespace troupe::atom {

using submit = caf::atom_constant<caf::atom("t_submit")>;
using results = caf::atom_constant<caf::atom("t_results")>;
using query = caf::atom_constant<caf::atom("t_query")>;
using run = caf::atom_constant<caf::atom("t_run")>;
using done = caf::atom_constant<caf::atom("t_done")>;
using tick = caf::atom_constant<caf::atom("t_tick")>;
using skills = caf::atom_constant<caf::atom("t_skills")>;
using status = caf::atom_constant<caf::atom("t_status")>;
using stop = caf::atom_constant<caf::atom("t_stop")>;
using flush = caf::atom_constant<caf::atom("t_flush")>;
using watch = caf::atom_constant<caf::atom("t_watch")>;
using get = caf::atom_constant<caf::atom("t_get")>;
using health = caf::atom_constant<caf::atom("t_health")>;
using drain = caf::atom_constant<caf::atom("t_drain")>;
using cancel = caf::atom_constant<caf::atom("t_cancel")>;
using crash = caf::atom_constant<caf::atom("t_crash")>;
using restart = caf::atom_constant<caf::atom("t_restart")>;
using expire = caf::atom_constant<caf::atom("t_expire")>;
using ready = caf::atom_constant<caf::atom("t_ready")>;
using lost = caf::atom_constant<caf::atom("t_lost")>;
using ping = caf::atom_constant<caf::atom("t_ping")>;

using cluster = caf::atom_constant<caf::atom("t_cluster")>;
using members = caf::atom_constant<caf::atom("t_members")>;
using join = caf::atom_constant<caf::atom("t_join")>;
using leave = caf::atom_constant<caf::atom("t_leave")>;
using subscribe = caf::atom_constant<caf::atom("t_subscr")>;

using breaker = caf::atom_constant<caf::atom("t_breaker")>;

// Member links.
using link = caf::atom_constant<caf::atom("t_link")>;

} // namespace troupe::atom

#pragma once

#include "messages/member.hpp"

namespace troupe::wire {
class Member;
} // namespace troupe::wire

// Conversions of member records to and from the wire schema, shared by the
// codecs that carry them (cluster messages, node status).
namespace troupe::wire {

void to_wire(const member& x, wire::Member& out);

/// False for a record without a name or with an unknown status.
[[nodiscard]] bool from_wire(const wire::Member& x, member& out);

} // namespace troupe::wire

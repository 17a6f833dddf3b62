// The compute channel's node binding: each request a node makes names the node it acts for, and
// that must be the node its token authenticated (transport::Request::identity), so a node
// cannot register, heartbeat, poll, report or upload as another. The orchestrator's own checks
// (an execution, fetch or store task belongs to the node the request names) then hold for the
// node that really sent it.
//
// A request names its node in the query parameter `node_id` (every value, when repeated) and,
// in a JSON body (not an upload's bytes), in the top-level `NodeID` or, to register, `Node.ID`.
// Every name given must be the authenticated node's. A request that names none is refused as
// well: RegisterHttpApi runs this check on every route under /api/v1/compute/, so an endpoint
// added later cannot serve a node without this check seeing which node it serves.
//
// Thread-safety: stateless; safe to call concurrently.
#pragma once

#include "common/status.h"
#include "transport/http_server.h"

namespace shoal::orchestrator {

// OK when `request` may proceed: it names only the node it authenticated as. An anonymous
// request (no identity) passes only when `anonymous_allowed` (an open compute channel, or the
// legacy shared node token), unbound as before per-node tokens. Otherwise kPermissionDenied
// naming both nodes and the field, or kInvalidArgument when the request names no node or
// names it in a field of the wrong type.
Status CheckNodeBinding(const transport::Request& request, bool anonymous_allowed);

}  // namespace shoal::orchestrator

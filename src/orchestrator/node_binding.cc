#include "orchestrator/node_binding.h"

#include <string>
#include <utility>
#include <vector>

namespace shoal::orchestrator {

namespace {

using transport::Json;

// A node name the request gives, and where it gives it.
struct Named {
  std::string node;
  std::string field;
};

// The names in `body`'s NodeID and Node.ID, appended to `names`.
Status BodyNames(const Json& body, std::vector<Named>* names) {
  if (!body.is_object()) return Status::Ok();
  if (body.contains("NodeID")) {
    if (!body["NodeID"].is_string()) {
      return Status::InvalidArgument("field 'NodeID' must be a string (the node's name)");
    }
    names->push_back({body["NodeID"].get<std::string>(), "NodeID"});
  }
  if (body.contains("Node") && body["Node"].is_object() && body["Node"].contains("ID")) {
    if (!body["Node"]["ID"].is_string()) {
      return Status::InvalidArgument("field 'Node.ID' must be a string (the node's name)");
    }
    names->push_back({body["Node"]["ID"].get<std::string>(), "Node.ID"});
  }
  return Status::Ok();
}

}  // namespace

Status CheckNodeBinding(const transport::Request& request, bool anonymous_allowed) {
  if (request.identity.empty()) {
    if (anonymous_allowed) return Status::Ok();
    // Unreachable while the channel's only credentials are per-node tokens; refused all the
    // same, so a later change to authentication cannot open the channel by accident.
    return Status::PermissionDenied("the compute channel takes requests of one node only");
  }
  std::vector<Named> names;
  auto [first, last] = request.params.equal_range("node_id");
  for (auto it = first; it != last; ++it) names.push_back({it->second, "node_id"});
  if (!request.upload && !request.body.empty()) {
    SHOAL_ASSIGN_OR_RETURN(Json body, request.JsonBody());
    SHOAL_RETURN_IF_ERROR(BodyNames(body, &names));
  }
  if (names.empty()) {
    return Status::InvalidArgument(
        "a compute-channel request names its node (query parameter node_id, or NodeID in its "
        "JSON body; Node.ID to register), and this one names none");
  }
  for (const Named& named : names) {
    if (named.node != request.identity) {
      return Status::PermissionDenied("this token is node " + request.identity +
                                      "'s, and the request acts for node " + named.node + " (" +
                                      named.field + "): a node may act only for itself");
    }
  }
  return Status::Ok();
}

}  // namespace shoal::orchestrator

// ResultPublisher: one kind of Publisher a compute node can hand an execution's result tree to,
// picked by the task's Publisher.Type. The node holds them in a registry (compute/plugins.h);
// the runner resolves the target, asks the orchestrator's go-ahead (the node records the target
// first, and removes what was written if the execution turns out unwanted), then publishes; the
// node advertises the registry's types (docs/development.md, "Adding a publisher"). The
// orchestrator's own commit protocol for stores shared by a region's nodes (store tasks,
// orchestrator/store_tasks.h) covers `s3` targets only.
//
// Thread-safety: a publisher is shared by every execution of the node, so its methods may be
// called concurrently; concurrent calls publish different executions.
#pragma once

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "compute/node_config.h"
#include "models/spec_config.h"

namespace shoal::compute {

// The execution being published, for placeholders in the publisher's Params.
struct PublishContext {
  std::string job_id;
  std::string execution_id;
  std::string node_id;
  std::time_t now = 0;  // for {date} and {time}
};

class ResultPublisher {
 public:
  virtual ~ResultPublisher() = default;

  // Publisher.Type, lower case ("s3").
  virtual std::string_view type() const = 0;

  // Where this execution's result tree would go, worked out without writing anything: the spec
  // recorded as the execution's publish target (and, once published, its published result).
  // Nullopt: the publisher leaves the tree to the node, which uploads it to the orchestrator
  // (the `local` publisher).
  virtual Result<std::optional<models::SpecConfig>> Target(
      const models::SpecConfig& publisher, const PublishContext& context,
      const std::vector<StoreConfig>& stores) const = 0;

  // Writes `files` (paths relative to `result_dir`) to `target`, a spec from Target().
  virtual Status Publish(const models::SpecConfig& target, const std::string& result_dir,
                         const std::vector<ResultFile>& files,
                         const std::vector<StoreConfig>& stores) const = 0;

  // Removes what Publish wrote of `paths` to `target`: the results of an execution that was
  // failed or superseded while it published, or whose node died mid-publish (the node calls it
  // when it starts again, and only when the target's Params.Key names the execution, so that
  // another execution's results are never touched). Removing what is not there is not an error.
  virtual Status Remove(const models::SpecConfig& target, const std::vector<std::string>& paths,
                        const std::vector<StoreConfig>& stores) const = 0;

  // The target in messages ("s3://bucket/key in store S").
  virtual std::string Describe(const models::SpecConfig& target) const = 0;
};

}  // namespace shoal::compute

#include "compute/publishers/local_publisher.h"

namespace shoal::compute {

namespace {

class LocalPublisher final : public ResultPublisher {
 public:
  std::string_view type() const override { return models::kPublisherLocal; }

  Result<std::optional<models::SpecConfig>> Target(const models::SpecConfig&, const PublishContext&,
                                                   const std::vector<StoreConfig>&) const override {
    return std::optional<models::SpecConfig>();
  }

  // Never called: Target() leaves the tree to the node, so there is nothing to publish or remove.
  Status Publish(const models::SpecConfig&, const std::string&, const std::vector<ResultFile>&,
                 const std::vector<StoreConfig>&) const override {
    return Status::Ok();
  }

  Status Remove(const models::SpecConfig&, const std::vector<std::string>&,
                const std::vector<StoreConfig>&) const override {
    return Status::Ok();
  }

  std::string Describe(const models::SpecConfig&) const override {
    return "the orchestrator (local)";
  }
};

}  // namespace

std::unique_ptr<ResultPublisher> MakeLocalPublisher() { return std::make_unique<LocalPublisher>(); }

}  // namespace shoal::compute

#include "models/job.h"

#include <gtest/gtest.h>

namespace shoal::models {
namespace {

Job ValidJob() {
  Job job;
  job.name = "q";
  job.task.engine = {"duckdb", {{"SQL", "SELECT 1"}}};
  return job;
}

TEST(JobTest, ValidJobPasses) { EXPECT_TRUE(ValidateJob(ValidJob()).ok()); }

TEST(JobTest, ServiceAndDaemonAreRefused) {
  Job job = ValidJob();
  job.type = JobType::kService;
  EXPECT_EQ(ValidateJob(job).message(),
            "Type: Type 'service' is not supported yet; use batch or ops");
  job.type = JobType::kDaemon;
  EXPECT_EQ(ValidateSupportedType(job.type).message(),
            "Type 'daemon' is not supported yet; use batch or ops");
}

TEST(JobTest, PartitionsPublishingToOneKeyAreRefused) {
  Job job = ValidJob();
  job.count = 3;
  job.task.publisher = {"s3", {{"Bucket", "b"}, {"Key", "results/{jobID}/"}}};
  EXPECT_EQ(ValidateJob(job).message(),
            "Tasks[0].Publisher.Params.Key: 'results/{jobID}/' has no {executionID}, so the 3 "
            "partitions (and their retries) would publish over each other; add {executionID} to "
            "the key, e.g. 'results/{jobID}/{executionID}/'");
  job.task.publisher.params["Key"] = "results/{jobID}/{executionID}/";
  EXPECT_TRUE(ValidateJob(job).ok());
  // One partition, or an ops job (one execution per node), may publish to a fixed key.
  job.task.publisher.params["Key"] = "results/{jobID}/";
  job.count = 1;
  EXPECT_TRUE(ValidateJob(job).ok());
  job.type = JobType::kOps;
  job.count = 0;
  job.task.publisher.params["Key"] = "transactions/{nodeID}/";
  EXPECT_TRUE(ValidateJob(job).ok());
}

TEST(JobTest, CountRules) {
  EXPECT_TRUE(ValidateCount(JobType::kBatch, 3).ok());
  EXPECT_FALSE(ValidateCount(JobType::kBatch, 0).ok());
  EXPECT_FALSE(ValidateCount(JobType::kBatch, -1).ok());
  EXPECT_TRUE(ValidateCount(JobType::kOps, 0).ok());
  EXPECT_TRUE(ValidateCount(JobType::kOps, 1).ok());
  Status ops = ValidateCount(JobType::kOps, 2);
  ASSERT_FALSE(ops.ok());
  EXPECT_NE(ops.message().find("not allowed for ops jobs"), std::string::npos);
}

TEST(JobTest, NormalizeForcesOpsCountAndDropsReservedMeta) {
  Job job = ValidJob();
  job.type = JobType::kOps;
  job.count = 1;
  job.namespace_.clear();
  job.meta = {{"bacalhau.org/requester", "x"}, {"owner", "me"}};
  std::vector<std::string> dropped = NormalizeJob(job);
  EXPECT_EQ(job.count, 0);
  EXPECT_EQ(job.namespace_, "default");
  EXPECT_EQ(dropped, std::vector<std::string>{"bacalhau.org/requester"});
  EXPECT_EQ(job.meta, (std::map<std::string, std::string>{{"owner", "me"}}));
  EXPECT_TRUE(ValidateJob(job).ok());
}

TEST(JobTest, ErrorsNameTheField) {
  Job job = ValidJob();
  job.constraints = {{"region", SelectorOperator::kIn, {}}};
  EXPECT_EQ(ValidateJob(job).message().rfind("Constraints[0]: ", 0), 0u);
  job = ValidJob();
  job.task.timeouts.total_timeout = -5;
  EXPECT_EQ(ValidateJob(job).message(), "Tasks[0]: Timeouts: TotalTimeout must be >= 0 seconds");
  job = ValidJob();
  job.priority = -1;
  EXPECT_EQ(ValidateJob(job).message(), "Priority: -1 must not be negative");
}

}  // namespace
}  // namespace shoal::models

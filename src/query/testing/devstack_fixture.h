// Test support for the query module's end-to-end tests: an in-process devstack (us + eu, two
// nodes per region, folders or one S3 server per region; devstack/testing/devstack_fixture.h's
// RunningDevstack) with a client of its API, and the
// seed's data generator run in a region as the README runs it, with NULLs in the data.
//
// Thread-safety: one fixture per test.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "api/api_client.h"
#include "devstack/devstack.h"
#include "devstack/testing/devstack_fixture.h"
#include "jobspec/jobspec.h"
#include "query/job_waiter.h"

namespace shoal::query::testing {

// What share of each blankable field the generator leaves NULL or empty (`shoal generate
// --null-rate`): the answers compared with one DuckDB's are computed over data with holes.
inline constexpr const char* kNullRate = "0.05";

// The seed's generator as an ops job of `region`'s nodes: `count` events per node and day range
// from 2024-01-01 to `end_date`, monthly files published to the region's store, with NULL keys
// and amounts and empty strings at `null_rate`.
inline std::string GeneratorSpec(int count, const std::string& end_date,
                                 const std::string& null_rate = kNullRate) {
  return R"(
Name: data-generator-{{.Region}}
Type: ops
Constraints:
  - {Key: region, Operator: "==", Values: ["{{.Region}}"]}
Tasks:
  - Name: main
    Engine:
      Type: docker
      Params:
        Image: ghcr.io/bacalhau-project/data-generator:latest
        Parameters: [generate, --count, ")" +
         std::to_string(count) + R"(", --region, "{{.Region}}", --start-date, 2024-01-01,
                     --end-date, )" +
         end_date + R"(, --rotate-interval, month, --null-rate, ")" + null_rate +
         R"(", --output, /data]
    Env:
      AWS_ACCESS_KEY_ID: env:AWS_ACCESS_KEY_ID
    Publisher:
      Type: s3
      Params: {Bucket: my-bucket, Key: "transactions/{nodeID}/", Endpoint: "http://storage-local:9000", Encoding: plain}
    ResultPaths:
      - {Name: data, Path: /data}
)";
}

// Names a parameterized test's store kind: ".../Folders", ".../S3".
inline std::string StorageKindName(const ::testing::TestParamInfo<devstack::StorageKind>& info) {
  return info.param == devstack::StorageKind::kS3 ? "S3" : "Folders";
}

class DevstackFixture : public ::testing::TestWithParam<devstack::StorageKind> {
 protected:
  // Names the test's folder: `name` and the store kind label it (Start makes it).
  void MakeDir(const std::string& name) {
    label_ = name + "-" + std::to_string(static_cast<int>(GetParam()));
  }
  void TearDown() override {
    stack_ = nullptr;
    running_.reset();
  }

  // Starts (or restarts, keeping its folder) the devstack and a client of its API.
  void Start() {
    if (running_ == nullptr) {
      devstack::DevstackOptions options;
      options.nodes_per_region = 2;
      options.storage = GetParam();
      options.s3rver = SHOAL_S3RVER;
      auto running = devstack::testing::RunningDevstack::Start(options, label_);
      ASSERT_TRUE(running.ok()) << running.status().ToString();
      running_ = std::move(running).value();
      dir_ = running_->dir();
    } else {
      Status restarted = running_->Restart();
      ASSERT_TRUE(restarted.ok()) << restarted.ToString();
    }
    stack_ = &running_->stack();
    transport::HttpClient::Options http;
    http.bearer_token = stack_->client_token();
    client_ =
        std::make_unique<api::ApiClient>(transport::Endpoint{"127.0.0.1", stack_->port()}, http);
  }

  // Runs `spec` (a GeneratorSpec) on `region`'s nodes until it completes.
  void Generate(const std::string& region, const std::string& spec) {
    jobspec::SpecOptions options;
    options.vars = *jobspec::BuildTemplateVars({"Region=" + region}, {}, {});
    auto parsed = jobspec::ParseJobSpec(spec, options);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    auto finished =
        RunJobToCompletion(stack_->orchestrator(), parsed->job, std::chrono::seconds(120));
    ASSERT_TRUE(finished.ok()) << finished.status().ToString();
  }

  std::string label_;
  std::unique_ptr<devstack::testing::RunningDevstack> running_;
  std::filesystem::path dir_;            // the test's folder (running_'s), for scratch files
  devstack::Devstack* stack_ = nullptr;  // running_'s
  std::unique_ptr<api::ApiClient> client_;
};

}  // namespace shoal::query::testing

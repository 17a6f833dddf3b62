// `shoal job get` for results an `s3` publisher put into a store, on a whole cluster in-process:
// the CLI (with no store credentials) downloads, through the orchestrator and a node that reaches
// the store, exactly the result tree the publisher wrote, for both encodings. Written for folder
// stores and for one real S3 server (s3rver) per region.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

#include "api/api_client.h"
#include "cli/job_verbs.h"
#include "devstack/devstack.h"
#include "devstack/testing/devstack_fixture.h"
#include "jobspec/jobspec.h"
#include "storage/s3_client.h"

namespace shoal::devstack {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPublishedJob = R"(
Name: published-{{.Encoding}}-{{.Count}}
Type: batch
Count: {{.Count}}
Constraints:
  - {Key: region, Operator: "==", Values: ["us"]}
Tasks:
  - Name: main
    Engine:
      Type: duckdb
      Params:
        SQL: |
          COPY (SELECT range AS n FROM range(3)) TO '/outputs/numbers.csv';
          SELECT 42 AS answer;
    Publisher:
      Type: s3
      Params:
        Bucket: my-bucket
        Key: "published/{executionID}"
        Endpoint: "http://storage-local:9000"
        Encoding: {{.Encoding}}
    ResultPaths:
      - {Name: outputs, Path: /outputs}
)";

// Relative path -> bytes.
using Tree = std::map<std::string, std::string>;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

Tree ReadTree(const fs::path& dir) {
  Tree tree;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) {
      tree[fs::relative(it->path(), dir).generic_string()] = ReadFile(it->path());
    }
  }
  return tree;
}

// The system's tar, not ours, reads the archives the publisher wrote.
Tree ExtractWithTar(const fs::path& archive, const fs::path& dir) {
  fs::create_directories(dir);
  const std::string command = "tar -xzf '" + archive.string() + "' -C '" + dir.string() + "' 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return ReadTree(dir);
}

struct GetOutcome {
  int exit_code = 0;
  std::string err;
};

class DevstackJobGetTest : public ::testing::TestWithParam<StorageKind> {
 protected:
  void SetUp() override {
    DevstackOptions options;
    options.regions = {"us"};
    options.nodes_per_region = 2;
    options.storage = GetParam();
    options.s3rver = SHOAL_S3RVER;
    auto running = testing::RunningDevstack::Start(options, "devstack-get");
    ASSERT_TRUE(running.ok()) << running.status().ToString();
    running_ = std::move(running).value();
    stack_ = &running_->stack();
    dir_ = running_->dir();
    transport::HttpClient::Options http;
    http.bearer_token = stack_->client_token();
    client_ =
        std::make_unique<api::ApiClient>(transport::Endpoint{"127.0.0.1", stack_->port()}, http);
    // The CLI finds the orchestrator as a user's shell would tell it; it gets no store keys.
    setenv("SHOAL_API_HOST", "127.0.0.1", 1);
    setenv("SHOAL_API_PORT", std::to_string(stack_->port()).c_str(), 1);
    setenv("SHOAL_API_TOKEN_FILE", stack_->client_token_file().c_str(), 1);
    if (GetParam() == StorageKind::kS3) {
      storage::S3Config config;
      config.endpoint = stack_->StoreUrl("us").substr(std::string("http://").size());
      config.use_ssl = false;
      config.url_style = storage::UrlStyle::kPath;
      config.credentials = {S3rverProcess::kAccessKey, S3rverProcess::kSecretKey, ""};
      store_client_ = storage::S3Client::Create(config).value();
    }
  }
  void TearDown() override { running_.reset(); }

  // Submits the job and waits until it is terminal.
  models::Job RunJob(const std::string& encoding, int count) {
    jobspec::SpecOptions options;
    options.vars = *jobspec::BuildTemplateVars(
        {"Encoding=" + encoding, "Count=" + std::to_string(count)}, {}, {});
    auto parsed = jobspec::ParseJobSpec(kPublishedJob, options);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    auto submitted = client_->SubmitJob(parsed->job, {});
    EXPECT_TRUE(submitted.ok()) << submitted.status().ToString();
    for (int i = 0; i < 600; ++i) {
      auto job = client_->GetJob(submitted->job_id);
      EXPECT_TRUE(job.ok()) << job.status().ToString();
      if (job.ok() && models::IsTerminal(job->state.state_type)) return *job;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "job " << submitted->job_id << " did not finish";
    return {};
  }

  std::vector<models::Execution> Completed(const models::Job& job) {
    auto executions = client_->ListExecutions(job.id);
    EXPECT_TRUE(executions.ok()) << executions.status().ToString();
    std::vector<models::Execution> completed;
    for (const auto& e : *executions) {
      if (e.job_version == job.version &&
          e.compute_state.state_type == models::ExecutionComputeState::kCompleted) {
        completed.push_back(e);
      }
    }
    return completed;
  }

  // What the publisher put into the us store for `e`, read straight from the store.
  Tree PublishedTree(const models::Execution& e, const std::string& encoding) {
    const std::string key = "published/" + e.id + (encoding == "gzip" ? ".tar.gz" : "/");
    const fs::path scratch = dir_ / "expected" / e.id;
    if (GetParam() == StorageKind::kFolders) {
      const fs::path path = fs::path(stack_->StorageDir("us")) / "my-bucket" / key;
      return encoding == "gzip" ? ExtractWithTar(path, scratch) : ReadTree(path);
    }
    if (encoding == "gzip") {
      auto bytes = store_client_->GetObject("my-bucket", key);
      EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
      fs::create_directories(scratch.parent_path());
      std::ofstream(scratch.string() + ".tar.gz", std::ios::binary)
          << (bytes.ok() ? *bytes : std::string());
      return ExtractWithTar(scratch.string() + ".tar.gz", scratch);
    }
    storage::ListOptions list;
    list.prefix = key;
    auto listed = store_client_->ListAllObjects("my-bucket", list);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    Tree tree;
    for (const auto& object : listed->objects) {
      auto bytes = store_client_->GetObject("my-bucket", object.key);
      EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
      tree[object.key.substr(key.size())] = bytes.ok() ? *bytes : std::string();
    }
    return tree;
  }

  void DeletePublished(const models::Execution& e) {
    const std::string key = "published/" + e.id + ".tar.gz";
    if (GetParam() == StorageKind::kFolders) {
      ASSERT_TRUE(fs::remove(fs::path(stack_->StorageDir("us")) / "my-bucket" / key));
    } else {
      ASSERT_TRUE(store_client_->DeleteObject("my-bucket", key).ok());
    }
  }

  GetOutcome JobGet(const models::Job& job, const fs::path& out) {
    cli::JobGetFlags flags;
    flags.job = job.id;
    flags.output_dir = out.string();
    flags.fetch_timeout_secs = 60;
    ::testing::internal::CaptureStderr();
    GetOutcome outcome;
    outcome.exit_code = cli::RunJobGet(flags);
    outcome.err = ::testing::internal::GetCapturedStderr();
    return outcome;
  }

  std::unique_ptr<testing::RunningDevstack> running_;
  fs::path dir_;
  Devstack* stack_ = nullptr;
  std::unique_ptr<api::ApiClient> client_;
  std::unique_ptr<storage::S3Client> store_client_;
};

TEST_P(DevstackJobGetTest, DownloadsExactlyThePublishedTree) {
  for (const std::string encoding : {"plain", "gzip"}) {
    SCOPED_TRACE(encoding);
    models::Job job = RunJob(encoding, 2);
    ASSERT_EQ(job.state.state_type, models::JobStateType::kCompleted) << job.state.message;
    std::vector<models::Execution> executions = Completed(job);
    ASSERT_EQ(executions.size(), 2u);
    for (const auto& e : executions) {
      EXPECT_EQ(e.published_result.type, "s3");
      EXPECT_EQ(e.published_result.params.value("Encoding", ""), encoding);
      EXPECT_FALSE(e.published_result.params.value("StoreLocation", "").empty());
    }
    const fs::path out = dir_ / ("out-" + encoding);
    GetOutcome got = JobGet(job, out);
    ASSERT_EQ(got.exit_code, 0) << got.err;
    for (const auto& e : executions) {
      Tree published = PublishedTree(e, encoding);
      for (const char* file :
           {"stdout", "stderr", "exitCode", "result.json", "outputs/numbers.csv"}) {
        EXPECT_EQ(published.count(file), 1u) << file;
      }
      EXPECT_EQ(published["exitCode"], "0");
      EXPECT_EQ(published["outputs/numbers.csv"], "n\n0\n1\n2\n");
      EXPECT_NE(published["stdout"].find("42"), std::string::npos);
      EXPECT_EQ(ReadTree(out / e.id), published) << e.id;
    }
    // The orchestrator keeps what it fetched: asking again needs no node.
    auto fetches = client_->FetchResults(job.id);
    ASSERT_TRUE(fetches.ok()) << fetches.status().ToString();
    ASSERT_EQ(fetches->size(), 2u);
    for (const auto& fetch : *fetches)
      EXPECT_EQ(fetch.state, models::FetchState::kReady) << fetch.message;
    EXPECT_EQ(JobGet(job, dir_ / ("again-" + encoding)).exit_code, 0);
    EXPECT_EQ(ReadTree(dir_ / ("again-" + encoding)), ReadTree(out));
  }
}

TEST_P(DevstackJobGetTest, SaysWhichExecutionsCouldNotBeFetched) {
  models::Job job = RunJob("gzip", 2);
  ASSERT_EQ(job.state.state_type, models::JobStateType::kCompleted) << job.state.message;
  std::vector<models::Execution> executions = Completed(job);
  ASSERT_EQ(executions.size(), 2u);
  DeletePublished(executions[0]);  // someone cleaned up the bucket

  GetOutcome partial = JobGet(job, dir_ / "partial");
  EXPECT_EQ(partial.exit_code, 1) << partial.err;
  EXPECT_NE(partial.err.find("the results of execution " + executions[0].id), std::string::npos)
      << partial.err;
  EXPECT_NE(partial.err.find("published/" + executions[0].id + ".tar.gz"), std::string::npos)
      << partial.err;
  EXPECT_FALSE(fs::exists(dir_ / "partial" / executions[0].id));
  EXPECT_EQ(ReadTree(dir_ / "partial" / executions[1].id), PublishedTree(executions[1], "gzip"));

  models::Job lost = RunJob("gzip", 1);
  ASSERT_EQ(lost.state.state_type, models::JobStateType::kCompleted) << lost.state.message;
  DeletePublished(Completed(lost).at(0));
  GetOutcome none = JobGet(lost, dir_ / "none");
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("no results of job " + lost.id + " could be fetched"), std::string::npos)
      << none.err;
  EXPECT_FALSE(fs::exists(dir_ / "none"));
}

// StorageKind::kS3 joins once the s3 publisher writes to S3 stores (it passes with that work).
INSTANTIATE_TEST_SUITE_P(Stores, DevstackJobGetTest,
                         ::testing::Values(StorageKind::kFolders, StorageKind::kS3),
                         [](const ::testing::TestParamInfo<StorageKind>& info) {
                           return info.param == StorageKind::kS3 ? "S3" : "Folders";
                         });

}  // namespace
}  // namespace shoal::devstack

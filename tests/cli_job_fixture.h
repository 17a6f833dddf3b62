// The fixture of the `shoal job|node|agent` tests (cli_job_test.cc, cli_job_get_test.cc): a fake
// orchestrator (an HttpServer answering canned JSON that follows docs/api.md) with one job, its
// published partitions, statistics and nodes, and CliJobTest, which runs the real binary against
// it in a temp folder of its own.
//
// Thread-safety: a test fixture; the fake's handlers lock its state, the test uses one thread.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/run_process.h"
#include "common/testing/temp_dir.h"
#include "models/json_codec.h"
#include "transport/http_server.h"

namespace shoal::cli_job_testing {

namespace fs = std::filesystem;
using ::shoal::testing::ProcessResult;
using ::shoal::testing::RunProcess;
using ::shoal::testing::ShoalBinary;
using ::shoal::testing::TempDir;
using transport::HttpServer;
using transport::Json;
using transport::RawResponse;
using transport::Request;

constexpr const char* kJobId = "j-0b1c2d3e-4f50-4a6b-8c7d-8e9f00112233";
constexpr const char* kJobs = "/api/v1/orchestrator/jobs";

// One completed execution and its published files.
struct Published {
  std::string execution_id;
  std::string node_id;
  int64_t partition = 0;
  std::map<std::string, std::string> files;  // path -> bytes
};

inline std::string ResultJson(const std::string& columns, const std::string& rows) {
  return "{\"Columns\": " + columns + ", \"Rows\": " + rows + "}";
}

const std::string kTrendColumns =
    "[{\"Name\": \"month\", \"Type\": \"VARCHAR\", \"Numeric\": false}, "
    "{\"Name\": \"total\", \"Type\": \"DECIMAL(18,2)\", \"Numeric\": true}]";

// A fake orchestrator with one job: Running for `running_polls` GETs, then `final_state`.
class FakeOrchestrator {
 public:
  FakeOrchestrator() : server_(HttpServer::Options{}) {
    job_.id = kJobId;
    job_.name = "trends";
    job_.count = 2;
    job_.version = 1;
    job_.task.engine = {"duckdb", Json{{"SQL", "SELECT 1"}}};
  }

  models::Job& job() { return job_; }
  std::vector<Published>& published() { return published_; }
  std::map<std::string, models::ExecutionStats>& stats() { return stats_; }
  std::vector<models::Node>& nodes() { return nodes_; }
  int running_polls = 2;
  models::JobStateType final_state = models::JobStateType::kCompleted;
  std::string final_message;
  // Successive answers' Items to POST .../results/fetch (the last one repeats); none: every
  // published execution is "ready".
  std::vector<Json> fetch_rounds;

  // Registers the handlers and starts; returns the environment pointing the CLI at it.
  std::map<std::string, std::string> Start() {
    Handle("PUT", kJobs, [this](const Request& request) -> Result<Json> {
      std::lock_guard<std::mutex> lock(mu_);
      submitted_ = request.JsonBody().value();
      return Json{{"JobID", job_.id}, {"JobVersion", 1}, {"Changed", true}, {"Warnings", {}}};
    });
    Handle("GET", kJobs, [this](const Request&) -> Result<Json> {
      return Json{{"Items", {models::ToJson(JobNow())}}, {"NextToken", ""}};
    });
    Handle("GET", std::string(kJobs) + "/([^/]+)", [this](const Request& request) -> Result<Json> {
      if (request.matches[1] == "nope" || request.matches[1] == "j-ffffffff") {
        return Status::NotFound("job '" + std::string(request.matches[1]) + "' not found");
      }
      return Json{{"Job", models::ToJson(JobNow())}};
    });
    Handle("GET", std::string(kJobs) + "/([^/]+)/executions", [this](const Request&) {
      Json items = Json::array();
      for (const models::Execution& e : Executions()) items.push_back(models::ToJson(e));
      return Result<Json>(Json{{"Items", items}});
    });
    Handle("GET", std::string(kJobs) + "/([^/]+)/history", [this](const Request&) {
      models::Event event;
      event.seq_num = 1;
      event.job_id = job_.id;
      event.job_version = job_.version;
      event.topic = "Submission";
      event.message = "job submitted";
      return Result<Json>(Json{{"Items", {models::ToJson(event)}}, {"LastSeq", 1}});
    });
    Handle("GET", std::string(kJobs) + "/([^/]+)/results", [this](const Request&) {
      Json items = Json::array();
      for (const Published& p : published_) {
        Json files = Json::array();
        for (const auto& [path, bytes] : p.files) {
          files.push_back({{"Path", path}, {"Size", bytes.size()}});
        }
        items.push_back({{"ExecutionID", p.execution_id},
                         {"NodeID", p.node_id},
                         {"PartitionIndex", p.partition},
                         {"Files", files}});
      }
      return Result<Json>(Json{{"Items", items}});
    });
    Handle("POST", std::string(kJobs) + "/([^/]+)/results/fetch", [this](const Request&) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!fetch_rounds.empty()) {
        Json items = fetch_rounds.front();
        if (fetch_rounds.size() > 1) fetch_rounds.erase(fetch_rounds.begin());
        return Result<Json>(Json{{"Items", items}});
      }
      Json items = Json::array();
      for (const Published& p : published_) {
        items.push_back({{"ExecutionID", p.execution_id},
                         {"NodeID", p.node_id},
                         {"PartitionIndex", p.partition},
                         {"State", "ready"}});
      }
      return Result<Json>(Json{{"Items", items}});
    });
    Handle("GET", std::string(kJobs) + "/([^/]+)/logs", [this](const Request& request) {
      Json items = Json::array();
      for (const Published& p : published_) {
        std::string wanted = request.Param("execution_id");
        if (!wanted.empty() && wanted != p.execution_id) continue;
        items.push_back({{"ExecutionID", p.execution_id},
                         {"NodeID", p.node_id},
                         {"Stdout", "logs of " + p.execution_id + "\n"},
                         {"Stderr", ""}});
      }
      return Result<Json>(Json{{"Items", items}});
    });
    Handle("DELETE", std::string(kJobs) + "/([^/]+)", [this](const Request&) {
      return Result<Json>(Json{{"JobID", job_.id}});
    });
    Handle("GET", "/api/v1/orchestrator/nodes", [this](const Request&) {
      Json items = Json::array();
      for (const models::Node& node : nodes_) items.push_back(models::ToJson(node));
      return Result<Json>(Json{{"Items", items}});
    });
    Handle("GET", "/api/v1/agent/alive", [](const Request&) {
      return Result<Json>(Json{{"Status", "OK"}});
    });
    server_.HandleRaw("GET", std::string(kJobs) + "/([^/]+)/results/([^/]+)/(.+)",
                      [this](const Request& request) -> Result<RawResponse> {
                        Record(request);
                        for (const Published& p : published_) {
                          auto file = p.files.find(request.matches[3]);
                          if (p.execution_id == request.matches[2] && file != p.files.end()) {
                            return RawResponse{200, "application/octet-stream", file->second};
                          }
                        }
                        return Status::NotFound("no such result file");
                      });
    int port = server_.Start().value();
    return {{"SHOAL_API_HOST", "127.0.0.1"}, {"SHOAL_API_PORT", std::to_string(port)}};
  }

  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  Json submitted() {
    std::lock_guard<std::mutex> lock(mu_);
    return submitted_;
  }

 private:
  template <typename Fn>
  void Handle(const std::string& method, const std::string& pattern, Fn fn) {
    server_.HandleJson(method, pattern, [this, fn](const Request& request) -> Result<Json> {
      Record(request);
      return fn(request);
    });
  }
  void Record(const Request& request) {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request.method + " " + request.path);
  }
  models::Job JobNow() {
    std::lock_guard<std::mutex> lock(mu_);
    models::Job job = job_;
    bool done = ++polls_ > running_polls;
    job.state.state_type = done ? final_state : models::JobStateType::kRunning;
    if (done) job.state.message = final_message;
    return job;
  }
  std::vector<models::Execution> Executions() {
    std::vector<models::Execution> executions;
    for (const Published& p : published_) {
      models::Execution& e = executions.emplace_back();
      e.id = p.execution_id;
      e.job_id = job_.id;
      e.job_version = job_.version;
      e.node_id = p.node_id;
      e.partition_index = p.partition;
      e.compute_state.state_type = models::ExecutionComputeState::kCompleted;
      if (auto stats = stats_.find(p.execution_id); stats != stats_.end()) e.stats = stats->second;
      // Only a running execution has a progress.
      if (e.stats.progress >= 0)
        e.compute_state.state_type = models::ExecutionComputeState::kRunning;
    }
    return executions;
  }

  HttpServer server_;
  models::Job job_;
  std::vector<Published> published_;
  std::map<std::string, models::ExecutionStats> stats_;  // what a node reported, by execution
  std::vector<models::Node> nodes_;
  std::mutex mu_;
  int polls_ = 0;
  std::vector<std::string> requests_;
  Json submitted_;
};

class CliJobTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = TempDir::ForCurrentTest(); }

  std::string WriteJobFile(const std::string& name, const std::string& text) {
    fs::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  std::string TrendsJob() {
    return WriteJobFile("trends.yaml",
                        "Name: trends-{{.Region}}\n"
                        "Type: batch\n"
                        "Count: 2\n"
                        "Tasks:\n"
                        "  - Name: main\n"
                        "    Engine:\n"
                        "      Type: duckdb\n"
                        "      Params:\n"
                        "        SQL: SELECT 1\n");
  }
  // Two partitions, published out of order to check that output is by partition.
  void PublishTrends(FakeOrchestrator& fake) {
    fake.published().push_back(
        {"e-2",
         "compute-us-2",
         1,
         {{"result.json", ResultJson(kTrendColumns, R"([["2024-02", 7.05], ["2024-03", null]])")},
          {"stdout", "ignored\n"}}});
    fake.published().push_back(
        {"e-1",
         "compute-us-1",
         0,
         {{"result.json", ResultJson(kTrendColumns, R"([["2024-01", 12.50]])")}}});
  }

  ProcessResult Shoal(std::vector<std::string> args, const std::map<std::string, std::string>& env,
                      const std::string& input = "") {
    args.insert(args.begin(), ShoalBinary());
    return RunProcess(args, input, env);
  }

  TempDir dir_;
};

}  // namespace shoal::cli_job_testing

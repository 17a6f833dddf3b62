// A node's part of `shoal job get` for store-published results, against a fake orchestrator: it
// registers where its stores are, and a fetch it is handed is read back from the store, uploaded
// under the fetch's id and reported (or its error is).
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "compute/compute_node.h"
#include "models/json_codec.h"
#include "transport/http_server.h"

namespace shoal::compute {
namespace {

namespace fs = std::filesystem;
using transport::Json;
using transport::Request;

struct Upload {
  std::string node_id;
  std::string fetch_id;
  std::string bytes;
};

// Hands out the given fetches once, and records registrations, uploads and fetch reports.
class FetchingFakeOrchestrator {
 public:
  explicit FetchingFakeOrchestrator(Json fetches)
      : server_(transport::HttpServer::Options{}), fetches_(std::move(fetches)) {
    server_.HandleJson("POST", "/api/v1/compute/register",
                       [this](const Request& request) -> Result<Json> {
                         std::lock_guard lock(mu_);
                         registered_ = request.JsonBody().value()["Node"];
                         return Json{{"HeartbeatIntervalMs", 50}};
                       });
    server_.HandleJson("POST", "/api/v1/compute/heartbeat", [](const Request&) -> Result<Json> {
      return Json{{"Known", true}};
    });
    server_.HandleJson("GET", "/api/v1/compute/work", [this](const Request&) -> Result<Json> {
      Json fetches = Json::array();
      {
        std::lock_guard lock(mu_);
        fetches.swap(fetches_);
      }
      if (fetches.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      return Json{{"Executions", Json::array()}, {"Cancel", Json::array()}, {"Fetches", fetches}};
    });
    server_.HandleJson("PUT", "/api/v1/compute/executions/([^/]+)/files/(.+)",
                       [this](const Request& request) -> Result<Json> {
                         std::lock_guard lock(mu_);
                         uploads_[request.matches[1] + "/" + request.matches[2]] = {
                             request.Param("node_id"), request.Param("fetch_id"), request.body};
                         return Json::object();
                       });
    server_.HandleJson("POST", "/api/v1/compute/fetches/([^/]+)",
                       [this](const Request& request) -> Result<Json> {
                         std::lock_guard lock(mu_);
                         Json body = request.JsonBody().value();
                         reports_[request.matches[1]] = body["Error"];
                         EXPECT_EQ(body["NodeID"], "compute-test-1");
                         return Json::object();
                       });
  }

  int Start() { return server_.Start().value(); }
  void Stop() { server_.Stop(); }

  bool WaitForReports(size_t n) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard lock(mu_);
        if (reports_.size() >= n) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::mutex mu_;
  Json registered_;
  std::map<std::string, Upload> uploads_;       // by "<execution id>/<path>"
  std::map<std::string, std::string> reports_;  // fetch id -> Error ("" = done)

 private:
  transport::HttpServer server_;
  Json fetches_;
};

TEST(ComputeNodeFetchTest, ReadsPublishedResultsBackAndUploadsThemUnderTheFetch) {
  const shoal::testing::TempDir dir("node-fetch");
  const fs::path store = dir / "store";
  fs::create_directories(store / "my-bucket" / "out" / "e-1" / "outputs");
  std::ofstream(store / "my-bucket" / "out" / "e-1" / "stdout") << "n\n1\n";
  // Any name survives the upload's URL.
  std::ofstream(store / "my-bucket" / "out" / "e-1" / "outputs" / "a 1?#%.csv") << "a\n1\n";
  const std::string location = "folder:" + store.string();

  auto spec = [&](const std::string& key) {
    return models::ToJson(models::SpecConfig{"s3",
                                             {{"Bucket", "my-bucket"},
                                              {"Key", key},
                                              {"Encoding", "plain"},
                                              {"Store", "storage-local"},
                                              {"StoreLocation", location}}});
  };
  FetchingFakeOrchestrator fake(Json::array({
      {{"FetchID", "f-1"},
       {"ExecutionID", "e-1"},
       {"JobID", "j-1"},
       {"Published", spec("out/e-1/")}},
      {{"FetchID", "f-2"},
       {"ExecutionID", "e-2"},
       {"JobID", "j-1"},
       {"Published", spec("out/e-2/")}},
  }));
  int port = fake.Start();
  ComputeNodeOptions options;
  options.orchestrator = {"127.0.0.1", port};
  options.runner.node_id = "compute-test-1";
  options.runner.work_dir = (dir / "work").string();
  // The node calls the store "regional"; the location is what matches the published spec.
  options.runner.stores = {{"regional", store.string()}};
  options.poll_wait = std::chrono::milliseconds(200);
  options.retry_delay = std::chrono::milliseconds(20);
  auto node = ComputeNode::Start(options);
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  ASSERT_TRUE(fake.WaitForReports(2));
  (*node)->Stop();
  fake.Stop();

  std::lock_guard lock(fake.mu_);
  EXPECT_EQ(fake.registered_["Stores"],
            (Json::array({{{"Name", "regional"}, {"Location", location}}})));
  EXPECT_EQ(fake.reports_["f-1"], "");
  EXPECT_NE(fake.reports_["f-2"].find("nothing is published under s3://my-bucket/out/e-2/"),
            std::string::npos)
      << fake.reports_["f-2"];
  ASSERT_EQ(fake.uploads_.size(), 2u);
  const Upload& stdout_file = fake.uploads_["e-1/stdout"];
  EXPECT_EQ(stdout_file.bytes, "n\n1\n");
  EXPECT_EQ(stdout_file.fetch_id, "f-1");
  EXPECT_EQ(stdout_file.node_id, "compute-test-1");
  EXPECT_EQ(fake.uploads_["e-1/outputs/a 1?#%.csv"].bytes, "a\n1\n");
  EXPECT_FALSE(fs::exists(dir / "work" / "fetches" / "f-1"));  // the copy is cleaned up
}

}  // namespace
}  // namespace shoal::compute

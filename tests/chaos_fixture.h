// The chaos tests' fixture: the cluster as real processes on loopback (cluster_fixture.h), a
// batch job whose answer one DuckDB knows, and the checks every chaos case ends with -- the
// orchestrator's view of the job's results, and the store's, read independently by listing the
// bucket and reading every object.
//
// Thread-safety: a test fixture; one test thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cluster_fixture.h"
#include "fault_proxy.h"
#include <gtest/gtest.h>

#include "common/testing/run_process.h"
#include "engine/engine.h"
#include "storage/testing/s3rver_fixture.h"
#include "transport/http_client.h"

namespace shoal::chaos {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::FaultProxy;
using transport::Json;

// Every job reads range(kRows); partition p keeps the i with i % count == p and returns them,
// padded with a CPU-bound scalar subquery so that an execution runs long enough to be hit.
constexpr int64_t kRows = 20000;
// Each row's value: i, or NULL for one row in 11, so the answers' totals run over NULLs too.
constexpr const char* kValue = "CASE WHEN i % 11 = 5 THEN NULL ELSE i END";
// How long a job may take at most, kills and reruns included, on a loaded 2-core machine.
constexpr auto kJobDeadline = 90s;

struct JobOptions {
  std::string name;
  std::string region = "us";
  int count = 3;
  int64_t pad = 100000000;  // rows of padding work: ~0.5 s on an idle core
  // Under `Publisher:`; empty: the `local` publisher (results uploaded to the orchestrator).
  std::string publisher = "";
  // When set, a folder mounted at /control whose pad.csv (columns p, n) gives each partition's
  // padding instead of `pad`, read when the execution starts: a test can make a partition's
  // first attempt long and its rerun short.
  std::string control_dir = "";
};

// Puts each partition's files at results/<job>/<execution>/ of the region's store.
constexpr const char* kPlainS3Publisher =
    "      Type: s3\n"
    "      Params: {Bucket: my-bucket, Key: \"results/{jobID}/{executionID}/\", "
    "Endpoint: storage-local, Encoding: plain}\n";

inline std::string JobYaml(const JobOptions& job) {
  std::string pad = std::to_string(job.pad);
  std::string control;
  if (!job.control_dir.empty()) {
    pad = "getvariable('pad')";
    control =
        "          SET VARIABLE pad = (SELECT max(n) FROM read_csv('/control/pad.csv')\n"
        "                              WHERE p = getvariable('bacalhau_partition_index'));\n";
  }
  std::string yaml = "Name: " + job.name + "\nType: batch\nCount: " + std::to_string(job.count) +
                     "\nConstraints:\n  - {Key: region, Operator: \"==\", Values: [" + job.region +
                     "]}\n"
                     "Tasks:\n"
                     "  - Name: main\n"
                     "    Engine:\n"
                     "      Type: duckdb\n"
                     "      Params:\n"
                     "        SQL: |\n" +
                     control + "          SELECT " + kValue +
                     " AS i, (SELECT count(*) FROM range(" + pad +
                     ") t(j) WHERE j % 7 = 3) AS pad\n"
                     "          FROM range(" +
                     std::to_string(kRows) +
                     ") t(i)\n"
                     "          WHERE i % getvariable('bacalhau_partition_count') =\n"
                     "                getvariable('bacalhau_partition_index')\n"
                     "          ORDER BY i;\n"
                     "    Resources: {CPU: \"1\"}\n"
                     "    Timeouts: {ExecutionTimeout: 60}\n";
  if (!job.publisher.empty()) yaml += "    Publisher:\n" + job.publisher;
  if (!job.control_dir.empty()) {
    yaml +=
        "    InputSources:\n"
        "      - Source: {Type: localDirectory, Params: {SourcePath: \"" +
        job.control_dir + "\"}}\n        Target: /control\n";
  }
  return yaml;
}

// The rows of one result.json: (count, sum of i).
inline std::pair<int64_t, int64_t> RowTotals(const std::string& result_json) {
  Json result = Json::parse(result_json, nullptr, /*allow_exceptions=*/false);
  if (!result.is_object() || !result.contains("Rows")) return {-1, -1};
  int64_t n = 0, sum = 0;
  for (const auto& row : result["Rows"]) {
    ++n;
    if (!row[0].is_null()) sum += row[0].get<int64_t>();  // NULL rows count, add nothing
  }
  return {n, sum};
}

class ChaosTest : public testing::ClusterFixture {
 protected:
  void SetUp() override {
    // Short, so lost nodes are noticed (and their work rerun) within the test's time.
    node_timeout_s_ = 2;
    heartbeat_s_ = 0.2;
    auto oracle = engine::Session::Open({}).value();
    auto expected = oracle->Query("SELECT count(*), sum(" + std::string(kValue) + ") FROM range(" +
                                  std::to_string(kRows) + ") t(i)");
    ASSERT_TRUE(expected.ok()) << expected.status().ToString();
    expected_rows_ = std::stoll(expected->Text(0, 0));
    expected_sum_ = std::stoll(expected->Text(0, 1));
  }

  std::string Submit(const JobOptions& job) {
    fs::path spec = root_ / (job.name + ".yaml");
    std::ofstream(spec) << JobYaml(job);
    auto run = Shoal({"job", "run", "--no-wait", "--id-only", spec.string()});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    std::string id = run.out;
    while (!id.empty() && std::isspace(static_cast<unsigned char>(id.back()))) id.pop_back();
    return id;
  }

  // The first execution of `job_id` found in `state` (one of the given), or null JSON.
  Json FindExecution(const std::string& job_id, const std::set<std::string>& states,
                     const std::string& node = "") {
    for (const auto& e : Executions(job_id)) {
      if (states.count(e["ComputeState"]["StateType"].get<std::string>()) &&
          (node.empty() || e["NodeID"] == node)) {
        return e;
      }
    }
    return Json();
  }

  // The us nodes publish to s3rver through proxies: each through its own (so one node's upload
  // can be held on its own), or with `one_proxy` all through the same one (so the nodes share a
  // store location, and one can clean up after another). Returns the bucket's folder in s3rver.
  fs::path StartOnS3rver(testing::S3rver& s3rver, int nodes, bool one_proxy = false) {
    for (int i = 1; i <= nodes; ++i) {
      if (!one_proxy || s3_proxies_.empty()) {
        s3_proxies_.push_back(std::make_unique<FaultProxy>(s3rver.port()));
        EXPECT_TRUE(s3_proxies_.back()->ok());
      }
      store_override_["compute-us-" + std::to_string(i)] =
          "http://" + s3_proxies_.back()->endpoint() + "?style=path";
    }
    node_access_key_ = testing::S3rver::kAccessKey;
    node_secret_key_ = testing::S3rver::kSecretKey;
    return s3rver.data_dir() / "my-bucket";
  }

  int NodeIndex(const std::string& name) const {
    for (size_t i = 0; i < specs_.size(); ++i) {
      if (specs_[i].name == name) return static_cast<int>(i);
    }
    return -1;
  }

  std::string NodeConnection(const std::string& name) {
    auto node = client_->Get("/api/v1/orchestrator/nodes/" + name);
    return node.ok() ? (*node)["Node"]["Connection"].get<std::string>() : "";
  }

  // Waits for `job_id` to end; fails naming the job, its state and its executions when it does
  // not within the deadline. Then waits for every execution of the job to be terminal too.
  std::string AwaitEnd(const std::string& job_id) {
    std::string state;
    const bool ended = WaitUntil(kJobDeadline, [&] {
      state = JobState(job_id);
      return state == "Completed" || state == "Failed" || state == "Stopped";
    });
    EXPECT_TRUE(ended) << "job " << job_id << " is stuck in state '" << state
                       << "'; its executions: " << Executions(job_id).dump() << "\n"
                       << Logs();
    if (!ended) return state;
    std::string live;
    EXPECT_TRUE(WaitUntil(30s,
                          [&] {
                            live.clear();
                            for (const auto& e : Executions(job_id)) {
                              std::string s = e["ComputeState"]["StateType"];
                              if (s != "Completed" && s != "Failed" && s != "Cancelled") {
                                live += e["ID"].get<std::string>() + " on " +
                                        e["NodeID"].get<std::string>() + " is " + s + "; ";
                              }
                            }
                            return live.empty();
                          }))
        << "job " << job_id << " ended " << state << " but executions are stuck: " << live;
    return state;
  }

  // The invariant for a job that has ended: Failed with a reason, or Completed with exactly one
  // completed execution per partition, whose results (from the orchestrator for the `local`
  // publisher) add up to the single-DuckDB answer. Returns the completed executions by id.
  std::map<std::string, int64_t> CheckOutcome(const std::string& job_id, int count,
                                              bool local_results) {
    std::map<std::string, int64_t> completed;
    auto job = client_->Get("/api/v1/orchestrator/jobs/" + job_id);
    EXPECT_TRUE(job.ok());
    if (!job.ok()) return completed;
    const Json& state = (*job)["Job"]["State"];
    if (state["StateType"] == "Failed") {
      EXPECT_FALSE(state.value("Message", "").empty()) << "job " << job_id << " failed silently";
      return completed;
    }
    EXPECT_EQ(state["StateType"], "Completed") << job->dump();
    auto results = client_->Get("/api/v1/orchestrator/jobs/" + job_id + "/results");
    EXPECT_TRUE(results.ok());
    if (!results.ok()) return completed;
    std::multiset<int64_t> partitions;
    int64_t n = 0, sum = 0;
    for (const auto& item : (*results)["Items"]) {
      const std::string execution = item["ExecutionID"];
      partitions.insert(item["PartitionIndex"].get<int64_t>());
      completed[execution] = item["PartitionIndex"].get<int64_t>();
      if (!local_results) continue;
      auto bytes = client_->GetBytes("/api/v1/orchestrator/jobs/" + job_id + "/results/" +
                                     execution + "/result.json");
      EXPECT_TRUE(bytes.ok()) << "no result.json for " << execution;
      if (!bytes.ok()) continue;
      auto [rows, total] = RowTotals(*bytes);
      n += rows;
      sum += total;
    }
    std::multiset<int64_t> expected;
    for (int p = 0; p < count; ++p) expected.insert(p);
    EXPECT_EQ(partitions, expected) << "job " << job_id << ": " << results->dump();
    if (local_results) {
      EXPECT_EQ(n, expected_rows_) << job_id;
      EXPECT_EQ(sum, expected_sum_) << job_id;
    }
    // Every completed execution is one the orchestrator lists as Completed for the job.
    for (const auto& e : Executions(job_id)) {
      if (e["ComputeState"]["StateType"] == "Completed") {
        EXPECT_TRUE(completed.count(e["ID"])) << "a completed execution without results: " << e;
      }
    }
    return completed;
  }

  // The objects under `prefix` of a store, by key relative to it: `bucket_dir` is a folder
  // store's bucket (every file counts, a hidden temporary one included) or, with `s3rver`,
  // s3rver's folder of the bucket (its <key>._S3rver_object files). This is the independent
  // reader: it lists the bucket itself and trusts nothing Shoal says about it.
  static std::map<std::string, fs::path> StoreObjects(const fs::path& bucket_dir,
                                                      const std::string& prefix, bool s3rver) {
    std::map<std::string, fs::path> objects;
    const fs::path dir = bucket_dir / prefix;
    std::error_code ec;
    if (!fs::exists(dir, ec)) return objects;
    const std::string suffix = "._S3rver_object";
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      std::string key = fs::relative(it->path(), dir).string();
      if (s3rver) {
        if (!key.ends_with(suffix)) continue;
        key.resize(key.size() - suffix.size());
      }
      objects[key] = it->path();
    }
    return objects;
  }

  // The text of job_id's commit manifests in the store (every version's), "" when there is none.
  static std::string ManifestText(const fs::path& bucket_dir, const std::string& job_id,
                                  bool s3rver) {
    std::string text;
    for (const auto& [key, path] : StoreObjects(bucket_dir, "_shoal/commits/" + job_id, s3rver)) {
      text += testing::ReadWholeFile(path);
    }
    return text;
  }

  // (rows, sum of i) of one result tree's result.json, read from a plain tree's file or from
  // inside a .tar.gz archive (unpacked with tar).
  std::pair<int64_t, int64_t> TreeTotals(const fs::path& result_json_or_archive, bool archive) {
    if (!archive) return RowTotals(testing::ReadWholeFile(result_json_or_archive));
    const fs::path unpacked = root_ / ("unpacked-" + std::to_string(++unpacked_));
    fs::create_directories(unpacked);
    auto tar = testing::RunProcess(
        {"tar", "-xzf", result_json_or_archive.string(), "-C", unpacked.string()});
    if (tar.exit_code != 0) return {-1, -1};
    return RowTotals(testing::ReadWholeFile(unpacked / "result.json"));
  }

  // What an `s3` publisher left in the store for an ended job, read by listing the bucket and
  // reading every object: for a Completed job, exactly the result trees of its completed
  // executions (one per partition; a plain tree has every file, a gzip one is one archive),
  // adding up to the single-DuckDB answer, and a commit manifest naming exactly those
  // executions and every file of their trees; no tree of any other execution, whole or partial.
  // For a Failed job (`completed` empty): no manifest and no tree. Returns "" when it holds,
  // else what is wrong.
  std::string StoreProblems(const fs::path& bucket_dir, const std::string& job_id,
                            const std::map<std::string, int64_t>& completed, bool s3rver) {
    auto objects = StoreObjects(bucket_dir, "results/" + job_id, s3rver);
    std::map<std::string, std::set<std::string>> trees;  // execution -> files
    std::map<std::string, std::string> archives;         // execution -> its .tar.gz key
    for (const auto& [key, path] : objects) {
      size_t slash = key.find('/');
      if (slash == std::string::npos && key.ends_with(".tar.gz")) {
        const std::string execution = key.substr(0, key.size() - 7);
        trees[execution].insert(key);
        archives[execution] = key;
        continue;
      }
      trees[key.substr(0, slash)].insert(slash == std::string::npos ? "" : key.substr(slash + 1));
    }
    std::string problems;
    const std::set<std::string> whole = {"exitCode", "result.json", "stderr", "stdout"};
    std::set<std::string> committed_paths;  // what the manifest must name
    int64_t n = 0, sum = 0;
    for (const auto& [execution, files] : trees) {
      const bool archive = archives.count(execution) > 0;
      if (!completed.count(execution)) {
        problems += "the store holds files of execution " + execution +
                    ", which did not complete: " + std::to_string(files.size()) + " file(s); ";
      } else if (!archive && files != whole) {
        problems += "the tree of " + execution + " is not whole (" + std::to_string(files.size()) +
                    " file(s)); ";
      } else {
        auto [rows, total] = archive ? TreeTotals(objects.at(archives.at(execution)), true)
                                     : TreeTotals(objects.at(execution + "/result.json"), false);
        n += rows;
        sum += total;
        for (const auto& file : files) {
          committed_paths.insert("s3://my-bucket/results/" + job_id + "/" +
                                 (archive ? file : execution + "/" + file));
        }
      }
    }
    for (const auto& [execution, partition] : completed) {
      if (!trees.count(execution)) {
        problems += "partition " + std::to_string(partition) + " (execution " + execution +
                    ") is missing from the store; ";
      }
    }
    // The commit: one manifest line per committed file, naming its execution and partition.
    std::set<std::string> manifest_paths;
    std::map<std::string, int64_t> manifest_executions;
    std::stringstream manifest(ManifestText(bucket_dir, job_id, s3rver));
    for (std::string line; std::getline(manifest, line);) {
      Json entry = Json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!entry.is_object() || !entry.contains("path") || !entry.contains("execution_id")) {
        problems += "the manifest has a bad line '" + line + "'; ";
        continue;
      }
      manifest_paths.insert(entry["path"].get<std::string>());
      manifest_executions[entry["execution_id"]] = entry["partition_index"].get<int64_t>();
    }
    if (manifest_executions != completed) {
      problems += "the manifest commits " + std::to_string(manifest_executions.size()) +
                  " execution(s), not the " + std::to_string(completed.size()) +
                  " completed ones; ";
    } else if (manifest_paths != committed_paths) {
      problems += "the manifest names " + std::to_string(manifest_paths.size()) +
                  " file(s), the committed trees hold " + std::to_string(committed_paths.size()) +
                  "; ";
    }
    if (problems.empty() && !completed.empty() && (n != expected_rows_ || sum != expected_sum_)) {
      problems = "the store's results add up to " + std::to_string(n) + " rows, sum " +
                 std::to_string(sum) + "; DuckDB says " + std::to_string(expected_rows_) + ", " +
                 std::to_string(expected_sum_);
    }
    return problems;
  }

  // Checks the store, giving a node that came back a moment to clear what it left (and the
  // commit task time to be handed out on a loaded CI machine: it missed 20 s once).
  void ExpectStoreHolds(const fs::path& bucket_dir, const std::string& job_id,
                        const std::map<std::string, int64_t>& completed, bool s3rver) {
    std::string problems;
    EXPECT_TRUE(WaitUntil(60s,
                          [&] {
                            problems = StoreProblems(bucket_dir, job_id, completed, s3rver);
                            return problems.empty();
                          }))
        << "job " << job_id << ": " << problems << "\n"
        << Logs();
  }

  std::vector<std::unique_ptr<FaultProxy>> s3_proxies_;  // StartOnS3rver's
  int64_t expected_rows_ = 0;
  int64_t expected_sum_ = 0;
  int unpacked_ = 0;
};

}  // namespace shoal::chaos

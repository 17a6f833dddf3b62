// Plug-ins registered only here, not in Shoal: an engine, an input source and a publisher run a
// job end to end through a devstack (the job file decoded, submitted over HTTP, scheduled on the
// nodes that advertise the plug-ins, run, published), with the job model, the job-spec decoder
// and the orchestrator untouched. The orchestrator refuses a type no node has.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

#include "compute/files.h"
#include "compute/plugins.h"
#include "devstack/devstack.h"
#include "devstack/testing/devstack_fixture.h"
#include "jobspec/jobspec.h"
#include "models/json_codec.h"
#include "transport/http_client.h"

namespace shoal::devstack {
namespace {

namespace fs = std::filesystem;
using transport::Json;

// `inline`: Params.Files {name: text} written into the Target.
class InlineInput final : public compute::InputStorage {
 public:
  std::string_view type() const override { return "inline"; }
  Result<std::string> Stage(compute::InputContext& context) const override {
    SHOAL_ASSIGN_OR_RETURN(std::string real, context.sandbox.ToReal(context.target));
    const Json& files = context.input.source.params["Files"];
    for (const auto& [name, text] : files.items()) {
      std::ofstream(real + "/" + name) << text.get<std::string>();
    }
    return "wrote " + std::to_string(files.size()) + " inline file(s)";
  }
};

// `line-count`: prints how many lines the files under Params.Folder hold.
class LineCountEngine final : public compute::JobEngine {
 public:
  std::string_view type() const override { return "line-count"; }
  Status Run(const compute::EngineContext& context) const override {
    const std::string folder = context.job.task.engine.params.value("Folder", "/inputs");
    SHOAL_ASSIGN_OR_RETURN(std::string real, context.sandbox.ToReal(folder));
    int64_t lines = 0;
    for (const auto& entry : fs::directory_iterator(real)) {
      std::ifstream in(entry.path());
      for (std::string line; std::getline(in, line);) ++lines;
    }
    context.out << lines << " lines\n";
    return Status::Ok();
  }
};

// `directory`: copies the result tree to <Params.Directory>/<execution id>/.
class DirectoryPublisher final : public compute::ResultPublisher {
 public:
  std::string_view type() const override { return "directory"; }
  Result<std::optional<models::SpecConfig>> Target(
      const models::SpecConfig& publisher, const compute::PublishContext& context,
      const std::vector<compute::StoreConfig>&) const override {
    models::SpecConfig target{
        "directory",
        {{"Key", publisher.params.value("Directory", std::string()) + "/" + context.execution_id}}};
    return std::optional<models::SpecConfig>(target);
  }
  Status Publish(const models::SpecConfig& target, const std::string& result_dir,
                 const std::vector<compute::ResultFile>&,
                 const std::vector<compute::StoreConfig>&) const override {
    return compute::CopyInto(result_dir, target.params["Key"].get<std::string>());
  }
  Status Remove(const models::SpecConfig& target, const std::vector<std::string>&,
                const std::vector<compute::StoreConfig>&) const override {
    std::error_code error;
    fs::remove_all(target.params["Key"].get<std::string>(), error);
    return Status::Ok();
  }
  std::string Describe(const models::SpecConfig& target) const override {
    return "folder " + target.params["Key"].get<std::string>();
  }
};

constexpr char kSpec[] = R"(
Name: count-lines
Type: batch
Count: 1
Tasks:
  - Name: main
    Engine:
      Type: line-count
      Params: {Folder: /inputs}
    InputSources:
      - Target: /inputs
        Source:
          Type: inline
          Params:
            Files: {a.txt: "one\ntwo\n", b.txt: "three\n"}
    Publisher:
      Type: directory
      Params: {Directory: "PUBLISH_DIR"}
)";

class DevstackPluginsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto plugins = std::make_shared<compute::NodePlugins>(compute::BuiltinPlugins());
    ASSERT_TRUE(plugins->engines.Add(std::make_unique<LineCountEngine>()).ok());
    ASSERT_TRUE(plugins->inputs.Add(std::make_unique<InlineInput>()).ok());
    ASSERT_TRUE(plugins->publishers.Add(std::make_unique<DirectoryPublisher>()).ok());
    // A second plug-in of a type taken already is refused.
    EXPECT_FALSE(plugins->engines.Add(std::make_unique<LineCountEngine>()).ok());
    DevstackOptions options;
    options.regions = {"us"};
    options.nodes_per_region = 1;
    options.plugins = plugins;
    auto running = testing::RunningDevstack::Start(options, "plugins");
    ASSERT_TRUE(running.ok()) << running.status().ToString();
    running_ = std::move(running).value();
  }

  Result<Json> Submit(const models::Job& job) {
    return running_->client().Put("/api/v1/orchestrator/jobs", Json{{"Job", models::ToJson(job)}});
  }

  std::unique_ptr<testing::RunningDevstack> running_;
};

TEST_F(DevstackPluginsTest, AnEngineInputAndPublisherRegisteredInATestRunAJob) {
  const std::string publish_dir = (running_->dir() / "published").string();
  std::string spec = kSpec;
  spec.replace(spec.find("PUBLISH_DIR"), 11, publish_dir);
  auto parsed = jobspec::ParseJobSpec(spec, {});
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  // The decoder keeps the unknown types as written and says the cluster must have them.
  ASSERT_EQ(parsed->warnings.size(), 3u);
  EXPECT_NE(parsed->warnings[0].find("the orchestrator takes the job only if one of its nodes "
                                     "has it"),
            std::string::npos)
      << parsed->warnings[0];

  // The node advertises its registry.
  auto nodes = running_->client().Get("/api/v1/orchestrator/nodes");
  ASSERT_TRUE(nodes.ok()) << nodes.status().ToString();
  const Json& node = (*nodes)["Items"][0];
  EXPECT_EQ(node["Engines"], Json({"compact", "duckdb", "generator", "line-count"}));
  EXPECT_EQ(node["InputSources"], Json({"inline", "local", "s3"}));
  EXPECT_EQ(node["Publishers"], Json({"directory", "local", "s3"}));

  auto submitted = Submit(parsed->job);
  ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
  const std::string id = (*submitted)["JobID"];
  std::string state;
  for (int i = 0; i < 300 && state != "Completed" && state != "Failed"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto job = running_->client().Get("/api/v1/orchestrator/jobs/" + id);
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    state = (*job)["Job"]["State"]["StateType"];
  }
  auto executions = running_->client().Get("/api/v1/orchestrator/jobs/" + id + "/executions");
  ASSERT_TRUE(executions.ok());
  ASSERT_EQ((*executions)["Items"].size(), 1u);
  const Json& execution = (*executions)["Items"][0];
  ASSERT_EQ(state, "Completed") << execution.dump(2);
  EXPECT_EQ(execution["RunOutput"]["Stdout"], "3 lines\n");
  EXPECT_EQ(execution["PublishedResult"]["Type"], "directory");
  const std::string published = publish_dir + "/" + execution["ID"].get<std::string>();
  std::ifstream out(published + "/stdout");
  std::stringstream text;
  text << out.rdbuf();
  EXPECT_EQ(text.str(), "3 lines\n");
}

TEST_F(DevstackPluginsTest, TheOrchestratorRefusesATypeNoNodeHas) {
  auto parsed = jobspec::ParseJobSpec(kSpec, {});
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  models::Job job = parsed->job;
  job.task.engine.type = "spark";
  auto refused = Submit(job);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find(
                "Engine.Type: engine 'spark' is not supported; supported: duckdb, generator, "
                "compact; this cluster's nodes add: line-count"),
            std::string::npos)
      << refused.status().message();

  job = parsed->job;
  job.task.input_sources[0].source.type = "ftp";
  refused = Submit(job);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find(
                "InputSources[0].Source.Type: input source 'ftp' is not supported; supported: "
                "local, s3; this cluster's nodes add: inline"),
            std::string::npos)
      << refused.status().message();
}

}  // namespace
}  // namespace shoal::devstack

#include "compute/engines/duckdb_engine.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "compute/files.h"
#include "compute/stores.h"
#include "engine/engine.h"
#include "engine/sql_syntax.h"
#include "format/output_format.h"
#include "models/resources.h"
#include "models/task.h"
#include "models/text.h"

namespace shoal::compute {

namespace fs = std::filesystem;

namespace {

// Streams each row-returning statement into result.json (through a temporary file, so the file
// always holds the last complete statement) and remembers which statement that was.
class ResultJsonSink : public engine::ResultSink {
 public:
  ResultJsonSink(std::string path, const std::vector<engine::StatementOutcome>* outcomes)
      : path_(std::move(path)), temporary_(TemporaryPathFor(path_)), outcomes_(outcomes) {}
  ~ResultJsonSink() override { Discard(); }

  Status Begin(const std::vector<engine::Column>& columns) override {
    // Outcomes are appended after each statement, so the running one is the next index.
    statement_ = static_cast<int64_t>(outcomes_->size()) + 1;
    out_.close();
    out_.open(temporary_, std::ios::binary | std::ios::trunc);
    out_ << format::ResultJsonStart(columns);
    rows_ = 0;
    return out_ ? Status::Ok() : Status::IoError("cannot write result.json");
  }

  Status Row(std::vector<engine::Cell>&& cells) override {
    out_ << (rows_++ == 0 ? "\n" : ",\n") << format::ResultJsonRow(cells);
    return out_ ? Status::Ok() : Status::IoError("cannot write result.json");
  }

  Status End() override {
    out_ << format::kResultJsonEnd;
    out_.close();
    if (!out_) return Status::IoError("cannot write result.json");
    std::error_code error;
    fs::rename(temporary_, path_, error);
    if (error) return Status::IoError("cannot write result.json: " + error.message());
    last_statement_ = statement_;
    last_rows_ = static_cast<int64_t>(rows_);
    return Status::Ok();
  }

  // Makes result.json the empty result (no row-returning statement, or an empty partition).
  Status WriteEmpty() { return WriteFileAtomically(path_, "{\"Columns\":[],\"Rows\":[]}\n"); }

  // Removes result.json and any half-written statement.
  void Discard() {
    out_.close();
    std::error_code error;
    fs::remove(temporary_, error);
  }
  void Remove() {
    Discard();
    std::error_code error;
    fs::remove(path_, error);
  }

  int64_t last_statement() const { return last_statement_; }
  // Rows of the statement result.json holds.
  int64_t last_rows() const { return last_rows_; }

 private:
  std::string path_;
  std::string temporary_;
  const std::vector<engine::StatementOutcome>* outcomes_;
  std::ofstream out_;
  int64_t statement_ = 0;
  int64_t last_statement_ = 0;  // 0: no row-returning statement completed
  int64_t last_rows_ = 0;
  size_t rows_ = 0;
};

// Feeds every sink; stops streaming rows once the execution is stopped.
class TeeSink : public engine::ResultSink {
 public:
  TeeSink(std::vector<engine::ResultSink*> sinks, const RunControl& control)
      : sinks_(std::move(sinks)), control_(control) {}

  Status Begin(const std::vector<engine::Column>& columns) override {
    for (engine::ResultSink* sink : sinks_) SHOAL_RETURN_IF_ERROR(sink->Begin(columns));
    return Status::Ok();
  }
  Status Row(std::vector<engine::Cell>&& cells) override {
    if (control_.stopped()) return control_.StopStatus();
    for (size_t i = 0; i + 1 < sinks_.size(); ++i) {
      SHOAL_RETURN_IF_ERROR(sinks_[i]->Row(std::vector<engine::Cell>(cells)));
    }
    return sinks_.back()->Row(std::move(cells));
  }
  Status End() override {
    for (engine::ResultSink* sink : sinks_) SHOAL_RETURN_IF_ERROR(sink->End());
    return Status::Ok();
  }

 private:
  std::vector<engine::ResultSink*> sinks_;
  const RunControl& control_;
};

// The folder store the job's SQL names with SET s3_endpoint (nullptr when none). S3 stores are
// left out: SQL reaches them by their alias whatever else it names. One execution reads one
// folder store's buckets (stores may share bucket names), so a script naming two is refused.
Result<const StoreConfig*> FolderStoreTheSqlNames(const EngineContext& context) {
  const StoreConfig* named = nullptr;
  const auto sql = context.job.task.engine.params.find("SQL");
  if (sql == context.job.task.engine.params.end() || !sql->is_string()) return named;
  for (const std::string& endpoint : engine::SqlS3Endpoints(sql->get<std::string>())) {
    auto store = FindStore(context.config.stores, endpoint);
    if (!store.ok() || (*store)->is_s3()) continue;  // refused, or an alias, when SET runs
    if (named != nullptr && named != *store) {
      return Status::InvalidArgument("the SQL sets s3_endpoint to two folder stores ('" +
                                     named->name + "' and '" + (*store)->name +
                                     "'): an execution reads one folder store's buckets");
    }
    named = *store;
  }
  return named;
}

}  // namespace

Result<engine::SessionOptions> ExecutionSessionOptions(const EngineContext& context) {
  engine::SessionOptions options;
  options.partition = context.partition;
  auto resources = models::ParseResources(context.job.task.resources);
  if (!resources.ok()) return resources.status().WithContext("Resources");
  if (resources->cpu_millis > 0) {
    options.threads = static_cast<int>((resources->cpu_millis + 999) / 1000);
  }
  if (resources->memory_bytes > 0) {
    options.memory_limit = std::to_string(resources->memory_bytes) + "B";
  }
  // Every execution is locked to its sandbox (engine.h); beyond its memory a query spills to
  // disk inside the sandbox, at most Resources.Disk when the job gives one.
  options.sandboxed = true;
  options.collect_stats = true;
  options.temp_directory = context.sandbox.temp_dir();
  if (resources->disk_bytes > 0) {
    options.max_temp_directory_size = std::to_string(resources->disk_bytes) + "B";
  }
  options.path_mappings = context.sandbox.Mappings();
  options.pool = context.config.databases;
  // The task's literal Env entries and the system variables become session variables, so a job
  // passes user values (a search pattern) to its SQL as values: getvariable('PATTERN'). Entries
  // resolved from the node's environment (env:NAME, typically credentials) stay out of reach.
  for (const auto& [name, value] : context.job.task.env) {
    if (models::StartsWith(value, models::kEnvReferencePrefix)) continue;
    auto resolved = context.env.find(name);
    if (resolved != context.env.end()) options.variables[name] = resolved->second;
  }
  for (std::string_view name : kSystemVariables) {
    auto value = context.env.find(std::string(name));
    if (value != context.env.end()) options.variables[value->first] = value->second;
  }
  // s3:// in SQL reaches the store DUCKDB_S3_ENDPOINT names (the region's store when the job
  // names none), as httpfs would: a folder store's buckets are mapped onto its folders, an S3
  // store is reached through its alias. Endpoints the node has no store for are refused.
  auto endpoint = context.env.find("DUCKDB_S3_ENDPOINT");
  const bool explicit_endpoint = endpoint != context.env.end();
  auto store = FindStore(context.config.stores, explicit_endpoint ? endpoint->second : "");
  if (!store.ok() && explicit_endpoint) {
    return store.status().WithContext("Env.DUCKDB_S3_ENDPOINT");
  }
  options.s3.environment = context.env;
  options.s3.endpoint_aliases = S3EndpointAliases(context.config.stores);
  if (store.ok() && (*store)->is_s3() && !explicit_endpoint) {
    options.s3.default_endpoint = (*store)->name;
  }
  // The folder store whose buckets s3:// reaches: the one the SQL names with SET s3_endpoint
  // (as the same endpoint in Env would), else the Env's or the region's.
  SHOAL_ASSIGN_OR_RETURN(const StoreConfig* folder, FolderStoreTheSqlNames(context));
  if (store.ok() && !(*store)->is_s3()) {
    if (folder != nullptr && explicit_endpoint && folder != *store) {
      return Status::InvalidArgument(
          "the SQL sets s3_endpoint to the folder store '" + folder->name +
          "' while Env.DUCKDB_S3_ENDPOINT names the folder store '" + (*store)->name +
          "': an execution reads one folder store's buckets (name the same store in both)");
    }
    if (folder == nullptr) folder = *store;
  }
  if (folder != nullptr) {
    for (engine::PathMapping& mapping : BucketMappings(*folder)) {
      options.path_mappings.push_back(std::move(mapping));
    }
    // SQL naming the folder store whose buckets are mapped (SET s3_endpoint) changes nothing.
    options.s3.endpoint_names.push_back(models::ToLowerAscii(folder->name));
  }
  return options;
}

namespace {

Status RunDuckdbEngine(const EngineContext& context) {
  const auto sql = context.job.task.engine.params.find("SQL");
  if (sql == context.job.task.engine.params.end() || !sql->is_string()) {
    return Status::InvalidArgument("Engine.Params.SQL: required (the SQL to run)");
  }
  SHOAL_ASSIGN_OR_RETURN(engine::SessionOptions options, ExecutionSessionOptions(context));
  auto session = engine::Session::Open(options);
  if (!session.ok()) return session.status().WithContext("the engine could not start");

  std::vector<engine::StatementOutcome> outcomes;
  ResultJsonSink json(context.sandbox.result_dir() + "/result.json", &outcomes);
  std::unique_ptr<engine::ResultSink> table =
      format::MakePrinter(format::OutputFormat::kTable, context.out);
  TeeSink tee({table.get(), &json}, context.control);
  context.control.AttachSession(session->get());
  Status status = (*session)->ExecuteScript(sql->get<std::string>(), tee, &outcomes);
  context.control.DetachSession();
  const engine::SessionStats read = (*session)->Stats();
  context.stats.rows_read = read.rows_read;
  context.stats.bytes_read = read.bytes_read;
  context.stats.files_read = read.files_read;
  context.stats.result_rows = json.last_statement() > 0 ? json.last_rows() : 0;

  int64_t last_empty = 0;
  for (const engine::StatementOutcome& outcome : outcomes) {
    if (!outcome.empty_file_list) continue;
    last_empty = outcome.index;
    context.err << "note: statement " << outcome.index << " read an empty partition ("
                << options.partition.index << "/" << options.partition.count
                << " selected no files) and produced no rows\n";
  }
  if (!status.ok()) {
    json.Remove();
    Status stopped = context.control.StopStatus();
    if (!stopped.ok()) return stopped;
    // DuckDB suggests raising memory_limit with SET, which the lock refuses.
    if (!options.memory_limit.empty() &&
        status.message().find("Out of Memory Error") != std::string::npos) {
      return Status(status.code(), status.message() +
                                       "\n  note: this execution's memory limit is " +
                                       context.job.task.resources.memory +
                                       " (Resources.Memory); beyond it DuckDB spills to disk where "
                                       "it can, and this query could not");
    }
    return status;
  }
  if (json.last_statement() == 0 || last_empty > json.last_statement()) {
    return json.WriteEmpty();
  }
  return Status::Ok();
}

class DuckdbEngine final : public JobEngine {
 public:
  std::string_view type() const override { return models::kEngineDuckdb; }
  Status Run(const EngineContext& context) const override { return RunDuckdbEngine(context); }
  // A refused path or setting is the SQL's, as are parse, bind and data errors.
  bool FailureRecurs(const Status& failure) const override {
    return failure.code() == ErrorCode::kPermissionDenied ||
           engine::SqlErrorRecurs(failure.message());
  }
};

}  // namespace

std::unique_ptr<JobEngine> MakeDuckdbEngine() { return std::make_unique<DuckdbEngine>(); }

}  // namespace shoal::compute

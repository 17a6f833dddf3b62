// The DuckDB-backed Session (see engine.h). A sandboxed one is locked right after its settings
// (session_lock.h); its SET statements for the settings it may still change (s3_*, TimeZone,
// Calendar), which the lock would refuse, are applied here instead, and its errors name virtual
// paths only, refusals with a note saying what the execution reaches.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "duckdb/main/client_context.hpp"
#include "duckdb/main/profiling_node.hpp"
#include "duckdb/parser/expression/constant_expression.hpp"
#include "duckdb/parser/statement/set_statement.hpp"

#include "engine/database_pool_internal.h"
#include "engine/engine.h"
#include "engine/functions/register.h"
#include "engine/s3_file_system.h"
#include "engine/s3_settings.h"
#include "engine/sandbox_file_system.h"
#include "engine/session_lock.h"
#include "engine/value_cells.h"

namespace shoal::engine {

namespace {

std::string Trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

std::string StatementText(const duckdb::SQLStatement& statement) {
  if (statement.stmt_length == 0 || statement.stmt_location >= statement.query.size()) {
    return Trim(statement.query);
  }
  return Trim(statement.query.substr(statement.stmt_location, statement.stmt_length));
}

// DuckDB's messages when a read_* function is handed an empty or NULL file list.
bool IsEmptyFileListError(const std::string& message) {
  return message.find("needs at least one file to read") != std::string::npos ||
         message.find("cannot take NULL list as parameter") != std::string::npos;
}

// `on_error` turns a DuckDB error met while fetching into the statement's Status.
Status StreamRows(duckdb::QueryResult& result, ResultSink& sink,
                  const std::function<Status(const std::string&)>& on_error) {
  std::vector<Column> columns;
  for (duckdb::idx_t i = 0; i < result.ColumnCount(); ++i) {
    columns.push_back(ToColumn(result.names[i], result.types[i]));
  }
  SHOAL_RETURN_IF_ERROR(sink.Begin(columns));
  while (true) {
    duckdb::ErrorData error;
    duckdb::unique_ptr<duckdb::DataChunk> chunk;
    if (!result.TryFetch(chunk, error)) return on_error(error.Message());
    if (!chunk || chunk->size() == 0) break;
    for (duckdb::idx_t row = 0; row < chunk->size(); ++row) {
      std::vector<Cell> cells;
      cells.reserve(chunk->ColumnCount());
      for (duckdb::idx_t column = 0; column < chunk->ColumnCount(); ++column) {
        cells.push_back(ToCell(chunk->GetValue(column, row)));
      }
      SHOAL_RETURN_IF_ERROR(sink.Row(std::move(cells)));
    }
  }
  return sink.End();
}

// DuckDB's default cap on spilling, 90% of the free disk, measured where the temp directory
// really is (its nearest existing folder); "" when that cannot be measured.
std::string DefaultMaxTempDirectorySize(const std::string& temp_directory) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::path folder = temp_directory;
  while (folder.has_relative_path() && !fs::exists(folder, error)) folder = folder.parent_path();
  const fs::space_info space = fs::space(folder, error);
  if (error) return "";
  return std::to_string(static_cast<uint64_t>(static_cast<double>(space.available) * 0.9)) + "B";
}

// Rows the plan's leaf operators (its sources) delivered.
int64_t LeafRows(duckdb::ProfilingNode& node) {
  if (node.GetChildCount() == 0) {
    const auto& metrics = node.GetProfilingInfo().metrics;
    auto cardinality = metrics.find(duckdb::MetricsType::OPERATOR_CARDINALITY);
    return cardinality == metrics.end() || cardinality->second.IsNull()
               ? 0
               : cardinality->second.GetValue<int64_t>();
  }
  int64_t rows = 0;
  for (duckdb::idx_t i = 0; i < node.GetChildCount(); ++i) rows += LeafRows(*node.GetChild(i));
  return rows;
}

// Profiling of each operator's output rows only, and the query progress without a display.
constexpr const char* kStatsSettings =
    " PRAGMA enable_profiling = 'no_output'; PRAGMA custom_profiling_settings = "
    "'{\"OPERATOR_CARDINALITY\": \"true\", \"OPERATOR_TYPE\": \"true\"}'; SET "
    "enable_progress_bar = true; SET enable_progress_bar_print = false; SET progress_bar_time = "
    "10;";

// True when `a` is `b` or below it, or the other way round.
bool Nested(const std::string& a, const std::string& b) {
  auto within = [](const std::string& inner, const std::string& outer) {
    return inner.rfind(outer, 0) == 0 &&
           (inner.size() == outer.size() || inner[outer.size()] == '/');
  };
  return within(a, b) || within(b, a);
}

class DuckDbSession : public Session {
 public:
  explicit DuckDbSession(const SessionOptions& options)
      : database_(options.pool ? options.pool->impl().Take()
                               : std::make_unique<duckdb::DuckDB>(nullptr)),
        connection_(std::make_unique<duckdb::Connection>(*database_)),
        state_(std::make_shared<SessionState>(options.partition)),
        options_(options),
        reach_(DescribeReach(options)) {}

  ~DuckDbSession() override {
    connection_.reset();
    // A pool destroys the instance on its own thread, after the caller has moved on.
    if (options_.pool) options_.pool->impl().Retire(std::move(database_));
  }

  Status Initialize(const SessionOptions& options) {
    if (options.sandboxed && !options.temp_directory.empty() &&
        options.temp_directory.front() != '/') {
      return Status::InvalidArgument("temp directory '" + options.temp_directory +
                                     "' is not an absolute path");
    }
    for (const auto& m : options.path_mappings) {
      bool absolute =
          !m.virtual_prefix.empty() &&
          (m.virtual_prefix[0] == '/' || m.virtual_prefix.find("://") != std::string::npos);
      if (!absolute || m.virtual_prefix.back() == '/' || m.real_directory.empty()) {
        return Status::InvalidArgument("bad path mapping '" + m.virtual_prefix + "' -> '" +
                                       m.real_directory + "'");
      }
      if (options.sandboxed && !options.temp_directory.empty() &&
          Nested(m.virtual_prefix, kSandboxTempDirectory)) {
        return Status::InvalidArgument("path '" + m.virtual_prefix +
                                       "' is taken: " + kSandboxTempDirectory +
                                       " is where a sandboxed session's DuckDB spills to disk");
      }
      // A mapping inside another would be invisible to globs over the outer one, unlike a mount.
      for (const auto& outer : options.path_mappings) {
        if (&outer != &m && m.virtual_prefix.rfind(outer.virtual_prefix + "/", 0) == 0) {
          return Status::InvalidArgument("path '" + m.virtual_prefix + "' is inside '" +
                                         outer.virtual_prefix + "'; sandbox paths must not nest");
        }
      }
    }
    try {
      // What s3:// falls back to: the environment, with the default endpoint where it names
      // none.
      std::map<std::string, std::string> environment = options.s3.environment;
      if (!options.s3.default_endpoint.empty()) {
        environment.emplace("DUCKDB_S3_ENDPOINT", options.s3.default_endpoint);
      }
      RegisterS3Settings(S3SettingDefaultsFromEnvironment(environment));
      // s3:// goes to Shoal's S3 client, except the buckets the sandbox maps onto folders: the S3
      // file system refuses those itself, whatever DuckDB's order of sub-systems.
      S3FileSystem::Options s3;
      s3.environment = std::move(environment);
      s3.endpoint_aliases = options.s3.endpoint_aliases;
      s3.stats = options.s3.stats;
      if (options.collect_stats) {
        read_counters_ = std::make_shared<ReadCounters>();
        if (!s3.stats) s3.stats = std::make_shared<S3TransferStats>();
        s3_stats_ = s3.stats;
        s3.read_counters = read_counters_;
      }
      s3.sandboxed = options.sandboxed;
      s3.reach = reach_;
      if (!options.memory_limit.empty()) {
        // The re-read cache lives outside DuckDB's memory accounting: a quarter of the limit.
        try {
          s3.reread_cache_bytes = duckdb::DBConfig::ParseMemoryLimit(options.memory_limit) / 4;
        } catch (const std::exception&) {
          // SET memory_limit below reports the bad value.
        }
      }
      for (const auto& m : options.path_mappings) {
        if (IsS3Url(m.virtual_prefix)) s3.excluded_prefixes.push_back(m.virtual_prefix);
      }
      database_->GetFileSystem().RegisterSubSystem(duckdb::make_uniq<S3FileSystem>(std::move(s3)));
      if (options.sandboxed) {
        // Locked, s3:// is read-only whether a folder or an S3 store serves it. DuckDB spills
        // into the virtual temp directory, so that its settings name no real path.
        std::vector<PathMapping> mappings = options.path_mappings;
        for (PathMapping& m : mappings) m.read_only = m.read_only || IsS3Url(m.virtual_prefix);
        if (!options.temp_directory.empty()) {
          mappings.push_back({kSandboxTempDirectory, options.temp_directory});
        }
        SandboxFileSystem::Lock lock;
        lock.reach = reach_;
        auto sandbox = duckdb::make_uniq<SandboxFileSystem>(
            std::move(mappings), std::move(lock),
            SandboxFileSystem::Counting{read_counters_, kSandboxTempDirectory});
        sandbox_ = sandbox.get();  // owned by the database, which outlives every use here
        database_->GetFileSystem().RegisterSubSystem(std::move(sandbox));
      } else if (!options.path_mappings.empty()) {
        database_->GetFileSystem().RegisterSubSystem(duckdb::make_uniq<SandboxFileSystem>(
            options.path_mappings, std::nullopt, SandboxFileSystem::Counting{read_counters_, ""}));
      }
      RegisterShoalFunctions(*connection_, state_);
      if (options.sandboxed) RegisterSandboxRefusals(*connection_);
    } catch (const std::exception& e) {
      return Status::Internal(std::string("registering Shoal's SQL functions failed: ") + e.what());
    }
    // Bacalhau's DuckDB image exposes the partition as session variables; keep them for SQL
    // written against it.
    // Never reach out to the internet for extensions: Shoal's engine has what it needs built in.
    std::string setup =
        "SET autoinstall_known_extensions = false; SET autoload_known_extensions = false; "
        "SET VARIABLE bacalhau_partition_index = " +
        std::to_string(options.partition.index) +
        "; SET VARIABLE bacalhau_partition_count = " + std::to_string(options.partition.count) +
        ";";
    if (options.threads > 0) setup += " SET threads = " + std::to_string(options.threads) + ";";
    if (options.collect_stats) setup += kStatsSettings;
    if (!options.memory_limit.empty()) {
      setup +=
          " SET memory_limit = " + duckdb::KeywordHelper::WriteQuoted(options.memory_limit) + ";";
    }
    auto result = connection_->Query(setup);
    if (result->HasError()) {
      return Status::InvalidArgument("engine settings were refused: " + result->GetError());
    }
    auto& client_config = duckdb::ClientConfig::GetConfig(*connection_->context);
    for (const auto& [name, value] : options.variables) {
      client_config.SetUserVariable(name, duckdb::Value(value));
    }
    if (options.sandboxed) {
      SessionOptions lock_options = options;
      if (!options.temp_directory.empty() && options.max_temp_directory_size.empty()) {
        lock_options.max_temp_directory_size = DefaultMaxTempDirectorySize(options.temp_directory);
      }
      auto locked = connection_->Query(LockStatements(lock_options));
      if (locked->HasError()) {
        return Status::Internal("the sandbox could not be locked: " + locked->GetError());
      }
    }
    return Status::Ok();
  }

  // DuckDB's httpfs settings, so that job SQL written for it (`SET s3_url_style = 'path'`) runs
  // here too. S3FileSystem reads them when it opens a file; without them DuckDB would try to
  // download httpfs. As in httpfs, the environment's endpoint, region and TLS choice are their
  // starting values; credentials stay out of settings (S3FileSystem falls back to them itself).
  void RegisterS3Settings(const S3SettingDefaults& defaults) {
    auto& config = duckdb::DBConfig::GetConfig(*database_->instance);
    const std::vector<std::pair<const char*, std::string>> text = {
        {"s3_endpoint", defaults.endpoint}, {"s3_region", defaults.region},
        {"s3_access_key_id", ""},           {"s3_secret_access_key", ""},
        {"s3_session_token", ""},           {"s3_url_style", ""}};
    for (const auto& [name, value] : text) {
      config.AddExtensionOption(name, "S3 setting (as in DuckDB's httpfs)",
                                duckdb::LogicalType::VARCHAR, duckdb::Value(value));
    }
    config.AddExtensionOption("s3_use_ssl", "S3 setting (as in DuckDB's httpfs)",
                              duckdb::LogicalType::BOOLEAN,
                              duckdb::Value::BOOLEAN(defaults.use_ssl));
  }

  Status ExecuteScript(const std::string& sql, ResultSink& sink,
                       std::vector<StatementOutcome>* outcomes) override {
    duckdb::vector<duckdb::unique_ptr<duckdb::SQLStatement>> statements;
    try {
      statements = connection_->ExtractStatements(sql);
    } catch (const std::exception& e) {
      return Status::InvalidArgument("the SQL could not be parsed: " +
                                     duckdb::ErrorData(e).Message());
    }
    const size_t total = statements.size();
    for (size_t i = 0; i < total; ++i) {
      StatementOutcome outcome{static_cast<int64_t>(i + 1), StatementText(*statements[i]), false};
      ran_query_ = false;
      Status status = RunStatement(std::move(statements[i]), sink, outcome);
      // The plan's profile is complete once its result is gone (RunStatement's own).
      if (status.ok() && ran_query_ && options_.collect_stats) {
        if (auto tree = connection_->GetProfilingTree()) rows_read_ += LeafRows(*tree);
      }
      if (outcomes != nullptr) outcomes->push_back(outcome);
      if (!status.ok()) {
        std::string where = total == 1 ? std::string("statement failed")
                                       : "statement " + std::to_string(i + 1) + " of " +
                                             std::to_string(total) + " failed";
        return Status(status.code(), where + ": " + status.message() + "\n  in: " + outcome.sql);
      }
    }
    return Status::Ok();
  }

  Result<ResultTable> Query(const std::string& sql) override {
    ResultTable table;
    SHOAL_RETURN_IF_ERROR(ExecuteScript(sql, table, nullptr));
    return table;
  }

  void Interrupt() override { connection_->Interrupt(); }

  SessionStats Stats() override {
    SessionStats stats;
    if (!options_.collect_stats) return stats;
    stats.rows_read = rows_read_.load();
    stats.bytes_read = static_cast<int64_t>(read_counters_->bytes() + s3_stats_->bytes_read.load());
    stats.files_read = read_counters_->files();
    const double percentage = connection_->context->GetQueryProgress().GetPercentage();
    stats.progress = percentage >= 0 ? std::min(percentage / 100, 1.0) : -1;
    return stats;
  }

 private:
  // SET or RESET, in a locked session, of a setting it may still change (IsSettableWhenLocked),
  // which DuckDB's lock would refuse: done here as DuckDB's SET does it for an extension's
  // setting (cast, the extension's check, the connection's value), where the S3 file system and
  // ICU read it. s3_endpoint must name one of the node's stores.
  Status ApplySettableSetting(const duckdb::SetStatement& statement) {
    auto& context = *connection_->context;
    auto& config = duckdb::ClientConfig::GetConfig(context);
    if (statement.set_type == duckdb::SetType::RESET) {
      config.set_variables.erase(statement.name);
      return Status::Ok();
    }
    auto& options = duckdb::DBConfig::GetConfig(context).extension_parameters;
    auto option = options.find(statement.name);
    if (option == options.end()) {
      return Status::InvalidArgument("unrecognized configuration parameter \"" + statement.name +
                                     "\"");
    }
    const auto& set = statement.Cast<duckdb::SetVariableStatement>();
    if (!set.value) return Status::InvalidArgument("SET " + statement.name + " without a value");
    duckdb::Value value;
    if (set.value->GetExpressionClass() == duckdb::ExpressionClass::CONSTANT) {
      value = set.value->Cast<duckdb::ConstantExpression>().value;
    } else {
      auto result = connection_->Query("SELECT " + set.value->ToString());
      if (result->HasError()) return Status::InvalidArgument(result->GetError());
      value = result->GetValue(0, 0);
    }
    duckdb::Value typed;
    std::string error;
    if (!value.DefaultTryCastAs(option->second.type, typed, &error)) {
      return Status::InvalidArgument(statement.name + ": " + error);
    }
    std::string name = statement.name;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "s3_endpoint") {
      SHOAL_RETURN_IF_ERROR(CheckS3Endpoint(typed.IsNull() ? "" : typed.ToString(), options_));
    }
    if (option->second.set_function) {
      option->second.set_function(context, duckdb::SetScope::SESSION, typed);
    }
    config.set_variables[statement.name] = std::move(typed);
    return Status::Ok();
  }

  Status RunStatement(duckdb::unique_ptr<duckdb::SQLStatement> statement, ResultSink& sink,
                      StatementOutcome& outcome) {
    const bool load = statement->type == duckdb::StatementType::LOAD_STATEMENT;
    try {
      if (options_.sandboxed && statement->type == duckdb::StatementType::SET_STATEMENT) {
        const auto& set = statement->Cast<duckdb::SetStatement>();
        if (set.scope != duckdb::SetScope::VARIABLE && IsSettableWhenLocked(set.name)) {
          return ApplySettableSetting(set);
        }
      }
      auto pending = connection_->PendingQuery(std::move(statement), /*allow_stream_result=*/true);
      std::string error;
      duckdb::unique_ptr<duckdb::QueryResult> result;
      if (pending->HasError()) {
        error = pending->GetError();
      } else {
        result = pending->Execute();
        if (result->HasError()) {
          error = result->GetError();
        } else {
          ran_query_ = true;  // its profile replaces the previous statement's
        }
      }
      if (!error.empty()) {
        // An empty partition is not an error: its statements read no files and yield no rows.
        // Only when a partition function did select nothing, so a typo stays an error.
        if (IsEmptyFileListError(error) && state_->empty_selections.load() > 0) {
          outcome.empty_file_list = true;
          return Status::Ok();
        }
        if (options_.sandboxed) return SandboxedError(error, outcome.sql, load);
        return Status::InvalidArgument(error);
      }
      if (result->properties.return_type != duckdb::StatementReturnType::QUERY_RESULT) {
        return Status::Ok();
      }
      return StreamRows(*result, sink, [&](const std::string& fetch_error) {
        return options_.sandboxed ? SandboxedError(fetch_error, outcome.sql, false)
                                  : Status::InvalidArgument(fetch_error);
      });
    } catch (const std::exception& e) {
      const std::string error = duckdb::ErrorData(e).Message();
      if (options_.sandboxed) return SandboxedError(error, outcome.sql, load);
      return Status::InvalidArgument(error);
    }
  }

  // A locked session's error, naming virtual paths only: a refusal says what the execution
  // reaches and is kPermissionDenied.
  Status SandboxedError(const std::string& duckdb_error, const std::string& sql, bool load) const {
    const std::string error =
        sandbox_ != nullptr ? sandbox_->HideRealPaths(duckdb_error, sql) : duckdb_error;
    if (load) {
      return Status::PermissionDenied(
          "extensions cannot be installed or loaded in an execution (json, parquet and icu are "
          "built in, s3:// is Shoal's own): " +
          error);
    }
    std::string message = ExplainRefusal(error, reach_);
    if (IsRefusal(error)) return Status::PermissionDenied(std::move(message));
    return Status::InvalidArgument(std::move(message));
  }

  std::unique_ptr<duckdb::DuckDB> database_;
  std::unique_ptr<duckdb::Connection> connection_;
  std::shared_ptr<SessionState> state_;
  const SessionOptions options_;
  const std::string reach_;                     // what a sandboxed session reaches, for messages
  const SandboxFileSystem* sandbox_ = nullptr;  // a sandboxed session's, owned by database_
  // collect_stats: what the file systems read, and the rows the finished statements' sources
  // delivered (updated by the thread running them, read by Stats() from any thread).
  std::shared_ptr<ReadCounters> read_counters_;
  std::shared_ptr<S3TransferStats> s3_stats_;
  std::atomic<int64_t> rows_read_{0};
  bool ran_query_ = false;  // the statement being run reached DuckDB's executor
};

}  // namespace

Result<std::unique_ptr<Session>> Session::Open(const SessionOptions& options) {
  try {
    auto session = std::make_unique<DuckDbSession>(options);
    SHOAL_RETURN_IF_ERROR(session->Initialize(options));
    return std::unique_ptr<Session>(std::move(session));
  } catch (const std::exception& e) {
    return Status::Internal(std::string("could not start DuckDB: ") + e.what());
  }
}

}  // namespace shoal::engine

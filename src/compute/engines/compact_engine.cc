#include "compute/engines/compact_engine.h"

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "compute/engines/duckdb_engine.h"
#include "compute/files.h"
#include "compute/s3_store_io.h"
#include "compute/warehouse_store.h"
#include "engine/engine.h"
#include "format/output_format.h"
#include "models/table_state.h"
#include "models/text.h"

namespace shoal::compute {

namespace fs = std::filesystem;

namespace {

using models::SqlIdentifier;
using models::SqlStringLiteral;

// Where the compaction writes its Parquet files before uploading them, as SQL sees it.
constexpr const char* kScratchPrefix = "/compaction";

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The Hive folder of a row, as SQL: 'year=2024/month=1' ('NULL' for a NULL event time).
std::string PartitionExpression(const models::CompactionSpec& spec, const std::string& type) {
  std::string time = SqlIdentifier(spec.event_time);
  // Partition by the UTC calendar whatever the node's time zone.
  if (type.find("WITH TIME ZONE") != std::string::npos) time = "timezone('UTC', " + time + ")";
  std::string expression;
  for (const std::string& part : models::PartitionColumns(spec.partition_by)) {
    expression += (expression.empty() ? "'" : " || '/") + part + "=' || coalesce(CAST(" + part +
                  "(" + time + ") AS VARCHAR), 'NULL')";
  }
  return expression;
}

std::string EventTimeType(const models::CompactionSpec& spec) {
  for (const auto& column : spec.columns) {
    if (column.name == spec.event_time) return column.type;
  }
  return "";
}

Result<int64_t> Number(const engine::Cell& cell) {
  auto value = models::ParseInt64(cell.text);
  if (!value) return Status::Internal("expected a number, got '" + cell.text + "'");
  return *value;
}

// The seconds in "part-<seconds>-<execution>.parquet", or -1 when `path` is not such a file.
int64_t WrittenAt(const std::string& path) {
  const size_t name = path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1;
  if (path.compare(name, 5, "part-") != 0 || !path.ends_with(".parquet")) return -1;
  const size_t dash = path.find('-', name + 5);
  if (dash == std::string::npos) return -1;
  auto seconds = models::ParseInt64(std::string_view(path).substr(name + 5, dash - name - 5));
  return seconds ? *seconds : -1;
}

class Compaction {
 public:
  Compaction(const EngineContext& context, models::CompactionSpec spec, WarehouseStore store)
      : context_(context), spec_(std::move(spec)), store_(std::move(store)) {}

  Status Run() {
    SHOAL_RETURN_IF_ERROR(ReadState());
    SHOAL_RETURN_IF_ERROR(OpenSession());
    SHOAL_RETURN_IF_ERROR(ListNewLandingFiles());
    if (new_landing_.empty()) {
      context_.out << "nothing to compact: every landing file of " << spec_.landing
                   << " is in version " << state_.version << " of " << store_.warehouse() << "\n";
      return WriteResult(state_.version, 0, 0, 0, 0);
    }
    SHOAL_RETURN_IF_ERROR(LoadRows());
    SHOAL_RETURN_IF_ERROR(WriteAndUploadPartitions());
    return Commit();
  }

 private:
  Status ReadState() {
    SHOAL_ASSIGN_OR_RETURN(auto text, store_.Read(std::string(models::kTableStateObject)));
    if (!text) return Status::Ok();
    auto state = models::ParseTableState(*text);
    if (!state.ok()) {
      return state.status().WithContext("the table state " + store_.warehouse() + "/" +
                                        std::string(models::kTableStateObject));
    }
    state_ = std::move(*state);
    return Status::Ok();
  }

  Status OpenSession() {
    SHOAL_ASSIGN_OR_RETURN(engine::SessionOptions options, ExecutionSessionOptions(context_));
    scratch_ = context_.sandbox.root() + "/compaction";
    std::error_code error;
    fs::create_directories(scratch_, error);
    if (error) return Status::IoError("cannot create the compaction folder: " + error.message());
    options.path_mappings.push_back({kScratchPrefix, scratch_, false});
    options.partition = {0, 1};
    auto session = engine::Session::Open(options);
    if (!session.ok()) return session.status().WithContext("the engine could not start");
    session_ = std::move(*session);
    return Status::Ok();
  }

  Result<engine::ResultTable> Query(const std::string& sql) {
    if (context_.control.stopped()) return context_.control.StopStatus();
    context_.control.AttachSession(session_.get());
    auto result = session_->Query(sql);
    context_.control.DetachSession();
    if (!result.ok()) {
      Status stopped = context_.control.StopStatus();
      if (!stopped.ok()) return stopped;
    }
    return result;
  }

  Status ListNewLandingFiles() {
    std::set<std::string> compacted;
    for (const auto& file : state_.compacted) compacted.insert(file.path);
    SHOAL_ASSIGN_OR_RETURN(
        engine::ResultTable listed,
        Query("SELECT file FROM glob(" + SqlStringLiteral(spec_.landing) + ") ORDER BY file"));
    std::vector<std::string> fresh;
    for (const auto& row : listed.rows()) {
      if (!compacted.count(row[0].text)) fresh.push_back(row[0].text);
    }
    if (fresh.empty()) return Status::Ok();
    SHOAL_ASSIGN_OR_RETURN(engine::ResultTable sizes,
                           Query("SELECT filename, size FROM read_blob(" +
                                 models::SqlStringList(fresh) + ") ORDER BY 1"));
    for (const auto& row : sizes.rows()) {
      SHOAL_ASSIGN_OR_RETURN(int64_t bytes, Number(row[1]));
      new_landing_.push_back({row[0].text, bytes});
    }
    return Status::Ok();
  }

  // The new landing rows, then the rows of the Parquet files of the partitions they touch, in a
  // temporary table with each row's partition folder.
  Status LoadRows() {
    std::vector<std::string> files;
    for (const auto& file : new_landing_) files.push_back(file.path);
    std::string reader = spec_.landing_reader;
    reader.replace(reader.find(models::kLandingFilesMarker), models::kLandingFilesMarker.size(),
                   models::SqlStringList(files));
    const std::string partition = PartitionExpression(spec_, EventTimeType(spec_));
    SHOAL_RETURN_IF_ERROR(Query("CREATE TEMP TABLE shoal_compaction AS SELECT " +
                                models::CastProjectionSql(spec_.columns) + ", " + partition +
                                " AS __shoal_partition FROM " + reader)
                              .status()
                              .WithContext("reading the landing files"));
    SHOAL_ASSIGN_OR_RETURN(engine::ResultTable touched,
                           Query("SELECT DISTINCT __shoal_partition FROM shoal_compaction"));
    std::set<std::string> partitions;
    for (const auto& row : touched.rows()) partitions.insert(row[0].text);
    std::vector<std::string> rewritten;
    for (const models::TableStateFile& file : state_.files) {
      if (partitions.count(file.partition)) {
        rewritten.push_back(store_.warehouse() + "/" + file.path);
        replaced_.push_back(file.path);
      } else {
        kept_.push_back(file);
      }
    }
    if (!rewritten.empty()) {
      SHOAL_RETURN_IF_ERROR(
          Query("INSERT INTO shoal_compaction SELECT " + models::CastProjectionSql(spec_.columns) +
                ", " + partition + " FROM (SELECT * FROM read_parquet(" +
                models::SqlStringList(rewritten) +
                ", hive_partitioning = false, union_by_name = true) UNION ALL BY NAME " +
                models::NoRowsSql(spec_.columns) + ")")
              .status()
              .WithContext("reading the Parquet files of the touched partitions"));
    }
    SHOAL_ASSIGN_OR_RETURN(engine::ResultTable counts,
                           Query("SELECT __shoal_partition, count(*) FROM shoal_compaction "
                                 "GROUP BY 1 ORDER BY 1"));
    for (const auto& row : counts.rows()) {
      SHOAL_ASSIGN_OR_RETURN(int64_t rows, Number(row[1]));
      partitions_.push_back({row[0].text, rows});
    }
    return Status::Ok();
  }

  Status WriteAndUploadPartitions() {
    const int64_t seconds = NowNanos() / 1000000000;
    for (size_t i = 0; i < partitions_.size(); ++i) {
      const auto& [partition, rows] = partitions_[i];
      const std::string local = "/part-" + std::to_string(i) + ".parquet";
      SHOAL_RETURN_IF_ERROR(
          Query("COPY (SELECT * EXCLUDE (__shoal_partition) FROM shoal_compaction WHERE "
                "__shoal_partition = " +
                SqlStringLiteral(partition) + " ORDER BY " + SqlIdentifier(spec_.event_time) +
                ") TO '" + kScratchPrefix + local +
                "' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)")
              .status()
              .WithContext("writing partition " + partition));
      models::TableStateFile file;
      file.partition = partition;
      file.path =
          partition + "/part-" + std::to_string(seconds) + "-" + context_.execution.id + ".parquet";
      file.rows = rows;
      std::error_code error;
      file.bytes = static_cast<int64_t>(fs::file_size(scratch_ + local, error));
      if (error) return Status::IoError("cannot read the size of " + file.path);
      written_.push_back(std::move(file));
    }
    return ForEachInParallel(
        written_.size(), kStoreTransferThreads, nullptr, "the upload", [&](size_t i) {
          if (context_.control.stopped()) return context_.control.StopStatus();
          return store_
              .Upload(written_[i].path, scratch_ + "/part-" + std::to_string(i) + ".parquet")
              .WithContext("uploading " + written_[i].path);
        });
  }

  Status Commit() {
    const int64_t now = NowNanos();
    models::TableState next;
    next.version = state_.version + 1;
    next.table = spec_.table;
    next.event_time = spec_.event_time;
    next.partition_by = spec_.partition_by;
    next.landing = spec_.landing;
    next.landing_reader = spec_.landing_reader;
    next.columns = spec_.columns;
    next.commit_time = now;
    next.execution_id = context_.execution.id;
    next.files = kept_;
    next.files.insert(next.files.end(), written_.begin(), written_.end());
    next.compacted = state_.compacted;
    next.compacted.insert(next.compacted.end(), new_landing_.begin(), new_landing_.end());
    std::vector<std::string> removable;
    const int64_t retain = spec_.retain_seconds * 1000000000;
    for (const models::RetiredFile& file : state_.retired) {
      if (now - file.retire_time >= retain) {
        removable.push_back(file.path);
      } else {
        next.retired.push_back(file);
      }
    }
    for (const std::string& path : replaced_) {
      if (retain == 0) {
        removable.push_back(path);
      } else {
        next.retired.push_back({path, now});
      }
    }
    // Stores offer no compare-and-swap: look once more, so that a compaction that overlapped
    // another (a node presumed lost that was still running) does not undo what it committed.
    SHOAL_ASSIGN_OR_RETURN(auto current, store_.Read(std::string(models::kTableStateObject)));
    int64_t current_version = 0;
    if (current) {
      auto parsed = models::ParseTableState(*current);
      if (parsed.ok()) current_version = parsed->version;
    }
    if (current_version != state_.version) {
      return Status::FailedPrecondition(
          "the table state changed during this compaction (version " +
          std::to_string(state_.version) + " became " + std::to_string(current_version) +
          ": another compaction committed); this one committed nothing");
    }
    SHOAL_RETURN_IF_ERROR(
        store_.Write(std::string(models::kTableStateObject), models::ToJson(next).dump(1) + "\n")
            .WithContext("committing the table state"));
    // Committed: what follows only removes files no reader of the new state reads.
    SHOAL_ASSIGN_OR_RETURN(std::vector<std::string> orphans, Orphans(next, now));
    removable.insert(removable.end(), orphans.begin(), orphans.end());
    Status removed = store_.Remove(removable);
    if (!removed.ok()) context_.err << "note: old files stay behind: " << removed.message() << "\n";

    int64_t rows = 0;
    int64_t bytes = 0;
    for (const auto& file : written_) {
      rows += file.rows;
      bytes += file.bytes;
    }
    context_.out << "compacted " << new_landing_.size() << " landing file(s) into "
                 << written_.size() << " Parquet file(s) (" << rows << " rows, " << bytes
                 << " bytes) in " << store_.warehouse() << ", version " << next.version << "\n";
    return WriteResult(next.version, static_cast<int64_t>(new_landing_.size()), rows,
                       static_cast<int64_t>(written_.size()), bytes,
                       removed.ok() ? static_cast<int64_t>(removable.size()) : 0);
  }

  // Parquet files of the warehouse that no state lists, written by a compaction that never
  // committed, long enough ago that it cannot still be running.
  Result<std::vector<std::string>> Orphans(const models::TableState& next, int64_t now) {
    std::set<std::string> listed;
    for (const auto& file : next.files) listed.insert(file.path);
    for (const auto& file : next.retired) listed.insert(file.path);
    SHOAL_ASSIGN_OR_RETURN(std::vector<std::string> all, store_.List());
    std::vector<std::string> orphans;
    const int64_t oldest =
        now / 1000000000 - std::chrono::duration_cast<std::chrono::seconds>(kOrphanAge).count();
    for (const std::string& path : all) {
      const int64_t written = WrittenAt(path);
      if (written >= 0 && written < oldest && !listed.count(path)) orphans.push_back(path);
    }
    return orphans;
  }

  Status WriteResult(int64_t version, int64_t landing_files, int64_t rows, int64_t parquet_files,
                     int64_t parquet_bytes, int64_t removed_files = 0) {
    std::vector<engine::Column> columns;
    std::vector<engine::Cell> cells;
    for (const auto& [name, value] : {std::pair{"Version", version},
                                      {"LandingFiles", landing_files},
                                      {"Rows", rows},
                                      {"ParquetFiles", parquet_files},
                                      {"ParquetBytes", parquet_bytes},
                                      {"RemovedFiles", removed_files}}) {
      columns.push_back({name, "BIGINT", true});
      cells.push_back({engine::CellKind::kNumber, std::to_string(value)});
    }
    return WriteFileAtomically(context_.sandbox.result_dir() + "/result.json",
                               format::ResultJsonStart(columns) + "\n" +
                                   format::ResultJsonRow(cells) + format::kResultJsonEnd);
  }

  const EngineContext& context_;
  const models::CompactionSpec spec_;
  const WarehouseStore store_;
  models::TableState state_;
  std::unique_ptr<engine::Session> session_;
  std::string scratch_;
  std::vector<models::CompactedLandingFile> new_landing_;
  std::vector<std::pair<std::string, int64_t>> partitions_;  // folder, rows
  std::vector<models::TableStateFile> kept_;                 // untouched partitions' files
  std::vector<std::string> replaced_;                        // touched partitions' old files
  std::vector<models::TableStateFile> written_;
};

Status RunCompactEngine(const EngineContext& context) {
  SHOAL_ASSIGN_OR_RETURN(models::CompactionSpec spec,
                         models::CompactionSpecFromParams(context.job.task.engine.params));
  auto endpoint = context.env.find("DUCKDB_S3_ENDPOINT");
  SHOAL_ASSIGN_OR_RETURN(
      WarehouseStore store,
      WarehouseStore::Open(context.config.stores,
                           endpoint == context.env.end() ? "" : endpoint->second, spec.warehouse));
  return Compaction(context, std::move(spec), std::move(store)).Run();
}

class CompactEngine final : public JobEngine {
 public:
  std::string_view type() const override { return models::kEngineCompact; }
  Status Run(const EngineContext& context) const override { return RunCompactEngine(context); }
};

}  // namespace

std::unique_ptr<JobEngine> MakeCompactEngine() { return std::make_unique<CompactEngine>(); }

}  // namespace shoal::compute

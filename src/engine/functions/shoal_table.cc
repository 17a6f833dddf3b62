// shoal_table(warehouse [, landing := GLOB, reader := SQL, columns := {name: 'TYPE', ...}]):
// a columnar table's rows in this session's partition — its Parquet files as the table state
// `<warehouse>/_shoal_table.json` lists them, plus the landing files of the glob that the state
// does not list (models/table_state.h). Each file belongs to the partition its path hashes to,
// as with partition_by_hash, so the partitions of a job read every file once.
// shoal_table_files(...) with the same arguments: this partition's files, (file, kind) with kind
// 'parquet' or 'landing'.
//
// The named parameters override the state's landing glob, reader call (with
// $shoal_landing_files where the list of files goes) and columns; without a state they are
// required (the table was never compacted). time_min/time_max (inclusive) and
// time_after/time_before (strict), TIMESTAMPs, NULL for none, leave out the Parquet files whose
// partition holds no event time within them (year=NULL, where NULL and infinite event times go,
// is always read): a query's WHERE on the event time, mapped to the
// Hive partitions. shoal_table binds by replacing itself with the
// SELECT that reads exactly those files (read_parquet UNION ALL BY NAME the landing reader), so
// DuckDB plans it like any subquery: projections and filters reach the Parquet reader.
#include <algorithm>
#include <limits>
#include <optional>
#include <set>

#include "duckdb/common/file_system.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/subqueryref.hpp"

#include "engine/functions/partition_table.h"
#include "engine/functions/register.h"
#include "models/table_state.h"
#include "models/text.h"

namespace shoal::engine {

namespace {

constexpr const char* kTableName = "shoal_table";
constexpr const char* kFilesName = "shoal_table_files";

// The files of one partition of a columnar table, and how to read them.
struct TableFiles {
  models::TableState state;  // with the named parameters applied
  std::vector<std::string> parquet;
  std::vector<std::string> landing;
};

// The event times a query can match (microseconds): at least `min_us` (time_min, or just above
// time_after), below `end_us` (just above time_max, or time_before).
struct TimeBounds {
  std::optional<int64_t> min_us;
  std::optional<int64_t> end_us;

  // Whether a Parquet file of `partition` may hold a row within the bounds. The year=NULL
  // folder is always read: besides the NULL event times (which match no bound) it holds the
  // infinite ones, which have no calendar date and match `ts >= c` or `ts <= c`.
  bool MayMatch(const std::string& partition) const {
    if (!min_us && !end_us) return true;
    auto range = models::ParsePartitionRange(partition);
    if (!range || range->null_time) return true;
    return (!min_us || range->end_us > *min_us) && (!end_us || range->start_us < *end_us);
  }
};

// `micros` + 1, kept at infinity (a bound of TIMESTAMP 'infinity').
int64_t JustAfter(int64_t micros) {
  return micros == std::numeric_limits<int64_t>::max() ? micros : micros + 1;
}

bool IsTimeBound(const std::string& name) {
  return name == "time_min" || name == "time_after" || name == "time_max" || name == "time_before";
}

std::string ReadWholeFile(duckdb::ClientContext& context, const std::string& path) {
  auto& fs = duckdb::FileSystem::GetFileSystem(context);
  auto handle = fs.OpenFile(path, duckdb::FileFlags::FILE_FLAGS_READ);
  std::string bytes(static_cast<size_t>(handle->GetFileSize()), '\0');
  handle->Read(bytes.data(), bytes.size());
  return bytes;
}

models::TableState ReadState(duckdb::ClientContext& context, const std::string& function,
                             const std::string& warehouse) {
  const std::string path = warehouse + "/" + std::string(models::kTableStateObject);
  auto& fs = duckdb::FileSystem::GetFileSystem(context);
  if (!fs.FileExists(path)) return {};
  auto state = models::ParseTableState(ReadWholeFile(context, path));
  if (!state.ok()) {
    throw duckdb::InvalidInputException("%s: the table state %s is unreadable: %s", function, path,
                                        state.status().message());
  }
  return *state;
}

void ApplyNamedParameters(duckdb::TableFunctionBindInput& input, const std::string& function,
                          models::TableState& state, TimeBounds& bounds) {
  for (const auto& [name, value] : input.named_parameters) {
    if (IsTimeBound(name)) {
      // NULL: no bound (the query's constant did not convert to a timestamp).
      if (value.IsNull()) continue;
      const int64_t micros = value.GetValue<duckdb::timestamp_t>().value;
      if (name == "time_min") bounds.min_us = micros;
      if (name == "time_after") bounds.min_us = JustAfter(micros);
      if (name == "time_max") bounds.end_us = JustAfter(micros);
      if (name == "time_before") bounds.end_us = micros;
      continue;
    }
    if (value.IsNull()) {
      throw duckdb::InvalidInputException("%s: %s must not be NULL", function, name);
    }
    if (name == "landing") {
      // The state lists compacted landing files as its glob spells them: another spelling of
      // the same files would read them twice (once as Parquet, once as landing files).
      if (state.version > 0 && value.ToString() != state.landing) {
        throw duckdb::InvalidInputException(
            "%s: landing := '%s' is not the glob the table state was compacted from ('%s'); "
            "the files it converted would be read twice",
            function, value.ToString(), state.landing);
      }
      state.landing = value.ToString();
    } else if (name == "reader") {
      state.landing_reader = value.ToString();
    } else if (name == "columns") {
      if (value.type().id() != duckdb::LogicalTypeId::STRUCT) {
        throw duckdb::InvalidInputException(
            "%s: columns := must be a struct of type names, e.g. {id: 'BIGINT'}", function);
      }
      state.columns.clear();
      const auto& names = duckdb::StructType::GetChildTypes(value.type());
      const auto& types = duckdb::StructValue::GetChildren(value);
      for (size_t i = 0; i < names.size(); ++i) {
        state.columns.push_back({names[i].first, types[i].ToString()});
      }
    }
  }
}

TableFiles SelectFiles(duckdb::ClientContext& context, duckdb::TableFunctionBindInput& input,
                       const std::string& function) {
  SessionState& session = CheckedSessionState(input, function);
  std::string warehouse = StringArgument(input, 0, function, "warehouse");
  while (!warehouse.empty() && warehouse.back() == '/') warehouse.pop_back();
  TableFiles files;
  files.state = ReadState(context, function, warehouse);
  TimeBounds bounds;
  ApplyNamedParameters(input, function, files.state, bounds);
  if (files.state.landing.empty() || files.state.landing_reader.empty() ||
      files.state.columns.empty()) {
    throw duckdb::InvalidInputException(
        "%s: %s has no table state (%s); give landing := GLOB, reader := '<reader call over "
        "%s>' and columns := {...}, or compact the table first",
        function, warehouse, std::string(models::kTableStateObject),
        std::string(models::kLandingFilesMarker));
  }
  for (const models::TableStateFile& file : files.state.files) {
    std::string path = warehouse + "/" + file.path;
    if (BelongsToPartition(path, session.partition) && bounds.MayMatch(file.partition)) {
      files.parquet.push_back(std::move(path));
    }
  }
  std::set<std::string> compacted;
  for (const auto& file : files.state.compacted) compacted.insert(file.path);
  for (std::string& path : GlobPaths(context, files.state.landing)) {
    if (!compacted.count(path) && BelongsToPartition(path, session.partition)) {
      files.landing.push_back(std::move(path));
    }
  }
  if (files.parquet.empty() && files.landing.empty()) session.empty_selections.fetch_add(1);
  return files;
}

// The SELECT over exactly `files`, each column cast to its table type, in the table's order.
std::string TableSelect(const TableFiles& files) {
  std::vector<std::string> branches;
  if (!files.parquet.empty()) {
    // Files written before a column existed give it as NULL (the no-rows branch has them all).
    branches.push_back("SELECT * FROM read_parquet(" + models::SqlStringList(files.parquet) +
                       ", hive_partitioning = false, union_by_name = true) UNION ALL BY NAME " +
                       models::NoRowsSql(files.state.columns));
  }
  if (!files.landing.empty()) {
    std::string reader = files.state.landing_reader;
    const size_t marker = reader.find(models::kLandingFilesMarker);
    if (marker == std::string::npos) {
      throw duckdb::InvalidInputException("%s: the reader call has no %s: %s", kTableName,
                                          std::string(models::kLandingFilesMarker), reader);
    }
    reader.replace(marker, models::kLandingFilesMarker.size(),
                   models::SqlStringList(files.landing));
    branches.push_back("SELECT * FROM " + reader);
  }
  std::string from = "(" + branches[0];
  for (size_t i = 1; i < branches.size(); ++i) from += " UNION ALL BY NAME " + branches[i];
  return "SELECT " + models::CastProjectionSql(files.state.columns) + " FROM " + from + ")";
}

duckdb::unique_ptr<duckdb::TableRef> BindReplaceTable(duckdb::ClientContext& context,
                                                      duckdb::TableFunctionBindInput& input) {
  TableFiles files = SelectFiles(context, input, kTableName);
  if (files.parquet.empty() && files.landing.empty()) {
    // The message the engine reads as an empty partition (engine.h StatementOutcome).
    throw duckdb::IOException("%s needs at least one file to read (this partition has none)",
                              kTableName);
  }
  duckdb::Parser parser;
  parser.ParseQuery(TableSelect(files));
  if (parser.statements.size() != 1 ||
      parser.statements[0]->type != duckdb::StatementType::SELECT_STATEMENT) {
    throw duckdb::InvalidInputException("%s: the reader call is not one table function call",
                                        kTableName);
  }
  auto select = duckdb::unique_ptr_cast<duckdb::SQLStatement, duckdb::SelectStatement>(
      std::move(parser.statements[0]));
  return duckdb::make_uniq<duckdb::SubqueryRef>(std::move(select));
}

// Never called: bind_replace always replaces the function. DuckDB requires a bind.
duckdb::unique_ptr<duckdb::FunctionData> BindUnreachable(duckdb::ClientContext&,
                                                         duckdb::TableFunctionBindInput&,
                                                         duckdb::vector<duckdb::LogicalType>&,
                                                         duckdb::vector<duckdb::string>&) {
  throw duckdb::InternalException("%s was not replaced at bind", kTableName);
}

duckdb::unique_ptr<duckdb::FunctionData> BindFiles(
    duckdb::ClientContext& context, duckdb::TableFunctionBindInput& input,
    duckdb::vector<duckdb::LogicalType>& return_types, duckdb::vector<duckdb::string>& names) {
  TableFiles files = SelectFiles(context, input, kFilesName);
  auto selected = duckdb::make_uniq<SelectedRows>();
  for (const std::string& path : files.parquet) {
    selected->rows.push_back({duckdb::Value(path), duckdb::Value("parquet")});
  }
  for (const std::string& path : files.landing) {
    selected->rows.push_back({duckdb::Value(path), duckdb::Value("landing")});
  }
  names = {"file", "kind"};
  return_types = {duckdb::LogicalType::VARCHAR, duckdb::LogicalType::VARCHAR};
  return selected;
}

void AddNamedParameters(duckdb::TableFunction& function) {
  function.named_parameters["landing"] = duckdb::LogicalType::VARCHAR;
  function.named_parameters["reader"] = duckdb::LogicalType::VARCHAR;
  function.named_parameters["columns"] = duckdb::LogicalType::ANY;
  for (const char* bound : {"time_min", "time_after", "time_max", "time_before"}) {
    function.named_parameters[bound] = duckdb::LogicalType::TIMESTAMP;
  }
}

}  // namespace

void RegisterShoalTable(duckdb::ClientContext& context,
                        const std::shared_ptr<SessionState>& state) {
  auto table = MakePartitionTableFunction(kTableName, {duckdb::LogicalType::VARCHAR},
                                          BindUnreachable, state);
  table.bind_replace = BindReplaceTable;
  AddNamedParameters(table);
  AddTableFunction(context, std::move(table));
  auto files =
      MakePartitionTableFunction(kFilesName, {duckdb::LogicalType::VARCHAR}, BindFiles, state);
  AddNamedParameters(files);
  AddTableFunction(context, std::move(files));
}

}  // namespace shoal::engine

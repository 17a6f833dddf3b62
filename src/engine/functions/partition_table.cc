#include "engine/functions/partition_table.h"

#include <algorithm>

#include "duckdb/catalog/catalog.hpp"
#include "duckdb/parser/parsed_data/create_table_function_info.hpp"

namespace shoal::engine {

namespace {

struct ScanState : public duckdb::GlobalTableFunctionState {
  size_t next_row = 0;
};

duckdb::unique_ptr<duckdb::GlobalTableFunctionState> InitScan(duckdb::ClientContext&,
                                                              duckdb::TableFunctionInitInput&) {
  return duckdb::make_uniq<ScanState>();
}

void Scan(duckdb::ClientContext&, duckdb::TableFunctionInput& input, duckdb::DataChunk& output) {
  auto& rows = input.bind_data->Cast<SelectedRows>().rows;
  auto& state = input.global_state->Cast<ScanState>();
  duckdb::idx_t count = 0;
  while (state.next_row < rows.size() && count < STANDARD_VECTOR_SIZE) {
    const auto& row = rows[state.next_row++];
    for (duckdb::idx_t column = 0; column < row.size(); ++column) {
      output.SetValue(column, count, row[column]);
    }
    ++count;
  }
  output.SetCardinality(count);
}

}  // namespace

SessionState& CheckedSessionState(duckdb::TableFunctionBindInput& input,
                                  const std::string& function_name) {
  auto& state = *input.info->Cast<PartitionFunctionInfo>().state;
  const Partition& p = state.partition;
  if (p.count <= 0) {
    throw duckdb::InvalidInputException(
        "%s: partition count is %lld; it must be at least 1 (set BACALHAU_PARTITION_COUNT or "
        "--partition INDEX/COUNT)",
        function_name, static_cast<long long>(p.count));
  }
  if (p.index < 0 || p.index >= p.count) {
    throw duckdb::InvalidInputException(
        "%s: partition index %lld is out of range for partition count %lld (valid: 0..%lld)",
        function_name, static_cast<long long>(p.index), static_cast<long long>(p.count),
        static_cast<long long>(p.count - 1));
  }
  return state;
}

std::vector<std::string> GlobPaths(duckdb::ClientContext& context, const std::string& pattern) {
  auto& fs = duckdb::FileSystem::GetFileSystem(context);
  std::vector<std::string> paths;
  for (auto& file : fs.GlobFiles(pattern, context, duckdb::FileGlobOptions::ALLOW_EMPTY)) {
    paths.push_back(file.path);
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::string StringArgument(duckdb::TableFunctionBindInput& input, size_t position,
                           const std::string& function_name, const std::string& argument_name) {
  const duckdb::Value& value = input.inputs.at(position);
  if (value.IsNull()) {
    throw duckdb::InvalidInputException("%s: %s must not be NULL", function_name, argument_name);
  }
  return value.ToString();
}

duckdb::unique_ptr<duckdb::FunctionData> FinishSelection(SessionState& state,
                                                         duckdb::unique_ptr<SelectedRows> rows) {
  if (rows->rows.empty()) state.empty_selections.fetch_add(1);
  return rows;
}

duckdb::TableFunction MakePartitionTableFunction(std::string name,
                                                 std::vector<duckdb::LogicalType> arguments,
                                                 duckdb::table_function_bind_t bind,
                                                 const std::shared_ptr<SessionState>& state) {
  duckdb::TableFunction function(std::move(name), std::move(arguments), Scan, bind, InitScan);
  function.function_info = duckdb::make_shared_ptr<PartitionFunctionInfo>(state);
  return function;
}

void AddTableFunction(duckdb::ClientContext& context, duckdb::TableFunction function) {
  duckdb::CreateTableFunctionInfo info(std::move(function));
  duckdb::Catalog::GetSystemCatalog(context).CreateTableFunction(context, info);
}

}  // namespace shoal::engine

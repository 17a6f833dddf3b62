// partition_by_hash(pattern) -> (file): the files of `pattern` whose full path hashes to this
// session's partition.
#include "engine/functions/partition_table.h"
#include "engine/functions/register.h"

namespace shoal::engine {

namespace {

constexpr const char* kName = "partition_by_hash";

duckdb::unique_ptr<duckdb::FunctionData> Bind(duckdb::ClientContext& context,
                                              duckdb::TableFunctionBindInput& input,
                                              duckdb::vector<duckdb::LogicalType>& return_types,
                                              duckdb::vector<duckdb::string>& names) {
  SessionState& state = CheckedSessionState(input, kName);
  std::string pattern = StringArgument(input, 0, kName, "pattern");
  auto selected = duckdb::make_uniq<SelectedRows>();
  for (auto& path : GlobPaths(context, pattern)) {
    if (BelongsToPartition(path, state.partition)) {
      selected->rows.push_back({duckdb::Value(path)});
    }
  }
  names = {"file"};
  return_types = {duckdb::LogicalType::VARCHAR};
  return FinishSelection(state, std::move(selected));
}

}  // namespace

void RegisterPartitionByHash(duckdb::ClientContext& context,
                             const std::shared_ptr<SessionState>& state) {
  AddTableFunction(context,
                   MakePartitionTableFunction(kName, {duckdb::LogicalType::VARCHAR}, Bind, state));
}

}  // namespace shoal::engine

// partition_by_regex(pattern, regex, group_num := 1) -> (file, matched_part): files partitioned
// by the text a capture group extracts from their path, so every file sharing that text lands in
// the same partition. Files the regex does not match hash the empty string (DuckDB's
// regexp_extract gives '' for them), exactly as Bacalhau's macro does.
#include "engine/functions/partition_table.h"
#include "engine/functions/regex.h"
#include "engine/functions/register.h"

namespace shoal::engine {

namespace {

constexpr const char* kName = "partition_by_regex";

duckdb::unique_ptr<duckdb::FunctionData> Bind(duckdb::ClientContext& context,
                                              duckdb::TableFunctionBindInput& input,
                                              duckdb::vector<duckdb::LogicalType>& return_types,
                                              duckdb::vector<duckdb::string>& names) {
  SessionState& state = CheckedSessionState(input, kName);
  std::string pattern = StringArgument(input, 0, kName, "pattern");
  std::string regex_text = StringArgument(input, 1, kName, "regex");
  auto re = CompileRegex(regex_text, kName, "regex");

  int64_t group = 1;
  if (auto it = input.named_parameters.find("group_num"); it != input.named_parameters.end()) {
    if (it->second.IsNull()) {
      throw duckdb::InvalidInputException("%s: group_num must not be NULL", kName);
    }
    group = it->second.GetValue<int64_t>();
  }
  int groups_in_regex = re->NumberOfCapturingGroups();
  if (group < 0 || group > groups_in_regex) {
    throw duckdb::InvalidInputException(
        "%s: group_num %lld is out of range: regex '%s' has %d capture group(s) (use 0 for the "
        "whole match, 1..%d for a group)",
        kName, static_cast<long long>(group), regex_text, groups_in_regex, groups_in_regex);
  }

  auto selected = duckdb::make_uniq<SelectedRows>();
  for (auto& path : GlobPaths(context, pattern)) {
    std::string part = ExtractGroup(*re, path, static_cast<int>(group));
    if (BelongsToPartition(part, state.partition)) {
      selected->rows.push_back({duckdb::Value(path), duckdb::Value(part)});
    }
  }
  names = {"file", "matched_part"};
  return_types = {duckdb::LogicalType::VARCHAR, duckdb::LogicalType::VARCHAR};
  return FinishSelection(state, std::move(selected));
}

}  // namespace

void RegisterPartitionByRegex(duckdb::ClientContext& context,
                              const std::shared_ptr<SessionState>& state) {
  auto function = MakePartitionTableFunction(
      kName, {duckdb::LogicalType::VARCHAR, duckdb::LogicalType::VARCHAR}, Bind, state);
  function.named_parameters["group_num"] = duckdb::LogicalType::BIGINT;
  AddTableFunction(context, std::move(function));
}

}  // namespace shoal::engine

// belongs_to_partition(value) -> BOOLEAN: whether CAST(value AS VARCHAR) hashes to this session's
// partition (md5_number_lower(key) % count = index). NULL in, NULL out, as in Bacalhau's macro.
#include "duckdb/catalog/catalog.hpp"
#include "duckdb/parser/parsed_data/create_scalar_function_info.hpp"
#include "duckdb/planner/expression/bound_cast_expression.hpp"
#include "duckdb/planner/expression/bound_function_expression.hpp"

#include "engine/functions/register.h"

namespace shoal::engine {

namespace {

constexpr const char* kName = "belongs_to_partition";

struct BelongsInfo : public duckdb::ScalarFunctionInfo {
  explicit BelongsInfo(std::shared_ptr<SessionState> s) : state(std::move(s)) {}
  std::shared_ptr<SessionState> state;
};

struct BelongsBindData : public duckdb::FunctionData {
  explicit BelongsBindData(Partition p) : partition(p) {}
  Partition partition;
  duckdb::unique_ptr<duckdb::FunctionData> Copy() const override {
    return duckdb::make_uniq<BelongsBindData>(partition);
  }
  bool Equals(const duckdb::FunctionData& other) const override {
    auto& o = other.Cast<BelongsBindData>();
    return o.partition.index == partition.index && o.partition.count == partition.count;
  }
};

duckdb::unique_ptr<duckdb::FunctionData> Bind(
    duckdb::ClientContext& context, duckdb::ScalarFunction& function,
    duckdb::vector<duckdb::unique_ptr<duckdb::Expression>>& arguments) {
  const Partition& p = function.function_info->Cast<BelongsInfo>().state->partition;
  Status valid = ValidatePartition(p);
  if (!valid.ok()) {
    throw duckdb::InvalidInputException(
        "%s: %s (set BACALHAU_PARTITION_INDEX/COUNT or "
        "--partition INDEX/COUNT)",
        kName, valid.message());
  }
  // The key is the value's text, as in the macro's CAST(value AS VARCHAR).
  arguments[0] = duckdb::BoundCastExpression::AddCastToType(context, std::move(arguments[0]),
                                                            duckdb::LogicalType::VARCHAR);
  function.arguments[0] = duckdb::LogicalType::VARCHAR;
  return duckdb::make_uniq<BelongsBindData>(p);
}

void Execute(duckdb::DataChunk& args, duckdb::ExpressionState& state, duckdb::Vector& result) {
  auto& func = state.expr.Cast<duckdb::BoundFunctionExpression>();
  Partition p = func.bind_info->Cast<BelongsBindData>().partition;
  duckdb::UnaryExecutor::Execute<duckdb::string_t, bool>(
      args.data[0], result, args.size(), [&](duckdb::string_t key) {
        return BelongsToPartition(std::string_view(key.GetData(), key.GetSize()), p);
      });
}

}  // namespace

void RegisterBelongsToPartition(duckdb::ClientContext& context,
                                const std::shared_ptr<SessionState>& state) {
  duckdb::ScalarFunction function(kName, {duckdb::LogicalType::ANY}, duckdb::LogicalType::BOOLEAN,
                                  Execute, Bind);
  function.function_info = duckdb::make_shared_ptr<BelongsInfo>(state);
  duckdb::CreateScalarFunctionInfo info(std::move(function));
  duckdb::Catalog::GetSystemCatalog(context).CreateFunction(context, info);
}

}  // namespace shoal::engine

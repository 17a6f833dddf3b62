// getenv() and enable_logging() in a locked session: functions whose binding fails with a
// PermissionException that says why (see register.h).
#include "duckdb/catalog/catalog.hpp"
#include "duckdb/parser/parsed_data/create_scalar_function_info.hpp"
#include "duckdb/parser/parsed_data/create_table_function_info.hpp"

#include "engine/functions/register.h"

namespace shoal::engine {

namespace {

duckdb::unique_ptr<duckdb::FunctionData> RefuseGetenv(
    duckdb::ClientContext&, duckdb::ScalarFunction&,
    duckdb::vector<duckdb::unique_ptr<duckdb::Expression>>&) {
  throw duckdb::PermissionException(
      "getenv() is refused: a job cannot read the node's environment (it holds the node's "
      "secrets); pass values in the job's Env and read them with getvariable('NAME')");
}

void NeverRuns(duckdb::DataChunk&, duckdb::ExpressionState&, duckdb::Vector&) {
  throw duckdb::InternalException("getenv() was bound despite its refusal");
}

duckdb::unique_ptr<duckdb::FunctionData> RefuseEnableLogging(duckdb::ClientContext&,
                                                             duckdb::TableFunctionBindInput&,
                                                             duckdb::vector<duckdb::LogicalType>&,
                                                             duckdb::vector<duckdb::string>&) {
  throw duckdb::PermissionException(
      "enable_logging() is refused: an execution cannot change DuckDB's logging (its log "
      "storage would write outside the sandbox)");
}

void NeverScans(duckdb::ClientContext&, duckdb::TableFunctionInput&, duckdb::DataChunk&) {
  throw duckdb::InternalException("enable_logging() was bound despite its refusal");
}

}  // namespace

void RegisterSandboxRefusals(duckdb::Connection& connection) {
  connection.BeginTransaction();
  auto& context = *connection.context;
  auto& catalog = duckdb::Catalog::GetSystemCatalog(context);

  duckdb::ScalarFunction getenv("getenv", {}, duckdb::LogicalType::VARCHAR, NeverRuns,
                                RefuseGetenv);
  getenv.varargs = duckdb::LogicalType::ANY;
  duckdb::CreateScalarFunctionInfo getenv_info(std::move(getenv));
  getenv_info.on_conflict = duckdb::OnCreateConflict::REPLACE_ON_CONFLICT;
  catalog.CreateFunction(context, getenv_info);

  // Same name, any arguments and the named parameters of DuckDB's own, so every call binds to
  // the refusal rather than failing on a parameter first.
  duckdb::TableFunction logging("enable_logging", {}, NeverScans, RefuseEnableLogging);
  logging.varargs = duckdb::LogicalType::ANY;
  for (const char* name : {"level", "storage", "storage_config", "storage_path",
                           "storage_normalize", "storage_buffer_size"}) {
    logging.named_parameters[name] = duckdb::LogicalType::ANY;
  }
  duckdb::CreateTableFunctionInfo logging_info(std::move(logging));
  logging_info.on_conflict = duckdb::OnCreateConflict::REPLACE_ON_CONFLICT;
  catalog.CreateTableFunction(context, logging_info);
  connection.Commit();
}

}  // namespace shoal::engine

#include "query/table_sql.h"

#include "models/table_state.h"

namespace shoal::query {

std::string ReaderFunction(std::string_view format) {
  if (format == models::kTableFormatCsv) return "read_csv_auto";
  if (format == models::kTableFormatParquet) return "read_parquet";
  return "read_json_auto";
}

std::string ReaderOptionsSql(const nlohmann::json& options) {
  std::string sql;
  if (!options.is_object()) return sql;
  for (const auto& [key, value] : options.items()) {  // nlohmann keeps keys sorted
    sql += ", " + key + "=";
    if (value.is_string()) {
      sql += SqlStringLiteral(value.get<std::string>());
    } else if (value.is_boolean()) {
      sql += value.get<bool>() ? "true" : "false";
    } else {
      sql += value.dump();
    }
  }
  return sql;
}

std::string ReaderCall(const models::TableDefinition& table, std::string_view files_sql) {
  return ReaderFunction(table.format) + "(" + std::string(files_sql) +
         ReaderOptionsSql(table.reader_options) + ")";
}

namespace {

// {'name': 'TYPE', ...}
std::string ColumnsStruct(const models::TableDefinition& table) {
  std::string columns;
  for (const models::TableColumn& column : table.columns) {
    columns += (columns.empty() ? "" : ", ") + SqlStringLiteral(column.name) + ": " +
               SqlStringLiteral(column.type);
  }
  return "{" + columns + "}";
}

}  // namespace

std::string TypedReaderCall(const models::TableDefinition& table, std::string_view files_sql) {
  if (table.format == models::kTableFormatParquet) return ReaderCall(table, files_sql);
  const char* reader = table.format == models::kTableFormatJson ? "read_json(" : "read_csv(";
  return reader + std::string(files_sql) + ", columns = " + ColumnsStruct(table) +
         ReaderOptionsSql(table.reader_options) + ")";
}

std::string LandingReaderTemplate(const models::TableDefinition& table) {
  return TypedReaderCall(table, models::kLandingFilesMarker);
}

std::string ColumnarReaderCall(const models::TableDefinition& table, std::string_view function,
                               std::string_view more_parameters) {
  return std::string(function) + "(getvariable('" + kWarehouseVariable +
         "'), landing := getvariable('" + kLandingVariable +
         "'), reader := " + SqlStringLiteral(LandingReaderTemplate(table)) +
         ", columns := " + ColumnsStruct(table) + std::string(more_parameters) + ")";
}

std::string ColumnarVariablesSql(const models::TableDefinition& table,
                                 const models::RegionLocation& where) {
  return std::string("SET VARIABLE ") + kWarehouseVariable + " = " +
         SqlStringLiteral(table.WarehouseOf(where)) + ";\nSET VARIABLE " + kLandingVariable +
         " = " + SqlStringLiteral(where.location) + ";\n";
}

std::string InspectionSql(const models::TableDefinition& table,
                          const models::RegionLocation& location) {
  // One row-returning statement (only the last one reaches result.json). The LEFT JOIN with an
  // empty read keeps the row while its columns carry DuckDB's inferred names and types, in
  // DuckDB's own order.
  constexpr std::string_view kFiles = "getvariable('shoal_table_files')";
  // A type DuckDB does not know fails the inspection here, naming it.
  std::string type_checks;
  for (const auto& [name, type] : table.column_types) {
    type_checks += "SELECT CAST(NULL AS " + type + ") AS " + models::SqlIdentifier(name) + ";\n";
  }
  return type_checks +
         "SET VARIABLE shoal_table_files = (SELECT list(file) FROM partition_by_hash(" +
         SqlStringLiteral(location.location) +
         "));\n"
         "SELECT len(" +
         std::string(kFiles) +
         ") AS shoal_files,\n"
         "  (SELECT coalesce(sum(size), 0)::BIGINT FROM read_blob(" +
         std::string(kFiles) +
         ")) AS shoal_bytes,\n"
         "  shoal_table.*\n"
         "FROM (SELECT 1) AS shoal_one LEFT JOIN (SELECT * FROM " +
         ReaderCall(table, kFiles) + " LIMIT 0) AS shoal_table ON true;\n";
}

}  // namespace shoal::query

// The transaction event's columns, in the order the files carry them, with the DuckDB type each
// is meant to be read as.
//
// JSONL keeps shipping_address as a nested object (a STRUCT); CSV flattens it into
// shipping_address_<field> columns. generate_command.cc uses DuckDbJsonColumns() as the explicit
// read_json schema when converting to Parquet, and tests compare DuckDB's inferred types with it.
//
// Thread-safety: immutable tables and pure functions.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace shoal::datagen {

struct ColumnSpec {
  std::string_view name;
  std::string_view duckdb_type;
};

// Top-level JSON keys in emitted order; shipping_address is a STRUCT.
std::span<const ColumnSpec> TransactionJsonColumns();
// The fields of shipping_address in emitted order.
std::span<const ColumnSpec> ShippingAddressFields();
// The CSV header: shipping_address flattened to shipping_address_street, ...
std::span<const ColumnSpec> TransactionCsvColumns();

// "{'event_id': 'UUID', 'timestamp': 'TIMESTAMP', ...}": the `columns` argument of DuckDB's
// read_json for the JSONL files.
std::string DuckDbJsonColumns();

}  // namespace shoal::datagen

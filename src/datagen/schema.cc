#include "datagen/schema.h"

namespace shoal::datagen {
namespace {

constexpr std::string_view kShippingAddressType =
    "STRUCT(street VARCHAR, city VARCHAR, state VARCHAR, country VARCHAR, postal_code VARCHAR, "
    "latitude DOUBLE, longitude DOUBLE, timezone VARCHAR)";

constexpr ColumnSpec kJsonColumns[] = {
    {"event_id", "UUID"},           {"timestamp", "TIMESTAMP"},
    {"region_name", "VARCHAR"},     {"region_country", "VARCHAR"},
    {"region_timezone", "VARCHAR"}, {"transaction_id", "UUID"},
    {"customer_id", "UUID"},        {"customer_email", "VARCHAR"},
    {"customer_type", "VARCHAR"},   {"product_id", "UUID"},
    {"product_name", "VARCHAR"},    {"product_category", "VARCHAR"},
    {"quantity", "BIGINT"},         {"unit_price", "DOUBLE"},
    {"subtotal", "DOUBLE"},         {"tax_rate", "DOUBLE"},
    {"tax_amount", "DOUBLE"},       {"total_amount", "DOUBLE"},
    {"payment_method", "VARCHAR"},  {"payment_status", "VARCHAR"},
    {"currency", "VARCHAR"},        {"shipping_address", kShippingAddressType},
    {"shipping_method", "VARCHAR"}, {"estimated_delivery", "TIMESTAMP"},
};

constexpr ColumnSpec kAddressFields[] = {
    {"street", "VARCHAR"},   {"city", "VARCHAR"},        {"state", "VARCHAR"},
    {"country", "VARCHAR"},  {"postal_code", "VARCHAR"}, {"latitude", "DOUBLE"},
    {"longitude", "DOUBLE"}, {"timezone", "VARCHAR"},
};

constexpr ColumnSpec kCsvColumns[] = {
    {"event_id", "UUID"},
    {"timestamp", "TIMESTAMP"},
    {"region_name", "VARCHAR"},
    {"region_country", "VARCHAR"},
    {"region_timezone", "VARCHAR"},
    {"transaction_id", "UUID"},
    {"customer_id", "UUID"},
    {"customer_email", "VARCHAR"},
    {"customer_type", "VARCHAR"},
    {"product_id", "UUID"},
    {"product_name", "VARCHAR"},
    {"product_category", "VARCHAR"},
    {"quantity", "BIGINT"},
    {"unit_price", "DOUBLE"},
    {"subtotal", "DOUBLE"},
    {"tax_rate", "DOUBLE"},
    {"tax_amount", "DOUBLE"},
    {"total_amount", "DOUBLE"},
    {"payment_method", "VARCHAR"},
    {"payment_status", "VARCHAR"},
    {"currency", "VARCHAR"},
    {"shipping_address_street", "VARCHAR"},
    {"shipping_address_city", "VARCHAR"},
    {"shipping_address_state", "VARCHAR"},
    {"shipping_address_country", "VARCHAR"},
    {"shipping_address_postal_code", "VARCHAR"},
    {"shipping_address_latitude", "DOUBLE"},
    {"shipping_address_longitude", "DOUBLE"},
    {"shipping_address_timezone", "VARCHAR"},
    {"shipping_method", "VARCHAR"},
    {"estimated_delivery", "TIMESTAMP"},
};

}  // namespace

std::span<const ColumnSpec> TransactionJsonColumns() { return kJsonColumns; }
std::span<const ColumnSpec> ShippingAddressFields() { return kAddressFields; }
std::span<const ColumnSpec> TransactionCsvColumns() { return kCsvColumns; }

std::string DuckDbJsonColumns() {
  std::string out = "{";
  for (const ColumnSpec& column : kJsonColumns) {
    if (out.size() > 1) out += ", ";
    out += "'";
    out += column.name;
    out += "': '";
    out += column.duckdb_type;
    out += "'";
  }
  return out + "}";
}

}  // namespace shoal::datagen

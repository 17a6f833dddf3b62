#include "datagen/transaction_writer.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "datagen/calendar.h"
#include "datagen/customers.h"
#include "datagen/schema.h"

namespace shoal::datagen {
namespace {

template <typename Put, typename T>
std::string Text(Put put, T value) {
  char buffer[64];
  return std::string(buffer, put(value, buffer));
}

TEST(ValueFormatTest, DoublesPrintLikePythonRepr) {
  EXPECT_EQ(Text(PutDouble, 1931.6999999999998), "1931.6999999999998");
  EXPECT_EQ(Text(PutDouble, 386.34 * 5), "1931.6999999999998");
  EXPECT_EQ(Text(PutDouble, 1234.0), "1234.0");
  EXPECT_EQ(Text(PutDouble, 0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(Text(PutDouble, 147.33), "147.33");
}

TEST(ValueFormatTest, CentsAndDegreesDropTrailingZeros) {
  EXPECT_EQ(Text(PutCents, int64_t{1230}), "12.3");
  EXPECT_EQ(Text(PutCents, int64_t{1200}), "12.0");
  EXPECT_EQ(Text(PutCents, int64_t{1234}), "12.34");
  EXPECT_EQ(Text(PutCents, int64_t{5}), "0.05");
  EXPECT_EQ(Text(PutMicroDegrees, int64_t{-74005974}), "-74.005974");
  EXPECT_EQ(Text(PutMicroDegrees, int64_t{40500000}), "40.5");
  EXPECT_EQ(Text(PutMicroDegrees, int64_t{-500000}), "-0.5");
  EXPECT_EQ(Text(PutMicroDegrees, int64_t{12}), "0.000012");
}

TEST(ValueFormatTest, AmountsFollowTheReference) {
  const Amounts a = ComputeAmounts(38634, 5, 15);
  EXPECT_EQ(a.unit_price, 386.34);
  EXPECT_EQ(a.subtotal, 386.34 * 5);  // not rounded
  EXPECT_EQ(a.tax_rate, 0.15);
  EXPECT_EQ(a.tax_cents, 28975);  // 289.7549... rounds to 289.75
  EXPECT_EQ(a.tax_amount, 289.75);
  EXPECT_EQ(a.total_amount, 386.34 * 5 + 289.75);
}

class WriterTest : public ::testing::Test {
 protected:
  WriterTest() : catalog_(42), customers_(42, 100), factory_(catalog_, customers_) {}

  TransactionEvent Event(uint64_t seed, int region) {
    Rng rng(seed);
    TransactionEvent event;
    factory_.Make(rng, DaysFromCivil({2024, 2, 29}) * kMicrosPerDay + 123456789, region, false,
                  &event);
    return event;
  }

  std::string Row(TransactionWriter& writer, const TransactionEvent& event) {
    std::vector<char> buffer(TransactionWriter::kMaxRowBytes);
    return std::string(buffer.data(), writer.Append(event, buffer.data()));
  }

  ProductCatalog catalog_;
  CustomerPool customers_;
  TransactionFactory factory_;
};

TEST_F(WriterTest, JsonHasEveryKeyInOrderWithTheRightTypes) {
  TransactionWriter writer(catalog_, RowFormat::kJsonl);
  const TransactionEvent event = Event(1, 2);
  const std::string row = Row(writer, event);
  ASSERT_EQ(row.back(), '\n');
  EXPECT_EQ(row.find('\n'), row.size() - 1);
  EXPECT_EQ(row.rfind("{\"event_id\": \"", 0), 0u);  // Python separators
  const nlohmann::ordered_json json = nlohmann::ordered_json::parse(row);
  std::vector<std::string> keys;
  for (const auto& [key, value] : json.items()) keys.push_back(key);
  std::vector<std::string> expected;
  for (const ColumnSpec& column : TransactionJsonColumns()) expected.emplace_back(column.name);
  EXPECT_EQ(keys, expected);
  std::vector<std::string> address_keys;
  for (const auto& [key, value] : json["shipping_address"].items()) address_keys.push_back(key);
  std::vector<std::string> expected_address;
  for (const ColumnSpec& field : ShippingAddressFields()) expected_address.emplace_back(field.name);
  EXPECT_EQ(address_keys, expected_address);

  EXPECT_EQ(json["timestamp"], "2024-02-29 00:02:03.456789");
  EXPECT_EQ(json["region_name"], "eu-west");
  EXPECT_EQ(json["region_country"], "Ireland");
  EXPECT_EQ(json["region_timezone"], "Europe/Dublin");
  EXPECT_EQ(json["currency"], "USD");
  EXPECT_TRUE(json["quantity"].is_number_integer());
  for (const char* key : {"unit_price", "subtotal", "tax_rate", "tax_amount", "total_amount"}) {
    EXPECT_TRUE(json[key].is_number_float()) << key;
  }
  const Product& product = catalog_.products()[static_cast<size_t>(event.product)];
  EXPECT_EQ(json["product_name"], product.name);
  EXPECT_EQ(json["unit_price"].get<double>(), static_cast<double>(product.price_cents) / 100.0);
  EXPECT_EQ(json["subtotal"].get<double>(), json["unit_price"].get<double>() * event.quantity);
  EXPECT_EQ(json["shipping_address"]["country"], "Ireland");
  EXPECT_EQ(json["shipping_address"]["timezone"], "Europe/Dublin");
  EXPECT_TRUE(json["shipping_address"]["latitude"].is_number_float());
  const std::string delivery = json["estimated_delivery"];
  EXPECT_EQ(delivery, "2024-03-0" + std::to_string(event.delivery_days) + " 00:02:03.456789");
}

TEST_F(WriterTest, CsvMatchesItsHeader) {
  TransactionWriter writer(catalog_, RowFormat::kCsv);
  std::vector<char> buffer(TransactionWriter::kMaxRowBytes);
  const std::string header(buffer.data(), writer.AppendHeader(buffer.data()));
  EXPECT_EQ(header.rfind("event_id,timestamp,region_name,", 0), 0u);
  EXPECT_NE(header.find(",shipping_address_street,shipping_address_city,"), std::string::npos);
  const auto commas = [](const std::string& s) { return std::count(s.begin(), s.end(), ','); };
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const std::string row = Row(writer, Event(seed, static_cast<int>(seed % 4)));
    ASSERT_EQ(commas(row), commas(header)) << row;
    ASSERT_EQ(row.find('"'), std::string::npos);
  }
  TransactionWriter jsonl(catalog_, RowFormat::kJsonl);
  EXPECT_EQ(jsonl.AppendHeader(buffer.data()), buffer.data());
}

TEST_F(WriterTest, EveryRowParsesAndStaysWellUnderTheLimit) {
  TransactionWriter writer(catalog_, RowFormat::kJsonl);
  size_t longest = 0;
  for (uint64_t seed = 0; seed < 5000; ++seed) {
    const std::string row = Row(writer, Event(seed, static_cast<int>(seed % 4)));
    longest = std::max(longest, row.size());
    ASSERT_TRUE(nlohmann::json::accept(row)) << row;
  }
  EXPECT_LT(longest, TransactionWriter::kMaxRowBytes / 2);
}

TEST_F(WriterTest, CustomersAreStable) {
  const Customer a = customers_.Describe(17);
  const Customer b = customers_.Describe(17);
  EXPECT_EQ(a.id.hi, b.id.hi);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.latitude_micros, b.latitude_micros);
  EXPECT_EQ(a.region, 17 % kRegionCount);
  EXPECT_NE(customers_.Describe(18).id.hi, a.id.hi);
  const Region& region = Regions()[static_cast<size_t>(a.region)];
  EXPECT_GE(a.latitude_micros, region.min_latitude * 1e6);
  EXPECT_LE(a.latitude_micros, region.max_latitude * 1e6);
}

}  // namespace
}  // namespace shoal::datagen

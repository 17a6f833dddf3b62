// Test support for `shoal query` end-to-end tests: the devstack fixture plus one DuckDB over both
// regions' landing files read with the table's types (the oracle every distributed answer must
// equal), the comparison of an answer's result.json with it, and the regions' stores read and
// written directly.
//
// Thread-safety: one fixture per test.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "devstack/s3rver_process.h"
#include "engine/engine.h"
#include "format/output_format.h"
#include "models/query.h"
#include "query/table_sql.h"
#include "query/testing/devstack_fixture.h"
#include "storage/s3_client.h"

namespace shoal::query::testing {

class QueryFixture : public DevstackFixture {
 protected:
  // A client of `region`'s S3 store; null for a folder store.
  std::unique_ptr<storage::S3Client> StoreClient(const std::string& region) {
    const std::string url = stack_->StoreUrl(region);
    if (url.empty()) return nullptr;
    auto config = storage::S3ConfigFromEnvironment(
        {{"DUCKDB_S3_ENDPOINT", url},
         {"AWS_ACCESS_KEY_ID", devstack::S3rverProcess::kAccessKey},
         {"AWS_SECRET_ACCESS_KEY", devstack::S3rverProcess::kSecretKey}});
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    config->url_style = storage::UrlStyle::kPath;
    auto s3 = storage::S3Client::Create(*config);
    EXPECT_TRUE(s3.ok()) << s3.status().ToString();
    return s3.ok() ? std::move(*s3) : nullptr;
  }

  // Writes s3://my-bucket/`key` in `region`'s store, whatever its kind.
  void PutStoreObject(const std::string& region, const std::string& key, const std::string& bytes) {
    if (auto s3 = StoreClient(region)) {
      auto put = s3->PutObject("my-bucket", key, bytes);
      ASSERT_TRUE(put.ok()) << put.status().ToString();
      return;
    }
    const std::filesystem::path path =
        std::filesystem::path(stack_->StorageDir(region)) / "my-bucket" / key;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
  }

  // s3://my-bucket/`key` of `region`'s store; nullopt when it does not exist.
  std::optional<std::string> ReadStoreObject(const std::string& region, const std::string& key) {
    if (auto s3 = StoreClient(region)) {
      auto bytes = s3->GetObject("my-bucket", key);
      return bytes.ok() ? std::optional<std::string>(*bytes) : std::nullopt;
    }
    std::ifstream in(std::filesystem::path(stack_->StorageDir(region)) / "my-bucket" / key,
                     std::ios::binary);
    if (!in) return std::nullopt;
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // The keys below `prefix` in s3://my-bucket of `region`'s store, sorted.
  std::vector<std::string> ListStore(const std::string& region, const std::string& prefix) {
    std::vector<std::string> keys;
    if (auto s3 = StoreClient(region)) {
      storage::ListOptions options;
      options.prefix = prefix;
      auto listed = s3->ListAllObjects("my-bucket", options);
      EXPECT_TRUE(listed.ok()) << listed.status().ToString();
      if (listed.ok()) {
        for (const auto& object : listed->objects) keys.push_back(object.key);
      }
    } else {
      const std::filesystem::path bucket =
          std::filesystem::path(stack_->StorageDir(region)) / "my-bucket";
      std::error_code error;
      for (auto it = std::filesystem::recursive_directory_iterator(bucket / prefix, error);
           !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
        if (it->is_regular_file()) keys.push_back(std::filesystem::relative(it->path(), bucket));
      }
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  // Waits for the query to end, with the API's long-poll: each GET answers when the query ends
  // or after its wait_ms, never earlier while it runs.
  models::Query Finish(models::Query query) {
    constexpr auto kWait = std::chrono::milliseconds(2000);
    for (int i = 0; i < 60 && !models::IsTerminal(query.state); ++i) {
      const auto start = std::chrono::steady_clock::now();
      auto current = client_->GetQuery(query.id, kWait);
      EXPECT_TRUE(current.ok()) << current.status().ToString();
      if (!current.ok()) break;
      query = *current;
      if (!models::IsTerminal(query.state)) {
        EXPECT_GE(std::chrono::steady_clock::now() - start, kWait - std::chrono::milliseconds(10))
            << "the long-poll answered early with query " << query.id << " still running";
      }
    }
    return query;
  }

  // One DuckDB over both regions' files: `transactions` as a view over them. S3 stores are read
  // through one session per server, into a local Parquet copy of each region's rows.
  engine::ResultTable Oracle(const std::string& sql) {
    // The files read with the table's types (its ColumnTypes: money as DECIMAL), as every
    // reader of the table reads them.
    auto described = client_->DescribeTable("transactions");
    EXPECT_TRUE(described.ok()) << described.status().ToString();
    if (!described.ok()) return engine::ResultTable();
    const models::TableDefinition& table = described->table;
    std::string files;
    for (const char* region : {"us", "eu"}) {
      const std::string url = stack_->StoreUrl(region);
      std::string glob = stack_->StorageDir(region) + "/my-bucket/transactions/**/*.jsonl";
      if (!url.empty()) {
        engine::SessionOptions options;
        options.s3.environment = {{"DUCKDB_S3_ENDPOINT", url},
                                  {"AWS_ACCESS_KEY_ID", devstack::S3rverProcess::kAccessKey},
                                  {"AWS_SECRET_ACCESS_KEY", devstack::S3rverProcess::kSecretKey}};
        const std::string copy = (dir_ / (std::string("oracle-") + region + ".parquet")).string();
        auto copied = engine::Session::Open(options).value()->Query(
            "COPY (SELECT * FROM " +
            TypedReaderCall(table, "'s3://my-bucket/transactions/**/*.jsonl'") + ") TO '" + copy +
            "' (FORMAT parquet)");
        EXPECT_TRUE(copied.ok()) << copied.status().ToString();
        glob = copy;
      }
      files += (files.empty() ? "'" : ", '") + glob + "'";
    }
    const bool s3 = !stack_->StoreUrl("us").empty();
    auto session = engine::Session::Open({}).value();
    auto view = session->Query(
        "CREATE VIEW transactions AS SELECT * FROM " +
        (s3 ? "read_parquet([" + files + "])" : TypedReaderCall(table, "[" + files + "]")));
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    auto result = session->Query(sql);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : engine::ResultTable();
  }
};

// Cells of the answer's result.json against the oracle's: exact, doubles within 1e-12 relative.
inline void ExpectSameAnswer(const engine::ResultTable& oracle, const std::string& result_json,
                             const std::string& sql) {
  auto answer = nlohmann::json::parse(result_json);
  ASSERT_EQ(answer["Columns"].size(), oracle.columns().size()) << sql;
  for (size_t c = 0; c < oracle.columns().size(); ++c) {
    EXPECT_EQ(answer["Columns"][c]["Name"], oracle.columns()[c].name) << sql;
    EXPECT_EQ(answer["Columns"][c]["Type"], oracle.columns()[c].type) << sql;
  }
  ASSERT_EQ(answer["Rows"].size(), oracle.rows().size()) << sql;
  for (size_t r = 0; r < oracle.rows().size(); ++r) {
    for (size_t c = 0; c < oracle.columns().size(); ++c) {
      const auto expected = format::CellToJson(oracle.rows()[r][c]);
      const auto& got = answer["Rows"][r][c];
      if (oracle.columns()[c].type == "DOUBLE" && expected.is_number() && got.is_number()) {
        const double x = expected.get<double>(), y = got.get<double>();
        EXPECT_LE(std::fabs(x - y), 1e-12 * std::max(std::fabs(x), std::fabs(y)))
            << sql << " row " << r << " column " << oracle.columns()[c].name;
      } else {
        EXPECT_EQ(got.dump(), nlohmann::json(expected).dump())
            << sql << " row " << r << " column " << oracle.columns()[c].name;
      }
    }
  }
}

}  // namespace shoal::query::testing

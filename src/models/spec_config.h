// SpecConfig: Bacalhau's universal `{Type, Params}` blob that describes an engine, an input
// source or a publisher. The job schema stays fixed; Type picks the plug-in and the plug-in reads
// its own Params (a JSON object).
//
// Also lists the plug-in types Shoal has and the canonical Params each expects; the job-spec
// decoder turns Bacalhau's spellings (docker images, `localDirectory`) into these.
//
// Thread-safety: plain values.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace shoal::models {

struct SpecConfig {
  std::string type;                                  // lower-case canonical type; "" = unset
  nlohmann::json params = nlohmann::json::object();  // always an object

  bool empty() const { return type.empty(); }
  bool operator==(const SpecConfig&) const = default;
};

// The string `params[field]`, or "" when it is missing or not a string.
inline std::string StringParam(const nlohmann::json& params, const char* field) {
  auto it = params.find(field);
  return it != params.end() && it->is_string() ? it->get<std::string>() : "";
}

// Engines. duckdb: Params {SQL: string}. generator: Params {Args: [string]} (the arguments of
// `shoal generate`, without the command name).
inline constexpr std::string_view kEngineDuckdb = "duckdb";
inline constexpr std::string_view kEngineGenerator = "generator";
// Compacts a columnar table's landing files into Parquet (models/table_state.h CompactionSpec).
inline constexpr std::string_view kEngineCompact = "compact";

// Input sources. local: Params {SourcePath, ReadWrite (bool), CreateAs (noCreate|dir|file)}.
// s3: Params {Bucket, Key, Filter, Region, Endpoint, VersionID, ChecksumSHA256, Partition}.
inline constexpr std::string_view kSourceLocal = "local";
inline constexpr std::string_view kSourceS3 = "s3";

// Publishers. local: no Params (results kept by the orchestrator). s3: Params {Bucket, Key,
// Endpoint, Region, Encoding (gzip|plain)}.
inline constexpr std::string_view kPublisherLocal = "local";
inline constexpr std::string_view kPublisherS3 = "s3";

}  // namespace shoal::models

// Shared pieces of the verbs that talk to the orchestrator (`shoal job|node|agent`): the API
// client from the environment, error reporting with the CLI's exit codes, the --output values
// of listing verbs, and short IDs and times for display.
//
// Thread-safety: pure functions, except that the printing ones write to the given streams.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/api_client.h"
#include "common/status.h"
#include "format/output_format.h"
#include "models/node.h"

namespace shoal::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;        // the operation failed: job failed, server error
inline constexpr int kExitUsage = 2;         // bad usage or input, found before anything was sent
inline constexpr int kExitStillRunning = 3;  // stopped waiting (a --wait-timeout-secs); it runs on

// Prints "<command>: <message>" to stderr and returns `exit_code`.
// `bytes` for people: "512 B", "1.5 KB", "2.3 GB" (powers of 1000).
std::string FormatBytes(int64_t bytes);
// "950", "12.3K", "3.4M", "1.2B".
std::string FormatCount(int64_t count);

int ReportError(std::string_view command, const Status& status, int exit_code);
// Prints "<command>: warning: <message>" to stderr.
void ReportWarning(std::string_view command, std::string_view message);

// The CLI's global flags for talking to the orchestrator, given before the verb (`shoal
// --api-token-file F job list`); each replaces its environment variable.
struct ApiFlags {
  std::string token_file;  // --api-token-file, instead of SHOAL_API_TOKEN(_FILE)
  std::string ca_cert;     // --api-ca-cert, instead of SHOAL_API_CA_CERT
};
// The process's ApiFlags, filled in by the argument parser. REQUIRES: main thread.
ApiFlags& GlobalApiFlags();

// A client for the orchestrator named by SHOAL_API_HOST/SHOAL_API_PORT (or BACALHAU_*), with the
// token and CA of api::ClientSettingsFromEnvironment, or of GlobalApiFlags() when given.
Result<api::ApiClient> ClientFromEnvironment();

// --output of the listing verbs.
enum class ListOutput { kTable, kCsv, kJson, kYaml };
// "table", "csv", "json" or "yaml"; otherwise an error naming the flag and the choices.
Result<ListOutput> ParseListOutput(const std::string& text);
// The printer format for table or csv (json is printed from the models' JSON instead).
format::OutputFormat PrinterFormat(ListOutput output);

// Each node's `region` label, by node ID ("" for a node without one).
std::map<std::string, std::string> NodeRegions(const std::vector<models::Node>& nodes);

// Pretty JSON (2-space indent) and a newline.
void PrintJson(const nlohmann::json& value, std::ostream& out);

// "j-1234abcd" for "j-1234abcd-....": the prefix and the first 8 hex digits of a prefixed UUID
// (as Bacalhau shortens IDs); other IDs (node names) unchanged.
std::string ShortId(std::string_view id);
// The first 8 hex digits of a job ID's UUID ("1234abcd"); the ID itself if it has no UUID.
std::string JobIdDigits(std::string_view id);

int64_t NowUnixNanos();
// Local time "2024-05-01 12:03:04"; "" for 0.
std::string FormatTime(int64_t unix_nanos);
// Local time of day with milliseconds, "12:03:04.123".
std::string FormatTimeOfDay(int64_t unix_nanos);
// "3s ago", "5m ago", "2h ago", "4d ago"; "never" for 0.
std::string FormatAge(int64_t unix_nanos, int64_t now_unix_nanos);

}  // namespace shoal::cli

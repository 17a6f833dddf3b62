#include "cli/api_support.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <iostream>

#include <fmt/format.h>
#include <unistd.h>

#include "common/environment.h"
#include "jobspec/template.h"
#include "models/ids.h"
#include "transport/auth.h"

namespace shoal::cli {

namespace {

// `n` in steps of 1000 with one decimal and the step's unit ("1.2" + sep + "MB"); as it is below
// 1000.
std::string Scaled(int64_t n, const char* const (&units)[5], const char* separator) {
  double value = static_cast<double>(n);
  int unit = 0;
  while (value >= 1000 && unit < 4) {
    value /= 1000;
    ++unit;
  }
  if (unit == 0) return std::to_string(n);
  return fmt::format("{:.1f}{}{}", value, separator, units[unit]);
}

}  // namespace

std::string FormatBytes(int64_t bytes) {
  static const char* const kUnits[5] = {"B", "KB", "MB", "GB", "TB"};
  return bytes < 1000 ? fmt::format("{} B", bytes) : Scaled(bytes, kUnits, " ");
}

std::string FormatCount(int64_t count) {
  static const char* const kUnits[5] = {"", "K", "M", "B", "T"};
  return Scaled(count, kUnits, "");
}

int ReportError(std::string_view command, const Status& status, int exit_code) {
  std::cerr << command << ": " << status.message() << "\n";
  return exit_code;
}

void ReportWarning(std::string_view command, std::string_view message) {
  std::cerr << command << ": warning: " << message << "\n";
}

ApiFlags& GlobalApiFlags() {
  static ApiFlags flags;
  return flags;
}

Result<api::ApiClient> ClientFromEnvironment() {
  const ApiFlags& flags = GlobalApiFlags();
  std::map<std::string, std::string> environment = CurrentEnvironment();
  // A flag replaces its variables outright, so a stale one in the environment cannot clash.
  if (!flags.token_file.empty()) {
    environment.erase("SHOAL_API_TOKEN");
    environment.erase("SHOAL_API_TOKEN_FILE");
  }
  if (!flags.ca_cert.empty()) environment.erase("SHOAL_API_CA_CERT");
  SHOAL_ASSIGN_OR_RETURN(api::ClientSettings settings,
                         api::ClientSettingsFromEnvironment(environment));
  if (!flags.token_file.empty()) {
    SHOAL_ASSIGN_OR_RETURN(settings.http.bearer_token,
                           transport::ReadTokenFile(flags.token_file, "--api-token-file"));
  }
  if (!flags.ca_cert.empty()) {
    if (!settings.endpoint.tls) {
      return Status::InvalidArgument(
          "--api-ca-cert is for an https orchestrator: set SHOAL_API_HOST=https://" +
          settings.endpoint.host);
    }
    if (::access(flags.ca_cert.c_str(), R_OK) != 0) {
      return Status::InvalidArgument("--api-ca-cert: cannot read '" + flags.ca_cert + "'");
    }
    settings.http.ca_cert_file = flags.ca_cert;
  }
  return api::ApiClient(std::move(settings.endpoint), std::move(settings.http));
}

Result<ListOutput> ParseListOutput(const std::string& text) {
  if (text == "table") return ListOutput::kTable;
  if (text == "csv") return ListOutput::kCsv;
  if (text == "json") return ListOutput::kJson;
  if (text == "yaml") return ListOutput::kYaml;
  return Status::InvalidArgument("--output: unknown format '" + text +
                                 "'; use table, csv, json or yaml");
}

format::OutputFormat PrinterFormat(ListOutput output) {
  return output == ListOutput::kCsv ? format::OutputFormat::kCsv : format::OutputFormat::kTable;
}

std::map<std::string, std::string> NodeRegions(const std::vector<models::Node>& nodes) {
  std::map<std::string, std::string> regions;
  for (const models::Node& node : nodes) {
    auto region = node.labels.find("region");
    regions[node.id] = region == node.labels.end() ? "" : region->second;
  }
  return regions;
}

void PrintJson(const nlohmann::json& value, std::ostream& out) {
  out << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

std::string ShortId(std::string_view id) {
  constexpr size_t kPrefix = 2;  // "j-", "e-", "n-"
  constexpr size_t kShortLength = kPrefix + 8;
  if (id.size() > kPrefix && id[1] == '-' && models::IsUuid(id.substr(kPrefix))) {
    return std::string(id.substr(0, kShortLength));
  }
  return std::string(id);
}

std::string JobIdDigits(std::string_view id) {
  std::string short_id = ShortId(id);
  return short_id.size() > 2 && short_id != id ? short_id.substr(2) : std::string(id);
}

int64_t NowUnixNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

std::tm LocalTime(int64_t unix_nanos) {
  std::time_t seconds = static_cast<std::time_t>(unix_nanos / 1'000'000'000);
  std::tm local{};
  localtime_r(&seconds, &local);
  return local;
}

}  // namespace

std::string FormatTime(int64_t unix_nanos) {
  if (unix_nanos == 0) return "";
  std::tm t = LocalTime(unix_nanos);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", t.tm_year + 1900, t.tm_mon + 1,
                     t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec);
}

std::string FormatTimeOfDay(int64_t unix_nanos) {
  std::tm t = LocalTime(unix_nanos);
  return fmt::format("{:02}:{:02}:{:02}.{:03}", t.tm_hour, t.tm_min, t.tm_sec,
                     (unix_nanos / 1'000'000) % 1000);
}

std::string FormatAge(int64_t unix_nanos, int64_t now_unix_nanos) {
  if (unix_nanos == 0) return "never";
  int64_t seconds = std::max<int64_t>(0, (now_unix_nanos - unix_nanos) / 1'000'000'000);
  if (seconds < 60) return fmt::format("{}s ago", seconds);
  if (seconds < 3600) return fmt::format("{}m ago", seconds / 60);
  if (seconds < 86400) return fmt::format("{}h ago", seconds / 3600);
  return fmt::format("{}d ago", seconds / 86400);
}

}  // namespace shoal::cli

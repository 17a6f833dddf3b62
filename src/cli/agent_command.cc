// `shoal agent alive|version`: is the orchestrator up, and which version it runs.
#include <iostream>
#include <memory>

#include "cli/api_support.h"
#include "cli/command.h"

namespace shoal::cli {

namespace {

int Alive() {
  constexpr std::string_view kCommand = "shoal agent alive";
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return ReportError(kCommand, client.status(), kExitUsage);
  Status alive = client->Alive();
  if (!alive.ok()) return ReportError(kCommand, alive, kExitFailed);
  std::cout << "OK\n";
  return kExitOk;
}

int Version(const std::string& output) {
  constexpr std::string_view kCommand = "shoal agent version";
  if (output != "text" && output != "json") {
    return ReportError(
        kCommand,
        Status::InvalidArgument("--output: unknown format '" + output + "'; use text or json"),
        kExitUsage);
  }
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return ReportError(kCommand, client.status(), kExitUsage);
  Result<api::AgentVersion> version = client->Version();
  if (!version.ok()) return ReportError(kCommand, version.status(), kExitFailed);
  if (output == "json") {
    PrintJson({{"Version", version->version}, {"DuckDB", version->duckdb}}, std::cout);
  } else {
    std::cout << "shoal " << version->version;
    if (!version->duckdb.empty()) std::cout << " (DuckDB " << version->duckdb << ")";
    std::cout << " at " << client->endpoint().ToString() << "\n";
  }
  return kExitOk;
}

}  // namespace

void AddAgentCommand(CLI::App& app, int& exit_code) {
  CLI::App* agent = app.add_subcommand("agent", "Ask the orchestrator about itself");
  agent->require_subcommand(1);
  agent->add_subcommand("alive", "Print OK when the orchestrator answers (exit 1 otherwise)")
      ->callback([&exit_code] { exit_code = Alive(); });
  auto output = std::make_shared<std::string>("text");
  CLI::App* version = agent->add_subcommand("version", "Print the orchestrator's version");
  version->add_option("--output", *output, "text or json")->capture_default_str();
  version->callback([output, &exit_code] { exit_code = Version(*output); });
}

}  // namespace shoal::cli

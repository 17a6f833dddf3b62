#include <iostream>

#include "cli/api_support.h"
#include "cli/command.h"

namespace shoal::cli {

namespace {

// The deepest subcommand parsed so far, and its name ("shoal table compact").
std::pair<const CLI::App*, std::string> ParsedCommand(const CLI::App& app) {
  std::string command = "shoal";
  const CLI::App* current = &app;
  while (true) {
    const auto selected = current->get_subcommands();
    if (selected.empty()) return {current, command};
    current = selected.front();
    command += " " + current->get_name();
  }
}

// For a command that needs a verb and got none: what was typed instead, and the verbs there are
// ("unknown command 'frob'; the commands are: run, validate, ..."); empty otherwise.
std::string MissingVerb(const CLI::App& command) {
  const auto verbs = command.get_subcommands([](const CLI::App*) { return true; });
  if (verbs.empty() || !command.get_subcommands().empty()) return "";
  std::string names;
  for (const CLI::App* verb : verbs) names += (names.empty() ? "" : ", ") + verb->get_name();
  const std::vector<std::string> typed = command.remaining();
  if (typed.empty()) return "a command is needed, one of: " + names;
  return "unknown command '" + typed.front() + "'; the commands are: " + names;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"Shoal: a distributed data warehouse that runs SQL where the data lives"};
  app.name("shoal");
  app.require_subcommand(1);
  app.set_version_flag("--version", "shoal 0.1.0 (DuckDB 1.4.4)");
  // Before the verb only: `shoal --api-token-file F job list`.
  app.add_option("--api-token-file", GlobalApiFlags().token_file,
                 "job/node/agent/table: file holding the orchestrator's client token (instead of "
                 "SHOAL_API_TOKEN or SHOAL_API_TOKEN_FILE)");
  app.add_option("--api-ca-cert", GlobalApiFlags().ca_cert,
                 "job/node/agent/table: CA (PEM) that signed an https orchestrator's certificate "
                 "(instead of SHOAL_API_CA_CERT)");
  int exit_code = 0;
  AddSqlCommand(app, exit_code);
  AddGenerateCommand(app, exit_code);
  AddJobCommand(app, exit_code);
  AddNodeCommand(app, exit_code);
  AddAgentCommand(app, exit_code);
  AddTableCommand(app, exit_code);
  AddQueryCommand(app, exit_code);
  AddServeCommand(app, exit_code);
  AddDevstackCommand(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // As every other error: "shoal <command>: <message>", naming the command being parsed.
    const auto [parsed, command] = ParsedCommand(app);
    const std::string missing = MissingVerb(*parsed);
    std::cerr << command << ": " << (missing.empty() ? e.what() : missing) << "\nRun '" << command
              << " --help' for more information.\n";
    return 2;  // bad usage, whatever CLI11's own code
  }
  return exit_code;
}

}  // namespace shoal::cli

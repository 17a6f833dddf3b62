// `shoal devstack`: an orchestrator and regional compute nodes in one process.
#include <filesystem>
#include <iostream>
#include <sstream>

#include "cli/command.h"
#include "cli/signals.h"
#include "devstack/devstack.h"

namespace shoal::cli {

namespace {

struct DevstackFlags {
  std::string dir = ".shoal-devstack";
  int port = 1234;
  int nodes_per_region = 3;
  std::string regions = "us,eu";
  std::string storage = "folder";
  std::string s3rver;
  std::string ui_dir;
  bool require_approval = false;
};

int RunDevstack(const DevstackFlags& flags) {
  devstack::DevstackOptions options;
  options.dir = flags.dir;
  options.port = flags.port;
  options.nodes_per_region = flags.nodes_per_region;
  options.ui_dir = flags.ui_dir;
  options.require_approval = flags.require_approval;
  if (flags.storage == "s3") {
    options.storage = devstack::StorageKind::kS3;
    options.s3rver = flags.s3rver;
  } else if (flags.storage != "folder") {
    std::cerr << "shoal devstack: --storage: '" << flags.storage << "' is not folder or s3\n";
    return 2;
  }
  options.regions.clear();
  std::stringstream items(flags.regions);
  for (std::string region; std::getline(items, region, ',');) {
    if (region.empty()) continue;
    if (region.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
      std::cerr << "shoal devstack: --regions: '" << region
                << "' must be lower-case letters, digits or '-'\n";
      return 2;
    }
    options.regions.push_back(region);
  }
  BlockStopSignals();
  auto stack = devstack::Devstack::Start(options);
  if (!stack.ok()) {
    std::cerr << "shoal devstack: " << stack.status().message() << "\n";
    return stack.status().code() == ErrorCode::kInvalidArgument ? 2 : 1;
  }
  (*stack)->WaitForNodes(std::chrono::seconds(10));
  std::cout << "Shoal devstack is running: orchestrator on 127.0.0.1:" << (*stack)->port()
            << ", nodes:";
  for (const auto& name : (*stack)->node_names()) std::cout << " " << name;
  // A store as the user reaches it: an S3 endpoint (with its data folder) or a folder.
  auto describe = [&](const std::string& region) {
    const std::string url = (*stack)->StoreUrl(region);
    if (url.empty()) return (*stack)->StorageDir(region);
    return url + " (s3rver, bucket my-bucket, data in " + (*stack)->StorageDir(region) + ")";
  };
  std::cout << "\nRegional stores (storage-local of each region's nodes):\n";
  for (const auto& region : options.regions) {
    std::cout << "  " << region << ": " << describe(region) << "\n";
  }
  std::cout << "Global results store (storage): " << describe("global") << "\n";
  if (options.storage == devstack::StorageKind::kS3) {
    std::cout << "S3 credentials for these stores: AWS_ACCESS_KEY_ID=S3RVER "
                 "AWS_SECRET_ACCESS_KEY=S3RVER\n";
  }
  // The token itself is never printed: it stays in its owner-only file.
  std::cout << "The API asks for a token: the client token is in " << (*stack)->client_token_file()
            << " (mode 0600, new at every start).\n"
            << "\n"
            << "Open the web console at http://127.0.0.1:" << (*stack)->port()
            << "/ (it asks for the client token).\n"
            << "\n"
            << "Point the CLI at it from another terminal:\n"
            << "  export SHOAL_API_HOST=127.0.0.1 SHOAL_API_PORT=" << (*stack)->port() << "\n"
            << "  export SHOAL_API_TOKEN_FILE=" << (*stack)->client_token_file() << "\n"
            << "  shoal node list\n\nPress Ctrl-C to stop." << std::endl;
  WaitForStopSignal();
  std::cout << "devstack stopping" << std::endl;
  (*stack)->Stop();
  return 0;
}

}  // namespace

void AddDevstackCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<DevstackFlags>();
  CLI::App* cmd = app.add_subcommand(
      "devstack", "Run an orchestrator and regional compute nodes on this machine");
  cmd->add_option("--dir", flags->dir, "where state and regional stores live")
      ->capture_default_str();
  cmd->add_option("--port", flags->port, "orchestrator API port (0: any free port)")
      ->capture_default_str();
  cmd->add_option("--nodes-per-region", flags->nodes_per_region, "compute nodes per region")
      ->capture_default_str();
  cmd->add_option("--regions", flags->regions, "comma-separated regions")->capture_default_str();
  cmd->add_option("--storage", flags->storage,
                  "stores: folder (folders under --dir) or s3 (one local S3 server per region "
                  "and a global one)")
      ->capture_default_str();
  cmd->add_option("--s3rver", flags->s3rver,
                  "with --storage s3: the s3rver program (default: .deps/s3rver from make setup)");
  cmd->add_option("--ui-dir", flags->ui_dir,
                  "serve the web console's files from this folder (developing it)");
  cmd->add_flag("--require-approval", flags->require_approval,
                "nodes that join from outside wait until approved (the devstack's own are "
                "approved)");
  cmd->callback([flags, &exit_code] { exit_code = RunDevstack(*flags); });
}

}  // namespace shoal::cli

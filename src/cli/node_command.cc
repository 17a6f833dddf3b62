// `shoal node list|describe|approve|reject`: the compute nodes the orchestrator knows (and
// `shoal node token`, node_token_command.cc).
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/api_support.h"
#include "cli/command.h"
#include "cli/result_table.h"
#include "models/json_codec.h"

namespace shoal::cli {

namespace {

std::string LabelsText(const std::map<std::string, std::string>& labels) {
  std::string text;
  for (const auto& [key, value] : labels) text += (text.empty() ? "" : ",") + key + "=" + value;
  return text;
}

std::string CapacityText(const models::NodeCapacity& c) {
  constexpr double kGigabyte = 1e9;
  return fmt::format("CPU {}m, memory {:.1f} GB, disk {:.1f} GB, GPU {}, {} concurrent executions",
                     c.cpu_millis, static_cast<double>(c.memory_bytes) / kGigabyte,
                     static_cast<double>(c.disk_bytes) / kGigabyte, c.gpu, c.max_executions);
}

int ListNodes(const std::string& output_text) {
  constexpr std::string_view kCommand = "shoal node list";
  Result<ListOutput> output = ParseListOutput(output_text);
  if (!output.ok()) return ReportError(kCommand, output.status(), kExitUsage);
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return ReportError(kCommand, client.status(), kExitUsage);
  Result<std::vector<models::Node>> nodes = client->ListNodes();
  if (!nodes.ok()) return ReportError(kCommand, nodes.status(), kExitFailed);
  if (*output == ListOutput::kJson) {
    nlohmann::json array = nlohmann::json::array();
    for (const models::Node& node : *nodes) array.push_back(models::ToJson(node));
    PrintJson(array, std::cout);
    return kExitOk;
  }
  int64_t now = NowUnixNanos();
  Table table = Table::WithColumns({"ID", "LABELS", "MEMBERSHIP", "CONNECTION", "LAST HEARTBEAT"});
  for (const models::Node& node : *nodes) {
    table.AddTextRow(
        {node.id, LabelsText(node.labels), std::string(models::ToString(node.membership)),
         std::string(models::ToString(node.connection)), FormatAge(node.last_heartbeat, now)});
  }
  Status printed = PrintTable(table, PrinterFormat(*output), std::cout);
  return printed.ok() ? kExitOk : ReportError(kCommand, printed, kExitFailed);
}

void PrintNode(const models::Node& node) {
  std::string engines;
  for (const std::string& engine : node.engines) engines += (engines.empty() ? "" : ", ") + engine;
  std::string stores;
  for (const models::NodeStore& store : node.stores) {
    stores += (stores.empty() ? "" : ", ") + store.name + " (" + store.location + ")";
  }
  std::string heartbeat = FormatAge(node.last_heartbeat, NowUnixNanos());
  if (node.last_heartbeat != 0) heartbeat += " (" + FormatTime(node.last_heartbeat) + ")";
  std::cout << "ID:             " << node.id << "\n"
            << "Labels:         " << LabelsText(node.labels) << "\n"
            << "Membership:     " << models::ToString(node.membership) << "\n"
            << "Connection:     " << models::ToString(node.connection) << "\n"
            << "Last heartbeat: " << heartbeat << "\n"
            << "Engines:        " << engines << "\n"
            << "Stores:         " << (stores.empty() ? "none" : stores) << "\n"
            << "Capacity:       " << CapacityText(node.capacity) << "\n"
            << "Version:        " << node.version << "\n";
}

int Describe(const std::string& id, const std::string& output) {
  constexpr std::string_view kCommand = "shoal node describe";
  if (output != "text" && output != "json") {
    return ReportError(
        kCommand,
        Status::InvalidArgument("--output: unknown format '" + output + "'; use text or json"),
        kExitUsage);
  }
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return ReportError(kCommand, client.status(), kExitUsage);
  Result<models::Node> node = client->GetNode(id);
  if (!node.ok()) return ReportError(kCommand, node.status(), kExitFailed);
  if (output == "json") {
    PrintJson(models::ToJson(*node), std::cout);
  } else {
    PrintNode(*node);
  }
  return kExitOk;
}

int SetMembership(const std::string& id, bool approve) {
  const std::string command = approve ? "shoal node approve" : "shoal node reject";
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return ReportError(command, client.status(), kExitUsage);
  Result<models::Node> node = approve ? client->ApproveNode(id) : client->RejectNode(id);
  if (!node.ok()) return ReportError(command, node.status(), kExitFailed);
  std::cout << "node " << node->id << " is " << models::ToString(node->membership) << "\n";
  return kExitOk;
}

}  // namespace

void AddNodeCommand(CLI::App& app, int& exit_code) {
  CLI::App* node = app.add_subcommand("node", "List and manage compute nodes");
  node->require_subcommand(1);

  auto list_output = std::make_shared<std::string>("table");
  CLI::App* verb = node->add_subcommand("list", "List the nodes the orchestrator knows");
  verb->add_option("--output", *list_output, "table, csv or json")->capture_default_str();
  verb->callback([list_output, &exit_code] { exit_code = ListNodes(*list_output); });

  struct DescribeFlags {
    std::string id;
    std::string output = "text";
  };
  auto describe = std::make_shared<DescribeFlags>();
  verb = node->add_subcommand("describe", "Show one node");
  verb->add_option("id", describe->id, "node ID")->required();
  verb->add_option("--output", describe->output, "text or json")->capture_default_str();
  verb->callback([describe, &exit_code] { exit_code = Describe(describe->id, describe->output); });

  for (bool approve : {true, false}) {
    auto id = std::make_shared<std::string>();
    verb = node->add_subcommand(approve ? "approve" : "reject",
                                approve ? "Let a node receive work" : "Stop a node receiving work");
    verb->add_option("id", *id, "node ID")->required();
    verb->callback([id, approve, &exit_code] { exit_code = SetMembership(*id, approve); });
  }
  AddNodeTokenCommand(*node, exit_code);
}

}  // namespace shoal::cli

// `shoal node list|describe|approve|reject|delete`: the compute nodes the orchestrator knows (and
// `shoal node token`, node_token_command.cc).
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/api_support.h"
#include "cli/command.h"
#include "cli/list_output.h"
#include "cli/result_table.h"
#include "models/json_codec.h"
#include "models/selector.h"
#include "models/text.h"

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

std::string EnginesText(const models::Node& node) { return models::JoinComma(node.engines); }

std::string StoresText(const models::Node& node) {
  std::string stores;
  for (const models::NodeStore& store : node.stores) {
    stores += (stores.empty() ? "" : ", ") + store.name + " (" + store.location + ")";
  }
  return stores;
}

struct NodeListFlags {
  ListFlags list;
  std::string labels;
  std::string filter_status;
  std::string filter_approval;
  // Column groups besides ID, MEMBERSHIP, CONNECTION and LAST HEARTBEAT: labels (after ID),
  // then capacity, features (engines and stores), version.
  std::vector<std::string> show = {"labels"};
};

// The flags' problem, or Ok; `choices` are the accepted values (upper case).
Status CheckChoice(const std::string& flag, const std::string& value,
                   const std::vector<std::string>& choices) {
  if (value.empty() || std::any_of(choices.begin(), choices.end(), [&](const std::string& choice) {
        return models::EqualsIgnoreCase(choice, value);
      })) {
    return Status::Ok();
  }
  std::string list;
  for (const std::string& choice : choices) list += (list.empty() ? "" : " or ") + choice;
  return Status::InvalidArgument(flag + ": unknown value '" + value + "'; use " + list);
}

int ListNodes(const NodeListFlags& flags) {
  constexpr std::string_view kCommand = "shoal node list";
  Result<ListOutput> output = ParseListOutput(flags.list.output);
  if (!output.ok()) return ReportError(kCommand, output.status(), kExitUsage);
  Status valid = CheckChoice("--filter-status", flags.filter_status, {"CONNECTED", "DISCONNECTED"});
  if (valid.ok()) {
    valid = CheckChoice("--filter-approval", flags.filter_approval,
                        {"PENDING", "APPROVED", "REJECTED"});
  }
  for (const std::string& group : flags.show) {
    if (!valid.ok()) break;
    valid = CheckChoice("--show", group, {"LABELS", "CAPACITY", "FEATURES", "VERSION"});
  }
  if (!valid.ok()) return ReportError(kCommand, valid, kExitUsage);
  Result<std::vector<models::LabelSelector>> labels = models::ParseLabelSelectors(flags.labels);
  if (!labels.ok()) {
    return ReportError(kCommand, labels.status().WithContext("--labels"), kExitUsage);
  }
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return ReportError(kCommand, client.status(), kExitUsage);
  Result<std::vector<models::Node>> nodes = client->ListNodes();
  if (!nodes.ok()) return ReportError(kCommand, nodes.status(), kExitFailed);
  std::erase_if(*nodes, [&](const models::Node& node) {
    return !models::MatchesAll(*labels, node.labels) ||
           (!flags.filter_status.empty() &&
            !models::EqualsIgnoreCase(flags.filter_status, models::ToString(node.connection))) ||
           (!flags.filter_approval.empty() &&
            !models::EqualsIgnoreCase(flags.filter_approval, models::ToString(node.membership)));
  });
  if (IsStructured(*output)) {
    nlohmann::json array = nlohmann::json::array();
    for (const models::Node& node : *nodes) array.push_back(models::ToJson(node));
    PrintStructured(*output, array, std::cout);
    return kExitOk;
  }
  auto shown = [&](const char* group) {
    return std::any_of(flags.show.begin(), flags.show.end(),
                       [&](const std::string& g) { return models::EqualsIgnoreCase(g, group); });
  };
  std::vector<std::string> columns = {"ID"};
  if (shown("labels")) columns.push_back("LABELS");
  columns.insert(columns.end(), {"MEMBERSHIP", "CONNECTION", "LAST HEARTBEAT"});
  if (shown("capacity")) {
    columns.insert(columns.end(), {"CPU", "MEMORY", "DISK", "GPU#", "SLOTS#"});
  }
  if (shown("features")) columns.insert(columns.end(), {"ENGINES", "STORES"});
  if (shown("version")) columns.push_back("VERSION");
  const int64_t now = NowUnixNanos();
  Table table = Table::WithColumns(columns);
  for (const models::Node& node : *nodes) {
    std::vector<std::string> row = {node.id};
    if (shown("labels")) row.push_back(LabelsText(node.labels));
    row.insert(row.end(), {std::string(models::ToString(node.membership)),
                           std::string(models::ToString(node.connection)),
                           FormatAge(node.last_heartbeat, now)});
    if (shown("capacity")) {
      const models::NodeCapacity& c = node.capacity;
      row.insert(row.end(), {fmt::format("{}m", c.cpu_millis), FormatBytes(c.memory_bytes),
                             FormatBytes(c.disk_bytes), std::to_string(c.gpu),
                             std::to_string(c.max_executions)});
    }
    if (shown("features")) row.insert(row.end(), {EnginesText(node), StoresText(node)});
    if (shown("version")) row.push_back(node.version);
    table.AddTextRow(row);
  }
  Status printed = PrintListTable(table, *output, flags.list, std::cout);
  return printed.ok() ? kExitOk : ReportError(kCommand, printed, kExitFailed);
}

void PrintNode(const models::Node& node) {
  const std::string stores = StoresText(node);
  std::string heartbeat = FormatAge(node.last_heartbeat, NowUnixNanos());
  if (node.last_heartbeat != 0) heartbeat += " (" + FormatTime(node.last_heartbeat) + ")";
  std::cout << "ID:             " << node.id << "\n"
            << "Labels:         " << LabelsText(node.labels) << "\n"
            << "Membership:     " << models::ToString(node.membership) << "\n"
            << "Connection:     " << models::ToString(node.connection) << "\n"
            << "Last heartbeat: " << heartbeat << "\n"
            << "Engines:        " << EnginesText(node) << "\n"
            << "Input sources:  " << models::JoinComma(node.input_sources) << "\n"
            << "Publishers:     " << models::JoinComma(node.publishers) << "\n"
            << "Stores:         " << (stores.empty() ? "none" : stores) << "\n"
            << "Capacity:       " << CapacityText(node.capacity) << "\n"
            << "Version:        " << node.version << "\n";
}

int Describe(const std::string& id, const std::string& output) {
  constexpr std::string_view kCommand = "shoal node describe";
  if (output != "text" && output != "json" && output != "yaml") {
    return ReportError(kCommand,
                       Status::InvalidArgument("--output: unknown format '" + output +
                                               "'; use text, json or yaml"),
                       kExitUsage);
  }
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return ReportError(kCommand, client.status(), kExitUsage);
  Result<models::Node> node = client->GetNode(id);
  if (!node.ok()) return ReportError(kCommand, node.status(), kExitFailed);
  if (output == "text") {
    PrintNode(*node);
  } else {
    PrintStructured(output == "yaml" ? ListOutput::kYaml : ListOutput::kJson, models::ToJson(*node),
                    std::cout);
  }
  return kExitOk;
}

int Delete(const std::string& id) {
  constexpr std::string_view kCommand = "shoal node delete";
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return ReportError(kCommand, client.status(), kExitUsage);
  Status deleted = client->DeleteNode(id);
  if (!deleted.ok()) return ReportError(kCommand, deleted, kExitFailed);
  std::cout << "node " << id << " is forgotten (it registers again if it comes back)\n";
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

  auto list = std::make_shared<NodeListFlags>();
  CLI::App* verb = node->add_subcommand("list", "List the nodes the orchestrator knows");
  verb->add_option("--labels", list->labels,
                   "only nodes whose labels match, e.g. 'region=eu' or 'region in (us, eu)'");
  verb->add_option("--filter-status", list->filter_status, "only CONNECTED or DISCONNECTED nodes");
  verb->add_option("--filter-approval", list->filter_approval,
                   "only PENDING, APPROVED or REJECTED nodes");
  verb->add_option("--show", list->show,
                   "column groups: labels, capacity, features (engines, stores), version")
      ->delimiter(',')
      ->capture_default_str();
  AddListFlags(verb, list->list, "table, csv, json or yaml");
  verb->callback([list, &exit_code] { exit_code = ListNodes(*list); });

  struct DescribeFlags {
    std::string id;
    std::string output = "text";
    bool pretty = false;  // Bacalhau's; Shoal's JSON and YAML are always indented
  };
  auto describe = std::make_shared<DescribeFlags>();
  verb = node->add_subcommand("describe", "Show one node");
  verb->add_option("id", describe->id, "node ID")->required();
  verb->add_option("--output", describe->output, "text, json or yaml")->capture_default_str();
  verb->add_flag("--pretty", describe->pretty, "indent json and yaml (they always are)");
  verb->callback([describe, &exit_code] { exit_code = Describe(describe->id, describe->output); });

  auto deleted = std::make_shared<std::string>();
  verb = node->add_subcommand("delete", "Forget a node that is no longer connected");
  verb->add_option("id", *deleted, "node ID")->required();
  verb->callback([deleted, &exit_code] { exit_code = Delete(*deleted); });

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

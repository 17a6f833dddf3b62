// `shoal table create|list|describe|drop`: the logical tables of the warehouse (docs/query.md
// "Tables"), kept by the orchestrator. Flags are checked here before anything is sent (exit 2);
// what the orchestrator refuses exits 1.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli/api_support.h"
#include "cli/command.h"
#include "cli/list_output.h"
#include "cli/result_table.h"
#include "models/table.h"
#include "models/text.h"

namespace shoal::cli {

namespace {

struct CreateFlags {
  std::string name;
  std::string format;
  std::vector<std::string> locations;  // REGION=GLOB
  std::vector<std::string> options;    // KEY=VALUE
  bool replicated = false;
  bool no_inspect = false;
  std::string event_time;
  std::string partition_by;
  std::vector<std::string> warehouses;  // REGION=s3://BUCKET/PREFIX
  std::vector<std::string> types;       // COLUMN=TYPE
};

// "KEY=VALUE" split at the first '='; an error naming `flag` when either side is empty.
Result<std::pair<std::string, std::string>> SplitAssignment(const std::string& text,
                                                            const std::string& flag,
                                                            const std::string& shape) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    return Status::InvalidArgument(flag + ": '" + text + "' is not " + shape);
  }
  return std::make_pair(text.substr(0, eq), text.substr(eq + 1));
}

// A reader option's value: true/false and numbers are typed, "quoted" text is a string without
// its quotes, anything else is a string as written.
nlohmann::json OptionValue(const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    return text.substr(1, text.size() - 2);
  }
  if (auto integer = models::ParseInt64(text)) return *integer;
  char* end = nullptr;
  const double number = std::strtod(text.c_str(), &end);
  if (!text.empty() && end == text.c_str() + text.size() && number - number == 0 &&
      text.find_first_not_of("0123456789+-.eE") == std::string::npos) {
    return number;
  }
  return text;
}

Result<models::TableDefinition> DefinitionFromFlags(const CreateFlags& flags) {
  models::TableDefinition table;
  SHOAL_RETURN_IF_ERROR(models::ValidateIdentifier(flags.name, "the table name"));
  table.name = flags.name;
  if (flags.format != models::kTableFormatJson && flags.format != models::kTableFormatCsv &&
      flags.format != models::kTableFormatParquet) {
    return Status::InvalidArgument("--format: unknown format '" + flags.format +
                                   "'; use json, csv or parquet");
  }
  table.format = flags.format;
  std::set<std::string> regions;
  for (const std::string& text : flags.locations) {
    SHOAL_ASSIGN_OR_RETURN(auto location, SplitAssignment(text, "--location", "REGION=GLOB"));
    const std::string context = "--location " + text;
    SHOAL_RETURN_IF_ERROR(models::ValidateRegionName(location.first).WithContext(context));
    SHOAL_RETURN_IF_ERROR(models::ValidateLocation(location.second).WithContext(context));
    if (!regions.insert(location.first).second) {
      return Status::InvalidArgument("--location: region '" + location.first +
                                     "' is given twice; give one location per region");
    }
    table.locations.push_back({location.first, location.second});
  }
  if (table.locations.empty()) {
    return Status::InvalidArgument("--location REGION=GLOB is required (once per region)");
  }
  for (const std::string& text : flags.options) {
    SHOAL_ASSIGN_OR_RETURN(auto option, SplitAssignment(text, "--option", "KEY=VALUE"));
    SHOAL_RETURN_IF_ERROR(models::ValidateIdentifier(option.first, "--option key"));
    table.reader_options[option.first] = OptionValue(option.second);
  }
  table.replicated = flags.replicated;
  table.event_time = flags.event_time;
  table.partition_by = flags.partition_by;
  for (const std::string& text : flags.warehouses) {
    SHOAL_ASSIGN_OR_RETURN(auto warehouse,
                           SplitAssignment(text, "--warehouse", "REGION=s3://BUCKET/PREFIX"));
    auto location = std::find_if(table.locations.begin(), table.locations.end(),
                                 [&](const auto& l) { return l.region == warehouse.first; });
    if (location == table.locations.end()) {
      return Status::InvalidArgument("--warehouse " + text + ": region '" + warehouse.first +
                                     "' has no --location");
    }
    location->warehouse = warehouse.second;
  }
  for (const std::string& text : flags.types) {
    SHOAL_ASSIGN_OR_RETURN(auto type, SplitAssignment(text, "--type", "COLUMN=TYPE"));
    table.column_types[type.first] = type.second;
  }
  SHOAL_RETURN_IF_ERROR(models::ValidateTableDefinition(table));
  return table;
}

std::string RegionsText(const models::TableDefinition& table) {
  std::vector<std::string> regions;
  for (const auto& location : table.locations) regions.push_back(location.region);
  return models::JoinComma(regions);
}

// "us: 18 files, 123456 bytes; eu: ..." from the last inspection.
std::string StatsText(const models::TableDefinition& table) {
  std::string text;
  for (const auto& location : table.locations) {
    auto stats = table.region_stats.find(location.region);
    if (stats == table.region_stats.end()) continue;
    text += (text.empty() ? "" : "; ") + location.region + ": " +
            std::to_string(stats->second.files) + " files, " + std::to_string(stats->second.bytes) +
            " bytes";
  }
  return text;
}

void ReportWarnings(std::string_view command, const std::vector<std::string>& warnings) {
  for (const std::string& warning : warnings) ReportWarning(command, warning);
}

int Create(const CreateFlags& flags) {
  constexpr std::string_view kCommand = "shoal table create";
  Result<models::TableDefinition> table = DefinitionFromFlags(flags);
  if (!table.ok()) return ReportError(kCommand, table.status(), kExitUsage);
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return ReportError(kCommand, client.status(), kExitUsage);
  api::CreateTableOptions options;
  options.inspect = !flags.no_inspect;
  Result<api::TableResponse> created = client->CreateTable(*table, options);
  if (!created.ok()) return ReportError(kCommand, created.status(), kExitFailed);
  ReportWarnings(kCommand, created->warnings);
  const models::TableDefinition& stored = created->table;
  std::cout << "table " << stored.name << " created";
  if (stored.columns.empty()) {
    std::cout << "; its columns are not known yet\n";
  } else {
    std::cout << ": " << stored.columns.size() << " columns; " << StatsText(stored) << "\n";
  }
  return kExitOk;
}

int ListTables(const std::string& output_text) {
  constexpr std::string_view kCommand = "shoal table list";
  Result<ListOutput> output = ParseListOutput(output_text);
  if (!output.ok()) return ReportError(kCommand, output.status(), kExitUsage);
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return ReportError(kCommand, client.status(), kExitUsage);
  Result<std::vector<models::TableDefinition>> tables = client->ListTables();
  if (!tables.ok()) return ReportError(kCommand, tables.status(), kExitFailed);
  if (IsStructured(*output)) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& table : *tables) array.push_back(models::ToJson(table));
    PrintStructured(*output, array, std::cout);
    return kExitOk;
  }
  Table table = Table::WithColumns({"NAME", "FORMAT", "REGIONS", "COLUMNS#"});
  for (const auto& t : *tables) {
    table.AddTextRow({t.name, t.format, RegionsText(t), std::to_string(t.columns.size())});
  }
  Status printed = PrintTable(table, PrinterFormat(*output), std::cout);
  return printed.ok() ? kExitOk : ReportError(kCommand, printed, kExitFailed);
}

Status PrintDescription(const models::TableDefinition& t) {
  std::string options;
  for (const auto& [key, value] : t.reader_options.items()) {
    options += (options.empty() ? "" : ", ") + key + "=" + value.dump();
  }
  std::cout << "Name:        " << t.name << "\n"
            << "Format:      " << t.format << "\n"
            << "Options:     " << (options.empty() ? "none" : options) << "\n"
            << "Replicated:  " << (t.replicated ? "yes" : "no") << "\n";
  if (t.columnar()) {
    std::cout << "Columnar:    Parquet by " << t.PartitionGranularity() << " of " << t.event_time;
    for (const auto& location : t.locations) {
      std::cout << "; " << location.region << ": " << t.WarehouseOf(location);
    }
    std::cout << " (shoal table compact " << t.name << ")\n";
  }
  std::cout << "Created:     " << FormatTime(t.create_time) << "\n\n";
  if (t.columns.empty()) {
    std::cout << "Columns: not known yet (no files were inspected)\n\n";
  } else {
    Table columns = Table::WithColumns({"COLUMN", "TYPE"});
    for (const auto& column : t.columns) columns.AddTextRow({column.name, column.type});
    SHOAL_RETURN_IF_ERROR(PrintTable(columns, format::OutputFormat::kTable, std::cout));
    std::cout << "\n";
  }
  Table regions = Table::WithColumns({"REGION", "LOCATION", "FILES#", "BYTES#", "INSPECTED"});
  for (const auto& location : t.locations) {
    auto stats = t.region_stats.find(location.region);
    if (stats == t.region_stats.end()) {
      regions.AddTextRow({location.region, location.location, "", "", "never"});
      continue;
    }
    regions.AddTextRow({location.region, location.location, std::to_string(stats->second.files),
                        std::to_string(stats->second.bytes),
                        FormatTime(stats->second.inferred_time)});
  }
  return PrintTable(regions, format::OutputFormat::kTable, std::cout);
}

int Describe(const std::string& name, bool refresh, const std::string& output) {
  constexpr std::string_view kCommand = "shoal table describe";
  if (output != "table" && output != "json") {
    return ReportError(
        kCommand,
        Status::InvalidArgument("--output: unknown format '" + output + "'; use table or json"),
        kExitUsage);
  }
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return ReportError(kCommand, client.status(), kExitUsage);
  Result<api::TableResponse> described = client->DescribeTable(name, refresh);
  if (!described.ok()) return ReportError(kCommand, described.status(), kExitFailed);
  ReportWarnings(kCommand, described->warnings);
  if (output == "json") {
    PrintJson(models::ToJson(described->table), std::cout);
    return kExitOk;
  }
  Status printed = PrintDescription(described->table);
  return printed.ok() ? kExitOk : ReportError(kCommand, printed, kExitFailed);
}

int Drop(const std::string& name) {
  constexpr std::string_view kCommand = "shoal table drop";
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return ReportError(kCommand, client.status(), kExitUsage);
  Status dropped = client->DropTable(name);
  if (!dropped.ok()) return ReportError(kCommand, dropped, kExitFailed);
  std::cout << "table " << name << " dropped\n";
  return kExitOk;
}

}  // namespace

void AddTableCommand(CLI::App& app, int& exit_code) {
  CLI::App* table = app.add_subcommand("table", "Define and inspect logical tables");
  table->require_subcommand(1);

  auto create = std::make_shared<CreateFlags>();
  CLI::App* verb = table->add_subcommand(
      "create", "Define a table over files in each region; its columns are inferred there");
  verb->add_option("name", create->name, "table name (letters, digits, _)")->required();
  verb->add_option("--format", create->format, "json, csv or parquet")->required();
  verb->add_option("--location", create->locations,
                   "REGION=GLOB, e.g. us=s3://my-bucket/transactions/**/*.jsonl (once per "
                   "region; read from the region's storage-local store)")
      ->required();
  verb->add_option("--option", create->options,
                   "KEY=VALUE DuckDB reader option, e.g. header=true (repeatable)");
  verb->add_flag("--replicated", create->replicated,
                 "the same files are in every region (a small dimension table)");
  verb->add_option("--type", create->types,
                   "COLUMN=TYPE: read this column with this DuckDB type instead of the inferred "
                   "one, e.g. total_amount='DECIMAL(18,2)' (repeatable)");
  verb->add_option("--event-time", create->event_time,
                   "columnar storage: the TIMESTAMP or DATE column that partitions the Parquet "
                   "files (see shoal table compact)");
  verb->add_option("--partition-by", create->partition_by,
                   "with --event-time: year, month (default) or day");
  verb->add_option("--warehouse", create->warehouses,
                   "with --event-time: REGION=s3://BUCKET/PREFIX, where the region's Parquet "
                   "files go (default: s3://BUCKET/warehouse/NAME beside the location)");
  verb->add_flag("--no-inspect", create->no_inspect,
                 "store the definition without inferring its columns now");
  verb->callback([create, &exit_code] { exit_code = Create(*create); });

  auto list_output = std::make_shared<std::string>("table");
  verb = table->add_subcommand("list", "List the tables");
  verb->add_option("--output", *list_output, "table, csv, json or yaml")->capture_default_str();
  verb->callback([list_output, &exit_code] { exit_code = ListTables(*list_output); });

  struct DescribeFlags {
    std::string name;
    bool refresh = false;
    std::string output = "table";
  };
  auto describe = std::make_shared<DescribeFlags>();
  verb = table->add_subcommand("describe", "Show a table's columns and its files per region");
  verb->add_option("name", describe->name, "table name")->required();
  verb->add_flag("--refresh", describe->refresh, "infer the columns again from the files");
  verb->add_option("--output", describe->output, "table or json")->capture_default_str();
  verb->callback([describe, &exit_code] {
    exit_code = Describe(describe->name, describe->refresh, describe->output);
  });

  auto drop = std::make_shared<std::string>();
  verb = table->add_subcommand("drop", "Remove a table's definition (its files stay)");
  verb->add_option("name", *drop, "table name")->required();
  verb->callback([drop, &exit_code] { exit_code = Drop(*drop); });

  AddTableCompactCommand(*table, exit_code);
}

}  // namespace shoal::cli

#include "cli/job_output.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <sstream>
#include <tuple>

#include "cli/list_output.h"

namespace shoal::cli {

namespace {

constexpr const char* kResultJson = "result.json";
constexpr const char* kStdoutFile = "stdout";

bool HasFile(const models::ExecutionResults& result, const std::string& path) {
  return std::any_of(result.files.begin(), result.files.end(),
                     [&](const models::ResultFile& file) { return file.path == path; });
}

// Where an `s3` publisher put the execution's results, for the outputs of executions whose
// files the orchestrator does not hold.
void DescribeStore(const models::SpecConfig& published, const std::string& region,
                   ExecutionOutput* output) {
  const std::string bucket = models::StringParam(published.params, "Bucket");
  const std::string key = models::StringParam(published.params, "Key");
  const std::string store = models::StringParam(published.params, "Store");
  output->stored_at = "s3://" + bucket + "/" + key;
  std::string details = store.empty() ? "" : "store " + store;
  if (!region.empty()) {
    details += (details.empty() ? "" : ", ") + std::string("from region ") + region;
  }
  if (!details.empty()) output->stored_at += " (" + details + ")";
  output->stored_json = {
      {"Type", "s3"},     {"Bucket", bucket},
      {"Key", key},       {"Store", store},
      {"Region", region}, {"Encoding", models::StringParam(published.params, "Encoding")}};
}

Result<ExecutionOutput> FetchOne(const api::ApiClient& client, const models::Job& job,
                                 models::ExecutionResults result) {
  ExecutionOutput output;
  const std::string label = ExecutionLabel(job, result);
  if (HasFile(result, kResultJson)) {
    Result<std::string> bytes = client.ResultFileBytes(job.id, result.execution_id, kResultJson);
    if (!bytes.ok()) return bytes.status().WithContext(label);
    Result<Table> table = ParseResultJson(*bytes);
    if (!table.ok()) {
      return Status::Internal(label + ": result.json of execution " + result.execution_id +
                              " is not readable: " + table.status().message());
    }
    output.table = std::move(table).value();
  } else if (HasFile(result, kStdoutFile)) {
    // The published stdout is complete; the logs endpoint keeps only the first 2 KB.
    Result<std::string> bytes = client.ResultFileBytes(job.id, result.execution_id, kStdoutFile);
    if (!bytes.ok()) return bytes.status().WithContext(label);
    output.stdout_text = std::move(bytes).value();
  } else {
    Result<std::vector<api::ExecutionLogs>> logs = client.Logs(job.id, result.execution_id);
    if (!logs.ok()) return logs.status().WithContext(label);
    for (const api::ExecutionLogs& log : *logs) {
      if (log.execution_id == result.execution_id) output.stdout_text = log.stdout_text;
    }
  }
  output.result = std::move(result);
  return output;
}

// "partition 0 on compute-us-1: s3://..., partition 1 ...": the executions whose results stayed
// in their stores, for the errors of formats that need every table here.
std::string StoredList(const models::Job& job, const std::vector<ExecutionOutput>& outputs) {
  std::string list;
  for (const ExecutionOutput& o : outputs) {
    if (o.stored_at.empty()) continue;
    list += (list.empty() ? "" : "; ") + ExecutionLabel(job, o.result) + ": " + o.stored_at;
  }
  return list;
}

std::string FetchHint(const models::Job& job) {
  return "`shoal job get " + job.id +
         "` downloads them (a node of their region reads them back for you)";
}

void PrintStdout(const std::string& text, std::ostream& out) {
  out << text;
  if (!text.empty() && text.back() != '\n') out << "\n";
}

nlohmann::ordered_json Envelope(const models::Job& job) {
  return {{"JobID", job.id}, {"State", std::string(models::ToString(job.state.state_type))}};
}

Status PrintMerged(const models::Job& job, const std::vector<ExecutionOutput>& outputs,
                   ListOutput output, std::ostream& out) {
  std::vector<const Table*> tables;
  std::vector<std::string> labels;
  const std::string stored = StoredList(job, outputs);
  if (!stored.empty()) {
    return Status::FailedPrecondition(
        "cannot merge: the results stayed in their region's store, not on the orchestrator (" +
        stored + "); " + FetchHint(job));
  }
  for (const ExecutionOutput& o : outputs) {
    if (!o.table) {
      return Status::InvalidArgument("cannot merge: " + ExecutionLabel(job, o.result) +
                                     " published no result table (its output is text: see "
                                     "`shoal job logs " +
                                     job.id + "`)");
    }
    tables.push_back(&*o.table);
    labels.push_back(ExecutionLabel(job, o.result));
  }
  SHOAL_ASSIGN_OR_RETURN(Table merged, MergeTables(tables, labels));
  if (!IsStructured(output)) return PrintTable(merged, PrinterFormat(output), out);
  nlohmann::ordered_json json = Envelope(job);
  json["Columns"] = ColumnsJson(merged);
  json["Rows"] = RowsJson(merged);
  PrintStructured(output, json, out);
  return Status::Ok();
}

}  // namespace

std::string ExecutionLabel(const models::Job& job, const models::ExecutionResults& result) {
  if (job.type == models::JobType::kOps) return "node " + result.node_id;
  return "partition " + std::to_string(result.partition_index) + " on " + result.node_id;
}

Result<std::vector<ExecutionOutput>> FetchExecutionOutputs(const api::ApiClient& client,
                                                           const models::Job& job) {
  SHOAL_ASSIGN_OR_RETURN(std::vector<models::ExecutionResults> results, client.Results(job.id));
  std::sort(results.begin(), results.end(), [](const auto& a, const auto& b) {
    return std::tie(a.partition_index, a.node_id) < std::tie(b.partition_index, b.node_id);
  });
  // Results published to an s3 store are here only if someone fetched them (`job get`).
  std::map<std::string, models::SpecConfig> in_stores;
  if (job.task.publisher.type == models::kPublisherS3) {
    SHOAL_ASSIGN_OR_RETURN(std::vector<models::Execution> executions,
                           client.ListExecutions(job.id));
    for (models::Execution& e : executions) {
      if (e.published_result.type == models::kPublisherS3) {
        in_stores[e.id] = std::move(e.published_result);
      }
    }
  }
  std::map<std::string, std::string> regions;  // node id -> its region label
  if (!in_stores.empty()) {
    SHOAL_ASSIGN_OR_RETURN(std::vector<models::Node> nodes, client.ListNodes());
    regions = NodeRegions(nodes);
  }
  std::vector<ExecutionOutput> outputs;
  for (models::ExecutionResults& result : results) {
    auto stored = in_stores.find(result.execution_id);
    if (stored != in_stores.end() && result.files.empty()) {
      ExecutionOutput output;
      DescribeStore(stored->second, regions[result.node_id], &output);
      output.result = std::move(result);
      outputs.push_back(std::move(output));
      continue;
    }
    SHOAL_ASSIGN_OR_RETURN(ExecutionOutput output, FetchOne(client, job, std::move(result)));
    outputs.push_back(std::move(output));
  }
  return outputs;
}

Status PrintExecutionOutputs(const models::Job& job, const std::vector<ExecutionOutput>& outputs,
                             ListOutput output, bool merge, std::ostream& out) {
  if (merge) return PrintMerged(job, outputs, output, out);
  if (IsStructured(output)) {
    nlohmann::ordered_json json = Envelope(job);
    nlohmann::ordered_json executions = nlohmann::ordered_json::array();
    for (const ExecutionOutput& o : outputs) {
      nlohmann::ordered_json item{{"ExecutionID", o.result.execution_id},
                                  {"NodeID", o.result.node_id},
                                  {"PartitionIndex", o.result.partition_index}};
      if (o.table) {
        item["Columns"] = ColumnsJson(*o.table);
        item["Rows"] = RowsJson(*o.table);
      } else if (!o.stored_at.empty()) {
        item["PublishedTo"] = o.stored_json;
      } else {
        item["Stdout"] = o.stdout_text;
      }
      executions.push_back(std::move(item));
    }
    json["Executions"] = std::move(executions);
    PrintStructured(output, json, out);
    return Status::Ok();
  }
  if (output == ListOutput::kCsv) {
    // CSV is read by programs: text where a table should be would be read as rows.
    const std::string stored = StoredList(job, outputs);
    if (!stored.empty()) {
      return Status::FailedPrecondition(
          "--output csv: the results stayed in their region's store (" + stored + "); " +
          FetchHint(job));
    }
    for (const ExecutionOutput& o : outputs) {
      if (!o.table) {
        return Status::InvalidArgument("--output csv: " + ExecutionLabel(job, o.result) +
                                       " published no result table (its output is text: see "
                                       "`shoal job logs " +
                                       job.id + "`)");
      }
    }
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const ExecutionOutput& o = outputs[i];
    if (i > 0) out << "\n";
    out << ExecutionLabel(job, o.result) << ":\n";
    if (o.table) {
      SHOAL_RETURN_IF_ERROR(PrintTable(*o.table, PrinterFormat(output), out));
    } else if (!o.stored_at.empty()) {
      out << "published to " << o.stored_at << "\n";
    } else {
      PrintStdout(o.stdout_text, out);
    }
  }
  if (!StoredList(job, outputs).empty()) {
    out << "\nThe results stayed in their region's store; " << FetchHint(job) << ".\n";
  }
  out.flush();
  return Status::Ok();
}

int PrintCompletedJob(std::string_view command, const api::ApiClient& client,
                      const models::Job& job, ListOutput output, bool merge) {
  Result<std::vector<ExecutionOutput>> outputs = FetchExecutionOutputs(client, job);
  if (!outputs.ok()) return ReportError(command, outputs.status(), kExitFailed);
  // Printed whole or not at all: an error must not follow half a table.
  std::ostringstream printed;
  Status status = PrintExecutionOutputs(job, *outputs, output, merge, printed);
  if (!status.ok()) return ReportError(command, status, kExitFailed);
  if (output == ListOutput::kTable) {
    // The id is what `job get`, `job describe` and a follow-up job (-V JobID=) need.
    std::cout << "job " << job.id << " (" << job.name << ", version " << job.version
              << ") completed\n\n";
  }
  std::cout << printed.str() << std::flush;
  return kExitOk;
}

}  // namespace shoal::cli

#include "cli/job_output.h"

#include <algorithm>
#include <tuple>

namespace shoal::cli {

namespace {

constexpr const char* kResultJson = "result.json";
constexpr const char* kStdoutFile = "stdout";

bool HasFile(const api::ExecutionResult& result, const std::string& path) {
  return std::any_of(result.files.begin(), result.files.end(),
                     [&](const api::ResultFile& file) { return file.path == path; });
}

Result<ExecutionOutput> FetchOne(const api::ApiClient& client, const models::Job& job,
                                 api::ExecutionResult result) {
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
  for (const ExecutionOutput& o : outputs) {
    if (!o.table) {
      return Status::InvalidArgument("cannot merge: " + ExecutionLabel(job, o.result) +
                                     " published no result table (no result.json)");
    }
    tables.push_back(&*o.table);
    labels.push_back(ExecutionLabel(job, o.result));
  }
  SHOAL_ASSIGN_OR_RETURN(Table merged, MergeTables(tables, labels));
  if (output != ListOutput::kJson) return PrintTable(merged, PrinterFormat(output), out);
  nlohmann::ordered_json json = Envelope(job);
  json["Columns"] = ColumnsJson(merged);
  json["Rows"] = RowsJson(merged);
  out << json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return Status::Ok();
}

}  // namespace

std::string ExecutionLabel(const models::Job& job, const api::ExecutionResult& result) {
  if (job.type == models::JobType::kOps) return "node " + result.node_id;
  return "partition " + std::to_string(result.partition_index) + " on " + result.node_id;
}

Result<std::vector<ExecutionOutput>> FetchExecutionOutputs(const api::ApiClient& client,
                                                           const models::Job& job) {
  SHOAL_ASSIGN_OR_RETURN(std::vector<api::ExecutionResult> results, client.Results(job.id));
  std::sort(results.begin(), results.end(), [](const auto& a, const auto& b) {
    return std::tie(a.partition_index, a.node_id) < std::tie(b.partition_index, b.node_id);
  });
  std::vector<ExecutionOutput> outputs;
  for (api::ExecutionResult& result : results) {
    SHOAL_ASSIGN_OR_RETURN(ExecutionOutput output, FetchOne(client, job, std::move(result)));
    outputs.push_back(std::move(output));
  }
  return outputs;
}

Status PrintExecutionOutputs(const models::Job& job, const std::vector<ExecutionOutput>& outputs,
                             ListOutput output, bool merge, std::ostream& out) {
  if (merge) return PrintMerged(job, outputs, output, out);
  if (output == ListOutput::kJson) {
    nlohmann::ordered_json json = Envelope(job);
    nlohmann::ordered_json executions = nlohmann::ordered_json::array();
    for (const ExecutionOutput& o : outputs) {
      nlohmann::ordered_json item{{"ExecutionID", o.result.execution_id},
                                  {"NodeID", o.result.node_id},
                                  {"PartitionIndex", o.result.partition_index}};
      if (o.table) {
        item["Columns"] = ColumnsJson(*o.table);
        item["Rows"] = RowsJson(*o.table);
      } else {
        item["Stdout"] = o.stdout_text;
      }
      executions.push_back(std::move(item));
    }
    json["Executions"] = std::move(executions);
    out << json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return Status::Ok();
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    const ExecutionOutput& o = outputs[i];
    if (i > 0) out << "\n";
    out << ExecutionLabel(job, o.result) << ":\n";
    if (o.table) {
      SHOAL_RETURN_IF_ERROR(PrintTable(*o.table, PrinterFormat(output), out));
    } else {
      PrintStdout(o.stdout_text, out);
    }
  }
  out.flush();
  return Status::Ok();
}

}  // namespace shoal::cli

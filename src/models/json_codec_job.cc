// JSON codec for the submitted side of the model: SpecConfig, LabelSelector, Task, Job.
#include "models/json_codec.h"
#include "models/json_reader.h"

namespace shoal::models {

using nlohmann::json;

Status DecodeSpecConfig(const json& j, const std::string& path, SpecConfig* out) {
  JsonReader r(j, path);
  r.String("Type", &out->type);
  r.Object("Params", &out->params);
  return r.status();
}

namespace {

Status DecodeSelector(const json& j, const std::string& path, LabelSelector* out) {
  JsonReader r(j, path);
  r.String("Key", &out->key);
  r.Enum("Operator", &out->op, &ParseSelectorOperator);
  r.StringList("Values", &out->values);
  return r.status();
}

Status DecodeTask(const json& j, const std::string& path, Task* out) {
  JsonReader r(j, path);
  r.String("Name", &out->name);
  r.Nested("Engine", [&](const json& v, const std::string& p) {
    return DecodeSpecConfig(v, p, &out->engine);
  });
  r.Nested("OriginalEngine", [&](const json& v, const std::string& p) {
    out->original_engine.emplace();
    return DecodeSpecConfig(v, p, &*out->original_engine);
  });
  r.Nested("Publisher", [&](const json& v, const std::string& p) {
    return DecodeSpecConfig(v, p, &out->publisher);
  });
  r.StringMap("Env", &out->env);
  r.List("InputSources", [&](const json& v, const std::string& p) {
    InputSource& input = out->input_sources.emplace_back();
    JsonReader ir(v, p);
    ir.Nested("Source", [&](const json& sv, const std::string& sp) {
      return DecodeSpecConfig(sv, sp, &input.source);
    });
    ir.String("Alias", &input.alias);
    ir.String("Target", &input.target);
    return ir.status();
  });
  r.List("ResultPaths", [&](const json& v, const std::string& p) {
    ResultPath& result = out->result_paths.emplace_back();
    JsonReader rr(v, p);
    rr.String("Name", &result.name);
    rr.String("Path", &result.path);
    return rr.status();
  });
  r.Nested("Resources", [&](const json& v, const std::string& p) {
    JsonReader rr(v, p);
    rr.String("CPU", &out->resources.cpu);
    rr.String("Memory", &out->resources.memory);
    rr.String("Disk", &out->resources.disk);
    rr.String("GPU", &out->resources.gpu);
    return rr.status();
  });
  r.Nested("Network", [&](const json& v, const std::string& p) {
    JsonReader nr(v, p);
    nr.Enum("Type", &out->network.type, &ParseNetworkType);
    nr.StringList("Domains", &out->network.domains);
    return nr.status();
  });
  r.Nested("Timeouts", [&](const json& v, const std::string& p) {
    JsonReader tr(v, p);
    tr.Int("ExecutionTimeout", &out->timeouts.execution_timeout);
    tr.Int("QueueTimeout", &out->timeouts.queue_timeout);
    tr.Int("TotalTimeout", &out->timeouts.total_timeout);
    return tr.status();
  });
  return r.status();
}

}  // namespace

json ToJson(const SpecConfig& spec) {
  return json{{"Type", spec.type},
              {"Params", spec.params.is_null() ? json::object() : spec.params}};
}

json ToJson(const LabelSelector& selector) {
  return json{{"Key", selector.key},
              {"Operator", std::string(ToString(selector.op))},
              {"Values", selector.values}};
}

json ToJson(const Task& task) {
  json j{{"Name", task.name}, {"Engine", ToJson(task.engine)}};
  if (task.original_engine) j["OriginalEngine"] = ToJson(*task.original_engine);
  if (!task.publisher.empty()) j["Publisher"] = ToJson(task.publisher);
  j["Env"] = task.env;
  json inputs = json::array();
  for (const InputSource& input : task.input_sources) {
    json item{{"Source", ToJson(input.source)}, {"Target", input.target}};
    if (!input.alias.empty()) item["Alias"] = input.alias;
    inputs.push_back(std::move(item));
  }
  j["InputSources"] = std::move(inputs);
  json results = json::array();
  for (const ResultPath& result : task.result_paths) {
    results.push_back(json{{"Name", result.name}, {"Path", result.path}});
  }
  j["ResultPaths"] = std::move(results);
  json resources = json::object();
  if (!task.resources.cpu.empty()) resources["CPU"] = task.resources.cpu;
  if (!task.resources.memory.empty()) resources["Memory"] = task.resources.memory;
  if (!task.resources.disk.empty()) resources["Disk"] = task.resources.disk;
  if (!task.resources.gpu.empty()) resources["GPU"] = task.resources.gpu;
  j["Resources"] = std::move(resources);
  j["Network"] = json{{"Type", std::string(ToString(task.network.type))}};
  if (!task.network.domains.empty()) j["Network"]["Domains"] = task.network.domains;
  j["Timeouts"] = json{{"ExecutionTimeout", task.timeouts.execution_timeout},
                       {"QueueTimeout", task.timeouts.queue_timeout},
                       {"TotalTimeout", task.timeouts.total_timeout}};
  return j;
}

json ToJson(const Job& job) {
  json constraints = json::array();
  for (const LabelSelector& c : job.constraints) constraints.push_back(ToJson(c));
  return json{
      {"ID", job.id},
      {"Name", job.name},
      {"Namespace", job.namespace_},
      {"Type", std::string(ToString(job.type))},
      {"Priority", job.priority},
      {"Count", job.count},
      {"Constraints", std::move(constraints)},
      {"Labels", job.labels},
      {"Meta", job.meta},
      {"Tasks", json::array({ToJson(job.task)})},
      {"State", json{{"StateType", std::string(ToString(job.state.state_type))},
                     {"Message", job.state.message}}},
      {"Version", job.version},
      {"Revision", job.revision},
      {"CreateTime", job.create_time},
      {"ModifyTime", job.modify_time},
      {"VersionTime", job.version_time},
  };
}

Result<SpecConfig> SpecConfigFromJson(const json& j) {
  SpecConfig out;
  SHOAL_RETURN_IF_ERROR(DecodeSpecConfig(j, "", &out));
  return out;
}

Result<LabelSelector> LabelSelectorFromJson(const json& j) {
  LabelSelector out;
  SHOAL_RETURN_IF_ERROR(DecodeSelector(j, "", &out));
  return out;
}

Result<Task> TaskFromJson(const json& j) {
  Task out;
  SHOAL_RETURN_IF_ERROR(DecodeTask(j, "", &out));
  return out;
}

Result<Job> JobFromJson(const json& j) {
  Job out;
  JsonReader r(j, "");
  r.String("ID", &out.id);
  r.String("Name", &out.name);
  r.String("Namespace", &out.namespace_);
  r.Enum("Type", &out.type, &ParseJobType);
  r.Int("Priority", &out.priority);
  r.Int("Count", &out.count);
  r.List("Constraints", [&](const json& v, const std::string& p) {
    return DecodeSelector(v, p, &out.constraints.emplace_back());
  });
  r.StringMap("Labels", &out.labels);
  r.StringMap("Meta", &out.meta);
  size_t tasks = 0;
  r.List("Tasks", [&](const json& v, const std::string& p) {
    if (++tasks > 1) {
      return Status::InvalidArgument("Tasks: a job has exactly one task, got " +
                                     std::to_string(j["Tasks"].size()));
    }
    return DecodeTask(v, p, &out.task);
  });
  if (r.status().ok() && j.contains("Tasks") && j["Tasks"].is_array() && j["Tasks"].empty()) {
    return Status::InvalidArgument("Tasks: a job has exactly one task, got 0");
  }
  r.Nested("State", [&](const json& v, const std::string& p) {
    JsonReader sr(v, p);
    sr.Enum("StateType", &out.state.state_type, &ParseJobStateType);
    sr.String("Message", &out.state.message);
    return sr.status();
  });
  r.Int("Version", &out.version);
  r.Int("Revision", &out.revision);
  r.Int("CreateTime", &out.create_time);
  r.Int("ModifyTime", &out.modify_time);
  r.Int("VersionTime", &out.version_time);
  SHOAL_RETURN_IF_ERROR(r.status());
  return out;
}

}  // namespace shoal::models

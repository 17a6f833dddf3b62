#include "jobspec/spec_decoder.h"

#include <set>

#include "jobspec/engine_decoder.h"
#include "jobspec/io_decoder.h"
#include "models/text.h"

namespace shoal::jobspec {
namespace {

std::string Indexed(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

void DecodeEnv(MapReader& r, models::Task* task) {
  std::optional<std::map<std::string, std::string>> env = r.StringMap("Env");
  if (!env) return;
  const YAML::Node node = r.Get("Env");
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string name = it->first.Scalar();
    const std::string path = r.PathOf("Env") + "." + name;
    Status s = models::ValidateEnvName(name);
    if (s.ok()) s = models::ValidateEnvValue(name, (*env)[name]);
    if (!s.ok()) r.problems().Error(LineOf(it->first), path, s.message());
  }
  task->env = std::move(*env);
}

void DecodeResultPaths(Problems& problems, MapReader& r, models::Task* task) {
  const YAML::Node list = r.Get("ResultPaths");
  if (!list.IsDefined()) return;
  if (!list.IsSequence()) {
    r.Error("ResultPaths", "expected a list of {Name, Path}, got " + Describe(list));
    return;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    MapReader item(problems, list[i], Indexed(r.PathOf("ResultPaths"), i), {"Name", "Path"});
    std::optional<std::string> name = item.RequiredString("Name", "the result's folder name");
    std::optional<std::string> path = item.RequiredString("Path", "e.g. /outputs");
    if (name) {
      Status s = models::ValidateResultName(*name);
      if (!s.ok()) item.Error("Name", s.message());
      if (!names.insert(models::ToLowerAscii(*name)).second) {
        item.Error("Name", "'" + *name + "' is used by another result path");
      }
    }
    if (path) {
      Status s = models::ValidateSandboxPath(*path);
      if (!s.ok()) item.Error("Path", s.message());
    }
    if (name && path) task->result_paths.push_back({*name, *path});
  }
}

void DecodeResources(Problems& problems, MapReader& r, models::Task* task) {
  MapReader res(problems, r.Get("Resources"), r.PathOf("Resources"),
                {"CPU", "Memory", "Disk", "GPU"});
  models::ResourcesConfig& out = task->resources;
  if (auto cpu = res.String("CPU")) {
    auto parsed = models::ParseCpuMillis(*cpu);
    if (!parsed.ok()) res.Error("CPU", parsed.status().message());
    out.cpu = *cpu;
  }
  for (auto [field, target] : {std::pair{"Memory", &out.memory}, std::pair{"Disk", &out.disk}}) {
    if (auto size = res.String(field)) {
      auto parsed = models::ParseByteSize(*size);
      if (!parsed.ok()) res.Error(field, parsed.status().message());
      *target = *size;
    }
  }
  if (auto gpu = res.String("GPU")) {
    auto parsed = models::ParseGpuCount(*gpu);
    if (!parsed.ok()) res.Error("GPU", parsed.status().message());
    out.gpu = *gpu;
  }
}

void DecodeNetwork(Problems& problems, MapReader& r, models::Task* task) {
  MapReader net(problems, r.Get("Network"), r.PathOf("Network"), {"Type", "Domains"},
                {{"ports", "not supported: Shoal engines run in-process and open no ports"}});
  if (auto type = net.String("Type")) {
    auto parsed = models::ParseNetworkType(*type);
    if (parsed.ok()) {
      task->network.type = *parsed;
    } else {
      net.Error("Type", parsed.status().message());
    }
  }
  if (auto domains = net.StringList("Domains")) {
    if (task->network.type != models::NetworkType::kHTTP) {
      net.Error("Domains", "only allowed with Type: HTTP");
    }
    task->network.domains = *domains;
  }
}

void DecodeTimeouts(Problems& problems, MapReader& r, models::Task* task) {
  MapReader t(problems, r.Get("Timeouts"), r.PathOf("Timeouts"),
              {"ExecutionTimeout", "QueueTimeout", "TotalTimeout"});
  models::TimeoutConfig& out = task->timeouts;
  bool ok = true;
  for (auto [field, target] : {std::pair{"ExecutionTimeout", &out.execution_timeout},
                               std::pair{"QueueTimeout", &out.queue_timeout},
                               std::pair{"TotalTimeout", &out.total_timeout}}) {
    if (!t.Has(field)) continue;
    std::optional<int64_t> seconds = t.Int(field);
    if (seconds && *seconds < 0) {
      t.Error(field, "must be >= 0 seconds (0 means no timeout)");
      seconds.reset();
    }
    if (seconds) *target = *seconds;
    ok = ok && seconds.has_value();
  }
  if (!ok) return;
  Status s = models::ValidateTimeouts(out);
  if (!s.ok()) problems.Error(r.LineOfField("Timeouts"), r.PathOf("Timeouts"), s.message());
}

void DecodeConstraints(Problems& problems, MapReader& r, models::Job* job) {
  const YAML::Node list = r.Get("Constraints");
  if (!list.IsDefined()) return;
  if (!list.IsSequence()) {
    r.Error("Constraints", "expected a list of {Key, Operator, Values}, got " + Describe(list));
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    MapReader c(problems, list[i], Indexed("Constraints", i), {"Key", "Operator", "Values"});
    std::optional<std::string> key = c.RequiredString("Key", "the node label to test");
    const YAML::Node raw_op = c.Get("Operator");
    if (raw_op.IsScalar() && raw_op.Scalar().empty() && !raw_op.Tag().empty() &&
        raw_op.Tag()[0] == '!') {
      // `Operator: !=` parses as an empty value tagged "!=": YAML reads a leading '!' as a tag.
      c.Error("Operator", "write the operator in quotes (Operator: \"" + raw_op.Tag() +
                              "\"): YAML reads an unquoted leading '!' as a tag");
      continue;
    }
    std::optional<std::string> op_text =
        c.RequiredString("Operator", "one of =, ==, !=, in, notin, exists, !, gt, lt");
    std::optional<std::vector<std::string>> values = c.StringList("Values");
    if (!key || !op_text || !c.valid() || (c.Has("Values") && !values)) continue;
    auto op = models::ParseSelectorOperator(*op_text);
    if (!op.ok()) {
      c.Error("Operator", op.status().message());
      continue;
    }
    models::LabelSelector selector{*key, *op, values.value_or(std::vector<std::string>{})};
    Status s = selector.Validate();
    if (!s.ok()) {
      problems.Error(c.line(), c.path(), s.message());
      continue;
    }
    job->constraints.push_back(std::move(selector));
  }
}

void DecodeTasks(Problems& problems, MapReader& r, models::Job* job) {
  const YAML::Node tasks = r.Get("Tasks");
  if (!tasks.IsDefined()) {
    r.Error("Tasks", "required: a job has exactly one task (Tasks: [{Name: main, Engine: ...}])");
    return;
  }
  if (!tasks.IsSequence()) {
    r.Error("Tasks", "expected a list with one task, got " + Describe(tasks));
    return;
  }
  if (tasks.size() == 0) {
    r.Error("Tasks", "a job has exactly one task, got none");
    return;
  }
  if (tasks.size() > 1) {
    // Bacalhau silently drops extra tasks; refusing them means nothing is ignored unseen.
    problems.Error(LineOf(tasks[1]), "Tasks[1]",
                   "a job has exactly one task, got " + std::to_string(tasks.size()) +
                       "; split the other tasks into jobs of their own");
  }
  DecodeTask(problems, tasks[0], "Tasks[0]", &job->task);
}

}  // namespace

void DecodeTask(Problems& problems, const YAML::Node& node, const std::string& path,
                models::Task* task) {
  MapReader r(problems, node, path,
              {"Name", "Engine", "Publisher", "Env", "InputSources", "ResultPaths", "Resources",
               "Network", "Timeouts"});
  if (!r.valid()) return;
  if (auto name = r.String("Name")) {
    if (name->empty()) r.Error("Name", "must not be empty");
    task->name = *name;
  }
  std::optional<DecodedEngine> engine;
  if (r.Has("Engine")) {
    engine = DecodeEngine(problems, r.Get("Engine"), r.PathOf("Engine"));
  } else {
    r.Error("Engine", "required, e.g. Engine: {Type: duckdb, Params: {SQL: \"SELECT 1\"}}");
  }
  if (engine) {
    task->engine = std::move(engine->engine);
    task->original_engine = std::move(engine->original);
  }
  DecodeEnv(r, task);
  if (engine) {
    for (const auto& [name, value] : engine->extra_env) {
      const std::string where = r.PathOf("Engine") + ".Params.EnvironmentVariables";
      Status s = models::ValidateEnvName(name);
      if (s.ok()) s = models::ValidateEnvValue(name, value);
      if (s.ok() && task->env.count(name) > 0 && task->env[name] != value) {
        s = Status::InvalidArgument("'" + name + "' is also set, differently, in Env");
      }
      if (!s.ok()) problems.Error(r.LineOfField("Engine"), where, s.message());
      task->env[name] = value;
    }
  }
  const YAML::Node inputs = r.Get("InputSources");
  if (inputs.IsDefined() && !inputs.IsSequence()) {
    r.Error("InputSources", "expected a list of {Source, Target}, got " + Describe(inputs));
  } else if (inputs.IsDefined()) {
    std::set<std::string> targets, aliases;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const std::string at = Indexed(r.PathOf("InputSources"), i);
      std::optional<models::InputSource> input = DecodeInputSource(problems, inputs[i], at);
      if (!input) continue;
      if (!targets.insert(input->target).second) {
        problems.Error(LineOf(inputs[i]), at + ".Target",
                       "'" + input->target + "' is the Target of another input");
      }
      if (!input->alias.empty() && !aliases.insert(input->alias).second) {
        problems.Error(LineOf(inputs[i]), at + ".Alias", "'" + input->alias + "' is used twice");
      }
      task->input_sources.push_back(std::move(*input));
    }
  }
  if (auto publisher = DecodePublisher(problems, r.Get("Publisher"), r.PathOf("Publisher"))) {
    task->publisher = std::move(*publisher);
  }
  DecodeResultPaths(problems, r, task);
  DecodeResources(problems, r, task);
  DecodeNetwork(problems, r, task);
  DecodeTimeouts(problems, r, task);
}

void DecodeJob(Problems& problems, const YAML::Node& root, models::Job* job) {
  const std::string server_set = "is set by the orchestrator and may not appear in a job spec";
  MapReader r(problems, root, "",
              {"Name", "Namespace", "Type", "Priority", "Count", "Constraints", "Labels", "Meta",
               "Tasks", "ID"},
              {{"state", server_set},
               {"version", server_set},
               {"revision", server_set},
               {"createtime", server_set},
               {"modifytime", server_set}});
  if (!r.valid()) return;
  if (r.Has("ID")) r.Warn("ID", "ignored: the orchestrator assigns job IDs");
  if (auto name = r.String("Name")) job->name = *name;
  if (auto ns = r.String("Namespace")) {
    if (ns->empty()) r.Error("Namespace", "must not be empty");
    job->namespace_ = *ns;
  }
  std::optional<models::JobType> type;
  if (auto text = r.RequiredString("Type", "batch or ops")) {
    auto parsed = models::ParseJobType(*text);
    Status s = parsed.ok() ? models::ValidateSupportedType(*parsed) : parsed.status();
    if (s.ok()) {
      type = *parsed;
      job->type = *type;
    } else {
      r.Error("Type", s.message());
    }
  }
  if (auto priority = r.Int("Priority")) {
    if (*priority < 0) r.Error("Priority", "must not be negative");
    job->priority = *priority;
  }
  std::optional<int64_t> count = r.Int("Count");
  if (type) {
    // Spec defaults: batch runs one partition; ops runs once on every matching node.
    job->count = count.value_or(*type == models::JobType::kOps ? 0 : 1);
    Status s = models::ValidateCount(*type, job->count);
    if (!s.ok()) r.Error("Count", s.message());
  }
  DecodeConstraints(problems, r, job);
  if (auto labels = r.StringMap("Labels")) job->labels = *labels;
  if (auto meta = r.StringMap("Meta")) job->meta = *meta;
  DecodeTasks(problems, r, job);
  for (const std::string& key : models::NormalizeJob(*job)) {
    r.Warn("Meta", "dropped '" + key + "': keys starting with " +
                       std::string(models::kReservedMetaPrefix) + " are reserved");
  }
}

}  // namespace shoal::jobspec

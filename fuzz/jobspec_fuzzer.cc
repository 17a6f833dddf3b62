// Fuzz target: a job file as `shoal job run` reads it, through templating, YAML parsing,
// decoding and validation (jobspec/), with -V/-E variables taken from the input.
//
// Input: the job file's text, optionally followed by "\n#%%vars\n" and lines of -V values
// ("NAME=VALUE") or -E regexes ("~REGEX"). Besides "no crash, no leak, no hang", it checks what
// the CLI relies on: a spec the parser accepts is a valid job, and it survives the JSON the CLI
// sends to the orchestrator unchanged (the orchestrator must accept what the client accepted).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "jobspec/jobspec.h"
#include "jobspec/template.h"
#include "models/job.h"
#include "models/json_codec.h"

namespace {

void Check(bool condition, const char* what, const std::string& detail) {
  if (condition) return;
  std::fprintf(stderr, "check failed: %s\n%s\n", what, detail.c_str());
  std::abort();
}

// Splits the optional variables part off `input`.
std::string_view SplitVars(std::string_view input, std::vector<std::string>* dash_v,
                           std::vector<std::string>* dash_e) {
  constexpr std::string_view kMarker = "\n#%%vars\n";
  size_t at = input.find(kMarker);
  if (at == std::string_view::npos) return input;
  std::string_view vars = input.substr(at + kMarker.size());
  while (!vars.empty()) {
    size_t end = vars.find('\n');
    std::string line(vars.substr(0, end));
    if (!line.empty() && line[0] == '~') {
      dash_e->push_back(line.substr(1));
    } else if (!line.empty()) {
      dash_v->push_back(line);
    }
    if (end == std::string_view::npos) break;
    vars.remove_prefix(end + 1);
  }
  return input.substr(0, at);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> dash_v;
  std::vector<std::string> dash_e;
  std::string_view text = SplitVars(input, &dash_v, &dash_e);

  // The seed jobs' variables, as the README runs them, unless the input sets its own.
  shoal::jobspec::SpecOptions options;
  options.vars = {
      {"Region", "us"},          {"Events", "100"},           {"StartDate", "2024-01-01"},
      {"EndDate", "2024-12-31"}, {"RotateInterval", "month"}, {"JobID", "j-1"},
      {"Pattern", "O'Brien"}};
  const std::map<std::string, std::string> environment = {{"SHOAL_REGION", "eu"},
                                                          {"HOME", "/root"}};
  auto vars = shoal::jobspec::BuildTemplateVars(dash_v, dash_e, environment);
  if (vars.ok()) {
    for (auto& [name, value] : *vars) options.vars[name] = value;
  }

  for (bool templating : {true, false}) {
    options.templating = templating;
    auto parsed = shoal::jobspec::ParseJobSpec(text, options);
    if (!parsed.ok()) {
      Check(!parsed.status().message().empty(), "a refused spec says why", std::string(text));
      continue;
    }
    const shoal::models::Job& job = parsed->job;
    Check(shoal::models::ValidateJob(job).ok(), "an accepted spec is a valid job",
          std::string(text));
    // What the CLI submits, decoded as the orchestrator decodes it.
    const nlohmann::json sent = shoal::models::ToJson(job);
    auto received = shoal::models::JobFromJson(nlohmann::json::parse(sent.dump()));
    Check(received.ok(), "the orchestrator decodes what the CLI sends",
          received.ok() ? "" : received.status().message() + "\n" + sent.dump());
    Check(shoal::models::ToJson(*received) == sent, "the job survives the JSON round trip",
          sent.dump() + "\n" + shoal::models::ToJson(*received).dump());
  }
  return 0;
}

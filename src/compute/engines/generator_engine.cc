#include "compute/engines/generator_engine.h"

#include <memory>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "datagen/args.h"
#include "datagen/schema.h"
#include "datagen/sink.h"
#include "engine/engine.h"
#include "models/text.h"

namespace shoal::compute {

namespace {

std::string SqlQuote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) {
    quoted += c;
    if (c == '\'') quoted += '\'';
  }
  return quoted + "'";
}

// Writes each file as hidden JSONL, then has DuckDB turn it into Parquet with the schema of
// datagen/schema.h (UUID, TIMESTAMP and the shipping_address STRUCT survive as real types).
class ParquetSink : public datagen::Sink {
 public:
  explicit ParquetSink(std::unique_ptr<datagen::FileSink> jsonl) : jsonl_(std::move(jsonl)) {}
  ~ParquetSink() override {
    if (!json_path_.empty()) ::unlink(json_path_.c_str());
  }

  Status Open(const std::string& name) override {
    name_ = name;
    json_name_ = "." + name + ".jsonl";
    json_path_ = jsonl_->directory() + "/" + json_name_;
    return jsonl_->Open(json_name_);
  }

  Status Write(std::string_view bytes) override { return jsonl_->Write(bytes); }
  bool PrefersBackgroundWrites() const override { return true; }

  Status Close() override {
    SHOAL_RETURN_IF_ERROR(jsonl_->Close());
    if (session_ == nullptr) {
      engine::SessionOptions options;
      options.threads = 1;  // one writer thread: row groups, and so the bytes, are deterministic
      SHOAL_ASSIGN_OR_RETURN(session_, engine::Session::Open(options));
    }
    const std::string final_path = jsonl_->directory() + "/" + name_;
    const std::string partial_path = jsonl_->directory() + "/." + name_ + ".partial";
    const std::string sql = fmt::format(
        "COPY (SELECT * FROM read_json({}, format = 'newline_delimited', columns = {})) TO {} "
        "(FORMAT parquet)",
        SqlQuote(json_path_), datagen::DuckDbJsonColumns(), SqlQuote(partial_path));
    Result<engine::ResultTable> copied = session_->Query(sql);
    ::unlink(json_path_.c_str());
    json_path_.clear();
    if (!copied.ok()) {
      ::unlink(partial_path.c_str());
      return Status::Internal(
          fmt::format("converting {} to Parquet failed: {}", name_, copied.status().message()));
    }
    if (::rename(partial_path.c_str(), final_path.c_str()) != 0) {
      ::unlink(partial_path.c_str());
      return Status::IoError(fmt::format("cannot rename into {}", final_path));
    }
    return Status::Ok();
  }

 private:
  std::unique_ptr<datagen::FileSink> jsonl_;
  std::unique_ptr<engine::Session> session_;
  std::string name_;
  std::string json_name_;
  std::string json_path_;
};

// Ends the run at the next file or buffer once `stop` is set.
class StoppableSink : public datagen::Sink {
 public:
  StoppableSink(datagen::Sink& inner, const std::atomic<bool>& stop) : inner_(inner), stop_(stop) {}

  Status Open(const std::string& name) override {
    SHOAL_RETURN_IF_ERROR(Check());
    return inner_.Open(name);
  }
  Status Write(std::string_view bytes) override {
    SHOAL_RETURN_IF_ERROR(Check());
    return inner_.Write(bytes);
  }
  Status Close() override { return inner_.Close(); }
  bool PrefersBackgroundWrites() const override { return inner_.PrefersBackgroundWrites(); }

 private:
  Status Check() const {
    return stop_.load() ? Status(ErrorCode::kCancelled, "the generator was stopped") : Status::Ok();
  }

  datagen::Sink& inner_;
  const std::atomic<bool>& stop_;
};

}  // namespace

Result<datagen::GenerateStats> GenerateToDirectory(const datagen::GeneratorOptions& options,
                                                   const std::atomic<bool>* stop) {
  Result<std::unique_ptr<datagen::FileSink>> files = datagen::FileSink::Create(options.output_dir);
  if (!files.ok()) return files.status().WithContext("--output");
  std::unique_ptr<datagen::Sink> sink;
  if (options.format == datagen::OutputFormat::kParquet) {
    sink = std::make_unique<ParquetSink>(std::move(*files));
  } else {
    sink = std::move(*files);
  }
  if (stop == nullptr) return datagen::Generate(options, *sink);
  StoppableSink stoppable(*sink, *stop);
  return datagen::Generate(options, stoppable);
}

std::string GenerateSummary(const datagen::GenerateStats& stats,
                            const datagen::GeneratorOptions& options, std::string_view directory) {
  return fmt::format("wrote {} transaction events to {} {} file(s) in {}", stats.events,
                     stats.files, datagen::FormatExtension(options.format), directory);
}

namespace {

Status RunGeneratorEngine(const EngineContext& context) {
  std::vector<std::string> raw;
  const auto args = context.job.task.engine.params.find("Args");
  if (args != context.job.task.engine.params.end() && args->is_array()) {
    for (const auto& arg : *args) {
      if (!arg.is_string()) {
        return Status::InvalidArgument("Engine.Params.Args: every argument must be a string");
      }
      raw.push_back(arg.get<std::string>());
    }
  }
  auto parsed = datagen::ParseGenerateArgs(raw);
  if (!parsed.ok()) return parsed.status().WithContext("generator");
  if (parsed->help) {
    context.out << datagen::GenerateUsage();
    return Status::Ok();
  }
  // The seed's data-generator image writes to /data unless told otherwise.
  if (parsed->flags.output.empty()) parsed->flags.output = "/data";
  // Without --seed each node writes its own data, as the seed's image (seeded by the clock) does,
  // yet reruns on the same node repeat it: the seed comes from the node's name.
  if (parsed->flags.seed.empty()) {
    uint64_t seed = 1469598103934665603ULL;  // FNV-1a: stable across builds, unlike std::hash
    for (unsigned char c : context.config.node_id) seed = (seed ^ c) * 1099511628211ULL;
    parsed->flags.seed = std::to_string(seed >> 1);
  }
  auto options = datagen::ResolveOptions(parsed->flags);
  if (!options.ok()) return options.status().WithContext("generator");
  if (parsed->list_anomalies) {
    context.out << datagen::FormatAnomalyList(*options);
    return Status::Ok();
  }

  auto virtual_dir = NormalizeSandboxPath(options->output_dir, "generator: --output");
  if (!virtual_dir.ok()) return virtual_dir.status();
  const SandboxFolder* folder = context.sandbox.FolderOf(*virtual_dir);
  if (folder == nullptr) {
    return Status::InvalidArgument("generator: --output '" + *virtual_dir +
                                   "' is outside the sandbox; write under one of " +
                                   context.sandbox.FolderList());
  }
  if (folder->read_only) {
    return Status::InvalidArgument("generator: --output '" + *virtual_dir + "' is in the input " +
                                   folder->virtual_path +
                                   ", which is read-only (set ReadWrite: true on it)");
  }
  datagen::GeneratorOptions real = *options;
  real.output_dir = *context.sandbox.ToReal(*virtual_dir);
  auto stats = GenerateToDirectory(real, &context.control.stop_flag());
  if (!stats.ok()) {
    Status stopped = context.control.StopStatus();
    if (!stopped.ok()) return stopped;
    // Messages name the virtual folder, never the node's own paths.
    std::string message = stats.status().message();
    models::ReplaceAll(message, folder->real_path, folder->virtual_path);
    return Status(stats.status().code(), "generator: " + message);
  }
  context.out << GenerateSummary(*stats, *options, *virtual_dir) << "\n";
  return Status::Ok();
}

class GeneratorEngine final : public JobEngine {
 public:
  std::string_view type() const override { return models::kEngineGenerator; }
  Status Run(const EngineContext& context) const override { return RunGeneratorEngine(context); }
};

}  // namespace

std::unique_ptr<JobEngine> MakeGeneratorEngine() { return std::make_unique<GeneratorEngine>(); }

}  // namespace shoal::compute

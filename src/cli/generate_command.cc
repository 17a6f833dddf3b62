// `shoal generate`: writes synthetic transaction events with the datagen library. JSONL and CSV
// come straight from the library; Parquet is JSONL converted through the engine (DuckDB's COPY),
// one file at a time, with one engine thread so the bytes are the same on every run.
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <unistd.h>

#include "cli/command.h"
#include "datagen/calendar.h"
#include "datagen/generator.h"
#include "datagen/options.h"
#include "datagen/schedule.h"
#include "datagen/schema.h"
#include "datagen/sink.h"
#include "engine/engine.h"

namespace shoal::cli {
namespace {

struct GenerateCliFlags {
  datagen::GenerateFlags flags;
  bool list_anomalies = false;
};

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

int Fail(const Status& status) {
  std::cerr << "shoal generate: " << status.message() << "\n";
  return status.code() == ErrorCode::kInvalidArgument ? 2 : 1;
}

int ListAnomalies(const datagen::GeneratorOptions& options) {
  std::cout << "hour,region,kind,burst_factor\n";
  for (const datagen::Anomaly& anomaly : datagen::Schedule(options).Anomalies()) {
    char hour[datagen::kTimestampTextLength];
    datagen::FormatTimestamp(anomaly.hour_start_micros, hour);
    std::cout << std::string_view(hour, 19) << ','
              << datagen::Regions()[static_cast<size_t>(anomaly.region)].name << ','
              << datagen::AnomalyKindName(anomaly.kind) << ',' << anomaly.burst_factor << '\n';
  }
  return 0;
}

int RunGenerate(const GenerateCliFlags& cli) {
  Result<datagen::GeneratorOptions> options = datagen::ResolveOptions(cli.flags);
  if (!options.ok()) return Fail(options.status());
  if (cli.list_anomalies) return ListAnomalies(*options);
  if (options->output_dir.empty()) {
    return Fail(Status::InvalidArgument("--output is required: the directory to write files into"));
  }
  Result<std::unique_ptr<datagen::FileSink>> files = datagen::FileSink::Create(options->output_dir);
  if (!files.ok()) return Fail(files.status().WithContext("--output"));
  std::unique_ptr<datagen::Sink> sink;
  if (options->format == datagen::OutputFormat::kParquet) {
    sink = std::make_unique<ParquetSink>(std::move(*files));
  } else {
    sink = std::move(*files);
  }
  Result<datagen::GenerateStats> stats = datagen::Generate(*options, *sink);
  if (!stats.ok()) return Fail(stats.status());
  std::cout << fmt::format("wrote {} transaction events to {} {} file(s) in {}\n", stats->events,
                           stats->files, datagen::FormatExtension(options->format),
                           options->output_dir);
  return 0;
}

}  // namespace

void AddGenerateCommand(CLI::App& app, int& exit_code) {
  CLI::App* command = app.add_subcommand(
      "generate", "Generate synthetic transaction events as JSONL, CSV or Parquet files");
  // Shared with the callback, which runs after parsing, when this function has long returned.
  auto cli = std::make_shared<GenerateCliFlags>();
  datagen::GenerateFlags& f = cli->flags;
  command->add_option("-t,--type", f.type, "Event type; only 'transaction' is supported")
      ->capture_default_str();
  command
      ->add_option("-n,--count", f.count,
                   "Events per rotation interval with --rotate-interval, else in total")
      ->capture_default_str();
  command->add_option("-r,--region", f.regions,
                      "Region (repeatable or comma-separated): us-east, us-west, eu-west, "
                      "ap-south, or prefixes us, eu, ap; default all");
  command->add_option("--start-date", f.start_date,
                      "Range start, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss (default 2024-01-01, or "
                      "--end-date minus --days)");
  command->add_option("--end-date", f.end_date,
                      "Range end, exclusive (default --start-date plus --days)");
  command->add_option("-d,--days", f.days,
                      "Length of the range in days when a date is missing "
                      "(default 1)");
  command->add_option("--rotate-interval", f.rotate_interval,
                      "One file per minute, hour, day or month (default one file)");
  command->add_option("-o,--output", f.output, "Directory for the files (created if missing)");
  command->add_option("-f,--format", f.format, "jsonl, csv or parquet")->capture_default_str();
  command->add_option("--seed", f.seed,
                      fmt::format("Random seed; same seed and flags give identical files "
                                  "(default {})",
                                  datagen::kDefaultSeed));
  command->add_option("--anomaly-rate", f.anomaly_rate,
                      fmt::format("Share of hours with an injected anomaly, 0 to disable "
                                  "(default {})",
                                  datagen::kDefaultAnomalyRate));
  command->add_flag("--list-anomalies", cli->list_anomalies,
                    "Print the injected anomalies of these flags as CSV and write no files");
  command->callback([cli, &exit_code] { exit_code = RunGenerate(*cli); });
}

}  // namespace shoal::cli

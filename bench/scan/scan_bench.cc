// Scan benchmark: `shoal sql` over generated JSONL against plain DuckDB on the same files.
//
// Usage: scan_bench PATH_TO_SHOAL [events_per_month]
// It generates a year of transactions with `shoal generate`, then times three queries three
// ways, best of 5 alternating rounds: plain DuckDB in this process (the baseline: no Shoal code
// at all), Shoal's engine Session in this process, and the `shoal sql` binary as a user runs it
// (process start included). It prints rows/s and the ratio to the baseline; it never fails on
// timing.
//
// A timing counts only with the right answer. Before the rounds, plain DuckDB computes each
// query's reference answer (and its count(*) must equal the lines of the files, counted here);
// every timed run of every way is then compared with it (bench_answers.h: cells as exact text,
// rows sorted as no query has an ORDER BY). A difference is printed and the bench exits 1 before
// that query's timings are printed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_answers.h"
#include "duckdb.hpp"
#include <sys/wait.h>
#include <unistd.h>

#include "engine/engine.h"

namespace {

namespace fs = std::filesystem;
using shoal::bench::Answer;
using shoal::bench::AnswerCell;
using shoal::bench::AnswerDifference;
using shoal::bench::AnswerRules;
using Clock = std::chrono::steady_clock;

// What broke; thrown so that the generated files are removed on the way out.
struct Broken {
  std::string what;
};

double Seconds(const std::function<void()>& body) {
  auto start = Clock::now();
  body();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int Run(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Query {
  const char* name;
  std::string sql;
  AnswerRules rules;
};

// Plain DuckDB's answer, in the text Shoal's cells carry (Value::ToString).
Answer AnswerOf(duckdb::MaterializedQueryResult& result) {
  if (result.HasError()) throw Broken{"plain DuckDB failed: " + result.GetError()};
  Answer answer;
  for (duckdb::idx_t c = 0; c < result.ColumnCount(); ++c) {
    answer.columns.push_back(result.ColumnName(c));
    answer.types.push_back(result.types[c].ToString());
  }
  for (duckdb::idx_t r = 0; r < result.RowCount(); ++r) {
    std::vector<AnswerCell> row;
    for (duckdb::idx_t c = 0; c < result.ColumnCount(); ++c) {
      duckdb::Value value = result.GetValue(c, r);
      row.push_back(value.IsNull() ? AnswerCell{} : AnswerCell{value.ToString()});
    }
    answer.rows.push_back(std::move(row));
  }
  return answer;
}

// `shoal sql --format csv`'s output (RFC 4180, the header first) as an Answer without types. The
// format writes NULL and '' alike as an empty field; both are read back as NULL.
Answer AnswerOfCsv(const std::string& text) {
  std::vector<std::vector<AnswerCell>> records;
  std::vector<AnswerCell> record;
  std::string field;
  bool quoted = false, in_quotes = false;
  auto end_field = [&] {
    record.push_back(field.empty() && !quoted ? AnswerCell{} : AnswerCell{field});
    field.clear();
    quoted = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        in_quotes = false;
      }
    } else if (c == '"') {
      in_quotes = quoted = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n') {
      end_field();
      records.push_back(std::move(record));
      record.clear();
    } else if (c != '\r') {
      field += c;
    }
  }
  if (!field.empty() || quoted || !record.empty()) {
    end_field();
    records.push_back(std::move(record));
  }
  if (records.empty()) throw Broken{"shoal sql printed no header"};
  Answer answer;
  for (const auto& name : records.front()) answer.columns.push_back(name.value_or(""));
  answer.rows.assign(records.begin() + 1, records.end());
  return answer;
}

// `answer` as CSV carries it: no types, '' read back as NULL.
Answer AsCsvCarries(Answer answer) {
  answer.types.clear();
  for (auto& row : answer.rows) {
    for (auto& cell : row) {
      if (cell && cell->empty()) cell.reset();
    }
  }
  return answer;
}

void Check(const Query& q, const char* way, const Answer& got, const Answer& want) {
  const std::string difference = AnswerDifference(got, want, q.rules);
  if (!difference.empty()) {
    throw Broken{
        std::string(q.name) + ": " + way +
        "'s answer differs from plain DuckDB's, so its timing does not count: " + difference};
  }
}

// Lines of the JSONL files: one event each, counted without any SQL engine.
int64_t CountLines(const fs::path& dir) {
  int64_t lines = 0;
  std::vector<char> buffer(8 << 20);
  for (auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".jsonl") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    while (in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      lines += std::count(buffer.data(), buffer.data() + in.gcount(), '\n');
    }
  }
  return lines;
}

int RunBench(const std::string& shoal, const std::string& per_month, const fs::path& dir) {
  std::printf("generating 12 months x %s events with shoal generate...\n", per_month.c_str());
  if (Run(shoal + " generate --region us --count " + per_month +
          " --start-date 2024-01-01 --end-date 2025-01-01 --rotate-interval month --output " +
          dir.string() + " > /dev/null") != 0) {
    throw Broken{"shoal generate failed"};
  }
  uintmax_t bytes = 0;
  for (auto& entry : fs::directory_iterator(dir)) bytes += entry.file_size();
  const std::string files = "read_json_auto('" + dir.string() + "/*.jsonl')";
  const fs::path cli_output = dir / "answer.csv";  // not matched by the *.jsonl glob

  duckdb::DuckDB baseline_db(nullptr);
  duckdb::Connection baseline(baseline_db);
  auto session = shoal::engine::Session::Open({}).value();
  // total_amount is read as DOUBLE, and a DOUBLE sum's last digits depend on the order in which
  // threads add the rows: two runs of plain DuckDB differ. The amounts are prices in cents
  // (printed with float noise, as 4615.330000000001), so sums and averages are taken over
  // DECIMAL(18, 2): the sum is exact, the average is that sum / count, both the same every run.
  // stddev stays a DOUBLE aggregate (Welford's per thread, the thread states merged in the order
  // the threads finish), genuinely floating-point: compared within kFloatTolerance.
  const std::vector<Query> queries = {
      {"count", "SELECT count(*) FROM " + files, {}},
      {"agg by category",
       "SELECT product_category, count(*), sum(total_amount::DECIMAL(18, 2)), "
       "avg(total_amount::DECIMAL(18, 2)), stddev(total_amount) FROM " +
           files + " GROUP BY 1",
       {.float_columns = {4}}},
      {"monthly distinct",
       "SELECT date_trunc('month', timestamp), count(*), sum(total_amount::DECIMAL(18, 2)), "
       "count(DISTINCT customer_id) FROM " +
           files +
           " WHERE payment_status = 'completed' "
           "GROUP BY 1",
       {}},
  };

  // The references, untimed: plain DuckDB's answers, the first one checked against the files.
  std::vector<Answer> references;
  for (const auto& q : queries) references.push_back(AnswerOf(*baseline.Query(q.sql)));
  const int64_t rows = std::stoll(references[0].rows.at(0).at(0).value());
  const int64_t lines = CountLines(dir);
  if (rows != lines) {
    throw Broken{"plain DuckDB counts " + std::to_string(rows) + " rows in files of " +
                 std::to_string(lines) + " lines"};
  }
  std::printf("data: %lld rows (= lines of the files), %.1f MB of JSONL, %u threads\n\n",
              static_cast<long long>(rows), bytes / 1e6, std::thread::hardware_concurrency());

  constexpr int kRounds = 5;
  std::printf("%-18s %14s %14s %8s %16s %8s %16s\n", "query", "duckdb rows/s", "session rows/s",
              "ratio", "shoal sql rows/s", "ratio", "answers checked");
  for (size_t i = 0; i < queries.size(); ++i) {
    const Query& q = queries[i];
    const Answer& reference = references[i];
    // Rounds alternate the three ways so that noise from other processes hits them alike; the
    // best time of each way counts. Each answer is checked after its run, outside the timing.
    double base = 1e300, in_process = 1e300, cli = 1e300;
    int checked = 0;
    for (int round = 0; round < kRounds; ++round) {
      duckdb::unique_ptr<duckdb::MaterializedQueryResult> base_result;
      const double base_s = Seconds([&] { base_result = baseline.Query(q.sql); });
      Check(q, "plain DuckDB (again)", AnswerOf(*base_result), reference);

      shoal::Result<shoal::engine::ResultTable> table = shoal::Status::Internal("not run");
      const double in_process_s = Seconds([&] { table = session->Query(q.sql); });
      if (!table.ok()) throw Broken{q.name + std::string(": ") + table.status().ToString()};
      Check(q, "Shoal's Session", shoal::bench::AnswerOf(*table), reference);

      int exit_code = 0;
      const double cli_s = Seconds([&] {
        exit_code = Run(shoal + " sql --format csv -c \"" + q.sql + "\" > " + cli_output.string());
      });
      if (exit_code != 0) throw Broken{q.name + std::string(": shoal sql failed")};
      Check(q, "shoal sql", AnswerOfCsv(ReadFile(cli_output)), AsCsvCarries(reference));

      base = std::min(base, base_s);
      in_process = std::min(in_process, in_process_s);
      cli = std::min(cli, cli_s);
      checked += 3;
    }
    const std::string answers =
        std::to_string(checked) + " x " + std::to_string(reference.rows.size()) + " rows";
    std::printf("%-18s %14.0f %14.0f %8.3f %16.0f %8.3f %16s\n", q.name, rows / base,
                rows / in_process, base / in_process, rows / cli, base / cli, answers.c_str());
  }
  std::printf(
      "\nratio = Shoal rows/s / plain DuckDB rows/s on the same files in this run "
      "(target >= 0.95; the shoal sql column includes process start).\n"
      "answers checked = timed runs whose answer equals plain DuckDB's reference (cells as "
      "exact text, rows sorted, stddev within %g relative; shoal sql through its CSV, where "
      "NULL and '' look alike); a differing answer stops the bench with exit code 1.\n",
      shoal::bench::kFloatTolerance);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: scan_bench PATH_TO_SHOAL [events_per_month]\n");
    return 2;
  }
  const fs::path dir = fs::temp_directory_path() / ("shoal-scan-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  int code = 1;
  try {
    code = RunBench(argv[1], argc > 2 ? argv[2] : "50000", dir);
  } catch (const Broken& broken) {
    std::fprintf(stderr, "scan_bench: %s\n", broken.what.c_str());
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return code;
}

// Pieces of columnar_bench: a `shoal devstack` process and the CLI pointed at it (as a user runs
// them, each command its own process), answers read from the CLI's CSV output, and the bytes
// this process has read from files.
//
// The Stack owns the devstack process and stops it (SIGTERM) when destroyed; it also knows where
// each region's folder store keeps the landing files and the warehouse of `transactions`, and can
// hide a region's table state (the object that makes readers read Parquet) and bring it back.
//
// Thread-safety: use from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench_answers.h"

#include "common/testing/run_process.h"

namespace shoal::bench::columnar {

// What broke; thrown so that the devstack and s3rver are stopped on the way out.
struct Broken {
  std::string what;
};

[[noreturn]] void Die(const std::string& what);

double SecondsSince(std::chrono::steady_clock::time_point start);

// rchar of /proc/self/io: the bytes every thread of this process has had returned by read(),
// pread() and the like so far, whether the page cache served them or the disk did.
uint64_t CharsReadByThisProcess();

// The answer in `csv` (a header line, then one line per row, as `shoal query|sql|job run` print
// with CSV output): cells as text, an empty unquoted cell is NULL; no types (CSV has none).
Answer AnswerOfCsv(const std::string& csv);

// The total size of the regular files below `root` whose names end with `suffix`.
uint64_t BytesUnder(const std::filesystem::path& root, const std::string& suffix);

class Stack {
 public:
  // Starts `shoal devstack --dir DIR/stack --port 0` (folder stores) and waits until it serves.
  Stack(const std::string& shoal, const std::filesystem::path& dir);
  ~Stack();
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  // Runs `shoal ARGS...` against the devstack, timing the whole process in `seconds` when given;
  // dies naming the command when it fails.
  testing::ProcessResult Shoal(std::vector<std::string> args, double* seconds = nullptr) const;

  // A region's folder store, as its nodes see s3://my-bucket: DIR/stack/storage/REGION/my-bucket.
  std::filesystem::path Bucket(const std::string& region) const;
  // Where the landing JSONL files of `transactions` are, and its warehouse (Parquet and state).
  std::filesystem::path Landing(const std::string& region) const;
  std::filesystem::path Warehouse(const std::string& region) const;

  // Renames each region's table state away (false) or back (true). Without its state, every
  // reader of the table reads all its landing files, exactly as before the first compaction.
  void ShowTableStates(bool visible) const;

 private:
  std::string shoal_;
  std::filesystem::path dir_;
  std::unique_ptr<testing::BackgroundProcess> process_;
  std::map<std::string, std::string> env_;
};

}  // namespace shoal::bench::columnar

// Fuzz target: the arguments of the partition functions, as a job's SQL or `shoal sql
// --partition` passes them: the I/N flag, partition_by_hash/regex/date's glob, regex, group and
// part, and belongs_to_partition's value, run in locked (sandboxed) sessions over a small tree of
// files.
//
// Input: one byte choosing the function, one byte for the partition count (1..3), then the
// arguments separated by newlines. Besides "no crash": an accepted --partition flag is a valid
// partition; belongs_to_partition agrees with engine::BelongsToPartition; and over the
// partitions 0..N-1 of one call no file is selected twice, every globbed file is selected
// exactly once by partition_by_hash and partition_by_regex, and an argument error is the same
// error in every partition.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "engine/engine.h"
#include "engine/partition.h"

namespace {

namespace fs = std::filesystem;
using shoal::engine::Partition;
using shoal::engine::Session;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "%s\n", what.c_str());
  std::abort();
}

// The files the globs see, below /data in SQL.
const fs::path& DataDir() {
  static const fs::path* dir = [] {
    auto* d = new fs::path(fs::temp_directory_path() /
                           ("shoal-partition-fuzz-" + std::to_string(::getpid())));
    fs::remove_all(*d);
    for (const char* file :
         {"us/2024-01-15/tx-1.jsonl", "us/2024-01-15/tx-2.jsonl", "us/2024-02-29/tx-1.jsonl",
          "us/2024-13-01/bad.jsonl", "eu/2023-12-31/tx-9.csv", "eu/2024/03/07/tx.parquet",
          "eu/transactions_20240704.jsonl", "readme.txt"}) {
      fs::create_directories((*d / file).parent_path());
      std::ofstream(*d / file) << "{}\n";
    }
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(DataDir(), ignored);
    });
    return d;
  }();
  return *dir;
}

Session& SessionFor(Partition partition) {
  static auto* sessions = new std::map<std::pair<int64_t, int64_t>, std::unique_ptr<Session>>;
  auto& session = (*sessions)[{partition.index, partition.count}];
  if (!session) {
    shoal::engine::SessionOptions options;
    options.partition = partition;
    options.threads = 1;
    options.memory_limit = "256MB";
    options.sandboxed = true;
    options.path_mappings.push_back({"/data", DataDir().string(), /*read_only=*/true});
    auto opened = Session::Open(options);
    if (!opened.ok()) Fail("session: " + opened.status().ToString());
    session = std::move(*opened);
  }
  return *session;
}

// A SQL string literal holding `text` (NUL bytes dropped: DuckDB strings cannot hold them).
std::string Literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\0') continue;
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::vector<std::string> SplitLines(std::string_view text, size_t max_parts) {
  std::vector<std::string> parts;
  while (parts.size() + 1 < max_parts) {
    size_t end = text.find('\n');
    if (end == std::string_view::npos) break;
    parts.emplace_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  parts.emplace_back(text);
  return parts;
}

// The files each partition of `count` selects with `call`; errors by partition index.
struct Selection {
  std::vector<std::vector<std::string>> files;
  std::vector<std::string> errors;
};

Selection SelectAll(const std::string& call, int64_t count) {
  Selection selection;
  for (int64_t index = 0; index < count; ++index) {
    auto table = SessionFor({index, count}).Query("SELECT file FROM " + call);
    selection.files.emplace_back();
    if (!table.ok()) {
      selection.errors.push_back(table.status().message());
      continue;
    }
    selection.errors.emplace_back();
    for (size_t row = 0; row < table->rows().size(); ++row) {
      selection.files.back().push_back(table->Text(row, 0));
    }
  }
  return selection;
}

void CheckPartitions(const std::string& call, int64_t count, bool covers_every_file,
                     const std::string& glob) {
  Selection selection = SelectAll(call, count);
  for (const std::string& error : selection.errors) {
    if (error.empty() != selection.errors[0].empty()) {
      Fail(call + ": fails in some partitions only: " + error + " / " + selection.errors[0]);
    }
  }
  if (!selection.errors[0].empty()) return;
  std::multiset<std::string> selected;
  for (const auto& files : selection.files) selected.insert(files.begin(), files.end());
  for (const std::string& file : selected) {
    if (selected.count(file) > 1) Fail(call + ": " + file + " is in two partitions");
  }
  if (!covers_every_file) return;
  auto all = SessionFor({0, 1}).Query("SELECT file FROM glob(" + Literal(glob) + ")");
  if (!all.ok()) return;  // glob() and the partition functions may refuse differently
  if (all->rows().size() != selected.size()) {
    Fail(call + ": partitions select " + std::to_string(selected.size()) + " files of " +
         std::to_string(all->rows().size()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size > 4096) return 0;
  const int function = data[0] % 5;
  const int64_t count = 1 + data[1] % 3;
  std::string_view text(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::vector<std::string> args = SplitLines(text, 3);
  args.resize(3);

  switch (function) {
    case 0: {
      auto partition = shoal::engine::ParsePartitionFlag(text);
      if (partition.ok() && !shoal::engine::ValidatePartition(*partition).ok()) {
        Fail("--partition accepted an invalid partition: " + std::string(text));
      }
      break;
    }
    case 1: {
      const Partition partition{count - 1, count};
      auto table =
          SessionFor(partition).Query("SELECT belongs_to_partition(" + Literal(text) + ")");
      std::string key;
      bool printable_ascii = true;
      for (char c : text) {
        if (c != '\0') key += c;
        printable_ascii = printable_ascii && c >= ' ' && c < 0x7f;
      }
      if (!table.ok()) {
        // DuckDB refuses string literals that are not UTF-8; any other refusal is a bug.
        if (!printable_ascii) return 0;
        Fail("belongs_to_partition failed: " + table.status().ToString());
      }
      const bool expected = shoal::engine::BelongsToPartition(key, partition);
      if (table->Text(0, 0) != (expected ? "true" : "false")) {
        Fail("belongs_to_partition('" + key + "') is " + table->Text(0, 0));
      }
      break;
    }
    case 2:
      CheckPartitions("partition_by_hash(" + Literal(args[0]) + ")", count, true, args[0]);
      break;
    case 3: {
      std::string call = "partition_by_regex(" + Literal(args[0]) + ", " + Literal(args[1]);
      if (!args[2].empty()) call += ", group_num := " + std::to_string(args[2][0] % 5);
      CheckPartitions(call + ")", count, true, args[0]);
      break;
    }
    default: {
      std::string call = "partition_by_date(" + Literal(args[0]) + ", " + Literal(args[1]);
      if (!args[2].empty()) call += ", part := " + Literal(args[2]);
      CheckPartitions(call + ")", count, false, args[0]);
      break;
    }
  }
  return 0;
}

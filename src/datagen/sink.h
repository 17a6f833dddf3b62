// Sink: where the generator's files go. The generator opens one named file at a time, writes
// big chunks (about 1 MiB) into it, and closes it.
//
// FileSink writes real files into a directory, through a hidden ".<name>.partial" file renamed on
// Close, so a reader never sees half a file (an abandoned file is removed). DiscardSink only
// counts bytes (for benchmarks); MemorySink keeps files in memory (for tests).
//
// Thread-safety: a sink is used by one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace shoal::datagen {

class Sink {
 public:
  virtual ~Sink() = default;
  // Starts file `name` (a plain file name, no directory). REQUIRES: no file is open.
  virtual Status Open(const std::string& name) = 0;
  // Appends to the open file.
  virtual Status Write(std::string_view bytes) = 0;
  // Finishes the open file.
  virtual Status Close() = 0;
  // True when Write does real I/O worth overlapping with formatting: the generator then calls
  // Write from a second thread (never concurrently with the sink's other calls).
  virtual bool PrefersBackgroundWrites() const { return false; }
};

class DiscardSink : public Sink {
 public:
  Status Open(const std::string&) override { return Status::Ok(); }
  Status Write(std::string_view bytes) override {
    bytes_ += static_cast<int64_t>(bytes.size());
    return Status::Ok();
  }
  Status Close() override { return Status::Ok(); }
  int64_t bytes() const { return bytes_; }

 private:
  int64_t bytes_ = 0;
};

class MemorySink : public Sink {
 public:
  Status Open(const std::string& name) override;
  Status Write(std::string_view bytes) override;
  Status Close() override;
  // File name to content, for files that were closed.
  const std::map<std::string, std::string>& files() const { return files_; }

 private:
  std::string open_name_;
  std::string open_data_;
  std::map<std::string, std::string> files_;
};

struct FileSinkOptions {
  // fdatasync each file before closing it (for benchmarks and callers that need durability).
  bool sync_on_close = false;
};

class FileSink : public Sink {
 public:
  // Creates `directory` (and its parents) when missing.
  static Result<std::unique_ptr<FileSink>> Create(const std::string& directory,
                                                  FileSinkOptions options = {});
  ~FileSink() override;
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  Status Open(const std::string& name) override;
  Status Write(std::string_view bytes) override;
  Status Close() override;
  bool PrefersBackgroundWrites() const override { return true; }

  const std::string& directory() const { return directory_; }

 private:
  FileSink(std::string directory, FileSinkOptions options)
      : directory_(std::move(directory)), options_(options) {}
  // Closes and deletes a file that was not finished.
  void Abandon();

  std::string directory_;
  FileSinkOptions options_;
  int fd_ = -1;
  std::string partial_path_;
  std::string final_path_;
};

}  // namespace shoal::datagen

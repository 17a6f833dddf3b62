// Small file-system helpers of the compute node: copying trees, listing a result tree, writing a
// file so that readers never see half of it, reading the head of a log.
//
// Symbolic links are never followed or copied: a result tree holds regular files and folders
// only, so nothing outside the sandbox can leak into published results through a link.
//
// Thread-safety: free functions; callers keep concurrent calls on disjoint paths.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace shoal::compute {

struct FileEntry {
  std::string path;  // relative to the listed folder, '/'-separated
  int64_t size = 0;
};

// Every regular file below `dir`, sorted by path.
Result<std::vector<FileEntry>> ListFilesRecursive(const std::string& dir);

// Copies `from` (a folder or a regular file) into folder `to`, creating it: a folder's contents
// land directly in `to`, a file lands as `to/<its name>`. Stops early with kCancelled when `stop`
// is set.
Status CopyInto(const std::string& from, const std::string& to,
                const std::atomic<bool>* stop = nullptr);

// Copies one regular file, creating the target's parent folders, through a hidden temporary file
// renamed into place.
Status CopyFileAtomically(const std::string& from, const std::string& to);

// Writes `content` to `path` through a hidden temporary file renamed into place.
Status WriteFileAtomically(const std::string& path, const std::string& content);

// Reads the whole of `path`.
Result<std::string> ReadWholeFile(const std::string& path);

// Reads at most `limit` bytes from the start of `path` ("" when it does not exist).
std::string ReadHead(const std::string& path, size_t limit);

// The temporary name used next to `path` while it is being written: "<dir>/.<name>.shoal-tmp".
std::string TemporaryPathFor(const std::string& path);

}  // namespace shoal::compute

// A minimal reader of gzip-compressed tar archives (zlib), the counterpart of tar_gz.h: a node
// reads an execution's result tree back out of the .tar.gz object the s3 publisher wrote, to hand
// it to the orchestrator (`shoal job get`).
//
// Only regular files are extracted; folders are created as files need them, and links, devices
// and other special entries are skipped. Entry names come from ustar's name and prefix fields, a
// PAX extended header's `path` (and `size`) record, or a GNU long-name entry. Because an archive
// is outside data, a name that is absolute or has a '..' component fails the whole extraction
// before anything of that entry is written; "./" and empty components are dropped. Headers with a
// wrong checksum and archives that end early are errors too.
//
// Thread-safety: free function; concurrent calls must use different target folders.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace shoal::compute {

struct ExtractedFile {
  std::string path;  // relative to the target folder, '/'-separated, e.g. "outputs/a.csv"
  int64_t size = 0;
};

// Extracts the regular files of `archive_path` below `target_dir` (created if needed; files of
// the same path are overwritten). Returns them sorted by path; a path that occurs twice in the
// archive is listed once, with the size of its last copy (the one on disk, as with `tar -x`).
Result<std::vector<ExtractedFile>> ExtractTarGz(const std::string& archive_path,
                                                const std::string& target_dir);

// The relative form of an archive entry name ("./a//b" -> "a/b"; "./" -> ""), or
// PermissionDenied for an absolute name or one with a '..' component.
Result<std::string> SafeEntryPath(const std::string& name);

}  // namespace shoal::compute

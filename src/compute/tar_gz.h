// A minimal writer of gzip-compressed tar archives (POSIX ustar, zlib), for the s3 publisher's
// default `gzip` encoding: one .tar.gz object per execution, readable by `tar -xzf`.
//
// Entries: every folder and regular file below the source folder, sorted, with paths relative
// to it ("stdout", "data/", "data/x.jsonl"). Paths that do not fit ustar's name fields get a PAX
// extended header. Links and special files are skipped, as in the result tree itself.
//
// Thread-safety: free function; concurrent calls must use different output paths.
#pragma once

#include <string>

#include "common/status.h"

namespace shoal::compute {

// Archives the contents of `source_dir` into `archive_path` (overwritten).
Status WriteTarGz(const std::string& source_dir, const std::string& archive_path);

}  // namespace shoal::compute

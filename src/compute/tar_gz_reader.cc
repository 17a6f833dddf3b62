#include "compute/tar_gz_reader.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <system_error>

#include <zlib.h>

namespace shoal::compute {

namespace fs = std::filesystem;

namespace {

constexpr size_t kTarBlock = 512;

// Reads the decompressed stream of a gzip file (zlib's gz* API; a file that is not gzip is read
// as it is, which then fails as a tar archive).
class GzipReader {
 public:
  explicit GzipReader(const std::string& path) : file_(gzopen(path.c_str(), "rb")) {
    if (file_ != nullptr) gzbuffer(file_, 1 << 16);
  }
  ~GzipReader() {
    if (file_ != nullptr) gzclose(file_);
  }
  GzipReader(const GzipReader&) = delete;
  GzipReader& operator=(const GzipReader&) = delete;

  bool ok() const { return file_ != nullptr; }

  // Reads up to `size` bytes; returns how many arrived (fewer only at the end of the stream).
  Result<size_t> Read(char* data, size_t size) {
    size_t done = 0;
    while (done < size) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(size - done, 1 << 30));
      const int got = gzread(file_, data + done, chunk);
      if (got < 0) {
        int code = 0;
        const char* message = gzerror(file_, &code);
        return Status::IoError(std::string("cannot decompress: ") +
                               (message != nullptr ? message : "unknown zlib error"));
      }
      if (got == 0) break;
      done += static_cast<size_t>(got);
    }
    return done;
  }

 private:
  gzFile file_;
};

// A NUL- or space-terminated field as text.
std::string FieldText(const char* field, size_t width) {
  size_t length = 0;
  while (length < width && field[length] != '\0') ++length;
  return std::string(field, length);
}

// A numeric header field: octal digits (optionally space-padded), or GNU's base-256 form (first
// byte with its high bit set) for values that do not fit.
std::optional<uint64_t> ParseNumber(const char* field, size_t width) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(field);
  if (bytes[0] & 0x80) {
    if (bytes[0] != 0x80) return std::nullopt;  // negative, or too large for 64 bits
    uint64_t value = 0;
    for (size_t i = 1; i < width; ++i) {
      if (value >> 56) return std::nullopt;
      value = (value << 8) | bytes[i];
    }
    return value;
  }
  size_t i = 0;
  while (i < width && field[i] == ' ') ++i;
  uint64_t value = 0;
  bool digits = false;
  for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (value >> 61) return std::nullopt;
    value = value * 8 + static_cast<uint64_t>(field[i] - '0');
    digits = true;
  }
  for (; i < width; ++i) {
    if (field[i] != ' ' && field[i] != '\0') return std::nullopt;
  }
  if (!digits) return uint64_t{0};
  return value;
}

// The header checksum: the sum of its bytes with the checksum field counted as spaces. Old tars
// summed signed chars, so both sums are accepted.
bool ChecksumMatches(const std::array<char, kTarBlock>& header) {
  std::optional<uint64_t> stored = ParseNumber(&header[148], 8);
  if (!stored) return false;
  uint64_t unsigned_sum = 0;
  int64_t signed_sum = 0;
  for (size_t i = 0; i < kTarBlock; ++i) {
    const char c = (i >= 148 && i < 156) ? ' ' : header[i];
    unsigned_sum += static_cast<unsigned char>(c);
    signed_sum += static_cast<signed char>(c);
  }
  return *stored == unsigned_sum || static_cast<int64_t>(*stored) == signed_sum;
}

bool IsZeroBlock(const std::array<char, kTarBlock>& block) {
  return std::all_of(block.begin(), block.end(), [](char c) { return c == '\0'; });
}

// The records of a PAX extended header ("LEN key=value\n" each) that we use.
struct PaxRecords {
  std::optional<std::string> path;
  std::optional<uint64_t> size;
};

Status ParsePax(const std::string& data, PaxRecords* out) {
  size_t at = 0;
  while (at < data.size()) {
    if (data[at] == '\0') break;  // padding some writers leave
    const size_t space = data.find(' ', at);
    if (space == std::string::npos) return Status::IoError("malformed PAX header record");
    size_t length = 0;
    auto [end, error] = std::from_chars(data.data() + at, data.data() + space, length);
    if (error != std::errc() || end != data.data() + space || length <= space - at + 1 ||
        length > data.size() - at || data[at + length - 1] != '\n') {
      return Status::IoError("malformed PAX header record");
    }
    const std::string record = data.substr(space + 1, at + length - 1 - (space + 1));
    const size_t equals = record.find('=');
    if (equals == std::string::npos) return Status::IoError("malformed PAX header record");
    const std::string key = record.substr(0, equals);
    const std::string value = record.substr(equals + 1);
    if (key == "path") {
      out->path = value;
    } else if (key == "size") {
      uint64_t size = 0;
      auto [size_end, size_error] =
          std::from_chars(value.data(), value.data() + value.size(), size);
      if (size_error != std::errc() || size_end != value.data() + value.size()) {
        return Status::IoError("malformed PAX size '" + value + "'");
      }
      out->size = size;
    }
    at += length;
  }
  return Status::Ok();
}

class TarReader {
 public:
  TarReader(GzipReader& in, std::string archive) : in_(in), archive_(std::move(archive)) {}

  // Reads exactly `size` bytes or fails naming the archive as truncated.
  Status ReadExactly(char* data, size_t size) {
    SHOAL_ASSIGN_OR_RETURN(size_t got, in_.Read(data, size));
    if (got != size) return Status::IoError(archive_ + " ends in the middle of an entry");
    return Status::Ok();
  }

  // Reads an entry's data (padded to whole blocks) into memory; for small metadata entries.
  Result<std::string> ReadData(uint64_t size) {
    constexpr uint64_t kMaxMetadata = 1 << 20;
    if (size > kMaxMetadata) {
      return Status::IoError(archive_ + " has an extended header of " + std::to_string(size) +
                             " bytes");
    }
    std::string data(static_cast<size_t>(Padded(size)), '\0');
    SHOAL_RETURN_IF_ERROR(ReadExactly(data.data(), data.size()));
    data.resize(static_cast<size_t>(size));
    return data;
  }

  // Copies an entry's data to `out`, then skips its padding. `out` null: only skips.
  Status CopyData(uint64_t size, std::ofstream* out, const std::string& what) {
    std::vector<char> buffer(1 << 16);
    uint64_t left = Padded(size);
    uint64_t content = size;
    while (left > 0) {
      const size_t chunk = static_cast<size_t>(std::min<uint64_t>(left, buffer.size()));
      SHOAL_RETURN_IF_ERROR(ReadExactly(buffer.data(), chunk));
      const size_t useful = static_cast<size_t>(std::min<uint64_t>(content, chunk));
      if (out != nullptr && useful > 0) {
        out->write(buffer.data(), static_cast<std::streamsize>(useful));
        if (!*out) return Status::IoError("cannot write " + what);
      }
      content -= useful;
      left -= chunk;
    }
    return Status::Ok();
  }

  static uint64_t Padded(uint64_t size) { return (size + kTarBlock - 1) / kTarBlock * kTarBlock; }

 private:
  GzipReader& in_;
  std::string archive_;
};

}  // namespace

Result<std::string> SafeEntryPath(const std::string& name) {
  if (!name.empty() && name.front() == '/') {
    return Status::PermissionDenied("archive entry '" + name + "' is an absolute path");
  }
  std::string path;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    const std::string part = name.substr(start, end - start);
    if (part == "..") {
      return Status::PermissionDenied("archive entry '" + name + "' contains '..'");
    }
    if (!part.empty() && part != ".") {
      if (!path.empty()) path += '/';
      path += part;
    }
    start = end + 1;
  }
  return path;
}

Result<std::vector<ExtractedFile>> ExtractTarGz(const std::string& archive_path,
                                                const std::string& target_dir) {
  GzipReader gzip(archive_path);
  if (!gzip.ok()) return Status::IoError("cannot open " + archive_path);
  std::error_code error;
  fs::create_directories(target_dir, error);
  if (error) return Status::IoError("cannot create " + target_dir + ": " + error.message());

  TarReader tar(gzip, archive_path);
  std::map<std::string, int64_t> extracted;
  PaxRecords next;                      // from a PAX header, for the entry that follows it
  std::optional<std::string> gnu_name;  // from a GNU long-name entry, likewise
  std::array<char, kTarBlock> header;
  while (true) {
    SHOAL_ASSIGN_OR_RETURN(size_t got, gzip.Read(header.data(), header.size()));
    if (got == 0) break;  // no end-of-archive blocks: accepted, as GNU tar does
    if (got != header.size()) {
      return Status::IoError(archive_path + " ends in the middle of a header");
    }
    if (IsZeroBlock(header)) break;  // the end-of-archive marker
    if (!ChecksumMatches(header)) {
      return Status::IoError(archive_path + " has a header with a wrong checksum");
    }
    std::optional<uint64_t> header_size = ParseNumber(&header[124], 12);
    if (!header_size) return Status::IoError(archive_path + " has a header with a bad size");
    const char type = header[156];

    // Metadata entries describe the entry after them.
    if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
      SHOAL_ASSIGN_OR_RETURN(std::string data, tar.ReadData(*header_size));
      if (type == 'x') {
        SHOAL_RETURN_IF_ERROR(ParsePax(data, &next).WithContext(archive_path));
      } else if (type == 'L') {
        gnu_name = data.substr(0, data.find('\0'));
      }
      continue;  // global headers ('g') and long link names ('K') change nothing we extract
    }

    std::string name = FieldText(&header[0], 100);
    if (std::memcmp(&header[257], "ustar", 5) == 0) {
      const std::string prefix = FieldText(&header[345], 155);
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    if (gnu_name) name = *gnu_name;
    if (next.path) name = *next.path;
    const uint64_t size = next.size ? *next.size : *header_size;
    next = {};
    gnu_name.reset();

    SHOAL_ASSIGN_OR_RETURN(std::string path, SafeEntryPath(name));
    const bool regular = type == '0' || type == '\0' || type == '7';
    if (!regular || path.empty()) {
      // Folders are made as files need them; links and special files are not extracted. Only
      // regular files (and GNU's old sparse ones, which we never write) carry data in the tar
      // stream besides them, so the others are skipped by their size.
      SHOAL_RETURN_IF_ERROR(tar.CopyData(type == '1' || type == '2' ? 0 : size, nullptr, name));
      continue;
    }
    const fs::path target = fs::path(target_dir) / path;
    fs::create_directories(target.parent_path(), error);
    if (error) {
      return Status::IoError("cannot create the folder of " + target.string() + ": " +
                             error.message());
    }
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IoError("cannot create " + target.string());
    SHOAL_RETURN_IF_ERROR(tar.CopyData(size, &out, target.string()));
    out.close();
    if (!out) return Status::IoError("cannot write " + target.string());
    extracted[path] = static_cast<int64_t>(size);
  }
  std::vector<ExtractedFile> files;
  for (const auto& [path, size] : extracted) files.push_back({path, size});
  return files;
}

}  // namespace shoal::compute

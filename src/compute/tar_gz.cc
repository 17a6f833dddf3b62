#include "compute/tar_gz.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

#include <zlib.h>

namespace shoal::compute {

namespace fs = std::filesystem;

namespace {

constexpr size_t kBlock = 512;
constexpr uint64_t kMaxUstarSize = (uint64_t{1} << 33) - 1;  // 11 octal digits

// Streams bytes through zlib's gzip wrapper into a file.
class GzipFile {
 public:
  explicit GzipFile(const std::string& path) : out_(path, std::ios::binary | std::ios::trunc) {
    std::memset(&stream_, 0, sizeof stream_);
    // 15 window bits + 16: a gzip header and trailer instead of zlib's.
    ok_ = out_.good() && deflateInit2(&stream_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                                      Z_DEFAULT_STRATEGY) == Z_OK;
    initialized_ = ok_;
  }
  ~GzipFile() {
    if (initialized_) deflateEnd(&stream_);
  }
  GzipFile(const GzipFile&) = delete;
  GzipFile& operator=(const GzipFile&) = delete;

  bool Write(const char* data, size_t size) {
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    stream_.avail_in = static_cast<uInt>(size);
    return Pump(Z_NO_FLUSH);
  }

  bool Finish() {
    stream_.next_in = nullptr;
    stream_.avail_in = 0;
    if (!Pump(Z_FINISH)) return false;
    out_.close();
    return ok_ && !out_.fail();
  }

  bool ok() const { return ok_; }

 private:
  bool Pump(int flush) {
    if (!ok_) return false;
    std::array<char, 1 << 16> buffer;
    int result = Z_OK;
    do {
      stream_.next_out = reinterpret_cast<Bytef*>(buffer.data());
      stream_.avail_out = static_cast<uInt>(buffer.size());
      result = deflate(&stream_, flush);
      if (result == Z_STREAM_ERROR) return ok_ = false;
      out_.write(buffer.data(), static_cast<std::streamsize>(buffer.size() - stream_.avail_out));
      if (!out_) return ok_ = false;
    } while (stream_.avail_out == 0 || (flush == Z_FINISH && result != Z_STREAM_END));
    return true;
  }

  std::ofstream out_;
  z_stream stream_;
  bool ok_ = false;
  bool initialized_ = false;
};

void PutOctal(char* field, size_t width, uint64_t value) {
  // width - 1 digits and a NUL, as ustar readers expect.
  for (size_t i = width - 1; i-- > 0;) {
    field[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
  field[width - 1] = '\0';
}

// One "LEN key=value\n" record; LEN counts the whole record, itself included.
std::string PaxRecord(const std::string& key, const std::string& value) {
  const size_t body = key.size() + value.size() + 3;  // ' ', '=', '\n'
  size_t length = body + 1;
  while (std::to_string(length).size() + body != length)
    length = std::to_string(length).size() + body;
  return std::to_string(length) + " " + key + "=" + value + "\n";
}

// Splits `path` into ustar's prefix (<= 155) and name (<= 100) fields; false if impossible.
bool SplitUstarName(const std::string& path, std::string* prefix, std::string* name) {
  if (path.size() <= 100) {
    prefix->clear();
    *name = path;
    return true;
  }
  for (size_t slash = path.find('/'); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    if (slash <= 155 && path.size() - slash - 1 <= 100 && slash + 1 < path.size()) {
      *prefix = path.substr(0, slash);
      *name = path.substr(slash + 1);
      return true;
    }
  }
  return false;
}

std::array<char, kBlock> Header(const std::string& name, const std::string& prefix, char type,
                                uint64_t size, int64_t mtime) {
  std::array<char, kBlock> h{};
  std::memcpy(h.data(), name.data(), std::min<size_t>(name.size(), 100));
  PutOctal(&h[100], 8, type == '5' ? 0755 : 0644);
  PutOctal(&h[108], 8, 0);
  PutOctal(&h[116], 8, 0);
  PutOctal(&h[124], 12, size);
  PutOctal(&h[136], 12, static_cast<uint64_t>(std::max<int64_t>(mtime, 0)));
  h[156] = type;
  std::memcpy(&h[257], "ustar", 6);
  std::memcpy(&h[263], "00", 2);
  std::memcpy(&h[265], "shoal", 5);
  std::memcpy(&h[297], "shoal", 5);
  std::memcpy(&h[345], prefix.data(), std::min<size_t>(prefix.size(), 155));
  std::memset(&h[148], ' ', 8);  // the checksum counts its own field as spaces
  unsigned checksum = 0;
  for (char c : h) checksum += static_cast<unsigned char>(c);
  PutOctal(&h[148], 7, checksum);  // six digits and a NUL; the space after them stays
  return h;
}

class TarWriter {
 public:
  explicit TarWriter(GzipFile& out) : out_(out) {}

  bool Entry(const std::string& path, char type, uint64_t size, int64_t mtime) {
    std::string prefix, name;
    std::string records;
    if (!SplitUstarName(path, &prefix, &name)) {
      records += PaxRecord("path", path);
      prefix.clear();
      name = path.substr(0, 100);
    }
    if (size > kMaxUstarSize) records += PaxRecord("size", std::to_string(size));
    if (!records.empty()) {
      const auto pax = Header("PaxHeader", "", 'x', records.size(), mtime);
      if (!Write(pax.data(), pax.size()) || !Write(records.data(), records.size()) ||
          !Pad(records.size())) {
        return false;
      }
    }
    const auto header = Header(name, prefix, type, size > kMaxUstarSize ? 0 : size, mtime);
    return Write(header.data(), header.size());
  }

  bool Write(const char* data, size_t size) { return out_.Write(data, size); }

  bool Pad(uint64_t size) {
    static const std::array<char, kBlock> kZeros{};
    const size_t rest = static_cast<size_t>(size % kBlock);
    return rest == 0 || Write(kZeros.data(), kBlock - rest);
  }

  bool End() {
    static const std::array<char, 2 * kBlock> kZeros{};
    return Write(kZeros.data(), kZeros.size());
  }

 private:
  GzipFile& out_;
};

int64_t ModifiedSeconds(const fs::path& path) {
  std::error_code error;
  const auto time = fs::last_write_time(path, error);
  if (error) return 0;
  const auto system = std::chrono::file_clock::to_sys(time);
  return std::chrono::duration_cast<std::chrono::seconds>(system.time_since_epoch()).count();
}

}  // namespace

Status WriteTarGz(const std::string& source_dir, const std::string& archive_path) {
  std::error_code error;
  std::vector<fs::path> entries;
  fs::recursive_directory_iterator it(source_dir, error), end;
  if (error) return Status::IoError("cannot list " + source_dir + ": " + error.message());
  for (; it != end; it.increment(error)) {
    if (error) break;
    const fs::file_status status = it->symlink_status(error);
    if (!error && (fs::is_directory(status) || fs::is_regular_file(status))) {
      entries.push_back(it->path());
    }
  }
  if (error) return Status::IoError("cannot list " + source_dir + ": " + error.message());
  std::sort(entries.begin(), entries.end());

  GzipFile gzip(archive_path);
  if (!gzip.ok()) return Status::IoError("cannot create " + archive_path);
  TarWriter tar(gzip);
  const auto failed = [&] { return Status::IoError("cannot write " + archive_path); };
  std::vector<char> buffer(1 << 16);
  for (const fs::path& entry : entries) {
    std::string name = fs::relative(entry, source_dir).generic_string();
    const int64_t mtime = ModifiedSeconds(entry);
    if (fs::is_directory(entry)) {
      if (!tar.Entry(name + "/", '5', 0, mtime)) return failed();
      continue;
    }
    std::ifstream in(entry, std::ios::binary);
    const uint64_t size = fs::file_size(entry, error);
    if (!in || error) return Status::IoError("cannot read " + entry.string());
    if (!tar.Entry(name, '0', size, mtime)) return failed();
    uint64_t written = 0;
    while (written < size) {
      in.read(buffer.data(),
              static_cast<std::streamsize>(std::min<uint64_t>(buffer.size(), size - written)));
      const auto got = static_cast<size_t>(in.gcount());
      if (got == 0) return Status::IoError(entry.string() + " shrank while being archived");
      if (!tar.Write(buffer.data(), got)) return failed();
      written += got;
    }
    if (!tar.Pad(size)) return failed();
  }
  if (!tar.End() || !gzip.Finish()) return failed();
  return Status::Ok();
}

}  // namespace shoal::compute

// S3rver: a real S3 server for tests. Starts npm's s3rver 3.7.1 (installed by scripts/setup.sh into
// .deps/s3rver) on a free loopback port with its data in a fresh temp directory, and stops it
// (SIGKILL) and removes the directory when destroyed.
//
// s3rver quirks handled here (see ../shared/reference/s3-and-deps.md): Node 20 needs
// --openssl-legacy-provider or continuation tokens fail with 500; the port comes from its stdout
// line "S3rver listening on 127.0.0.1:PORT"; the only access key it accepts is "S3RVER" (it does
// not check signatures, so use the SigV4 vector tests for that). It is started with
// --service-endpoint localhost, so besides path-style requests to 127.0.0.1:PORT it also serves
// virtual-hosted requests to <bucket>.s3.localhost:PORT (curl resolves *.localhost to loopback).
//
// The s3rver path comes from the SHOAL_S3RVER compile definition (ctest passes tests only one
// environment entry), or from the SHOAL_S3RVER environment variable.
//
// Thread-safety: construct and destroy on one thread; the accessors are const.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/testing/run_process.h"

namespace shoal::testing {

inline std::string S3rverBinary() {
  if (const char* env = std::getenv("SHOAL_S3RVER"); env != nullptr && env[0] != '\0') return env;
#ifdef SHOAL_S3RVER
  return SHOAL_S3RVER;
#else
  return "";
#endif
}

class S3rver {
 public:
  // The access key and secret s3rver accepts.
  static constexpr const char* kAccessKey = "S3RVER";
  static constexpr const char* kSecretKey = "S3RVER";

  struct Options {
    std::vector<std::string> buckets;  // created at start
    std::chrono::seconds start_timeout{20};
  };

  explicit S3rver(Options options) { Start(options); }
  S3rver() : S3rver(Options{}) {}
  ~S3rver() {
    process_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  S3rver(const S3rver&) = delete;
  S3rver& operator=(const S3rver&) = delete;

  // False when s3rver could not start; error() says why (with its log).
  bool ok() const { return port_ > 0; }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  // Path-style endpoint, "127.0.0.1:PORT".
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  // Endpoint for virtual-hosted addressing: buckets are <bucket>.s3.localhost:PORT.
  std::string vhost_endpoint() const { return "s3.localhost:" + std::to_string(port_); }
  // Where s3rver keeps objects: <data_dir>/<bucket>/...
  std::filesystem::path data_dir() const { return dir_ / "data"; }

 private:
  void Start(const Options& options) {
    std::string binary = S3rverBinary();
    if (binary.empty() || !std::filesystem::exists(binary)) {
      error_ = "s3rver not found at '" + binary + "': run scripts/setup.sh";
      return;
    }
    std::string tmpl = (std::filesystem::temp_directory_path() / "shoal-s3rver-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      error_ = "mkdtemp failed";
      return;
    }
    dir_ = tmpl;
    std::filesystem::create_directories(data_dir());
    std::vector<std::string> argv = {"/usr/bin/env",
                                     "NODE_OPTIONS=--openssl-legacy-provider",
                                     binary,
                                     "-d",
                                     data_dir().string(),
                                     "-a",
                                     "127.0.0.1",
                                     "-p",
                                     "0",
                                     "--no-vhost-buckets",
                                     "--service-endpoint",
                                     "localhost",
                                     "--silent"};
    for (const std::string& bucket : options.buckets) {
      argv.push_back("--configure-bucket");
      argv.push_back(bucket);
    }
    std::string log = (dir_ / "s3rver.log").string();
    process_ = std::make_unique<BackgroundProcess>(argv, log);
    const std::string marker = "S3rver listening on 127.0.0.1:";
    auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      std::string text = ReadWholeFile(log);
      if (size_t at = text.find(marker); at != std::string::npos) {
        size_t start = at + marker.size();
        size_t end = start;
        while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
        if (end > start && end < text.size()) {  // the whole number has been written
          port_ = std::stoi(text.substr(start, end - start));
          return;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    error_ = "s3rver did not start within " + std::to_string(options.start_timeout.count()) +
             " s; its log:\n" + ReadWholeFile(log);
    process_.reset();
  }

  std::filesystem::path dir_;
  std::unique_ptr<BackgroundProcess> process_;
  int port_ = 0;
  std::string error_;
};

}  // namespace shoal::testing

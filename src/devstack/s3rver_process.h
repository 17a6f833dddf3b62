// S3rverProcess: one local S3 server (npm's s3rver, installed by scripts/setup.sh) on a free
// loopback port, as a child process of the devstack. Its objects live in a folder of the
// devstack's directory, so they survive a restart of the devstack.
//
// s3rver's quirks (../shared/reference/s3-and-deps.md): Node 20 needs --openssl-legacy-provider
// or truncated listings fail; the only access key it accepts is "S3RVER", and it checks no
// signatures; it prints "S3rver listening on 127.0.0.1:PORT" when it is ready.
//
// The child is killed when the process that started it dies (PR_SET_PDEATHSIG, which fires when
// the starting *thread* exits: start servers from a long-lived thread), and by Stop().
//
// Thread-safety: Start/Stop from one thread; the accessors are const.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>

#include "common/status.h"

namespace shoal::devstack {

class S3rverProcess {
 public:
  // The credentials s3rver accepts.
  static constexpr const char* kAccessKey = "S3RVER";
  static constexpr const char* kSecretKey = "S3RVER";

  struct Options {
    std::string binary;    // node_modules/.bin/s3rver
    std::string data_dir;  // created if missing
    std::string log_path;  // s3rver's stdout and stderr
    std::vector<std::string> buckets;
  };

  // Launches s3rver; WaitUntilReady() then learns its port. Launching several servers before
  // waiting for any lets them start in parallel (each takes ~0.5 s, ~3 s cold).
  static Result<std::unique_ptr<S3rverProcess>> Launch(const Options& options);
  ~S3rverProcess();
  S3rverProcess(const S3rverProcess&) = delete;
  S3rverProcess& operator=(const S3rverProcess&) = delete;

  // Waits for the "listening" line; an error quotes the server's log.
  Status WaitUntilReady(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL after a grace period; waits for the child.
  void Stop();

  int port() const { return port_; }
  // "http://127.0.0.1:PORT".
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  explicit S3rverProcess(Options options) : options_(std::move(options)) {}

  Options options_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Where s3rver is: `explicit_path` when given, else $SHOAL_S3RVER, else .deps/s3rver (the
// set-up script's) in the folder of the running shoal binary or one of its parents, else in the
// current directory. kNotFound says how to install it.
Result<std::string> FindS3rver(const std::string& explicit_path);

}  // namespace shoal::devstack

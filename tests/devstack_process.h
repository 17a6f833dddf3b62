// DevstackProcess: a `shoal devstack` process for CLI tests, as a user starts it (a random port,
// a temp dir), and the environment that points the CLI at it (SHOAL_API_HOST, SHOAL_API_PORT,
// SHOAL_API_TOKEN_FILE). Start() waits for its banner; the process is killed when the object
// goes away.
//
// Thread-safety: used from the test's thread only.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/testing/run_process.h"

namespace shoal::testing {

class DevstackProcess {
 public:
  // `dir` holds the stack (dir/stack) and its log (dir/devstack.log).
  explicit DevstackProcess(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // Starts `shoal devstack --dir DIR/stack --port 0` with `extra` flags; false (see Log()) when
  // it did not print its banner within 30 s.
  bool Start(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {ShoalBinary(), "devstack", "--dir", (dir_ / "stack").string(),
                                     "--port",      "0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<BackgroundProcess>(argv, (dir_ / "devstack.log").string());
    const std::string marker = "orchestrator on 127.0.0.1:";
    using namespace std::chrono_literals;
    for (auto deadline = std::chrono::steady_clock::now() + 30s;
         std::chrono::steady_clock::now() < deadline && process_->alive();
         std::this_thread::sleep_for(50ms)) {
      const std::string log = Log();
      const size_t at = log.find(marker);
      if (log.find("Press Ctrl-C to stop.") != std::string::npos && at != std::string::npos) {
        port_ = std::atoi(log.c_str() + at + marker.size());
        return port_ > 0;
      }
    }
    return false;
  }

  void Stop() {
    if (process_) process_->Kill(SIGTERM);
    process_.reset();
  }

  std::string Log() const { return ReadWholeFile(dir_ / "devstack.log"); }
  int port() const { return port_; }
  std::filesystem::path StackDir() const { return dir_ / "stack"; }

  // What the CLI needs to reach the devstack.
  std::map<std::string, std::string> Environment() const {
    return {{"SHOAL_API_HOST", "127.0.0.1"},
            {"SHOAL_API_PORT", std::to_string(port_)},
            {"SHOAL_API_TOKEN_FILE", (dir_ / "stack" / "client.token").string()}};
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<BackgroundProcess> process_;
  int port_ = 0;
};

}  // namespace shoal::testing

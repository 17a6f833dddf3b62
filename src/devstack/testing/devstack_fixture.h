// RunningDevstack: the in-process devstack of the devstack tests (devstack_test.cc,
// devstack_plugins_test.cc, devstack_job_get_test.cc): started in a fresh temp folder of its own
// on a free port, its nodes registered, with an HTTP client that holds its client token; the
// folder goes when it is destroyed (a failed test's is kept: see common/testing/temp_dir.h).
//
// Thread-safety: a test fixture; construct and use from the test's thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/testing/temp_dir.h"
#include "devstack/devstack.h"
#include "transport/http_client.h"

namespace shoal::devstack::testing {

class RunningDevstack {
 public:
  // Starts a devstack with `options` (their dir is in a fresh temp folder labelled `name`, e.g.
  // "devstack": /tmp/shoal-devstack-XXXXXX; their port a free one) and waits for its nodes.
  static Result<std::unique_ptr<RunningDevstack>> Start(DevstackOptions options,
                                                        std::string_view name) {
    auto running = std::unique_ptr<RunningDevstack>(new RunningDevstack());
    running->dir_ = shoal::testing::TempDir(name);
    options.dir = (running->dir_ / "stack").string();
    options.port = 0;
    SHOAL_ASSIGN_OR_RETURN(running->stack_, Devstack::Start(options));
    if (!running->stack_->WaitForNodes(std::chrono::seconds(10))) {
      return Status::Unavailable("the devstack's nodes did not register within 10 s");
    }
    transport::HttpClient::Options http;
    http.bearer_token = running->stack_->client_token();
    running->client_ = std::make_unique<transport::HttpClient>(
        transport::Endpoint{"127.0.0.1", running->stack_->port()}, http);
    return running;
  }

  Devstack& stack() { return *stack_; }
  // A client of the public API with the client token.
  transport::HttpClient& client() { return *client_; }
  // The test's own folder (the devstack's is dir()/stack): scratch space that goes with it.
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  RunningDevstack() = default;

  shoal::testing::TempDir dir_;  // declared first: it outlives the devstack and the client
  std::unique_ptr<Devstack> stack_;
  std::unique_ptr<transport::HttpClient> client_;
};

}  // namespace shoal::devstack::testing

// RunningDevstack: the in-process devstack of the devstack and query tests (devstack_test.cc,
// devstack_plugins_test.cc, devstack_job_get_test.cc; query/testing/devstack_fixture.h): started
// in a fresh temp folder of its own on a free port, its nodes registered, with an HTTP client
// that holds its client token; restartable on its folder; the folder goes when it is destroyed (a
// failed test's is kept: see common/testing/temp_dir.h).
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
    running->options_ = std::move(options);
    SHOAL_RETURN_IF_ERROR(running->Launch());
    return running;
  }

  // Stops the devstack and starts it again on its folder, its state kept (on a new port).
  Status Restart() {
    client_.reset();
    stack_.reset();
    return Launch();
  }

  Devstack& stack() { return *stack_; }
  // A client of the public API with the client token.
  transport::HttpClient& client() { return *client_; }
  // The test's own folder (the devstack's is dir()/stack): scratch space that goes with it.
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  RunningDevstack() = default;

  Status Launch() {
    options_.port = 0;
    SHOAL_ASSIGN_OR_RETURN(stack_, Devstack::Start(options_));
    if (!stack_->WaitForNodes(std::chrono::seconds(10))) {
      return Status::Unavailable("the devstack's nodes did not register within 10 s");
    }
    transport::HttpClient::Options http;
    http.bearer_token = stack_->client_token();
    client_ = std::make_unique<transport::HttpClient>(
        transport::Endpoint{"127.0.0.1", stack_->port()}, http);
    return Status::Ok();
  }

  shoal::testing::TempDir dir_;  // declared first: it outlives the devstack and the client
  DevstackOptions options_;
  std::unique_ptr<Devstack> stack_;
  std::unique_ptr<transport::HttpClient> client_;
};

}  // namespace shoal::devstack::testing

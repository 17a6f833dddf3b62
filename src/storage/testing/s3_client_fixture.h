// S3ClientE2ETest: the fixture of the S3 client's end-to-end tests (s3_client_e2e_test.cc,
// s3_client_secrets_e2e_test.cc): a real s3rver on loopback with the bucket "shoal-test" and a
// client configured for it, fresh for each test.
//
// Thread-safety: a test fixture; one test thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "storage/s3_client.h"
#include "storage/testing/s3_fault_proxy.h"
#include "storage/testing/s3_test_data.h"
#include "storage/testing/s3rver_fixture.h"

namespace shoal::storage::testing {

using ::shoal::testing::S3rver;

constexpr char kBucket[] = "shoal-test";

inline S3Config LoopbackConfig(const std::string& endpoint) {
  S3Config config;
  config.endpoint = endpoint;
  config.url_style = UrlStyle::kPath;
  config.use_ssl = false;
  config.credentials = {S3rver::kAccessKey, S3rver::kSecretKey, ""};
  config.retry.base_delay = std::chrono::milliseconds(10);
  config.retry.max_delay = std::chrono::milliseconds(100);
  return config;
}

class S3ClientE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<S3rver>(S3rver::Options{{kBucket}});
    ASSERT_TRUE(server_->ok()) << server_->error();
    auto client = S3Client::Create(LoopbackConfig(server_->endpoint()));
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(client).value();
  }

  std::unique_ptr<S3rver> server_;
  std::unique_ptr<S3Client> client_;
};

}  // namespace shoal::storage::testing

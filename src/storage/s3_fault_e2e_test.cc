// S3Client recovery from injected failures: a S3FaultProxy between the client and a real s3rver
// resets connections, answers 500/503/429, or stalls, for the first N requests; the client must
// retry those (and only those) and end with the right bytes.
#include <chrono>
#include <cstring>
#include <random>

#include <gtest/gtest.h>

#include "storage/s3_client.h"
#include "storage/testing/s3_fault_proxy.h"
#include "storage/testing/s3_test_data.h"
#include "storage/testing/s3rver_fixture.h"

namespace shoal::storage {
namespace {

using shoal::testing::S3rver;
using testing::RandomBytes;
using testing::S3FaultProxy;
using testing::Under;
using Fault = S3FaultProxy::Fault;

constexpr char kFaultyBucket[] = "faulty";

class S3FaultE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<S3rver>(S3rver::Options{{kFaultyBucket}});
    ASSERT_TRUE(server_->ok()) << server_->error();
    proxy_ = std::make_unique<S3FaultProxy>(server_->port());
    ASSERT_GT(proxy_->port(), 0);
  }

  std::unique_ptr<S3Client> Client(int max_attempts = 5) {
    S3Config config;
    config.endpoint = proxy_->endpoint();
    config.url_style = UrlStyle::kPath;
    config.use_ssl = false;
    config.credentials = {S3rver::kAccessKey, S3rver::kSecretKey, ""};
    config.retry = {max_attempts, std::chrono::milliseconds(5), std::chrono::milliseconds(50)};
    config.low_speed_time = std::chrono::seconds(1);
    config.multipart_part_size = 5 << 20;
    auto client = S3Client::Create(config);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return std::move(client).value();
  }

  std::unique_ptr<S3rver> server_;
  std::unique_ptr<S3FaultProxy> proxy_;
};

TEST_F(S3FaultE2ETest, RecoversFromConnectionResets) {
  auto client = Client();
  proxy_->FailNext(2, Fault::kReset);
  ASSERT_TRUE(client->PutObject(kFaultyBucket, "reset/a.txt", "payload after resets").ok());
  EXPECT_EQ(proxy_->faults_injected(), 2);
  proxy_->FailNext(3, Fault::kReset);
  auto got = client->GetObject(kFaultyBucket, "reset/a.txt");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "payload after resets");
  EXPECT_EQ(proxy_->faults_injected(), 5);
}

TEST_F(S3FaultE2ETest, RecoversFrom500503And429) {
  auto client = Client();
  ASSERT_TRUE(client->PutObject(kFaultyBucket, "status/a.txt", "0123456789").ok());
  for (Fault fault : {Fault::kStatus500, Fault::kStatus503, Fault::kStatus429}) {
    int before = proxy_->requests();
    proxy_->FailNext(3, fault);
    auto got = client->GetRange(kFaultyBucket, "status/a.txt", 2, 4);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, "2345");
    EXPECT_EQ(proxy_->requests() - before, 4);  // three failures, then success
  }
  proxy_->FailNext(2, Fault::kStatus503);
  auto listed = client->ListAllObjects(kFaultyBucket, Under("status/"));
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->objects.size(), 1u);
}

TEST_F(S3FaultE2ETest, GivesUpAfterMaxAttemptsWithTheLastError) {
  auto client = Client(/*max_attempts=*/3);
  proxy_->FailNext(100, Fault::kStatus503);
  auto got = client->GetObject(kFaultyBucket, "anything");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(got.status().message(),
            "GET s3://faulty/anything: SlowDown: injected by S3FaultProxy (HTTP 503), after 3 "
            "attempts");
  EXPECT_EQ(proxy_->requests(), 3);

  proxy_->FailNext(100, Fault::kReset);
  auto reset = client->HeadObject(kFaultyBucket, "anything");
  ASSERT_FALSE(reset.ok());
  EXPECT_EQ(reset.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(reset.status().message().find("HEAD s3://faulty/anything: "), std::string::npos);
  EXPECT_NE(reset.status().message().find("after 3 attempts"), std::string::npos)
      << reset.status().message();
}

TEST_F(S3FaultE2ETest, NeverRetriesOther4xx) {
  auto client = Client();
  proxy_->FailNext(5, Fault::kStatus403);
  auto got = client->GetObject(kFaultyBucket, "forbidden");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(got.status().message(),
            "GET s3://faulty/forbidden: AccessDenied: injected by S3FaultProxy (HTTP 403)");
  EXPECT_EQ(proxy_->requests(), 1);
}

TEST_F(S3FaultE2ETest, StalledResponseTimesOutAndIsRetried) {
  auto client = Client();
  ASSERT_TRUE(client->PutObject(kFaultyBucket, "stall/a.txt", "patience").ok());
  proxy_->FailNext(1, Fault::kStall);
  auto start = std::chrono::steady_clock::now();
  auto got = client->GetObject(kFaultyBucket, "stall/a.txt");
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "patience");
  EXPECT_EQ(proxy_->faults_injected(), 1);
  EXPECT_GE(elapsed, std::chrono::milliseconds(900));  // the 1 s low-speed timeout
}

TEST_F(S3FaultE2ETest, MultipartPartsGoInParallelAndRecoverFromFaults) {
  auto client = Client();
  const std::string data = RandomBytes(20 << 20, 3);  // 4 parts of 5 MiB
  proxy_->FailNext(2, Fault::kReset, "partNumber=3&");
  auto etag = client->MultipartUpload(kFaultyBucket, "mp/ok.bin", data);
  ASSERT_TRUE(etag.ok()) << etag.status().ToString();
  EXPECT_EQ(proxy_->faults_injected(), 2);
  EXPECT_GE(proxy_->max_concurrent(), 2) << "parts were not sent in parallel";
  auto back = client->GetObject(kFaultyBucket, "mp/ok.bin");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(*back == data);
}

TEST_F(S3FaultE2ETest, MultipartFailureAbortsTheUpload) {
  auto client = Client(/*max_attempts=*/2);
  const std::string data = RandomBytes(15 << 20, 4);  // 3 parts
  proxy_->FailNext(100, Fault::kStatus500, "partNumber=2&");
  auto etag = client->MultipartUpload(kFaultyBucket, "mp/failed.bin", data);
  ASSERT_FALSE(etag.ok());
  EXPECT_NE(etag.status().message().find("PUT (part 2 of 3) s3://faulty/mp/failed.bin: "
                                         "InternalError: injected by S3FaultProxy (HTTP 500), "
                                         "after 2 attempts"),
            std::string::npos)
      << etag.status().message();
  bool aborted = false;
  for (const std::string& line : proxy_->request_lines()) {
    if (line.rfind("DELETE /faulty/mp/failed.bin?uploadId=", 0) == 0) aborted = true;
  }
  EXPECT_TRUE(aborted) << "no AbortMultipartUpload request was sent";
  EXPECT_EQ(client->HeadObject(kFaultyBucket, "mp/failed.bin").status().code(),
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace shoal::storage

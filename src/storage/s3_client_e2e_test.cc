// S3Client against a real s3rver on loopback: listing past 1,000 keys, a 50 MB multipart upload,
// ranged reads, file uploads and downloads, virtual-hosted addressing, DeleteObjects, and the
// errors a user meets (wrong bucket, missing object, missing or wrong credentials), none of which
// may carry a secret.
#include "storage/testing/s3_client_fixture.h"

namespace shoal::storage {
namespace {

using namespace testing;  // NOLINT: the fixture, its config and the test data helpers
using ::shoal::testing::S3rver;

TEST_F(S3ClientE2ETest, ListsMoreThanAThousandObjectsEachOnceThenDeletesThemInBatches) {
  constexpr int kObjects = 1100;
  std::vector<std::string> keys;
  for (int i = 0; i < kObjects; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "many/obj-%04d.json", i);
    keys.push_back(name);
  }
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < kObjects; i = next++) {
        if (!client_->PutObject(kBucket, keys[i], "{\"i\":" + std::to_string(i) + "}").ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);

  // One page stops at 1,000 with a continuation token.
  auto first = client_->ListObjectsV2(kBucket, Under("many/"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->objects.size(), 1000u);
  EXPECT_TRUE(first->is_truncated);
  EXPECT_FALSE(first->next_continuation_token.empty());

  // Every page: each key exactly once, with its size.
  for (int page_size : {1000, 400}) {
    SCOPED_TRACE(page_size);
    auto all = client_->ListAllObjects(kBucket, Under("many/", "", page_size));
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    ASSERT_EQ(all->objects.size(), static_cast<size_t>(kObjects));
    std::map<std::string, int> seen;
    for (const ObjectInfo& object : all->objects) {
      ++seen[object.key];
      EXPECT_GT(object.size, 6u);
      EXPECT_FALSE(object.etag.empty());
    }
    ASSERT_EQ(seen.size(), static_cast<size_t>(kObjects));
    for (const std::string& key : keys) EXPECT_EQ(seen[key], 1) << key;
  }

  // DeleteObjects in two batches (1,000 + 100), plus a key that never existed.
  std::vector<std::string> to_delete = keys;
  to_delete.push_back("many/never-existed");
  Status deleted = client_->DeleteObjects(kBucket, to_delete);
  ASSERT_TRUE(deleted.ok()) << deleted.ToString();
  auto after = client_->ListAllObjects(kBucket, Under("many/"));
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_TRUE(after->objects.empty());
}

TEST_F(S3ClientE2ETest, DelimiterGroupsCommonPrefixes) {
  for (const char* key : {"d/a/1", "d/a/2", "d/b/1", "d/c.txt", "e/x"}) {
    ASSERT_TRUE(client_->PutObject(kBucket, key, "x").ok());
  }
  auto listed = client_->ListAllObjects(kBucket, Under("d/", "/"));
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->objects.size(), 1u);
  EXPECT_EQ(listed->objects[0].key, "d/c.txt");
  std::set<std::string> prefixes(listed->common_prefixes.begin(), listed->common_prefixes.end());
  EXPECT_EQ(prefixes, (std::set<std::string>{"d/a/", "d/b/"}));
}

TEST_F(S3ClientE2ETest, MultipartUploadOf50MBIsByteIdentical) {
  const std::string data = RandomBytes(50'000'000, 42);
  auto etag = client_->MultipartUpload(kBucket, "big/fifty.bin", data);
  ASSERT_TRUE(etag.ok()) << etag.status().ToString();
  EXPECT_FALSE(etag->empty());

  auto head = client_->HeadObject(kBucket, "big/fifty.bin");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size, data.size());

  auto back = client_->GetObject(kBucket, "big/fifty.bin");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), data.size());
  EXPECT_TRUE(*back == data) << "downloaded bytes differ from the upload";
}

TEST_F(S3ClientE2ETest, FileUploadsSinglePutAndMultipartAreByteIdentical) {
  S3Config config = LoopbackConfig(server_->endpoint());
  config.multipart_threshold = 6 << 20;
  config.multipart_part_size = 5 << 20;
  auto client = S3Client::Create(config);
  ASSERT_TRUE(client.ok());
  std::filesystem::path dir = server_->data_dir().parent_path();
  const std::string small = RandomBytes(300'000, 1);
  const std::string large = RandomBytes(12'500'000, 2);  // 3 parts of <= 5 MiB
  std::ofstream(dir / "small.bin", std::ios::binary) << small;
  std::ofstream(dir / "large.bin", std::ios::binary) << large;

  ASSERT_TRUE((*client)->PutObjectFromFile(kBucket, "files/small.bin", dir / "small.bin").ok());
  auto etag = (*client)->PutObjectFromFile(kBucket, "files/large.bin", dir / "large.bin");
  ASSERT_TRUE(etag.ok()) << etag.status().ToString();
  EXPECT_EQ((*client)->GetObject(kBucket, "files/small.bin").value(), small);
  EXPECT_TRUE((*client)->GetObject(kBucket, "files/large.bin").value() == large);

  auto missing = (*client)->PutObjectFromFile(kBucket, "files/none", dir / "no-such-file");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no-such-file"), std::string::npos);
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> FileNames(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST_F(S3ClientE2ETest, GetObjectToFileStreamsRangesThroughATemporaryFile) {
  // Through a proxy that records each request: 20 MB is three ranges of 8 MiB.
  S3FaultProxy proxy(server_->port());
  S3Config config = LoopbackConfig(proxy.endpoint());
  auto client = S3Client::Create(config);
  ASSERT_TRUE(client.ok());
  const std::string data = RandomBytes(20'000'000, 11);
  ASSERT_TRUE(client_->MultipartUpload(kBucket, "down/twenty.bin", data).ok());
  const std::filesystem::path dir = server_->data_dir().parent_path() / "downloads";
  std::filesystem::create_directories(dir);

  auto size = (*client)->GetObjectToFile(kBucket, "down/twenty.bin", dir / "twenty.bin");
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_EQ(*size, data.size());
  EXPECT_TRUE(ReadFile(dir / "twenty.bin") == data) << "downloaded bytes differ";
  EXPECT_EQ(FileNames(dir), std::vector<std::string>{"twenty.bin"});  // no temporary left
  EXPECT_EQ(proxy.request_lines(), std::vector<std::string>(3, "GET /shoal-test/down/twenty.bin"));

  // A reset in the middle of the download costs one retry of one range, not the object.
  proxy.FailNext(1, S3FaultProxy::Fault::kReset);
  size = (*client)->GetObjectToFile(kBucket, "down/twenty.bin", dir / "again.bin");
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_TRUE(ReadFile(dir / "again.bin") == data);
  EXPECT_EQ(proxy.faults_injected(), 1);

  // An exact multiple of the range size, and an object smaller than one range.
  const std::string sixteen = RandomBytes(2 * S3Client::kDownloadChunkBytes, 12);
  ASSERT_TRUE(client_->MultipartUpload(kBucket, "down/sixteen.bin", sixteen).ok());
  ASSERT_TRUE((*client)->GetObjectToFile(kBucket, "down/sixteen.bin", dir / "sixteen.bin").ok());
  EXPECT_TRUE(ReadFile(dir / "sixteen.bin") == sixteen);
  ASSERT_TRUE(client_->PutObject(kBucket, "down/small.txt", "small").ok());
  EXPECT_EQ((*client)->GetObjectToFile(kBucket, "down/small.txt", dir / "small.txt").value(), 5u);
  EXPECT_EQ(ReadFile(dir / "small.txt"), "small");
  // Not tested: an empty object. S3 answers its ranged GET 416 (an empty file here); s3rver
  // sends Content-Length 1 and no body, which fails every attempt.
}

TEST_F(S3ClientE2ETest, GetObjectToFileSendsTheVersionIdAndFailsWithoutLeavingFiles) {
  S3FaultProxy proxy(server_->port());
  S3Config config = LoopbackConfig(proxy.endpoint());
  config.retry.max_attempts = 2;
  auto client = S3Client::Create(config);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client_->PutObject(kBucket, "v/object.txt", "current").ok());
  const std::filesystem::path dir = server_->data_dir().parent_path() / "versions";
  std::filesystem::create_directories(dir);

  // The version goes in the (signed) query. s3rver keeps no versions and ignores it.
  auto size = (*client)->GetObjectToFile(kBucket, "v/object.txt", dir / "v.txt", "3/L4kq+x=");
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_EQ(ReadFile(dir / "v.txt"), "current");
  EXPECT_EQ(proxy.request_lines(),
            std::vector<std::string>{"GET /shoal-test/v/object.txt?versionId=3%2FL4kq%2Bx%3D"});

  auto missing = (*client)->GetObjectToFile(kBucket, "v/none.txt", dir / "none.txt");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.status().message().rfind("GET s3://shoal-test/v/none.txt: NoSuchKey", 0), 0u)
      << missing.status().message();
  auto no_bucket = (*client)->GetObjectToFile("no-such-bucket", "k", dir / "k");
  ASSERT_FALSE(no_bucket.ok());
  EXPECT_EQ(no_bucket.status().message().rfind("GET s3://no-such-bucket/k: NoSuchBucket", 0), 0u)
      << no_bucket.status().message();
  proxy.FailNext(2, S3FaultProxy::Fault::kStatus500);
  auto failed = (*client)->GetObjectToFile(kBucket, "v/object.txt", dir / "failed.txt");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), ErrorCode::kUnavailable) << failed.status().ToString();
  auto unwritable = (*client)->GetObjectToFile(kBucket, "v/object.txt", dir / "no/such/dir/x");
  ASSERT_FALSE(unwritable.ok());
  EXPECT_NE(unwritable.status().message().find("cannot create"), std::string::npos);
  // Only the first download is there: no partial file, no temporary file.
  EXPECT_EQ(FileNames(dir), std::vector<std::string>{"v.txt"});
}

TEST_F(S3ClientE2ETest, RangedReads) {
  const std::string data = RandomBytes(100'000, 7);
  ASSERT_TRUE(client_->PutObject(kBucket, "ranged/obj.bin", data).ok());
  auto range = [&](uint64_t offset, size_t length) {
    auto got = client_->GetRange(kBucket, "ranged/obj.bin", offset, length);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() ? *got : std::string("<error>");
  };
  EXPECT_EQ(range(0, 100), data.substr(0, 100));                // first bytes
  EXPECT_EQ(range(40'000, 1'000), data.substr(40'000, 1'000));  // middle
  EXPECT_EQ(range(99'900, 100), data.substr(99'900));           // last bytes
  EXPECT_EQ(range(99'990, 100), data.substr(99'990));           // runs past the end: short
  EXPECT_EQ(range(0, 200'000), data);                           // longer than the object
  EXPECT_EQ(range(100'000, 10), "");                            // starts at the end
  EXPECT_EQ(range(150'000, 10), "");                            // starts past the end
  EXPECT_EQ(range(5, 0), "");                                   // nothing asked

  char buffer[64];
  auto n = client_->GetRange(kBucket, "ranged/obj.bin", 1234, sizeof(buffer), buffer);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  ASSERT_EQ(*n, sizeof(buffer));
  EXPECT_EQ(std::string(buffer, sizeof(buffer)), data.substr(1234, sizeof(buffer)));

  auto missing = client_->GetRange(kBucket, "ranged/none", 0, 10);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
}

TEST_F(S3ClientE2ETest, KeysWithSpacesUnicodeAndSymbolsRoundTrip) {
  std::vector<std::string> keys = {"odd/a b.txt", "odd/plus+equals=.csv",
                                   "odd/\xC3\xA9t\xC3\xA9.json", "odd/q?hash#pct%41.txt",
                                   "odd/amp&lt<gt>'\".txt"};
  for (const std::string& key : keys) {
    ASSERT_TRUE(client_->PutObject(kBucket, key, key).ok()) << key;
    EXPECT_EQ(client_->GetObject(kBucket, key).value(), key);
  }
  auto listed = client_->ListAllObjects(kBucket, Under("odd/"));
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::set<std::string> got;
  for (const auto& object : listed->objects) got.insert(object.key);
  EXPECT_EQ(got, std::set<std::string>(keys.begin(), keys.end()));
}

TEST_F(S3ClientE2ETest, HeadObjectAndNotFound) {
  auto etag = client_->PutObject(kBucket, "head/one.txt", "hello", "text/plain");
  ASSERT_TRUE(etag.ok());
  auto head = client_->HeadObject(kBucket, "head/one.txt");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size, 5u);
  EXPECT_EQ(head->etag, *etag);
  EXPECT_EQ(head->etag, "\"5d41402abc4b2a76b9719d911017c592\"");  // MD5 of "hello"
  EXPECT_FALSE(head->last_modified.empty());
  EXPECT_EQ(head->content_type, "text/plain");

  auto missing = client_->HeadObject(kBucket, "head/missing.txt");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "HEAD s3://shoal-test/head/missing.txt: not found (HTTP 404)");

  ASSERT_TRUE(client_->DeleteObject(kBucket, "head/one.txt").ok());
  EXPECT_EQ(client_->HeadObject(kBucket, "head/one.txt").status().code(), ErrorCode::kNotFound);
}

TEST_F(S3ClientE2ETest, WrongBucketGivesAClearError) {
  auto got = client_->GetObject("no-such-bucket", "some/key.json");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(got.status().message(),
            "GET s3://no-such-bucket/some/key.json: NoSuchBucket: The specified bucket does not "
            "exist (HTTP 404)");
  auto listed = client_->ListObjectsV2("no-such-bucket", Under("x/"));
  ASSERT_FALSE(listed.ok());
  EXPECT_NE(listed.status().message().find("LIST s3://no-such-bucket/x/: NoSuchBucket"),
            std::string::npos)
      << listed.status().message();
  auto put = client_->PutObject("no-such-bucket", "k", "v");
  ASSERT_FALSE(put.ok());
  EXPECT_NE(put.status().message().find("PUT s3://no-such-bucket/k: NoSuchBucket"),
            std::string::npos);

  auto missing_key = client_->GetObject(kBucket, "no/such/key");
  ASSERT_FALSE(missing_key.ok());
  EXPECT_NE(missing_key.status().message().find("GET s3://shoal-test/no/such/key: NoSuchKey"),
            std::string::npos)
      << missing_key.status().message();
}

TEST_F(S3ClientE2ETest, MissingAndWrongCredentialsGiveClearErrors) {
  auto config = S3ConfigFromEnvironment(
      {{"DUCKDB_S3_ENDPOINT", server_->endpoint()}, {"DUCKDB_S3_USE_SSL", "false"}});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto client = S3Client::Create(*config);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(client.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos);
  EXPECT_NE(client.status().message().find("AWS_SECRET_ACCESS_KEY"), std::string::npos);

  S3Config wrong = LoopbackConfig(server_->endpoint());
  wrong.credentials.access_key_id = "NOT-S3RVER";
  auto wrong_client = S3Client::Create(wrong);
  ASSERT_TRUE(wrong_client.ok());
  auto got = (*wrong_client)->GetObject(kBucket, "k");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(got.status().message().find("GET s3://shoal-test/k: InvalidAccessKeyId"),
            std::string::npos)
      << got.status().message();
}

TEST_F(S3ClientE2ETest, VirtualHostedAddressing) {
  S3Config config = LoopbackConfig(server_->vhost_endpoint());
  config.url_style = UrlStyle::kVirtualHosted;
  auto client = S3Client::Create(config);
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->PutObject(kBucket, "vhost/a b.txt", "via vhost").ok());
  // Written virtual-hosted, read back path-style: the same object.
  EXPECT_EQ(client_->GetObject(kBucket, "vhost/a b.txt").value(), "via vhost");
  EXPECT_EQ((*client)->GetRange(kBucket, "vhost/a b.txt", 4, 5).value(), "vhost");
  auto listed = (*client)->ListAllObjects(kBucket, Under("vhost/"));
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->objects.size(), 1u);
  EXPECT_EQ(listed->objects[0].key, "vhost/a b.txt");
}

TEST_F(S3ClientE2ETest, CreateBucket) {
  ASSERT_TRUE(client_->CreateBucket("made-by-shoal").ok());
  ASSERT_TRUE(client_->PutObject("made-by-shoal", "k", "v").ok());
  EXPECT_EQ(client_->GetObject("made-by-shoal", "k").value(), "v");
}

}  // namespace
}  // namespace shoal::storage

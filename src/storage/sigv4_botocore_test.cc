// Our S3 requests against an independent signer: botocore (shipped in Debian's awscli package)
// builds the URL from the same bucket, key and parameters and signs the same request with
// S3SigV4Auth at the same instant; URL and Authorization header must match exactly.
#include <chrono>
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/testing/run_process.h"
#include "storage/s3_request.h"
#include "storage/sigv4.h"

namespace shoal::storage {
namespace {

using Json = nlohmann::json;

constexpr char kPython[] = "/usr/bin/python3";
constexpr char kBotocoreDir[] = "/usr/lib/python3/dist-packages/awscli";

// Reads cases as JSON on stdin, prints [{url, authorization}] on stdout.
constexpr char kScript[] = R"PY(
import datetime, json, sys, types
sys.path.insert(0, '/usr/lib/python3/dist-packages/awscli')
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode

out = []
for case in json.load(sys.stdin):
    when = datetime.datetime.strptime(case['amz_date'], '%Y%m%dT%H%M%SZ')
    class Fixed(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return when
    botocore.auth.datetime = types.SimpleNamespace(datetime=Fixed)
    scheme = 'https' if case['use_ssl'] else 'http'
    if case['vhost']:
        host = case['bucket'] + '.' + case['endpoint']
        path = '/' + percent_encode(case['key'], safe='/~')
    else:
        host = case['endpoint']
        path = '/' + case['bucket'] + ('/' + percent_encode(case['key'], safe='/~') if case['key'] else '')
    params = dict(case['query'])
    url = scheme + '://' + host + path
    body = bytes.fromhex(case['body_hex'])
    request = AWSRequest(method=case['method'], url=url, headers=dict(case['headers']),
                         data=body, params=params)
    if case['unsigned']:
        request.context['client_config'] = types.SimpleNamespace(
            s3={'payload_signing_enabled': False})
    credentials = Credentials(case['access_key'], case['secret_key'], case['token'] or None)
    botocore.auth.S3SigV4Auth(credentials, 's3', case['region']).add_auth(request)
    query = '&'.join(sorted(percent_encode(k) + '=' + percent_encode(v) for k, v in case['query']))
    out.append({'url': url + ('?' + query if query else ''),
                'authorization': request.headers['Authorization']})
print(json.dumps(out))
)PY";

struct Case {
  std::string name;
  S3Config config;
  S3Request request;
  std::string body;
  bool unsigned_payload = false;
};

std::string Hex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
  }
  return out;
}

S3Config Config(const std::string& endpoint, UrlStyle style, bool use_ssl) {
  S3Config config;
  config.endpoint = endpoint;
  config.url_style = style;
  config.use_ssl = use_ssl;
  config.credentials = {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
  return config;
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  auto add = [&](std::string name, S3Config config, S3Request request, std::string body = "",
                 bool unsigned_payload = false) {
    request.payload_hash =
        unsigned_payload ? std::string(kUnsignedPayload) : (body.empty() ? "" : Sha256Hex(body));
    cases.push_back({std::move(name), std::move(config), std::move(request), std::move(body),
                     unsigned_payload});
  };
  S3Config path = Config("127.0.0.1:4568", UrlStyle::kPath, false);
  add("ranged GET, key with space and plus", path,
      {"GET", "bucket", "dir/a b+c.json", {}, {{"Range", "bytes=100-199"}}, ""});
  add("HEAD, UTF-8 key", path,
      {"HEAD",
       "bucket",
       "donn\xC3\xA9"
       "es/\xC3\xA9t\xC3\xA9.csv",
       {},
       {},
       ""});
  add("GET, key full of reserved characters", path,
      {"GET", "bucket", "q?hash#pct%41 &=;:@$,'!*()[]/x", {}, {}, ""});
  add("ListObjectsV2 page with every parameter", path,
      {"GET",
       "bucket",
       "",
       {{"list-type", "2"},
        {"prefix", "logs/2024 01/"},
        {"delimiter", "/"},
        {"max-keys", "400"},
        {"continuation-token", "1/abc+def=="},
        {"start-after", "logs/\xC3\xA9"}},
       {},
       ""});
  add("PUT with a signed body", path,
      {"PUT", "bucket", "put/hello.txt", {}, {{"Content-Type", "text/plain"}}, ""}, "hello world");
  add("UploadPart", path,
      {"PUT", "bucket", "mp/big.bin", {{"partNumber", "3"}, {"uploadId", "xyz~_.-/+="}}, {}, ""},
      std::string(1000, 'p'));
  add("DeleteObjects", path,
      {"POST",
       "bucket",
       "",
       {{"delete", ""}},
       {{"Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="}, {"Content-Type", "application/xml"}},
       ""},
      "<Delete><Object><Key>a</Key></Object></Delete>");

  S3Config temporary = path;
  temporary.credentials.session_token = "FQoGZXIvYXdzEJr//////////wEaDHNlc3Npb24gdG9rZW4=";
  add("CreateMultipartUpload with a session token", temporary,
      {"POST", "bucket", "mp/big.bin", {{"uploads", ""}}, {}, ""});

  S3Config vhost = Config("s3.localhost:4568", UrlStyle::kVirtualHosted, false);
  add("virtual-hosted GET with a port", vhost, {"GET", "my-bucket", "a/b c", {}, {}, ""});
  S3Config tls = Config("s3.eu-west-1.amazonaws.com", UrlStyle::kVirtualHosted, true);
  tls.region = "eu-west-1";
  add("virtual-hosted HTTPS PUT with UNSIGNED-PAYLOAD", tls,
      {"PUT", "my-bucket", "uploads/file.parquet", {}, {}, ""}, "streamed body", true);
  add("virtual-hosted HTTPS listing", tls,
      {"GET", "my-bucket", "", {{"list-type", "2"}, {"prefix", "x/"}}, {}, ""});
  return cases;
}

TEST(SigV4BotocoreTest, AuthorizationMatchesBotocoreS3SigV4Auth) {
  if (!std::filesystem::exists(kPython)) GTEST_SKIP() << kPython << " is missing";
  if (!std::filesystem::exists(std::string(kBotocoreDir) + "/botocore/auth.py")) {
    GTEST_SKIP() << "botocore is missing: install Debian's awscli package (scripts/setup.sh)";
  }
  const auto now = std::chrono::system_clock::from_time_t(1795599849);  // 2026-11-25T09:44:09Z
  const std::string amz_date = AmzDate(now);
  std::vector<Case> cases = Cases();
  Json input = Json::array();
  std::vector<HttpRequestSpec> ours;
  for (const Case& c : cases) {
    auto spec = BuildS3Request(c.config, c.request, now);
    ASSERT_TRUE(spec.ok()) << c.name << ": " << spec.status().ToString();
    ours.push_back(*spec);
    Json query = Json::array();
    for (const auto& [name, value] : c.request.query) query.push_back({name, value});
    Json headers = Json::object();
    for (const auto& [name, value] : c.request.headers) headers[name] = value;
    input.push_back({{"method", c.request.method},
                     {"use_ssl", c.config.use_ssl},
                     {"vhost", c.config.url_style == UrlStyle::kVirtualHosted},
                     {"endpoint", c.config.endpoint},
                     {"bucket", c.request.bucket},
                     {"key", c.request.key},
                     {"query", query},
                     {"headers", headers},
                     {"body_hex", Hex(c.body)},
                     {"unsigned", c.unsigned_payload},
                     {"access_key", c.config.credentials.access_key_id},
                     {"secret_key", c.config.credentials.secret_access_key},
                     {"token", c.config.credentials.session_token},
                     {"region", c.config.region},
                     {"amz_date", amz_date}});
  }
  auto result = shoal::testing::RunProcess({kPython, "-c", kScript}, input.dump());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  Json output = Json::parse(result.out, nullptr, false);
  ASSERT_TRUE(output.is_array()) << result.out << result.err;
  ASSERT_EQ(output.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    EXPECT_EQ(ours[i].url, output[i]["url"].get<std::string>());
    std::string authorization;
    for (const auto& [name, value] : ours[i].headers) {
      if (name == "Authorization") authorization = value;
    }
    EXPECT_EQ(authorization, output[i]["authorization"].get<std::string>());
  }
}

}  // namespace
}  // namespace shoal::storage

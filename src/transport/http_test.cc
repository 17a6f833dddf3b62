#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport/http_client.h"
#include "transport/http_server.h"

namespace shoal::transport {
namespace {

TEST(HttpTest, JsonRoundTripAndErrorMapping) {
  HttpServer server({});
  server.HandleJson("POST", R"(/echo/([a-z]+))", [](const Request& req) -> Result<Json> {
    SHOAL_ASSIGN_OR_RETURN(Json body, req.JsonBody());
    return Json{{"name", req.matches.at(1)}, {"got", body}, {"q", req.Param("q", "none")}};
  });
  server.HandleJson("GET", "/missing", [](const Request&) -> Result<Json> {
    return Status::NotFound("no such job j-123");
  });
  server.HandleRaw("PUT", "/bytes", [](const Request& req) -> Result<RawResponse> {
    return RawResponse{200, "text/plain", std::to_string(req.body.size())};
  });
  auto port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status().ToString();

  HttpClient client({"127.0.0.1", *port});
  auto echoed = client.Post("/echo/abc?q=" + UrlEncode("a b&c"), Json{{"x", 1}});
  ASSERT_TRUE(echoed.ok()) << echoed.status().ToString();
  EXPECT_EQ((*echoed)["name"], "abc");
  EXPECT_EQ((*echoed)["got"]["x"], 1);
  EXPECT_EQ((*echoed)["q"], "a b&c");

  auto missing = client.Get("/missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "no such job j-123");

  auto no_route = client.Get("/nowhere");
  EXPECT_EQ(no_route.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(no_route.status().message().find("no such endpoint: GET /nowhere"), std::string::npos);

  EXPECT_TRUE(client.PutBytes("/bytes", std::string(100000, 'x')).ok());
  server.Stop();

  auto down = client.Get("/missing");
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(down.status().message().find("cannot reach 127.0.0.1:"), std::string::npos);
}

// A JSON route takes bodies up to max_json_body_bytes, an upload route up to max_body_bytes;
// a larger body gets 413 naming the limit, whether or not the request announced its length.
TEST(HttpTest, BodyLimitsDependOnTheRoute) {
  HttpServer::Options options;
  options.max_json_body_bytes = 1000;
  options.max_body_bytes = 100000;
  HttpServer server(options);
  server.HandleJson("PUT", "/json", [](const Request& req) -> Result<Json> {
    return Json{{"bytes", req.body.size()}};
  });
  server.HandleUpload("PUT", "/files/(.+)", [](const Request& req) -> Result<Json> {
    return Json{{"bytes", req.body.size()}};
  });
  auto port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  HttpClient client({"127.0.0.1", *port});

  EXPECT_TRUE(client.PutBytes("/json", std::string(1000, 'x')).ok());
  Status json_over = client.PutBytes("/json", std::string(1001, 'x'));
  EXPECT_EQ(json_over.code(), ErrorCode::kResourceExhausted);
  EXPECT_NE(json_over.message().find("request body of 1001 bytes is over the limit of 1000 "
                                     "bytes for PUT /json"),
            std::string::npos)
      << json_over.ToString();
  EXPECT_TRUE(client.PutBytes("/files/a", std::string(100000, 'x')).ok());
  EXPECT_EQ(client.PutBytes("/files/a", std::string(100001, 'x')).code(),
            ErrorCode::kResourceExhausted);

  // Chunked, with no Content-Length: refused once read.
  httplib::Client raw("127.0.0.1", *port);
  auto chunked = raw.Put(
      "/json",
      [](size_t offset, httplib::DataSink& sink) {
        if (offset < 5000) {
          sink.write(std::string(500, 'x').data(), 500);
        } else {
          sink.done();
        }
        return true;
      },
      "application/octet-stream");
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->status, 413);
  EXPECT_NE(chunked->body.find("over the limit of 1000 bytes"), std::string::npos);
}

// Sends `request` as it is on a new connection and returns what comes back until the server
// closes it (the server says `Connection: close` on every answer).
std::string ExchangeRaw(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;) answer.append(buffer, n);
  }
  ::close(fd);
  return answer;
}

// Issue 18: `curl -X POST URL` sends neither Content-Length nor a body. HTTP/1.1 says such a
// request has no body; httplib waited for one until its read timeout and answered a bare 400.
TEST(HttpTest, ARequestWithoutALengthHasNoBody) {
  HttpServer server({});
  server.HandleJson("POST", "/nodes/([^/]+)/approve", [](const Request& req) -> Result<Json> {
    return Json{{"Approved", req.matches[1]}, {"BodyBytes", req.body.size()}};
  });
  auto port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  const auto start = std::chrono::steady_clock::now();
  std::string answer = ExchangeRaw(
      *port, "POST /nodes/n-1/approve HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n");
  // Well under the server's 30 s read timeout: nothing waited for a body.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find(R"("Approved":"n-1")"), std::string::npos) << answer;
  EXPECT_NE(answer.find(R"("BodyBytes":0)"), std::string::npos) << answer;
  server.Stop();
}

// A compute node's SIGTERM waited out its long-poll (up to 10 s): Shutdown ends a call in flight.
TEST(HttpTest, ShutdownEndsACallInFlightAndRefusesLaterOnes) {
  HttpServer server({});
  std::atomic<bool> release{false};
  server.HandleJson("GET", "/work", [&](const Request&) -> Result<Json> {
    for (int i = 0; i < 1000 && !release; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Json::object();
  });
  auto port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  HttpClient client({"127.0.0.1", *port});
  const HttpClient copy = client;  // copies share the shutdown
  Status polled;
  std::thread poll([&] { polled = client.Get("/work").status(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto start = std::chrono::steady_clock::now();
  copy.Shutdown();
  poll.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(polled.code(), ErrorCode::kCancelled) << polled.ToString();
  EXPECT_EQ(client.Get("/work").status().code(), ErrorCode::kCancelled);
  release = true;
  server.Stop();
}

// Found by fuzz/api_json_fuzzer: a path segment that is not UTF-8, echoed in an error message,
// made encoding the answer throw, and the caller got a 500 instead of the 404.
TEST(HttpTest, TextThatIsNotUtf8IsAnsweredNotA500) {
  HttpServer server({});
  server.HandleJson("GET", "/things/([^/]+)", [](const Request& req) -> Result<Json> {
    if (req.matches[1] == "echo") return Json{{"Echo", std::string("caf\xE9")}};
    return Status::NotFound("no such thing: " + req.matches[1]);
  });
  auto port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  httplib::Client raw("127.0.0.1", *port);
  auto missing = raw.Get("/things/%D1%D1x");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(missing->body.find("no such thing: \xEF\xBF\xBD"), std::string::npos) << missing->body;
  auto echoed = raw.Get("/things/echo");
  ASSERT_TRUE(echoed);
  EXPECT_EQ(echoed->status, 200);
  EXPECT_EQ(Json::parse(echoed->body)["Echo"], "caf\xEF\xBF\xBD");
}

TEST(HttpTest, APortInUseIsAnErrorNotASharedPort) {
  // Regression: httplib's SO_REUSEPORT let a second server bind the same port, and the kernel
  // then split requests between the two.
  HttpServer first({});
  auto port = first.Start();
  ASSERT_TRUE(port.ok());
  HttpServer::Options same;
  same.port = *port;
  HttpServer second(same);
  auto refused = second.Start();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            "cannot listen on 127.0.0.1:" + std::to_string(*port) + " (is the port in use?)");
}

TEST(HttpTest, HoldsManyLongPollsAtOnce) {
  HttpServer server({});
  std::atomic<int> waiting{0};
  server.HandleJson("GET", "/poll", [&](const Request&) -> Result<Json> {
    ++waiting;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return Json{{"ok", true}};
  });
  auto port = server.Start();
  ASSERT_TRUE(port.ok());
  HttpClient client({"127.0.0.1", *port});
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&] { ok += client.Get("/poll").ok(); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 20);
  // Concurrent, not one after another (20 x 300 ms).
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(HttpTest, AClientOrServerMakesSigpipeHarmless) {
  // OpenSSL writes with write(2): a TLS peer that hung up would otherwise kill the process.
  HttpClient client({"127.0.0.1", 1});
  struct sigaction action {};
  ASSERT_EQ(sigaction(SIGPIPE, nullptr, &action), 0);
  EXPECT_EQ(action.sa_handler, SIG_IGN);
}

TEST(EndpointTest, ParsesForms) {
  EXPECT_EQ(ParseEndpoint("http://example:8080/")->port, 8080);
  EXPECT_EQ(ParseEndpoint("localhost")->port, 1234);
  EXPECT_EQ(ParseEndpoint("10.0.0.1:99")->host, "10.0.0.1");
  EXPECT_FALSE(ParseEndpoint("host:abc").ok());
  EXPECT_FALSE(ParseEndpoint(":80").ok());
  EXPECT_TRUE(ParseEndpoint("https://orch:443")->tls);
  EXPECT_EQ(ParseEndpoint("https://orch:443")->Url(), "https://orch:443");
  EXPECT_FALSE(ParseEndpoint("http://orch:80")->tls);
  EXPECT_FALSE(ParseEndpoint("orch")->tls);
}

}  // namespace
}  // namespace shoal::transport

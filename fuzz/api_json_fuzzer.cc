// Fuzz target: requests to the orchestrator's HTTP API (public API and compute channel), sent
// over loopback to a real HttpServer + Orchestrator on a temporary data dir, as a client or a
// rogue node could send them.
//
// Input: one byte choosing the endpoint, then the request body (PUT/POST) or the text that goes
// into the path or query string (GET/DELETE). The property: whatever the input, the answer is
// a 2xx or a 4xx with a JSON error body; a 5xx means user input reached an unexpected error.
// Bodies are also fed straight to the model decoders, whose accepted values must survive a JSON
// round trip.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <httplib.h>
#include <unistd.h>

#include "models/json_codec.h"
#include "orchestrator/http_api.h"
#include "orchestrator/orchestrator.h"
#include "transport/http_client.h"
#include "transport/http_server.h"

namespace {

namespace transport = shoal::transport;
using shoal::transport::Json;

struct Cluster {
  std::filesystem::path dir;
  std::unique_ptr<shoal::orchestrator::Orchestrator> orchestrator;
  std::unique_ptr<shoal::transport::HttpServer> server;
  std::unique_ptr<httplib::Client> client;
  std::string job_id;        // a submitted job, so id-taking routes reach real records
  std::string execution_id;  // one of its executions, on node "fuzz-node"
};

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "%s\n", what.c_str());
  std::abort();
}

// Query strings are passed as the fuzzer wrote them (httplib parses them), minus control bytes
// that would break the request line, and never with a long-poll wait.
std::string QueryText(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (static_cast<unsigned char>(c) > ' ' && c != '#' && c != 0x7f) out += c;
  }
  if (out.find("wait") != std::string::npos) out = transport::UrlEncode(std::string(text));
  return out;
}

Cluster& TheCluster() {
  static Cluster* cluster = [] {
    auto* c = new Cluster;
    c->dir =
        std::filesystem::temp_directory_path() / ("shoal-api-fuzz-" + std::to_string(::getpid()));
    std::filesystem::remove_all(c->dir);
    shoal::orchestrator::OrchestratorOptions options;
    options.data_dir = c->dir.string();
    auto opened = shoal::orchestrator::Orchestrator::Open(options);
    if (!opened.ok()) Fail("orchestrator: " + opened.status().ToString());
    c->orchestrator = std::move(*opened);
    shoal::transport::HttpServer::Options server_options;
    server_options.threads = 4;
    server_options.max_json_body_bytes = size_t{1} << 20;
    c->server = std::make_unique<shoal::transport::HttpServer>(server_options);
    shoal::orchestrator::RegisterHttpApi(*c->server, *c->orchestrator, {},
                                         [](const std::string&) {});
    auto port = c->server->Start();
    if (!port.ok()) Fail("server: " + port.status().ToString());
    c->client = std::make_unique<httplib::Client>("127.0.0.1", *port);
    c->client->set_keep_alive(true);

    // A node and a job placed on it.
    Json node = {{"Node",
                  {{"ID", "fuzz-node"},
                   {"Labels", {{"region", "us"}}},
                   {"Engines", {"duckdb"}},
                   {"Capacity", {{"MaxExecutions", 4}}}}}};
    c->client->Post("/api/v1/compute/register", node.dump(), "application/json");
    Json job = {{"Job",
                 {{"Name", "fuzz"},
                  {"Type", "batch"},
                  {"Count", 1},
                  {"Tasks",
                   {{{"Name", "main"},
                     {"Engine", {{"Type", "duckdb"}, {"Params", {{"SQL", "SELECT 1"}}}}}}}}}}};
    auto submitted = c->client->Put("/api/v1/orchestrator/jobs", job.dump(), "application/json");
    if (submitted && submitted->status == 200) {
      c->job_id = Json::parse(submitted->body).value("JobID", "");
    }
    auto work = c->client->Get("/api/v1/compute/work?node_id=fuzz-node&wait_ms=1000");
    if (work && work->status == 200) {
      Json body = Json::parse(work->body, nullptr, false);
      if (body.contains("Executions") && !body["Executions"].empty()) {
        c->execution_id = body["Executions"][0]["Execution"].value("ID", "");
      }
    }
    std::atexit([] {
      Cluster& c = TheCluster();
      c.client.reset();
      c.orchestrator->Shutdown();
      c.server->Stop();
      std::error_code ignored;
      std::filesystem::remove_all(c.dir, ignored);
    });
    return c;
  }();
  return *cluster;
}

// Feeds `body` to the model decoders; what one accepts must encode and decode to itself.
template <typename Decode>
void CheckRoundTrip(const Json& json, Decode decode) {
  auto decoded = decode(json);
  if (!decoded.ok()) return;
  Json encoded = shoal::models::ToJson(*decoded);
  auto again = decode(Json::parse(encoded.dump()));
  if (!again.ok())
    Fail("decoded value does not decode again: " + again.status().ToString() + "\n" +
         encoded.dump());
  if (shoal::models::ToJson(*again) != encoded) {
    Fail("round trip changed the value:\n" + encoded.dump() + "\n" +
         shoal::models::ToJson(*again).dump());
  }
}

void CheckDecoders(const std::string& body) {
  Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return;
  Json inner = json;
  if (json.is_object() && json.size() == 1) inner = json.begin().value();
  for (const Json* j : {&json, &inner}) {
    CheckRoundTrip(*j, shoal::models::JobFromJson);
    CheckRoundTrip(*j, shoal::models::NodeFromJson);
    CheckRoundTrip(*j, shoal::models::ExecutionFromJson);
    CheckRoundTrip(*j, shoal::models::RunOutputFromJson);
    CheckRoundTrip(*j, shoal::models::SpecConfigFromJson);
    CheckRoundTrip(*j, shoal::models::EventFromJson);
  }
}

// The Message of an error body {"Error": {"Code": ..., "Message": ...}}; empty if there is none.
std::string ErrorMessage(const std::string& body) {
  Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("Error") || !json["Error"].is_object()) return "";
  const Json& error = json["Error"];
  if (!error.contains("Message") || !error["Message"].is_string()) return "";
  return error["Message"].get<std::string>();
}

// Sends `rest` to the endpoint that `route` picks; `name` says which, for messages.
httplib::Result Send(Cluster& c, uint8_t route, const std::string& rest, std::string* name) {
  const std::string jobs = "/api/v1/orchestrator/jobs";
  const std::string job = jobs + "/" + c.job_id;
  const std::string execution = "/api/v1/compute/executions/" + c.execution_id;
  const std::string json = "application/json";
  switch (route % 16) {
    case 0:
      *name = "submit";
      return c.client->Put(jobs, rest, json);
    case 1:
      *name = "list jobs";
      return c.client->Get(jobs + "?" + QueryText(rest));
    case 2:
      *name = "get job";
      return c.client->Get(jobs + "/" + transport::UrlEncode(rest));
    case 3:
      *name = "history";
      return c.client->Get(job + "/history?" + QueryText(rest));
    case 4:
      *name = "executions";
      return c.client->Get(job + "/executions?" + QueryText(rest));
    case 5:
      *name = "results";
      return c.client->Get(job + "/results?" + QueryText(rest));
    case 6:
      *name = "result file";
      return c.client->Get(job + "/results/" + c.execution_id + "/" + transport::UrlEncode(rest));
    case 7:
      *name = "logs";
      return c.client->Get(job + "/logs?" + QueryText(rest));
    case 8:
      *name = "fetch results";
      return c.client->Post(jobs + "/" + transport::UrlEncode(rest) + "/results/fetch", "", json);
    case 9:
      *name = "approve";
      return c.client->Post("/api/v1/orchestrator/nodes/" + transport::UrlEncode(rest) + "/approve",
                            "", json);
    case 10:
      *name = "register";
      return c.client->Post("/api/v1/compute/register", rest, json);
    case 11:
      *name = "heartbeat";
      return c.client->Post("/api/v1/compute/heartbeat", rest, json);
    case 12:
      *name = "result upload";
      return c.client->Put(
          execution + "/files/" + transport::UrlEncode(rest.substr(0, 64)) + "?node_id=fuzz-node",
          rest, "application/octet-stream");
    case 13:
      *name = "finish fetch";
      return c.client->Post("/api/v1/compute/fetches/" + transport::UrlEncode(rest.substr(0, 32)),
                            rest, json);
    case 14:
      *name = "execution status";
      return c.client->Post(execution + "/status", rest, json);
    default:
      *name = "stop job";
      return c.client->Delete(jobs + "/" + transport::UrlEncode(rest));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Cluster& c = TheCluster();
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string request;
  httplib::Result response = Send(c, data[0], rest, &request);
  if (!response) Fail(request + ": no answer: " + httplib::to_string(response.error()));
  if (response->status >= 500) {
    Fail(request + ": HTTP " + std::to_string(response->status) + ": " + response->body);
  }
  if (response->status >= 400 && ErrorMessage(response->body).empty()) {
    Fail(request + ": HTTP " + std::to_string(response->status) +
         " without an error message: " + response->body);
  }
  CheckDecoders(rest);
  return 0;
}

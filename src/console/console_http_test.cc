// The console's routes on a real server: the embedded files with their types and security
// headers, `/` sending to `/ui/`, names outside the console's files not found, --ui-dir serving a
// developer's folder (the vendored library still embedded), and the files' cost in the binary.
#include "console/console_http.h"

#include <filesystem>
#include <fstream>

#include "console/assets.h"
#include <gtest/gtest.h>
#include <httplib.h>

#include "common/testing/temp_dir.h"

namespace shoal::console {
namespace {

namespace fs = std::filesystem;

class ConsoleHttpTest : public ::testing::Test {
 protected:
  void Start(ConsoleOptions options = {}) {
    server_ = std::make_unique<transport::HttpServer>(transport::HttpServer::Options{});
    RegisterConsole(*server_, options);
    auto port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", *port);
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }
  httplib::Result Get(const std::string& path) { return client_->Get(path); }

  std::unique_ptr<transport::HttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

std::string EmbeddedBytes(std::string_view path) {
  for (const Asset& asset : EmbeddedAssets()) {
    if (asset.path == path) return std::string(asset.bytes);
  }
  return "";
}

TEST_F(ConsoleHttpTest, ServesTheEmbeddedFilesWithTheirTypesAndAStrictPolicy) {
  Start();
  auto root = Get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 302);
  EXPECT_EQ(root->get_header_value("Location"), "/ui/");

  auto index = Get("/ui/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(index->body, EmbeddedBytes("index.html"));
  EXPECT_NE(index->body.find("/ui/app.js"), std::string::npos);
  const std::string policy = index->get_header_value("Content-Security-Policy");
  EXPECT_NE(policy.find("default-src 'none'"), std::string::npos) << policy;
  EXPECT_NE(policy.find("script-src 'self'"), std::string::npos) << policy;
  EXPECT_EQ(policy.find("unsafe"), std::string::npos) << "no inline script, no eval: " << policy;
  EXPECT_EQ(index->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(index->get_header_value("Referrer-Policy"), "no-referrer");

  for (const Asset& asset : EmbeddedAssets()) {
    auto file = Get("/ui/" + std::string(asset.path));
    ASSERT_TRUE(file) << asset.path;
    EXPECT_EQ(file->status, 200) << asset.path;
    EXPECT_EQ(file->body, asset.bytes) << asset.path;
    EXPECT_EQ(file->get_header_value("Content-Type"), ContentTypeFor(asset.path)) << asset.path;
    EXPECT_EQ(file->get_header_value("X-Content-Type-Options"), "nosniff") << asset.path;
  }
  EXPECT_EQ(Get("/ui/app.js")->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_NE(Get("/ui/vendor/preact-htm.js")->body.find("export{"), std::string::npos);
}

TEST_F(ConsoleHttpTest, NamesOutsideTheConsolesFilesAreNotFound) {
  Start();
  for (const std::string path : {"/ui/missing.js", "/ui/pages/", "/ui/..%2fetc/passwd",
                                 "/ui/pages/../app.js", "/ui/a//b.js", "/ui/%00.js"}) {
    auto reply = Get(path);
    ASSERT_TRUE(reply) << path;
    EXPECT_EQ(reply->status, 404) << path;
    EXPECT_EQ(reply->get_header_value("X-Content-Type-Options"), "nosniff") << path;
  }
}

TEST_F(ConsoleHttpTest, UiDirServesAFolderButTheVendoredLibraryStaysEmbedded) {
  const shoal::testing::TempDir dir("ui-dir");
  fs::create_directories(dir / "pages");
  std::ofstream(dir / "app.js") << "console.log('edited');\n";
  std::ofstream(dir / "pages" / "cluster.js") << "export {};\n";
  Start({dir.string()});
  EXPECT_EQ(Get("/ui/app.js")->body, "console.log('edited');\n");
  EXPECT_EQ(Get("/ui/pages/cluster.js")->body, "export {};\n");
  EXPECT_EQ(Get("/ui/index.html")->status, 404);  // not in the folder
  EXPECT_EQ(Get("/ui/vendor/preact-htm.js")->body, EmbeddedBytes("vendor/preact-htm.js"));
}

// Issue 13's budget: the console adds at most 200 KB to the binary.
TEST(ConsoleAssetsTest, TheFilesFitTheBudget) {
  size_t bytes = 0;
  for (const Asset& asset : EmbeddedAssets()) bytes += asset.bytes.size();
  EXPECT_GT(bytes, 0u);
  EXPECT_LE(bytes, 200u * 1000) << "the console's files take " << bytes << " bytes";
  EXPECT_EQ(ContentTypeFor("x.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("favicon.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("LICENSE"), "application/octet-stream");
}

}  // namespace
}  // namespace shoal::console

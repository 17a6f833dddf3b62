#include "console/console_http.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "console/assets.h"

namespace shoal::console {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kVendorPrefix = "vendor/";

// Paths are names the console's own files have: letters, digits, '.', '-', '_' and '/', with no
// empty, "." or ".." segment. Anything else (an escape from ui_dir, a NUL) is simply not found.
bool PlainPath(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.back() == '/') return false;
  for (char c : path) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '-' || c == '_' || c == '/';
    if (!plain) return false;
  }
  for (size_t start = 0; start <= path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    start = end + 1;
  }
  return true;
}

const Asset* FindEmbedded(std::string_view path) {
  for (const Asset& asset : EmbeddedAssets()) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

// The file's bytes from `dir`; nullopt when it is not a regular file there.
std::optional<std::string> ReadFromDir(const std::string& dir, std::string_view path) {
  const fs::path file = fs::path(dir) / std::string(path);
  std::error_code error;
  if (!fs::is_regular_file(file, error)) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

transport::RawResponse NotFound() {
  return {404, "text/plain; charset=utf-8", "not found\n", ConsoleHeaders()};
}

}  // namespace

std::string ContentTypeFor(std::string_view path) {
  auto ends_with = [&](std::string_view suffix) {
    return path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
  };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".svg")) return "image/svg+xml";
  if (ends_with(".png")) return "image/png";
  if (ends_with(".txt")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

transport::RawResponse::Headers ConsoleHeaders() {
  return {
      // Scripts, styles, images and API calls from this origin only; no inline script or style,
      // no eval, no plugin, no framing, no form posting elsewhere.
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      // The files change with the binary: always revalidated, never stale after an upgrade.
      {"Cache-Control", "no-cache"},
  };
}

void RegisterConsole(transport::HttpServer& server, const ConsoleOptions& options) {
  server.HandleRaw("GET", "/", [](const transport::Request&) -> Result<transport::RawResponse> {
    transport::RawResponse redirect(302, "text/plain; charset=utf-8", "see /ui/\n",
                                    ConsoleHeaders());
    redirect.headers.emplace_back("Location", kConsolePrefix);
    return redirect;
  });
  server.HandleRaw(
      "GET", "/ui/(.*)",
      [ui_dir =
           options.ui_dir](const transport::Request& request) -> Result<transport::RawResponse> {
        std::string path = request.matches.size() > 1 ? request.matches[1] : "";
        if (path.empty()) path = "index.html";
        if (!PlainPath(path)) return NotFound();
        const std::string type = ContentTypeFor(path);
        if (!ui_dir.empty() && path.rfind(kVendorPrefix, 0) != 0) {
          auto bytes = ReadFromDir(ui_dir, path);
          if (!bytes) return NotFound();
          return transport::RawResponse(200, type, std::move(*bytes), ConsoleHeaders());
        }
        const Asset* asset = FindEmbedded(path);
        if (asset == nullptr) return NotFound();
        return transport::RawResponse(200, type, std::string(asset->bytes), ConsoleHeaders());
      });
}

}  // namespace shoal::console

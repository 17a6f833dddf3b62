// The web console's routes on the orchestrator's server: `/` redirects to `/ui/`, and `/ui/PATH`
// serves the console's static files (index.html for `/ui/`). They carry no data, so they need no
// token (the page asks for the client token and sends it on its API calls); every answer has a
// strict Content-Security-Policy (scripts, styles and API calls from this origin only), nosniff
// and no-referrer. docs/console.md describes the pages.
//
// Files come from the binary (assets.h); with ConsoleOptions::ui_dir they are read from that
// folder at each request instead (a console developer's edit shows on reload), except the
// vendored library, which is always the embedded one.
//
// Thread-safety: register before the server starts; the handlers are safe to run concurrently.
#pragma once

#include <string>
#include <string_view>

#include "transport/http_server.h"

namespace shoal::console {

struct ConsoleOptions {
  std::string ui_dir;  // empty: the embedded files
};

// The path prefix whose requests need no token (for the server's BearerAuth).
inline constexpr const char* kConsolePrefix = "/ui/";

void RegisterConsole(transport::HttpServer& server, const ConsoleOptions& options);

// "text/javascript; charset=utf-8" for "app.js"; application/octet-stream when unknown.
std::string ContentTypeFor(std::string_view path);

// The headers every console answer carries.
transport::RawResponse::Headers ConsoleHeaders();

}  // namespace shoal::console

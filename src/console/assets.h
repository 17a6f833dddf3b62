// The web console's static files, embedded into the binary at build time (cmake/EmbedFiles.cmake
// writes EmbeddedAssets() from src/console/ui/ and the vendored Preact + htm).
//
// Thread-safety: EmbeddedAssets() is safe to call from any thread; the bytes never change.
#pragma once

#include <string_view>
#include <vector>

namespace shoal::console {

struct Asset {
  std::string_view path;  // relative to /ui/, e.g. "index.html", "vendor/preact-htm.js"
  std::string_view bytes;
};

const std::vector<Asset>& EmbeddedAssets();

}  // namespace shoal::console

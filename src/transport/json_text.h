// The JSON text Shoal sends. Strings that are not UTF-8 (a path segment or flag value a caller
// typed in another encoding) come out with U+FFFD in place of the bad bytes: nlohmann's default
// throws there, and an exception while answering a request or sending one is a 500 or a crash
// instead of the message the caller should see.
//
// Thread-safety: a pure function.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace shoal::transport {

inline std::string JsonText(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace shoal::transport

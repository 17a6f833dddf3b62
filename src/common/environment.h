// The process environment as a map, for code that takes its environment as a value (so tests
// can inject one).
//
// Thread-safety: reads `environ`; do not call while another thread calls setenv().
#pragma once

#include <map>
#include <string>

namespace shoal {

std::map<std::string, std::string> CurrentEnvironment();

}  // namespace shoal

// `shoal serve --config FILE`: a YAML file holding serve's flags, each under its long name
// without the dashes, so a service's settings live in one file its unit points at:
//
//   orchestrator: true            # a compute node: the orchestrator's URL
//   data-dir: /var/lib/shoal
//   store: [storage-local=http://s3.us.internal:9000, storage=/srv/shoal/global]
//
// A flag given on the command line wins over the file (a repeatable flag's values replace the
// file's whole list). A flag that takes no value (compute, require-approval) is true or false.
// Errors name the file and line: an unknown key (with the flag it is nearest to), a list under a
// flag that takes one value, a value the flag cannot take.
//
// Thread-safety: called once, from the serve command's callback.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "common/status.h"

namespace shoal::cli {

// Sets each of `serve`'s options that the command line left unset from the YAML file `path`
// (the options' callbacks store the values as the command line's would).
Status ApplyServeConfigFile(CLI::App& serve, const std::string& path);

}  // namespace shoal::cli

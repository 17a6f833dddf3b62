// SessionLock: how a sandboxed Session (SessionOptions::sandboxed) is locked down, in one place.
//
// DuckDB 1.4.4 does most of the work once told to, in this order (it matters; found by
// experiment, see the tests in session_lock_test.cc):
//   SET temp_directory   before enable_external_access=false, which adds it to the allowed
//                        directories (left at its default it is ".tmp" in the node's working
//                        directory, so a job could read and write there);
//   SET allow_persistent_secrets = false, allow_community_extensions = false;
//   SET allowed_directories = [the virtual prefixes]   refused once external access is off;
//   SET enable_external_access = false   from now on every path SQL names is checked against
//                        the allowed directories as written (virtual: /inputs/x.csv,
//                        s3://bucket/key), before any file system resolves it: globs by their
//                        pattern (/input*/x is refused, /inputs/**/*.csv allowed), COPY TO and
//                        ATTACH too; ".." cannot climb out (/inputs/../x is refused); INSTALL
//                        and LOAD of extensions that are not built in fail;
//   SET autoinstall/autoload_known_extensions = false;
//   SET lock_configuration = true   from now on every SET and RESET fails (only schema and
//                        search_path stay settable; SET VARIABLE works).
// Spilling works as before inside temp_directory; a query that cannot spill fails with DuckDB's
// "Out of Memory Error". What DuckDB leaves open, the session closes itself: its check compares
// text (an allowed "s3://my-bucket" admits "s3:/my-bucket/x", a relative path in the node's
// working directory), so the sandbox file system refuses any path outside the mappings too, and
// refuses writes into read-only mappings and s3:// (DuckDB's check has no notion of read-only);
// the S3 file system reaches only the endpoint aliases; enable_logging() changes
// the configuration despite the lock, and a log file outside the allowed directories makes every
// later query fail and aborts the process when the database closes, so it is replaced by a
// refusal; the seed's jobs `SET s3_url_style = 'path'`, so the s3_* settings (and TimeZone and
// Calendar) are applied by the session itself, s3_endpoint only when it names one of the node's
// stores; getenv() is not in
// the library (it is DuckDB's CLI's), and gets a refusal that says so rather than "does not
// exist".
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/engine.h"

namespace shoal::engine {

// What DuckDB's allowed_directories gets: each mapping's virtual prefix, and "s3://" when the
// session has endpoint aliases (its S3 file system then refuses any endpoint that is not one).
std::vector<std::string> AllowedPrefixes(const SessionOptions& options);

// What a locked session reaches, for messages: "/data, /inputs, /outputs, s3://my-bucket and
// the S3 stores storage, storage-local".
std::string DescribeReach(const SessionOptions& options);

// The statements that lock a session, in their order; run after all other settings.
std::string LockStatements(const SessionOptions& options);

// True for the settings a locked session still lets SQL SET and RESET: the httpfs-style ones
// (s3_endpoint, s3_region, s3_url_style, s3_use_ssl and the credentials), which only choose how
// the job's own s3:// reads reach the node's stores, and ICU's TimeZone and Calendar, which only
// shape how its values read. Any case.
bool IsSettableWhenLocked(std::string_view name);

// OK when `endpoint` (host[:port] or URL; "" resets to the session's default) names an endpoint
// alias or one of options.s3_endpoint_names; else a kPermissionDenied naming the stores.
Status CheckS3Endpoint(const std::string& endpoint, const SessionOptions& options);

// A DuckDB error `message` with a note after its first line when the lock refused the
// statement: what the session reaches, or why its settings cannot change.
std::string ExplainRefusal(const std::string& message, const std::string& reach);

// True when `message` is a refusal by the lock or the sandbox (a DuckDB Permission Error).
bool IsRefusal(const std::string& message);

}  // namespace shoal::engine

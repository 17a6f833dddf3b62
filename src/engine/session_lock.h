// SessionLock: how a sandboxed Session (SessionOptions::sandboxed) is locked down, in one place.
//
// DuckDB 1.4.4 does most of the work once told to, in this order (it matters; found by
// experiment, see the tests in session_lock_test.cc):
//   SET home_directory, secret_directory   to a folder that does not exist (kSandboxHome): left
//                        alone they name the node's home (/root/.duckdb/stored_secrets), and
//                        duckdb_extensions() fails naming it;
//   SET temp_directory   to kSandboxTempDirectory, which the sandbox file system maps onto the
//                        execution's real temp folder, before enable_external_access=false, which
//                        adds it to the allowed directories (left at its default it is ".tmp" in
//                        the node's working directory, so a job could read and write there);
//                        with no max_temp_directory_size, the session sets DuckDB's default of
//                        90% of the free disk itself, measured at the real folder (DuckDB would
//                        measure the virtual one, which does not exist, and cap nothing);
//   SET allow_persistent_secrets = false, allow_community_extensions = false;
//   SET allowed_directories = [the virtual prefixes]   refused once external access is off;
//   SET enable_external_access = false   from now on every path SQL names is checked against
//                        the allowed directories as written (virtual: /inputs/x.csv,
//                        s3://bucket/key), before any file system resolves it: globs by their
//                        pattern (/input*/x is refused, /inputs/**/*.csv allowed), COPY TO and
//                        ATTACH too; ".." cannot climb out (/inputs/../x is refused); http://
//                        and https:// URLs are refused before any connection; INSTALL and LOAD
//                        of extensions that are not built in fail;
//   SET autoinstall/autoload_known_extensions = false;
//   SET lock_configuration = true   from now on every SET and RESET fails (only schema and
//                        search_path stay settable; SET VARIABLE works).
// So no setting a job can read (duckdb_settings(), current_setting()) names a real path of the
// node; error messages that would (DuckDB's local file system names the files it opens) are
// rewritten by the session (SandboxFileSystem::HideRealPaths).
// Spilling works as before inside temp_directory; a query that cannot spill fails with DuckDB's
// "Out of Memory Error". What DuckDB leaves open, the session closes itself: its check compares
// text (an allowed "s3://my-bucket" admits "s3:/my-bucket/x", a relative path in the node's
// working directory; "/inputs/link" reaches wherever a symbolic link points), so the sandbox
// file system refuses any path outside the mappings too, follows symbolic links before it opens
// anything, and refuses writes into read-only mappings and s3:// (DuckDB's check has no notion of
// read-only); the S3 file system reaches only the endpoint aliases; enable_logging() changes
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

// Where a sandboxed session's DuckDB spills, as the job sees it (DuckDB's own default is
// ".tmp"); SessionOptions::temp_directory is where that really is. No mapping may use it.
inline constexpr char kSandboxTempDirectory[] = "/.tmp";
// A sandboxed session's home: nothing is there, nothing may be, and it names no node path.
inline constexpr char kSandboxHome[] = "/nonexistent";

// What DuckDB's allowed_directories gets: each mapping's virtual prefix, and "s3://" when the
// session has endpoint aliases (its S3 file system then refuses any endpoint that is not one).
std::vector<std::string> AllowedPrefixes(const SessionOptions& options);

// What a locked session reaches, for messages: "/data, /inputs, /outputs, s3://my-bucket and
// the S3 stores storage, storage-local".
std::string DescribeReach(const SessionOptions& options);

// The statements that lock a session, in their order; run after all other settings.
// options.max_temp_directory_size is used as given (the session fills in its default).
std::string LockStatements(const SessionOptions& options);

// True for the settings a locked session still lets SQL SET and RESET: the httpfs-style ones
// (s3_endpoint, s3_region, s3_url_style, s3_use_ssl and the credentials), which only choose how
// the job's own s3:// reads reach the node's stores, and ICU's TimeZone and Calendar, which only
// shape how its values read. Any case.
bool IsSettableWhenLocked(std::string_view name);

// OK when `endpoint` (host[:port] or URL; "" resets to the session's default) names an endpoint
// alias or one of options.s3.endpoint_names; else a kPermissionDenied naming the stores.
Status CheckS3Endpoint(const std::string& endpoint, const SessionOptions& options);

// A DuckDB error `message` with a note after its first line when the lock refused the
// statement: what the session reaches, or why its settings cannot change.
std::string ExplainRefusal(const std::string& message, const std::string& reach);

// True when `message` is a refusal by the lock or the sandbox (a DuckDB Permission Error).
bool IsRefusal(const std::string& message);

}  // namespace shoal::engine

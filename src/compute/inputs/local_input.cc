#include "compute/inputs/local_input.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "compute/sandbox.h"
#include "models/text.h"

namespace shoal::compute {

using models::StringParam;

namespace fs = std::filesystem;

namespace {

bool IsInsideAllowed(const fs::path& real, const std::vector<std::string>& allowed) {
  for (const std::string& folder : allowed) {
    std::error_code error;
    const fs::path allowed_real = fs::canonical(folder, error);
    if (!error && PathWithin(real.string(), allowed_real.string())) return true;
  }
  return false;
}

}  // namespace

Result<LocalInput> ResolveLocalInput(const models::SpecConfig& source,
                                     const std::vector<std::string>& allowed_local_paths) {
  const std::string source_path = StringParam(source.params, "SourcePath");
  const std::string create_as = StringParam(source.params, "CreateAs");
  const std::string quoted = "SourcePath '" + source_path + "'";
  if (source_path.empty() || source_path.front() != '/') {
    return Status::InvalidArgument(quoted + " must be an absolute path");
  }
  std::error_code error;
  // Resolve what exists (symlinks, '..') before judging where the path leads.
  const fs::path resolved = fs::weakly_canonical(fs::path(source_path), error);
  if (error) return Status::InvalidArgument(quoted + " cannot be resolved: " + error.message());
  if (!IsInsideAllowed(resolved, allowed_local_paths)) {
    return Status::PermissionDenied(
        quoted + " is not inside a folder this node allows for local inputs" +
        (allowed_local_paths.empty()
             ? std::string(" (it allows none)")
             : " (allowed: " + models::JoinComma(allowed_local_paths) + ")"));
  }
  if (!fs::exists(resolved, error)) {
    if (create_as == "dir") {
      fs::create_directories(resolved, error);
    } else if (create_as == "file") {
      fs::create_directories(resolved.parent_path(), error);
      if (!error) std::ofstream(resolved.string(), std::ios::app);
    } else {
      return Status::NotFound(quoted +
                              " does not exist on this node (CreateAs: dir or file creates it)");
    }
    if (error) return Status::IoError("cannot create " + quoted + ": " + error.message());
  }
  const fs::path real = fs::canonical(resolved, error);
  if (error || !IsInsideAllowed(real, allowed_local_paths)) {
    return Status::PermissionDenied(quoted + " is not inside a folder this node allows");
  }
  auto read_write = source.params.find("ReadWrite");
  const bool writable =
      read_write != source.params.end() && read_write->is_boolean() && read_write->get<bool>();
  return LocalInput{real.string(), !writable};
}

namespace {

class LocalInputStorage final : public InputStorage {
 public:
  std::string_view type() const override { return models::kSourceLocal; }

  Status Mount(InputContext& context) const override {
    SHOAL_ASSIGN_OR_RETURN(LocalInput local, ResolveLocalInput(context.input.source,
                                                               context.config.allowed_local_paths));
    context.sandbox.MapToHost(context.target, local.real_path, local.read_only);
    return Status::Ok();
  }
};

}  // namespace

std::unique_ptr<InputStorage> MakeLocalInputStorage() {
  return std::make_unique<LocalInputStorage>();
}

}  // namespace shoal::compute

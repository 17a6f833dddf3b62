#include "devstack/s3rver_process.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace shoal::devstack {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kReadyMarker = "S3rver listening on 127.0.0.1:";
constexpr const char* kInstalledPath = ".deps/s3rver/node_modules/.bin/s3rver";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool IsExecutable(const fs::path& path) { return ::access(path.c_str(), X_OK) == 0; }

}  // namespace

Result<std::unique_ptr<S3rverProcess>> S3rverProcess::Launch(const Options& options) {
  std::error_code error;
  fs::create_directories(options.data_dir, error);
  if (error) {
    return Status::IoError("cannot create " + options.data_dir + ": " + error.message());
  }
  // Everything the child needs is built before fork(): after it, only async-signal-safe calls.
  std::vector<std::string> args = {
      options.binary,      "-d", options.data_dir, "-a", "127.0.0.1", "-p", "0", "--silent",
      "--no-vhost-buckets"};
  for (const std::string& bucket : options.buckets) {
    args.push_back("--configure-bucket");
    args.push_back(bucket);
  }
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::string_view(*entry).rfind("NODE_OPTIONS=", 0) != 0) env_strings.push_back(*entry);
  }
  env_strings.push_back("NODE_OPTIONS=--openssl-legacy-provider");
  std::vector<char*> envp;
  for (std::string& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);

  const int log = ::open(options.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log < 0) return Status::IoError("cannot create " + options.log_path);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, STDIN_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(log);
  if (pid < 0) return Status::IoError("cannot start s3rver: fork failed");
  auto process = std::unique_ptr<S3rverProcess>(new S3rverProcess(options));
  process->pid_ = pid;
  return process;
}

S3rverProcess::~S3rverProcess() { Stop(); }

Status S3rverProcess::WaitUntilReady(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string log = ReadFile(options_.log_path);
    if (const size_t at = log.find(kReadyMarker); at != std::string::npos) {
      const size_t start = at + kReadyMarker.size();
      size_t end = start;
      while (end < log.size() && log[end] >= '0' && log[end] <= '9') ++end;
      if (end > start && end < log.size()) {  // the whole number has been written
        port_ = std::stoi(log.substr(start, end - start));
        return Status::Ok();
      }
    }
    int wait_status = 0;
    if (pid_ > 0 && ::waitpid(pid_, &wait_status, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::Unavailable("s3rver (" + options_.binary + ") exited at start; its log (" +
                                 options_.log_path + "):\n" + ReadFile(options_.log_path));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Status::Unavailable("s3rver did not start within " +
                             std::to_string(timeout.count() / 1000) + " s; its log (" +
                             options_.log_path + "):\n" + ReadFile(options_.log_path));
}

void S3rverProcess::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  int wait_status = 0;
  while (::waitpid(pid_, &wait_status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &wait_status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

Result<std::string> FindS3rver(const std::string& explicit_path) {
  if (!explicit_path.empty()) {
    if (IsExecutable(explicit_path)) return explicit_path;
    return Status::NotFound("--s3rver '" + explicit_path + "' is not an executable file");
  }
  if (const char* env = std::getenv("SHOAL_S3RVER"); env != nullptr && env[0] != '\0') {
    if (IsExecutable(env)) return std::string(env);
    return Status::NotFound("SHOAL_S3RVER '" + std::string(env) + "' is not an executable file");
  }
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (!error) {
    for (fs::path dir = self.parent_path(); !dir.empty(); dir = dir.parent_path()) {
      if (IsExecutable(dir / kInstalledPath)) return (dir / kInstalledPath).string();
      if (dir == dir.root_path()) break;
    }
  }
  if (IsExecutable(fs::current_path(error) / kInstalledPath)) {
    return (fs::current_path(error) / kInstalledPath).string();
  }
  return Status::NotFound(
      "s3rver is not installed: run `make setup` in the Shoal checkout (it installs npm's s3rver "
      "into .deps/s3rver), or pass --s3rver PATH or set SHOAL_S3RVER");
}

}  // namespace shoal::devstack

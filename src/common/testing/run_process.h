// RunProcess: runs a program as a real child process for end-to-end tests, feeding it stdin and
// capturing stdout, stderr and the exit code (through temp files, so nothing can deadlock).
//
// Thread-safety: each call is independent.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

extern char** environ;

namespace shoal::testing {

// Polls `done` every 50 ms until it holds or `timeout` passes; true when it held. Tests wait on
// observable events with it, never on a sleep.
inline bool WaitUntil(std::chrono::milliseconds timeout, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

inline bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The lines of `text`, without their '\n'.
inline std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The `shoal` binary under test (set by ctest).
inline std::string ShoalBinary() {
  const char* path = std::getenv("SHOAL_BINARY");
  return path != nullptr ? path : "shoal";
}

// Spawns `argv` with `actions` and with `env` added to (or replacing) this process's environment,
// and waits for it: its exit code, 128 + the signal that killed it, or -1 when it did not start.
inline int SpawnAndWait(const std::vector<std::string>& argv,
                        const std::map<std::string, std::string>& env,
                        const posix_spawn_file_actions_t& actions) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    if (!env.count(entry.substr(0, entry.find('=')))) env_strings.push_back(entry);
  }
  for (auto& [key, value] : env) env_strings.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (auto& a : args) argp.push_back(a.data());
  argp.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, argp[0], &actions, nullptr, argp.data(), envp.data()) != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Runs `argv` with `input` on stdin; `env` entries are added to (or replace) the environment.
inline ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& input = "",
                                const std::map<std::string, std::string>& env = {}) {
  namespace fs = std::filesystem;
  static int counter = 0;
  fs::path base = fs::temp_directory_path() /
                  ("shoal-proc-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::ofstream(base.string() + ".in", std::ios::binary) << input;

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, (base.string() + ".in").c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, (base.string() + ".out").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, (base.string() + ".err").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);

  ProcessResult result;
  result.exit_code = SpawnAndWait(argv, env, actions);
  posix_spawn_file_actions_destroy(&actions);
  result.out = ReadWholeFile(base.string() + ".out");
  result.err = ReadWholeFile(base.string() + ".err");
  for (const char* suffix : {".in", ".out", ".err"}) fs::remove(base.string() + suffix);
  return result;
}

// Runs `argv` like RunProcess (no input), with stderr on a terminal `columns` wide, as a user at
// a shell has it: `err` is every byte the terminal received (raw: no "\n" to "\r\n").
inline ProcessResult RunProcessOnTerminal(const std::vector<std::string>& argv,
                                          const std::map<std::string, std::string>& env = {},
                                          int columns = 200) {
  namespace fs = std::filesystem;
  ProcessResult result;
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) return result;
  winsize size{};
  size.ws_row = 50;
  size.ws_col = static_cast<unsigned short>(columns);
  ::ioctl(master, TIOCSWINSZ, &size);
  // The terminal stays open here until the child has ended, so reading it never fails early.
  const int terminal = ::open(::ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  termios mode{};
  ::tcgetattr(terminal, &mode);
  ::cfmakeraw(&mode);
  ::tcsetattr(terminal, TCSANOW, &mode);
  std::string seen;
  std::thread reader([&] {
    char buffer[4096];
    for (ssize_t n; (n = ::read(master, buffer, sizeof buffer)) > 0;) seen.append(buffer, n);
  });
  const fs::path out = fs::temp_directory_path() / ("shoal-tty-" + std::to_string(::getpid()) +
                                                    "-" + std::to_string(::rand()) + ".out");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, terminal, 2);
  result.exit_code = SpawnAndWait(argv, env, actions);
  posix_spawn_file_actions_destroy(&actions);
  ::close(terminal);  // the reader now drains what is left and stops (EIO)
  reader.join();
  ::close(master);
  result.out = ReadWholeFile(out);
  result.err = seen;
  fs::remove(out);
  return result;
}

}  // namespace shoal::testing

namespace shoal::testing {

// A child process running in the background, killed (SIGKILL) when destroyed if still alive.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& log_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<std::string> args = argv;
    std::vector<char*> argp;
    for (auto& a : args) argp.push_back(a.data());
    argp.push_back(nullptr);
    if (posix_spawnp(&pid_, argp[0], &actions, nullptr, argp.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~BackgroundProcess() { Kill(SIGKILL); }
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Sends `signal` and waits for the process to end.
  void Kill(int signal) {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  bool running() const { return pid_ > 0; }
  // The child's process id (to read /proc/PID), or -1 once it was reaped or failed to start.
  pid_t pid() const { return pid_; }
  // True while the process has not exited (checked without waiting).
  bool alive() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == 0) return true;
    pid_ = -1;  // reaped
    return false;
  }

 private:
  pid_t pid_ = -1;
};

// A TCP port that was free a moment ago.
inline int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace shoal::testing

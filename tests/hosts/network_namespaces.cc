#include "hosts/network_namespaces.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <sstream>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sched.h>
#include <unistd.h>

#include "common/testing/run_process.h"

namespace shoal::testing {

namespace {

constexpr const char* kRunPrefix = "shoal-hosts-";
constexpr const char* kSwitch = "switch";

Status RunCommand(const std::vector<std::string>& argv, const std::string& input = "") {
  ProcessResult result = RunProcess(argv, input);
  if (result.exit_code == 0) return Status::Ok();
  std::string command;
  for (const std::string& arg : argv) command += (command.empty() ? "" : " ") + arg;
  return Status::Internal(command + " exited with " + std::to_string(result.exit_code) + ": " +
                          result.err + result.out);
}

// Kills whatever still runs in namespace `name` (but this process, which may have entered it),
// then deletes it.
void DeleteNamespace(const std::string& name) {
  ProcessResult pids = RunProcess({"ip", "netns", "pids", name});
  for (const std::string& line : SplitLines(pids.out)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(line.c_str()));
    if (pid > 0 && pid != ::getpid()) ::kill(pid, SIGKILL);
  }
  RunProcess({"ip", "netns", "del", name});
}

// Namespaces of earlier runs (shoal-hosts-<pid>-...) whose process is gone.
void RemoveStaleNamespaces() {
  ProcessResult list = RunProcess({"ip", "netns", "list"});
  for (const std::string& line : SplitLines(list.out)) {
    const std::string name = line.substr(0, line.find(' '));
    if (name.rfind(kRunPrefix, 0) != 0) continue;
    const std::string rest = name.substr(std::string(kRunPrefix).size());
    const pid_t pid = static_cast<pid_t>(std::atoi(rest.c_str()));
    if (pid > 0 && (::kill(pid, 0) == 0 || errno != ESRCH)) continue;  // its run is alive
    DeleteNamespace(name);
  }
}

}  // namespace

std::string NetworkNamespaces::Unavailable() {
  if (::geteuid() != 0) return "network namespaces need root (CI runs as root)";
  for (const char* tool : {"ip", "nft"}) {
    if (RunProcess({"sh", "-c", std::string("command -v ") + tool}).exit_code != 0) {
      return std::string("`") + tool + "` is not installed (scripts/setup.sh installs it)";
    }
  }
  const std::string probe = std::string(kRunPrefix) + std::to_string(::getpid()) + "-probe";
  if (Status made = RunCommand({"ip", "netns", "add", probe}); !made.ok()) {
    return "cannot make a network namespace: " + made.message();
  }
  DeleteNamespace(probe);
  return "";
}

Result<std::unique_ptr<NetworkNamespaces>> NetworkNamespaces::Create() {
  RemoveStaleNamespaces();
  std::unique_ptr<NetworkNamespaces> network(
      new NetworkNamespaces(std::string(kRunPrefix) + std::to_string(::getpid())));
  const std::string fabric = network->Namespace(kSwitch);
  SHOAL_RETURN_IF_ERROR(RunCommand({"ip", "netns", "add", fabric}));
  network->made_.push_back(fabric);
  SHOAL_RETURN_IF_ERROR(RunCommand({"ip", "-n", fabric, "link", "add", "br0", "type", "bridge"}));
  SHOAL_RETURN_IF_ERROR(RunCommand({"ip", "-n", fabric, "link", "set", "br0", "up"}));
  return network;
}

NetworkNamespaces::~NetworkNamespaces() {
  // Hosts first: their cables' switch ends go with them.
  for (auto it = made_.rbegin(); it != made_.rend(); ++it) DeleteNamespace(*it);
}

std::string NetworkNamespaces::CableEnd(const std::string& host) const {
  return ("v-" + host).substr(0, 15);  // an interface name has at most 15 characters
}

Status NetworkNamespaces::AddHost(const std::string& name, const std::string& address) {
  const std::string ns = Namespace(name);
  const std::string fabric = Namespace(kSwitch);
  SHOAL_RETURN_IF_ERROR(RunCommand({"ip", "netns", "add", ns}));
  made_.push_back(ns);
  hosts_[name] = address;
  // IPv4 only: no IPv6 link-local chatter (neighbour discovery) for the rules to count.
  SHOAL_RETURN_IF_ERROR(
      RunCommand(In(name, {"sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                           "net.ipv6.conf.default.disable_ipv6=1"})));
  // Made inside the host with its other end in the switch: no name ever appears in the
  // machine's own namespace.
  SHOAL_RETURN_IF_ERROR(RunCommand({"ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer",
                                    "name", CableEnd(name), "netns", fabric}));
  SHOAL_RETURN_IF_ERROR(
      RunCommand({"ip", "-n", fabric, "link", "set", CableEnd(name), "master", "br0", "up"}));
  SHOAL_RETURN_IF_ERROR(
      RunCommand({"ip", "-n", ns, "addr", "add", address + "/24", "dev", "eth0"}));
  SHOAL_RETURN_IF_ERROR(RunCommand({"ip", "-n", ns, "link", "set", "eth0", "up"}));
  return RunCommand({"ip", "-n", ns, "link", "set", "lo", "up"});
}

std::vector<std::string> NetworkNamespaces::In(const std::string& host,
                                               const std::vector<std::string>& argv) const {
  std::vector<std::string> wrapped = {"ip", "netns", "exec", Namespace(host)};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

Status NetworkNamespaces::Run(const std::string& host, const std::vector<std::string>& argv) const {
  return RunCommand(In(host, argv));
}

Status NetworkNamespaces::LoadRules(const std::string& host, const std::string& ruleset) const {
  return RunCommand(In(host, {"nft", "-f", "-"}), ruleset);
}

Result<int64_t> NetworkNamespaces::CounterBytes(const std::string& host, const std::string& table,
                                                const std::string& name) const {
  ProcessResult listed =
      RunProcess(In(host, {"nft", "-j", "list", "counter", "inet", table, name}));
  if (listed.exit_code != 0) {
    return Status::Internal("nft list counter " + name + " in " + host + ": " + listed.err);
  }
  const auto json = nlohmann::json::parse(listed.out, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.contains("nftables")) {
    return Status::Internal("nft printed no JSON: " + listed.out);
  }
  for (const auto& item : json["nftables"]) {
    if (item.contains("counter")) return item["counter"].value("bytes", int64_t{0});
  }
  return Status::NotFound("counter " + name + " not in " + host);
}

Status NetworkNamespaces::SetCable(const std::string& host, bool up) const {
  return RunCommand(
      {"ip", "-n", Namespace(kSwitch), "link", "set", CableEnd(host), up ? "up" : "down"});
}

Status NetworkNamespaces::Enter(const std::string& host) const {
  const std::string path = "/var/run/netns/" + Namespace(host);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Internal("cannot open " + path);
  const int entered = ::setns(fd, CLONE_NEWNET);
  ::close(fd);
  if (entered != 0) return Status::Internal("setns into " + path + " failed");
  return Status::Ok();
}

}  // namespace shoal::testing

// NetworkNamespaces: a small network of Linux network namespaces for the hosts tests, made with
// `ip` and `nft` and removed with everything in it when the object goes (the namespaces of a run
// that died are removed by the next one). Each host is a namespace with one IPv4 address on a
// 10.77.0.0/24 bridge; the bridge sits in a switch namespace of its own, and each host's cable
// is a veth pair whose switch end can be taken down. Nothing outside the namespaces it made is
// touched: no address in the machine's own network, no route, no rule.
//
// Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN for `ip netns`); Unavailable() says why not.
//
// Thread-safety: one test thread. Enter() moves the calling thread's network (and that of the
// threads and processes it starts afterwards) into a host.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace shoal::testing {

class NetworkNamespaces {
 public:
  // Empty when namespaces can be made here; otherwise why not (for GTEST_SKIP).
  static std::string Unavailable();

  // A network whose namespaces are named `<run>-<host>` with `run` = shoal-hosts-<pid>; first
  // removes the namespaces of earlier runs whose process is gone.
  static Result<std::unique_ptr<NetworkNamespaces>> Create();
  ~NetworkNamespaces();
  NetworkNamespaces(const NetworkNamespaces&) = delete;
  NetworkNamespaces& operator=(const NetworkNamespaces&) = delete;

  // Adds host `name` with `address` (10.77.0.N) on the bridge, and loopback up.
  Status AddHost(const std::string& name, const std::string& address);
  const std::string& Address(const std::string& host) const { return hosts_.at(host); }

  // `argv` run inside host's namespace (a prefix for BackgroundProcess and RunProcess).
  std::vector<std::string> In(const std::string& host, const std::vector<std::string>& argv) const;
  // Runs `argv` inside host and waits; an error holds the command and what it printed.
  Status Run(const std::string& host, const std::vector<std::string>& argv) const;

  // Loads an nftables ruleset (`nft -f` text) into host's namespace.
  Status LoadRules(const std::string& host, const std::string& ruleset) const;
  // Bytes counted so far by the named counter `name` of table inet `table` in host.
  Result<int64_t> CounterBytes(const std::string& host, const std::string& table,
                               const std::string& name) const;

  // Takes host's cable out of the switch (down) or puts it back (up).
  Status SetCable(const std::string& host, bool up) const;

  // Moves the calling thread's network into host's namespace: sockets it opens later, threads
  // it creates and processes it starts are there. Call before any other thread is started.
  Status Enter(const std::string& host) const;

 private:
  explicit NetworkNamespaces(std::string run) : run_(std::move(run)) {}
  std::string Namespace(const std::string& host) const { return run_ + "-" + host; }
  std::string CableEnd(const std::string& host) const;

  std::string run_;                           // shoal-hosts-<pid>
  std::map<std::string, std::string> hosts_;  // name -> address
  std::vector<std::string> made_;             // namespaces to delete, the switch's first
};

}  // namespace shoal::testing

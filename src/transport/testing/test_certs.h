// Test certificates made with the `openssl` command, for TLS tests: a CA, a server certificate
// it signs for 127.0.0.1 and localhost (subjectAltName, and any names the caller adds), and a
// second CA that signed nothing (a client that trusts only it must refuse the server). EC P-256
// keys, so generation takes milliseconds. Header-only, for tests only.
//
// Thread-safety: each call writes its own directory.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/status.h"

namespace shoal::testing {

struct TestCerts {
  std::string ca_cert;      // PEM of the CA that signed the server certificate
  std::string server_cert;  // for IP 127.0.0.1 and DNS localhost
  std::string server_key;
  std::string other_ca_cert;  // a CA that signed nothing here
};

// Writes the files under `dir` (created); an error names the openssl step that failed, with its
// output in `dir`/openssl.log.
// `extra_names` adds subjectAltNames to the server certificate ("IP:10.77.0.1").
inline Result<TestCerts> MakeTestCerts(const std::filesystem::path& dir,
                                       const std::string& extra_names = "") {
  std::filesystem::create_directories(dir);
  const std::string d = dir.string();
  const std::string log = " >>'" + d + "/openssl.log' 2>&1";
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  std::ofstream(dir / "server.ext") << "basicConstraints=CA:FALSE\n"
                                    << "keyUsage=critical,digitalSignature,keyEncipherment\n"
                                    << "extendedKeyUsage=serverAuth\n"
                                    << "subjectAltName=IP:127.0.0.1,DNS:localhost"
                                    << (extra_names.empty() ? "" : "," + extra_names) << "\n";
  auto make_ca = [&](const std::string& name) {
    return "openssl req -x509" + ec + " -days 2 -subj '/CN=Shoal test " + name + "' -keyout '" + d +
           "/" + name + ".key' -out '" + d + "/" + name +
           ".pem' -addext basicConstraints=critical,CA:TRUE"
           " -addext keyUsage=critical,keyCertSign,cRLSign" +
           log;
  };
  const std::string steps[] = {
      make_ca("ca"),
      make_ca("other-ca"),
      "openssl req" + ec + " -subj /CN=localhost -keyout '" + d + "/server.key' -out '" + d +
          "/server.csr'" + log,
      "openssl x509 -req -days 2 -in '" + d + "/server.csr' -CA '" + d + "/ca.pem' -CAkey '" + d +
          "/ca.key' -CAcreateserial -extfile '" + d + "/server.ext' -out '" + d + "/server.pem'" +
          log,
  };
  for (const std::string& step : steps) {
    if (std::system(step.c_str()) != 0) {
      return Status::Internal("'" + step + "' failed; see " + d + "/openssl.log");
    }
  }
  return TestCerts{d + "/ca.pem", d + "/server.pem", d + "/server.key", d + "/other-ca.pem"};
}

}  // namespace shoal::testing

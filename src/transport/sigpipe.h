// IgnoreSigpipe: makes a write to a vanished peer an EPIPE error instead of a dead process.
//
// httplib sends on plain sockets with MSG_NOSIGNAL, but OpenSSL writes TLS records with write(2),
// so a TLS peer that closes first (a server refusing a token and hanging up, a client gone
// before the answer) raises SIGPIPE, whose default action kills the process without a word.
// HttpServer and HttpClient call this before any connection; it sets SIGPIPE to SIG_IGN for
// the whole process, once.
//
// Thread-safety: safe to call from any thread, any number of times.
#pragma once

namespace shoal::transport {

void IgnoreSigpipe();

}  // namespace shoal::transport

#pragma once
// web: the HTTP face of hayloft. A Poco HTTPServer serving a JSON API (/api/...), an OpenAI-compatible
// API (/v1/...) and the browser UI embedded in the binary. Handlers are thin: they translate HTTP into
// library / app calls and render the results as JSON or Server-Sent Events.
#include <cstdint>
#include <memory>
#include <string>

#include "config/config.hpp"

namespace hayloft::web {

struct ServerOptions {
  std::string bind = "127.0.0.1";
  int port = 8080;                       // 0 = any free port (see Server::port)
  std::string token;                     // bearer token; required when `bind` is not loopback
  int threads = 1024;                    // connection threads: Poco holds one per open connection, idle or not
  int queue = 1024;                      // accepted connections waiting for a thread; beyond: refused
  int64_t max_body_bytes = 64ll << 20;   // request bodies over this get 413
  int timeout_s = 15;                    // socket read/write timeout: a slow client cannot hold a thread
  int keep_alive_s = 5;                  // idle time before a keep-alive connection is closed
  int max_keep_alive_requests = 1000;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& bind);

// Throws Error{kInvalidArgument} for a non-loopback bind without a token and for out-of-range numbers.
void validate(const ServerOptions& options);

class Server {
 public:
  // `home` is the data folder (created if missing), `config` the merged configuration.
  Server(const ServerOptions& options, const std::string& home, const config::Config& config);
  ~Server();  // stops if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void start();  // binds and starts accepting; throws Error{kIo} when the port cannot be bound
  int port() const;  // the bound port (useful with port 0)
  // Stops accepting, asks in-flight generations to cancel, waits up to `grace_s` for open requests to
  // finish, then closes what is left.
  void stop(double grace_s = 10);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hayloft::web

// The Poco HTTPServer: limits, auth, routing, error replies and shutdown.
#include <arpa/inet.h>

#include <chrono>
#include <thread>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <spdlog/spdlog.h>

#include "util/util.hpp"
#include "web/site.hpp"

namespace hayloft::web {

bool is_loopback(const std::string& bind) {
  if (bind == "localhost" || bind == "::1") return true;
  in_addr a{};
  if (inet_pton(AF_INET, bind.c_str(), &a) == 1) return (ntohl(a.s_addr) >> 24) == 127;
  return false;
}

void validate(const ServerOptions& o) {
  if (!is_loopback(o.bind) && o.token.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                "binding beyond loopback needs a bearer token (--token T or $HAYLOFT_TOKEN)", o.bind);
  }
  if (o.port < 0 || o.port > 65535) throw Error(ErrorKind::kInvalidArgument, "port must be in [0, 65535]");
  if (o.threads < 1 || o.threads > 8192) throw Error(ErrorKind::kInvalidArgument, "threads must be in [1, 8192]");
  if (o.queue < 1 || o.queue > 100000) throw Error(ErrorKind::kInvalidArgument, "queue must be in [1, 100000]");
  if (o.max_body_bytes < 1024) throw Error(ErrorKind::kInvalidArgument, "max body must be at least 1 KiB");
  if (o.timeout_s < 1) throw Error(ErrorKind::kInvalidArgument, "timeout must be at least 1 s");
}

namespace {

// Compares in time independent of where the strings differ, so the token cannot be guessed byte by byte.
bool same_secret(const std::string& given, const std::string& token) {
  if (token.empty() || given.size() != token.size()) return false;
  unsigned diff = 0;
  for (size_t i = 0; i < token.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ token[i]);
  return diff == 0;
}

bool needs_token(const std::string& path) {
  if (path == "/api/health") return false;  // liveness probes; it reveals nothing but a count
  return path.rfind("/api/", 0) == 0 || path.rfind("/v1/", 0) == 0;
}

class Dispatch : public Poco::Net::HTTPRequestHandler {
 public:
  Dispatch(Site& site, const Router& router) : site_(site), router_(router) {}

  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) override {
    Exchange ex(req, res, site_.options.max_body_bytes);
    Timer timer;
    int status = 0;
    try {
      ex.parse_target();
      status = route(ex);
    } catch (const HttpError& e) {
      status = reply_error(ex, e.status, e.kind, e.message);
    } catch (const Error& e) {
      status = reply_error(ex, http_status(e.kind()), error_kind_name(e.kind()), e.what());
    } catch (const Poco::Net::NetException& e) {
      // The client went away or timed out mid-request: nothing to answer to.
      status = -1;
    } catch (const Poco::Exception& e) {
      status = reply_error(ex, 400, "bad_request", e.displayText());
    } catch (const std::exception& e) {
      status = reply_error(ex, 500, "internal", std::string("unexpected error: ") + e.what());
    }
    ++site_.requests;
    spdlog::debug("{} {} {} {:.1f} ms", req.getMethod(), ex.path(), status, timer.seconds() * 1e3);
  }

 private:
  int route(Exchange& ex) {
    const std::string& path = ex.path();
    if (needs_token(path) && !site_.options.token.empty()) {
      std::string auth = ex.request().get("Authorization", "");
      const std::string prefix = "Bearer ";
      if (auth.rfind(prefix, 0) != 0 || !same_secret(auth.substr(prefix.size()), site_.options.token)) {
        ex.response().set("WWW-Authenticate", "Bearer");
        throw HttpError{401, "unauthorized", "a valid bearer token is required (Authorization: Bearer T)"};
      }
    }
    bool known = false;
    const Handler* h = router_.match(ex.method(), path, ex.params, known);
    if (h) {
      (*h)(ex);
      return ex.response().getStatus();
    }
    if (known) throw HttpError{405, "method_not_allowed", ex.method() + " is not allowed on " + path};
    if ((ex.method() == "GET" || ex.method() == "HEAD") && path.rfind("/api/", 0) != 0 && path.rfind("/v1/", 0) != 0) {
      Asset a;
      if (find_asset(path, a)) {
        ex.send_bytes(200, a.content_type, a.data, a.size, "no-cache");
        return 200;
      }
    }
    throw HttpError{404, "not_found", "no route for " + ex.method() + " " + path.substr(0, 200)};
  }

  int reply_error(Exchange& ex, int status, const std::string& kind, const std::string& message) {
    if (ex.sent()) return -status;  // a stream already started: the client sees it end early
    // After 413 the rest of the body is unread: close rather than parse it as the next request.
    if (status == 413) ex.response().setKeepAlive(false);
    ex.send_error(status, kind, message);
    if (status == 413) drain(ex);
    return status;
  }

  // Reads and drops up to 1 MiB of the unread body after a 413, so a client still sending sees the
  // reply instead of a reset connection (a lingering close); bounded in bytes and by the socket timeout.
  static void drain(Exchange& ex) {
    try {
      std::istream& in = ex.request().stream();
      char buf[16 * 1024];
      for (int i = 0; i < 64 && in; ++i) in.read(buf, sizeof buf);
    } catch (const Poco::Exception&) {
    }
  }

  Site& site_;
  const Router& router_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(Site& site, const Router& router) : site_(site), router_(router) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new Dispatch(site_, router_);
  }

 private:
  Site& site_;
  const Router& router_;
};

}  // namespace

struct Server::Impl {
  Site site;
  Router router;
  std::unique_ptr<Poco::ThreadPool> threads;
  std::unique_ptr<Poco::Net::HTTPServer> http;
  int port = 0;
  bool running = false;
};

Server::Server(const ServerOptions& options, const std::string& home, const config::Config& config)
    : impl_(std::make_unique<Impl>()) {
  validate(options);
  Site& s = impl_->site;
  s.options = options;
  s.home = home;
  s.config = config;
  s.libraries = std::make_unique<Libraries>(home, config);
  s.ingest_pool = std::make_unique<ThreadPool>(std::max(1, config.ingest.workers));
  add_library_routes(impl_->router, s);
  add_model_routes(impl_->router, s);
}

Server::~Server() { stop(0); }

void Server::start() {
  const ServerOptions& o = impl_->site.options;
  Poco::Net::ServerSocket socket;
  try {
    socket.bind(Poco::Net::SocketAddress(o.bind, static_cast<Poco::UInt16>(o.port)), true);
    socket.listen(std::max(64, o.queue));
  } catch (const Poco::Exception& e) {
    throw Error(ErrorKind::kIo, "cannot listen: " + e.displayText(), o.bind + ":" + std::to_string(o.port));
  }
  impl_->port = socket.address().port();
  auto* params = new Poco::Net::HTTPServerParams;  // owned by the server (AutoPtr)
  params->setMaxThreads(o.threads);
  params->setMaxQueued(o.queue);
  params->setTimeout(Poco::Timespan(o.timeout_s, 0));
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(o.keep_alive_s, 0));
  params->setMaxKeepAliveRequests(o.max_keep_alive_requests);
  params->setServerName("hayloft");
  params->setSoftwareVersion("hayloft/0.1.0");
  impl_->threads = std::make_unique<Poco::ThreadPool>(2, o.threads + 1);
  impl_->http = std::make_unique<Poco::Net::HTTPServer>(new Factory(impl_->site, impl_->router), *impl_->threads,
                                                        socket, params);
  impl_->http->start();
  impl_->running = true;
  spdlog::info("serving {} on http://{}:{} ({} threads, queue {})", impl_->site.home, o.bind, impl_->port,
               o.threads, o.queue);
}

int Server::port() const { return impl_->port; }

void Server::stop(double grace_s) {
  if (!impl_->running) return;
  impl_->running = false;
  impl_->site.stopping = true;
  // stop() closes the listening socket; connections in flight keep running until they finish or the
  // grace period ends, then stopAll(true) aborts what is left.
  impl_->http->stop();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(grace_s);
  while (impl_->http->currentConnections() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  impl_->http->stopAll(true);
  impl_->threads->joinAll();
  spdlog::info("server stopped after {} requests", impl_->site.requests.load());
}

}  // namespace hayloft::web

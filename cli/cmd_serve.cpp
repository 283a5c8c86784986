// hayloft serve: the web UI, the JSON API and the OpenAI-compatible API on one port, until SIGINT or
// SIGTERM; then in-flight requests get a grace period and the server exits cleanly.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "cli/commands.hpp"
#include "web/web.hpp"

namespace hayloft::cli {
namespace {

std::atomic<int> g_signal{0};
void on_signal(int sig) { g_signal = sig; }

}  // namespace

CommandSpec serve_spec() {
  return {"serve",
          "serve the browser UI, the JSON API and an OpenAI-compatible API",
          "[--bind ADDR] [--port N] [--token T]",
          "Serves $HAYLOFT_HOME over HTTP: the UI at /, the JSON API under /api (see /api/openapi.json and\n"
          "web/API.md) and /v1/chat/completions + /v1/models for OpenAI clients. Binding beyond loopback\n"
          "requires a bearer token (--token or $HAYLOFT_TOKEN); clients send 'Authorization: Bearer T'.\n"
          "--port 0 picks a free port. The first line on stdout says where it listens. SIGINT/SIGTERM stop it:\n"
          "no new connections, open requests get --grace seconds, then the rest are closed.",
          {{"bind", 0, "ADDR", "address to listen on", "127.0.0.1"},
           {"port", 'p', "N", "TCP port (0: any free one)", "8080"},
           {"token", 0, "T", "bearer token required on /api and /v1", "$HAYLOFT_TOKEN"},
           {"threads", 0, "N", "connection threads (one per open connection, idle ones too)", "1024"},
           {"queue", 0, "N", "connections waiting for a thread before refusing", "1024"},
           {"max-body-mb", 0, "N", "largest request body in MiB (413 beyond)", "64"},
           {"timeout", 0, "S", "socket read/write timeout in seconds", "15"},
           {"grace", 0, "S", "seconds open requests get on shutdown", "10"}},
          0,
          0};
}

int serve_run(Context& ctx) {
  web::ServerOptions o;
  o.bind = ctx.args.get("bind", "127.0.0.1");
  o.port = static_cast<int>(ctx.args.get_int("port", 8080));
  const char* env_token = std::getenv("HAYLOFT_TOKEN");
  o.token = ctx.args.get("token", env_token ? env_token : "");
  o.threads = static_cast<int>(ctx.args.get_int("threads", o.threads));
  o.queue = static_cast<int>(ctx.args.get_int("queue", o.queue));
  o.max_body_bytes = ctx.args.get_int("max-body-mb", 64) << 20;
  o.timeout_s = static_cast<int>(ctx.args.get_int("timeout", o.timeout_s));
  double grace = ctx.args.get_double("grace", 10);
  web::validate(o);

  // Handlers set a flag; the main thread polls it. Whichever thread the signal lands on, nothing but an
  // atomic store runs in signal context.
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client closing mid-stream is a write error, not a dead server

  web::Server server(o, ctx.home, ctx.config);
  server.start();
  std::string url = "http://" + o.bind + ":" + std::to_string(server.port()) + "/";
  if (ctx.json) {
    std::printf("{\"ok\": true, \"url\": \"%s\", \"port\": %d}\n", url.c_str(), server.port());
  } else {
    std::printf("hayloft serving %s at %s\n", ctx.home.c_str(), url.c_str());
  }
  std::fflush(stdout);
  while (g_signal == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::fprintf(stderr, "hayloft: signal %d, stopping (grace %.0f s)\n", g_signal.load(), grace);
  server.stop(grace);
  return 0;
}

}  // namespace hayloft::cli

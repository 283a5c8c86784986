#include "cli/interrupt.hpp"

#include <signal.h>

#include <atomic>

namespace hayloft::cli {
namespace {

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "read from a signal handler");
struct sigaction g_previous {};

extern "C" void on_sigint(int) { g_interrupted.store(true); }

}  // namespace

SigintGuard::SigintGuard() {
  g_interrupted.store(false);
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  installed_ = sigaction(SIGINT, &sa, &g_previous) == 0;
}

SigintGuard::~SigintGuard() {
  if (installed_) sigaction(SIGINT, &g_previous, nullptr);
}

bool interrupted() { return g_interrupted.load(); }

}  // namespace hayloft::cli

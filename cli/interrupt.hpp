#pragma once
// Ctrl-C for long commands (eval, niah): while a SigintGuard lives, the first SIGINT only sets a flag
// that the command's loop checks between answers, so it can stop, print and store a partial result and
// clean up; a second Ctrl-C kills as usual (SA_RESETHAND).

namespace hayloft::cli {

class SigintGuard {
 public:
  SigintGuard();  // clears the flag and installs the handler
  ~SigintGuard();  // restores the previous handler
  SigintGuard(const SigintGuard&) = delete;
  SigintGuard& operator=(const SigintGuard&) = delete;

 private:
  bool installed_ = false;
};

// True once SIGINT arrived under the current guard.
bool interrupted();

}  // namespace hayloft::cli

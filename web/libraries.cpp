// The writer and the pool of readers over one home.
#include "web/site.hpp"

namespace hayloft::web {

Libraries::Libraries(const std::string& home, const config::Config& config)
    : home_(home), config_(config),
      // The writer first: it creates the home and repairs it, so readers open a consistent one.
      writer_(std::make_unique<index::Library>(home, config, index::Library::Mode::kWrite)), current_(writer_.get()) {}

Libraries::Lease::~Lease() {
  if (!lib_) return;
  std::lock_guard<std::mutex> lock(owner_->pool_mu_);
  owner_->idle_.push_back(std::move(lib_));
}

Libraries::Lease Libraries::reader() {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!idle_.empty()) {
      auto lib = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(lib));
    }
  }
  return Lease(*this, std::make_unique<index::Library>(home_, config_, index::Library::Mode::kRead));
}

}  // namespace hayloft::web

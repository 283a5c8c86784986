#pragma once
// web internals: what every handler shares. One writer Library (Xapian allows one writer per folder)
// used under a mutex, and a pool of reader Libraries so searches and listings run concurrently (each
// Library holds a NOMUTEX SQLite connection and a Xapian reader: one thread at a time each).
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "config/config.hpp"
#include "index/index.hpp"
#include "util/thread_pool.hpp"
#include "web/http.hpp"
#include "web/web.hpp"

namespace hayloft::web {

class Libraries {
 public:
  Libraries(const std::string& home, const config::Config& config);

  // A reader checked out for the life of the lease; the pool grows on demand (one per busy thread).
  class Lease {
   public:
    Lease(Libraries& owner, std::unique_ptr<index::Library> lib) : owner_(&owner), lib_(std::move(lib)) {}
    Lease(Lease&& o) noexcept : owner_(o.owner_), lib_(std::move(o.lib_)) {}
    ~Lease();
    index::Library& operator*() { return *lib_; }
    index::Library* operator->() { return lib_.get(); }

   private:
    Libraries* owner_;
    std::unique_ptr<index::Library> lib_;
  };
  Lease reader();

  // The writer, held under its mutex for the duration of the lock.
  struct WriteLock {
    std::unique_lock<std::mutex> lock;
    index::Library& lib;
  };
  WriteLock writer() { return {std::unique_lock<std::mutex>(write_mu_), *current_}; }

  // Xapian allows one writer per folder per process: when the model stack (app::Answering, which opens
  // its own writer Library) is built, ours is closed first and `make`'s Library becomes the writer.
  template <class Make>
  auto hand_over_writer(Make make) {
    std::unique_lock<std::mutex> lock(write_mu_);
    writer_.reset();
    current_ = nullptr;
    try {
      auto made = make();
      current_ = &made->library;
      return made;
    } catch (...) {
      // The model did not load (missing, corrupt): the library keeps working with its own writer.
      writer_ = std::make_unique<index::Library>(home_, config_, index::Library::Mode::kWrite);
      current_ = writer_.get();
      throw;
    }
  }

 private:
  std::string home_;
  config::Config config_;
  std::mutex write_mu_;
  std::unique_ptr<index::Library> writer_;
  index::Library* current_ = nullptr;  // writer_, or the model stack's library once it is loaded
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<index::Library>> idle_;
};

// The one shared model: generation requests queue in arrival order; position 0 holds the model.
class ModelQueue {
 public:
  // Waits for the model, calling on_position(n) when n requests are ahead (at least once a second).
  // Returns false when the server is stopping before our turn came.
  bool enter(uint64_t id, const std::function<void(size_t)>& on_position, const std::atomic<bool>& stopping);
  void leave(uint64_t id);
  uint64_t ticket() { return next_++; }
  size_t waiting();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<uint64_t> order_;
  std::atomic<uint64_t> next_{1};
};

struct Site {
  ServerOptions options;
  std::string home;
  config::Config config;
  std::unique_ptr<Libraries> libraries;
  std::unique_ptr<ThreadPool> ingest_pool;  // readers/chunkers for uploads
  std::atomic<bool> stopping{false};        // set by Server::stop: generations cancel
  std::atomic<int64_t> requests{0};
  ModelQueue queue;
  std::unique_ptr<app::Answering> answering;  // loaded on the first generation request, then kept
  // The model stack, loading it on first use. Call only while holding the queue's front place.
  app::Answering& model();
};

// Route registration, one function per handler file.
void add_library_routes(Router& router, Site& site);
void add_model_routes(Router& router, Site& site);  // ask, compare, model plan, /v1

// JSON shapes shared by handlers.
nlohmann::json collection_json(const index::CollectionInfo& c);
nlohmann::json document_json(const index::DocumentRow& d);

// Embedded UI files: the bytes for a request path ("/" = index.html), or false.
struct Asset {
  const char* data = nullptr;
  size_t size = 0;
  const char* content_type = "";
};
bool find_asset(const std::string& path, Asset& out);

// The OpenAPI document served at /api/openapi.json (embedded from web/openapi.json).
const std::string& openapi_json();

}  // namespace hayloft::web

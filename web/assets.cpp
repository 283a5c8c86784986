// Lookup of the embedded UI files. Only names in the compiled-in table can be served: there is no
// filesystem path to traverse, and the request path is decoded and checked by split_path first anyway.
#include <cstring>
#include <string>
#include <vector>

#include "web/site.hpp"

namespace hayloft::web {
namespace embedded {
struct File {
  const char* path;
  const unsigned char* data;
  size_t size;
};
extern const File kFiles[];
extern const size_t kFileCount;
}  // namespace embedded

namespace {

const char* content_type(const std::string& path) {
  auto ends = [&](const char* ext) {
    size_t n = std::strlen(ext);
    return path.size() >= n && path.compare(path.size() - n, n, ext) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".json")) return "application/json; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  return "application/octet-stream";
}

const embedded::File* lookup(const std::string& name) {
  for (size_t i = 0; i < embedded::kFileCount; ++i) {
    if (name == embedded::kFiles[i].path) return &embedded::kFiles[i];
  }
  return nullptr;
}

}  // namespace

bool find_asset(const std::string& path, Asset& out) {
  std::vector<std::string> segs;
  if (!split_path(path, segs)) return false;
  std::string name = "/ui";
  for (const auto& s : segs) name += "/" + s;
  if (segs.empty()) name = "/ui/index.html";
  const embedded::File* f = lookup(name);
  if (!f) return false;
  out.data = reinterpret_cast<const char*>(f->data);
  out.size = f->size;
  out.content_type = content_type(name);
  return true;
}

const std::string& openapi_json() {
  static const std::string doc = [] {
    const embedded::File* f = lookup("/openapi.json");
    return f ? std::string(reinterpret_cast<const char*>(f->data), f->size) : std::string("{}");
  }();
  return doc;
}

}  // namespace hayloft::web

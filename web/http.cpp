// Exchange, Router and the error table for HTTP.
#include "web/http.hpp"

#include <istream>

#include <Poco/URI.h>

#include "app/app.hpp"

namespace hayloft::web {

int http_status(ErrorKind kind) { return app::error_status(kind).http_status; }

std::string percent_decode(const std::string& s, bool plus_is_space, bool& ok) {
  ok = true;
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      int hi = i + 1 < s.size() ? hex(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? hex(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        ok = false;
        return {};
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool split_path(const std::string& path, std::vector<std::string>& out) {
  out.clear();
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) {
      bool ok = true;
      std::string seg = percent_decode(path.substr(i, j - i), false, ok);
      if (!ok || seg == "." || seg == ".." || seg.find('/') != std::string::npos ||
          seg.find('\\') != std::string::npos || seg.find('\0') != std::string::npos) {
        return false;
      }
      out.push_back(std::move(seg));
    }
    i = j + 1;
  }
  return true;
}

void Exchange::parse_target() {
  const std::string& uri = req_.getURI();
  size_t q = uri.find('?');
  path_ = uri.substr(0, q);
  if (q == std::string::npos) return;
  std::string qs = uri.substr(q + 1);
  size_t i = 0;
  while (i <= qs.size()) {
    size_t j = qs.find('&', i);
    if (j == std::string::npos) j = qs.size();
    std::string item = qs.substr(i, j - i);
    if (!item.empty()) {
      size_t eq = item.find('=');
      bool ok1 = true, ok2 = true;
      std::string k = percent_decode(item.substr(0, eq), true, ok1);
      std::string v = eq == std::string::npos ? "" : percent_decode(item.substr(eq + 1), true, ok2);
      if (!ok1 || !ok2) throw HttpError{400, "bad_request", "malformed percent escape in the query string"};
      query_.emplace_back(std::move(k), std::move(v));
    }
    i = j + 1;
  }
}

const std::string& Exchange::param(const std::string& name) const {
  static const std::string empty;
  auto it = params.find(name);
  return it == params.end() ? empty : it->second;
}

int64_t Exchange::param_id(const std::string& name) const {
  const std::string& s = param(name);
  int64_t v = 0;
  if (s.empty() || s.size() > 18) throw HttpError{400, "bad_request", name + " must be a positive integer"};
  for (char c : s) {
    if (c < '0' || c > '9') throw HttpError{400, "bad_request", name + " must be a positive integer"};
    v = v * 10 + (c - '0');
  }
  if (v < 1) throw HttpError{400, "bad_request", name + " must be a positive integer"};
  return v;
}

std::optional<std::string> Exchange::query(const std::string& name) const {
  std::optional<std::string> out;
  for (const auto& [k, v] : query_) {
    if (k == name) out = v;
  }
  return out;
}

std::vector<std::string> Exchange::query_all(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : query_) {
    if (k == name) out.push_back(v);
  }
  return out;
}

int64_t Exchange::query_int(const std::string& name, int64_t fallback, int64_t lo, int64_t hi) const {
  auto s = query(name);
  if (!s) return fallback;
  try {
    size_t used = 0;
    long long v = std::stoll(*s, &used);
    if (used == s->size() && v >= lo && v <= hi) return v;
  } catch (const std::exception&) {
  }
  throw HttpError{400, "bad_request",
                  name + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]"};
}

const std::string& Exchange::body() {
  if (body_) return *body_;
  if (req_.hasContentLength() && req_.getContentLength64() > max_body_) {
    throw HttpError{413, "payload_too_large",
                    "request body of " + std::to_string(req_.getContentLength64()) + " bytes is over the limit of " +
                        std::to_string(max_body_)};
  }
  std::string out;
  std::istream& in = req_.stream();
  char buf[64 * 1024];
  while (in) {
    in.read(buf, sizeof buf);
    std::streamsize n = in.gcount();
    if (n <= 0) break;
    if (static_cast<int64_t>(out.size()) + n > max_body_) {
      throw HttpError{413, "payload_too_large",
                      "request body is over the limit of " + std::to_string(max_body_) + " bytes"};
    }
    out.append(buf, static_cast<size_t>(n));
  }
  body_ = std::move(out);
  return *body_;
}

nlohmann::json Exchange::json_body() {
  const std::string& text = body();
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) throw HttpError{400, "bad_json", "the request body is not valid JSON"};
  if (!doc.is_object()) throw HttpError{400, "bad_json", "the request body must be a JSON object"};
  return doc;
}

void Exchange::send_json(int status, const nlohmann::json& doc) {
  // replace: document text may hold invalid UTF-8, the reply must stay valid JSON.
  std::string text = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  send_bytes(status, "application/json; charset=utf-8", text.data(), text.size());
}

void Exchange::send_error(int status, const std::string& kind, const std::string& message) {
  send_json(status, {{"error", {{"kind", kind}, {"message", message}, {"status", status}}}});
}

void Exchange::send_bytes(int status, const std::string& content_type, const char* data, size_t size,
                          const std::string& cache_control) {
  res_.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  res_.setContentType(content_type);
  res_.set("Cache-Control", cache_control);
  res_.set("X-Content-Type-Options", "nosniff");
  res_.setContentLength64(static_cast<Poco::Int64>(size));
  std::ostream& out = res_.send();
  if (method() != "HEAD") out.write(data, static_cast<std::streamsize>(size));
  out.flush();
}

void Router::add(const std::string& method, const std::string& pattern, Handler handler) {
  Route r;
  r.method = method;
  std::vector<std::string> segs;
  size_t i = 1;
  while (i <= pattern.size()) {
    size_t j = pattern.find('/', i);
    if (j == std::string::npos) j = pattern.size();
    if (j > i) segs.push_back(pattern.substr(i, j - i));
    i = j + 1;
  }
  r.segments = std::move(segs);
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
}

const Handler* Router::match(const std::string& method, const std::string& path,
                             std::map<std::string, std::string>& params, bool& path_known) const {
  path_known = false;
  std::vector<std::string> segs;
  if (!split_path(path, segs)) return nullptr;
  for (const auto& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    std::map<std::string, std::string> got;
    bool ok = true;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      const std::string& p = r.segments[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        got[p.substr(1, p.size() - 2)] = segs[i];
      } else {
        ok = p == segs[i];
      }
    }
    if (!ok) continue;
    path_known = true;
    if (r.method == method || (method == "HEAD" && r.method == "GET")) {
      params = std::move(got);
      return &r.handler;
    }
  }
  return nullptr;
}

std::vector<std::string> Router::routes() const {
  std::vector<std::string> out;
  for (const auto& r : routes_) {
    std::string p;
    for (const auto& s : r.segments) p += "/" + s;
    out.push_back(r.method + " " + (p.empty() ? "/" : p));
  }
  return out;
}

}  // namespace hayloft::web

#pragma once
// web internals: one request/response exchange, the router and JSON error replies. Not part of the
// public header; handlers in web/*.cpp include this.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace hayloft::web {

// An error a handler throws to answer with a given status (routing, limits, auth); hayloft::Error is
// mapped by kind instead (http_status).
struct HttpError {
  int status = 400;
  std::string kind;  // "bad_request", "not_found", "payload_too_large", "unauthorized", ...
  std::string message;
};

int http_status(ErrorKind kind);

class Exchange {
 public:
  Exchange(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res, int64_t max_body)
      : req_(req), res_(res), max_body_(max_body) {}

  Poco::Net::HTTPServerRequest& request() { return req_; }
  Poco::Net::HTTPServerResponse& response() { return res_; }
  const std::string& method() const { return req_.getMethod(); }
  const std::string& path() const { return path_; }

  // Path parameters filled by the router ({name} segments, percent-decoded).
  std::map<std::string, std::string> params;
  const std::string& param(const std::string& name) const;
  int64_t param_id(const std::string& name) const;  // a positive integer or HttpError 400

  // Query string values (decoded). The last one wins for query(); query_all keeps every one.
  std::optional<std::string> query(const std::string& name) const;
  std::vector<std::string> query_all(const std::string& name) const;
  int64_t query_int(const std::string& name, int64_t fallback, int64_t lo, int64_t hi) const;

  // The whole body, at most max_body bytes (HttpError 413 beyond, checked on Content-Length first).
  const std::string& body();
  // The body parsed as a JSON object (HttpError 400 when it is not one).
  nlohmann::json json_body();

  void send_json(int status, const nlohmann::json& doc);
  void send_error(int status, const std::string& kind, const std::string& message);
  void send_bytes(int status, const std::string& content_type, const char* data, size_t size,
                  const std::string& cache_control = "no-cache");
  bool sent() const { return res_.sent(); }

  void parse_target();  // splits the URI into path and query (the server calls it before routing)

 private:
  Poco::Net::HTTPServerRequest& req_;
  Poco::Net::HTTPServerResponse& res_;
  int64_t max_body_;
  std::string path_;
  std::vector<std::pair<std::string, std::string>> query_;
  std::optional<std::string> body_;
};

using Handler = std::function<void(Exchange&)>;

// Method + path pattern ("/api/collections/{name}/documents"); a {x} segment matches one non-empty
// segment. Routes are tried in the order added.
class Router {
 public:
  void add(const std::string& method, const std::string& pattern, Handler handler);
  // The handler for this request (params filled), or nullptr; `path_known` tells 405 from 404.
  const Handler* match(const std::string& method, const std::string& path,
                       std::map<std::string, std::string>& params, bool& path_known) const;
  // Every route as "METHOD pattern", for the 404 hint and the docs test.
  std::vector<std::string> routes() const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

// Splits "/a/b/" into {"a","b"}; percent-decodes each segment. Returns false for a malformed escape or a
// decoded segment holding '/', NUL, "." or "..".
bool split_path(const std::string& path, std::vector<std::string>& out);

std::string percent_decode(const std::string& s, bool plus_is_space, bool& ok);

}  // namespace hayloft::web

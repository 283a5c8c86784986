// Routes that need the model: ask and compare (Server-Sent Events), the memory plan, and the
// OpenAI-compatible /v1 API. One model serves every request in turn (ModelQueue); while a request waits
// its stream says so ("busy" events with the position). Each handler calls app/ and renders the result.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <sstream>

#include <Poco/Exception.h>
#include <spdlog/spdlog.h>

#include "web/site.hpp"

namespace hayloft::web {

bool ModelQueue::enter(uint64_t id, const std::function<void(size_t)>& on_position,
                       const std::atomic<bool>& stopping) {
  std::unique_lock<std::mutex> lock(mu_);
  order_.push_back(id);
  size_t last = static_cast<size_t>(-1);
  for (;;) {
    size_t pos = static_cast<size_t>(std::find(order_.begin(), order_.end(), id) - order_.begin());
    if (pos == 0) return true;
    if (stopping) {
      order_.erase(order_.begin() + static_cast<long>(pos));
      cv_.notify_all();
      return false;
    }
    if (pos != last && on_position) {
      last = pos;
      lock.unlock();
      on_position(pos);  // may write to the client; never under the lock
      lock.lock();
      continue;
    }
    cv_.wait_for(lock, std::chrono::seconds(1));
    last = static_cast<size_t>(-1);  // re-announce every second: keeps proxies and clients informed
  }
}

void ModelQueue::leave(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find(order_.begin(), order_.end(), id);
  if (it != order_.end()) order_.erase(it);
  cv_.notify_all();
}

size_t ModelQueue::waiting() {
  std::lock_guard<std::mutex> lock(mu_);
  return order_.size();
}

app::Answering& Site::model() {
  if (!answering) {
    app::Home h{home, config};
    answering = libraries->hand_over_writer(
        [&] { return std::make_unique<app::Answering>(h, app::EngineChoice{}, std::vector<std::string>{}); });
    spdlog::info("model {} loaded for serving", answering->generator->model_name());
  }
  return *answering;
}

namespace {

// A text/event-stream reply. Writes never throw: a client that went away turns the stream off and the
// generation runs out its (bounded) token budget unseen.
class EventStream {
 public:
  explicit EventStream(Exchange& ex) : ex_(ex) {}
  void open() {
    auto& res = ex_.response();
    res.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_OK);
    res.setContentType("text/event-stream; charset=utf-8");
    res.set("Cache-Control", "no-cache");
    res.set("X-Accel-Buffering", "no");
    res.setChunkedTransferEncoding(true);
    out_ = &res.send();
  }
  bool open_ok() const { return out_ != nullptr; }
  void event(const std::string& name, const nlohmann::json& data) {
    std::string line = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    raw((name.empty() ? "" : "event: " + name + "\n") + "data: " + line + "\n\n");
  }
  void raw(const std::string& text) {
    if (gone_ || !out_) return;
    try {
      out_->write(text.data(), static_cast<std::streamsize>(text.size()));
      out_->flush();
      if (!*out_) gone_ = true;
    } catch (const Poco::Exception&) {
      gone_ = true;
    } catch (const std::exception&) {
      gone_ = true;
    }
  }
  bool gone() const { return gone_; }

 private:
  Exchange& ex_;
  std::ostream* out_ = nullptr;
  bool gone_ = false;
};

// Holds a place in the model queue for one request; leaves on every exit path.
class QueuePlace {
 public:
  explicit QueuePlace(Site& site) : site_(site), id_(site.queue.ticket()) {}
  ~QueuePlace() { site_.queue.leave(id_); }
  bool wait(const std::function<void(size_t)>& on_position) { return site_.queue.enter(id_, on_position, site_.stopping); }

 private:
  Site& site_;
  uint64_t id_;
};

std::string str_field(const nlohmann::json& body, const char* name, bool required, size_t max_bytes) {
  if (!body.contains(name) || body[name].is_null()) {
    if (required) throw HttpError{400, "bad_request", std::string(name) + " (a string) is required"};
    return {};
  }
  if (!body[name].is_string()) throw HttpError{400, "bad_request", std::string(name) + " must be a string"};
  std::string v = body[name];
  if (required && v.empty()) throw HttpError{400, "bad_request", std::string(name) + " must not be empty"};
  if (v.size() > max_bytes) {
    throw HttpError{400, "bad_request", std::string(name) + " is longer than " + std::to_string(max_bytes) + " bytes"};
  }
  return v;
}

int64_t int_field(const nlohmann::json& body, const char* name, int64_t fallback, int64_t lo, int64_t hi) {
  if (!body.contains(name) || body[name].is_null()) return fallback;
  if (!body[name].is_number_integer() || body[name].get<int64_t>() < lo || body[name].get<int64_t>() > hi) {
    throw HttpError{400, "bad_request", std::string(name) + " must be an integer in [" + std::to_string(lo) + ", " +
                                            std::to_string(hi) + "]"};
  }
  return body[name].get<int64_t>();
}

// Checked before the stream opens, so a typo gets a plain 404/400 instead of an event stream.
void require_collection(Site& site, const std::string& name) {
  auto lib = site.libraries->reader();
  app::require_collection(*lib, name);
}

int default_max_tokens(const Site& site) {
  return site.config.sampling.max_tokens > 0 ? site.config.sampling.max_tokens : 128;
}

pipeline::AskRequest ask_request(Site& site, const nlohmann::json& body, bool need_mode) {
  pipeline::AskRequest r;
  r.collection = str_field(body, "collection", true, 64);
  r.question = str_field(body, "question", true, 8192);
  if (need_mode) {
    std::string mode = str_field(body, "mode", false, 16);
    r.mode = pipeline::parse_mode(mode.empty() ? site.config.pipeline.default_mode : mode);
  }
  r.max_tokens = static_cast<int>(int_field(body, "max_tokens", default_max_tokens(site), 1, 4096));
  r.top_k = static_cast<int>(int_field(body, "top_k", 0, 0, 100));
  require_collection(site, r.collection);
  return r;
}

nlohmann::json error_json(const std::string& kind, const std::string& message, int status) {
  return {{"error", {{"kind", kind}, {"message", message}, {"status", status}}}};
}

// Runs `work` holding the model, reporting queue position and errors on the stream.
template <class Work>
void with_model(Site& site, EventStream& es, Work work) {
  QueuePlace place(site);
  bool ok = place.wait([&](size_t pos) { es.event("busy", {{"position", pos}, {"message", "busy, position " + std::to_string(pos)}}); });
  if (!ok) {
    es.event("error", error_json("cancelled", "the server is shutting down", 503));
    return;
  }
  try {
    app::Answering& a = site.model();
    auto w = site.libraries->writer();  // the model stack's library is the writer: one user at a time
    work(a);
  } catch (const Error& e) {
    es.event("error", error_json(error_kind_name(e.kind()), e.what(), http_status(e.kind())));
  } catch (const std::exception& e) {
    es.event("error", error_json("internal", e.what(), 500));
  }
}

void ask(Exchange& ex, Site& site) {
  nlohmann::json body = ex.json_body();
  pipeline::AskRequest r = ask_request(site, body, true);
  EventStream es(ex);
  es.open();
  with_model(site, es, [&](app::Answering& a) {
    es.event("start", {{"model", a.generator->model_name()}, {"mode", pipeline::mode_name(r.mode)}});
    app::AskResult result = app::ask(a, r, [&](std::string_view text) { es.event("token", {{"text", text}}); });
    es.event("done", app::ask_json(result, r));
  });
}

void compare(Exchange& ex, Site& site) {
  nlohmann::json body = ex.json_body();
  pipeline::AskRequest r = ask_request(site, body, false);
  EventStream es(ex);
  es.open();
  with_model(site, es, [&](app::Answering& a) {
    es.event("start", {{"model", a.generator->model_name()}});
    app::CompareResult result = app::compare(a, r, [&](const app::CompareRow& row) {
      es.event("row", row.outcome ? pipeline::ask_result_json(*row.outcome)
                                  : nlohmann::json{{"mode", pipeline::mode_name(row.mode)}, {"error", row.error}});
    });
    es.event("done", {{"ok", true}, {"run_id", result.run_id}, {"modes", result.modes}});
  });
}

void model_plan(Exchange& ex, Site& site) {
  app::PlanRequest r;
  r.engine.model = ex.query("model").value_or("");
  if (ex.query("context")) r.engine.context = ex.query_int("context", 0, 0, 10'000'000);
  r.collection = ex.query("collection").value_or("");
  if (ex.query("tokens")) r.tokens = ex.query_int("tokens", 0, 0, 1'000'000'000);
  ex.send_json(200, app::model_plan(app::Home{site.home, site.config}, r));
}

// --- OpenAI-compatible ---------------------------------------------------------------------------------

std::string model_id(const Site& site) {
  std::string m = site.config.engine.default_model;
  size_t slash = m.find_last_of('/');
  return slash == std::string::npos ? m : m.substr(slash + 1);
}

struct ChatOutcome {
  std::string text;
  pipeline::GenerateMetrics metrics;  // summed over attempts for an ask
  std::string finish = "stop";
  nlohmann::json hayloft;             // route, reason, citations, run id when a collection was asked
};

nlohmann::json usage_json(const pipeline::GenerateMetrics& m) {
  return {{"prompt_tokens", m.prompt_tokens}, {"completion_tokens", m.generated_tokens},
          {"total_tokens", m.prompt_tokens + m.generated_tokens}};
}

// llama-server's timings block, so tools that read it work unchanged.
nlohmann::json timings_json(const pipeline::GenerateMetrics& m) {
  double predicted_ms = m.decode_s * 1e3;
  return {{"prompt_n", m.prompt_tokens - m.reused_prefix_tokens}, {"cache_n", m.reused_prefix_tokens},
          {"prompt_ms", m.prefill_s * 1e3},
          {"prompt_per_second", m.prefill_s > 0 ? (m.prompt_tokens - m.reused_prefix_tokens) / m.prefill_s : 0.0},
          {"predicted_n", m.generated_tokens}, {"predicted_ms", predicted_ms},
          {"predicted_per_second", m.decode_s > 0 ? m.generated_tokens / m.decode_s : 0.0}};
}

void chat_completions(Exchange& ex, Site& site) {
  nlohmann::json body = ex.json_body();
  if (!body.contains("messages") || !body["messages"].is_array() || body["messages"].empty()) {
    throw HttpError{400, "bad_request", "messages (a non-empty array) is required"};
  }
  std::vector<pipeline::ChatMessage> messages;
  for (const auto& m : body["messages"]) {
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content") ||
        !m["content"].is_string()) {
      throw HttpError{400, "bad_request", "each message needs string role and content"};
    }
    std::string role = m["role"];
    if (role != "system" && role != "user" && role != "assistant") {
      throw HttpError{400, "bad_request", "role must be system, user or assistant"};
    }
    messages.push_back({role, m["content"]});
    if (messages.back().content.size() > 1 << 20) throw HttpError{400, "bad_request", "a message is over 1 MiB"};
  }
  bool stream = body.value("stream", false);
  int max_tokens = static_cast<int>(int_field(body, "max_tokens", default_max_tokens(site), 1, 4096));
  if (body.contains("max_completion_tokens")) {
    max_tokens = static_cast<int>(int_field(body, "max_completion_tokens", max_tokens, 1, 4096));
  }
  // hayloft's extra: {"hayloft": {"collection": C, "mode": "lc|rag|auto"}} answers the last user message
  // over a collection instead of chatting with the bare model.
  std::optional<pipeline::AskRequest> ask_req;
  if (body.contains("hayloft")) {
    if (!body["hayloft"].is_object()) throw HttpError{400, "bad_request", "hayloft must be an object"};
    nlohmann::json h = body["hayloft"];
    if (messages.back().role != "user") throw HttpError{400, "bad_request", "the last message must be the user's"};
    h["question"] = messages.back().content;
    h["max_tokens"] = max_tokens;
    ask_req = ask_request(site, h, true);
  }
  config::SamplingConfig sampling = site.config.sampling;
  if (body.contains("temperature") && body["temperature"].is_number()) {
    double t = body["temperature"];
    if (t < 0 || t > 2) throw HttpError{400, "bad_request", "temperature must be in [0, 2]"};
    sampling.temperature = t;
  }

  const std::string id = "chatcmpl-" + std::to_string(site.queue.ticket());
  const int64_t created = static_cast<int64_t>(std::time(nullptr));
  const std::string model = model_id(site);
  auto chunk = [&](const nlohmann::json& delta, const nlohmann::json& finish) {
    return nlohmann::json{{"id", id}, {"object", "chat.completion.chunk"}, {"created", created}, {"model", model},
                          {"choices", {{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}}}};
  };

  EventStream es(ex);
  std::optional<ChatOutcome> done;
  std::optional<nlohmann::json> failure;
  auto run = [&](app::Answering& a, const pipeline::TextCallback& on_text) {
    ChatOutcome out;
    if (ask_req) {
      app::AskResult r = app::ask(a, *ask_req, on_text);
      const pipeline::Answer& ans = r.outcome.answer;
      out.text = ans.text;
      for (const auto& at : ans.attempts) {
        out.metrics.prompt_tokens += at.metrics.prompt_tokens;
        out.metrics.reused_prefix_tokens += at.metrics.reused_prefix_tokens;
        out.metrics.generated_tokens += at.metrics.generated_tokens;
        out.metrics.prefill_s += at.metrics.prefill_s;
        out.metrics.decode_s += at.metrics.decode_s;
      }
      if (!ans.attempts.empty() && ans.attempts.back().metrics.stop == pipeline::StopReason::kMaxTokens) out.finish = "length";
      nlohmann::json full = app::ask_json(r, *ask_req);
      out.hayloft = {{"route", full.value("route", "")}, {"reason", full.value("reason", "")},
                     {"citations", full.value("citations", nlohmann::json::object())}, {"run_id", r.run_id}};
    } else {
      pipeline::Prompt prompt = a.generator->render(messages);
      pipeline::GenerateOptions o;
      o.max_tokens = max_tokens;
      o.sampling = sampling;
      pipeline::GenerateResult g = a.generator->generate(prompt, o, [&](int32_t, std::string_view t) {
        if (on_text) on_text(t);
        return true;
      });
      out.text = g.text;
      out.metrics = g.metrics;
      if (g.metrics.stop == pipeline::StopReason::kMaxTokens) out.finish = "length";
    }
    return out;
  };

  if (stream) {
    es.open();
    with_model(site, es, [&](app::Answering& a) {
      es.event("", chunk({{"role", "assistant"}, {"content", ""}}, nullptr));
      ChatOutcome out = run(a, [&](std::string_view t) { es.event("", chunk({{"content", t}}, nullptr)); });
      nlohmann::json last = chunk(nlohmann::json::object(), out.finish);
      last["usage"] = usage_json(out.metrics);
      last["timings"] = timings_json(out.metrics);
      if (!out.hayloft.is_null()) last["hayloft"] = out.hayloft;
      es.event("", last);
    });
    es.raw("data: [DONE]\n\n");
    return;
  }
  // Not streaming: wait for the model without events, then one JSON reply.
  QueuePlace place(site);
  if (!place.wait({})) throw HttpError{503, "cancelled", "the server is shutting down"};
  app::Answering& a = site.model();
  ChatOutcome out;
  {
    auto w = site.libraries->writer();
    out = run(a, {});
  }
  nlohmann::json reply = {{"id", id}, {"object", "chat.completion"}, {"created", created}, {"model", model},
                          {"choices", {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", out.text}}},
                                        {"finish_reason", out.finish}}}},
                          {"usage", usage_json(out.metrics)}, {"timings", timings_json(out.metrics)}};
  if (!out.hayloft.is_null()) reply["hayloft"] = out.hayloft;
  ex.send_json(200, reply);
}

}  // namespace

void add_model_routes(Router& r, Site& site) {
  r.add("POST", "/api/ask", [&site](Exchange& ex) { ask(ex, site); });
  r.add("POST", "/api/compare", [&site](Exchange& ex) { compare(ex, site); });
  r.add("GET", "/api/model/plan", [&site](Exchange& ex) { model_plan(ex, site); });
  r.add("GET", "/api/queue", [&site](Exchange& ex) {
    ex.send_json(200, {{"waiting", site.queue.waiting()}, {"model_loaded", site.answering != nullptr}});
  });
  r.add("GET", "/v1/models", [&site](Exchange& ex) {
    ex.send_json(200, {{"object", "list"},
                       {"data", {{{"id", model_id(site)}, {"object", "model"}, {"created", 0}, {"owned_by", "hayloft"}}}}});
  });
  r.add("POST", "/v1/chat/completions", [&site](Exchange& ex) { chat_completions(ex, site); });
}

}  // namespace hayloft::web

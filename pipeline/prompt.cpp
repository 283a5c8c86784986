#include "pipeline/prompt.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_set>

#include "util/error.hpp"

namespace hayloft::pipeline {

namespace {

std::string document_header(const ContextChunk& c) {
  if (c.document_title.empty() || c.document_title == c.document_path) return "## " + c.document_path + "\n";
  return "## " + c.document_title + " (" + c.document_path + ")\n";
}

std::string chunk_piece(int marker, const ContextChunk& c) {
  return chunk_marker(marker) + " " + c.text + "\n\n";
}

// Renders chunks already in prompt order: a header whenever the document changes, then marked chunks.
std::string render(const std::vector<ContextChunk>& chunks) {
  std::string out;
  for (size_t i = 0; i < chunks.size(); ++i) {
    if (i == 0 || chunks[i].document_id != chunks[i - 1].document_id) {
      out += document_header(chunks[i]);
    }
    out += chunk_piece(static_cast<int>(i) + 1, chunks[i]);
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string thousands(int64_t n) {
  // Built by appending: gcc 12 warns falsely (-Wrestrict) on std::string::insert here.
  std::string digits = std::to_string(n < 0 ? -n : n), out = n < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

}  // namespace

Overflow parse_overflow(std::string_view text) {
  if (text == "refuse") return Overflow::kRefuse;
  if (text == "truncate") return Overflow::kTruncate;
  throw Error(ErrorKind::kInvalidArgument,
              "unknown LC overflow policy '" + std::string(text) + "' (expected refuse or truncate)",
              "pipeline.lc_overflow");
}

void sort_document_order(std::vector<ContextChunk>& chunks) {
  std::stable_sort(chunks.begin(), chunks.end(), [](const ContextChunk& a, const ContextChunk& b) {
    if (a.document_id != b.document_id) return a.document_id < b.document_id;
    return a.ordinal < b.ordinal;
  });
}

std::string chunk_marker(int n) { return "[C" + std::to_string(n) + "]"; }

RenderedContext render_lc(std::vector<ContextChunk> chunks, int token_budget, const TokenCounter& count,
                          Overflow overflow) {
  if (chunks.empty()) throw Error(ErrorKind::kInvalidArgument, "the collection has no chunks to put in context");
  sort_document_order(chunks);
  RenderedContext out;
  out.chunks_offered = static_cast<int>(chunks.size());
  // Tokens per chunk as rendered, its document header included when it opens a document.
  std::vector<int> piece_tokens(chunks.size());
  for (size_t i = 0; i < chunks.size(); ++i) {
    std::string piece = chunk_piece(static_cast<int>(i) + 1, chunks[i]);
    if (i == 0 || chunks[i].document_id != chunks[i - 1].document_id) piece = document_header(chunks[i]) + piece;
    piece_tokens[i] = count(piece);
    out.tokens_offered += piece_tokens[i];
  }
  size_t keep = chunks.size();
  if (out.tokens_offered > token_budget) {
    if (overflow == Overflow::kRefuse) {
      throw Error(ErrorKind::kResourceExhausted,
                  "the collection needs " + thousands(out.tokens_offered) + " tokens in context but only " +
                      thousands(std::max(token_budget, 0)) + " are free in the window; use --mode rag or auto",
                  "lc route");
    }
    int64_t used = 0;
    keep = 0;
    while (keep < chunks.size() && used + piece_tokens[keep] <= token_budget) used += piece_tokens[keep++];
  }
  chunks.resize(keep);
  out.text = render(chunks);
  out.tokens = count(out.text);
  // Piece sums can differ from the whole by a token at a boundary; drop chunks until the whole fits.
  while (!chunks.empty() && out.tokens > token_budget && overflow == Overflow::kTruncate) {
    chunks.pop_back();
    out.text = render(chunks);
    out.tokens = count(out.text);
  }
  if (chunks.empty()) {
    throw Error(ErrorKind::kResourceExhausted,
                "not even the first chunk fits in the " + thousands(std::max(token_budget, 0)) +
                    " tokens free in the window", "lc route");
  }
  out.truncated = static_cast<int>(chunks.size()) < out.chunks_offered;
  if (out.truncated) {
    int left = out.chunks_offered - static_cast<int>(chunks.size());
    int64_t kept_tokens = 0;
    for (size_t i = 0; i < chunks.size(); ++i) kept_tokens += piece_tokens[i];
    double pct = 100.0 * static_cast<double>(out.tokens_offered - kept_tokens) / out.tokens_offered;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f%%", pct);
    out.note = "truncated: the last " + std::to_string(left) + " of " + std::to_string(out.chunks_offered) +
               " chunks (" + buf + " of " + thousands(out.tokens_offered) + " tokens) were left out";
  }
  out.chunks = std::move(chunks);
  return out;
}

RenderedContext pack_rag(const std::vector<ContextChunk>& hits, int token_budget, const TokenCounter& count) {
  RenderedContext out;
  out.chunks_offered = static_cast<int>(hits.size());
  std::vector<ContextChunk> chosen;  // score order
  std::unordered_set<int64_t> seen;
  int64_t used = 0;
  for (const ContextChunk& h : hits) {
    if (!seen.insert(h.chunk_id).second) continue;
    // Marker width varies with the final place; [C99] over-counts small ones by at most a token.
    int t = count(chunk_piece(99, h));
    out.tokens_offered += t;
    if (used + t > token_budget) continue;
    used += t;
    chosen.push_back(h);
  }
  // Headers were not in the estimate: drop the lowest-scored chunk until the rendered whole fits.
  while (true) {
    std::vector<ContextChunk> ordered = chosen;
    sort_document_order(ordered);
    out.text = render(ordered);
    out.tokens = out.text.empty() ? 0 : count(out.text);
    if (out.tokens <= token_budget || chosen.empty()) {
      out.chunks = std::move(ordered);
      break;
    }
    chosen.pop_back();
  }
  return out;
}

std::string fill_template(std::string_view tmpl, std::string_view context, std::string_view question,
                          std::string_view unanswerable) {
  std::string out;
  bool saw_context = false, saw_question = false;
  size_t i = 0;
  while (i < tmpl.size()) {
    if (tmpl[i] != '{') {
      out.push_back(tmpl[i++]);
      continue;
    }
    size_t close = tmpl.find('}', i);
    std::string_view name = close == std::string_view::npos ? tmpl.substr(i) : tmpl.substr(i + 1, close - i - 1);
    if (close == std::string_view::npos) {
      throw Error(ErrorKind::kInvalidArgument, "prompt template has an unclosed '{'", std::string(name));
    }
    if (name == "context") {
      out += context;
      saw_context = true;
    } else if (name == "question") {
      out += question;
      saw_question = true;
    } else if (name == "unanswerable") {
      out += unanswerable;
    } else {
      throw Error(ErrorKind::kInvalidArgument, "prompt template has an unknown placeholder {" + std::string(name) +
                                                   "} (known: {context}, {question}, {unanswerable})");
    }
    i = close + 1;
  }
  if (!saw_context || !saw_question) {
    throw Error(ErrorKind::kInvalidArgument, "prompt template must contain {context} and {question}");
  }
  return out;
}

std::vector<ChatMessage> build_messages(const config::PipelineConfig& config, Route route,
                                        const RenderedContext& context, std::string_view question,
                                        bool ask_unanswerable) {
  const std::string& tmpl = route == Route::kLc ? config.lc_template : config.rag_template;
  std::string ctx = context.text.empty() ? std::string("(no passages were found)") : context.text;
  std::string user = fill_template(tmpl, ctx, question, ask_unanswerable ? config.unanswerable_instruction : "");
  std::vector<ChatMessage> messages;
  if (!config.system_prompt.empty()) messages.push_back({"system", config.system_prompt});
  messages.push_back({"user", std::move(user)});
  return messages;
}

}  // namespace hayloft::pipeline

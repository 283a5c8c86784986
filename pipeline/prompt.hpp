#pragma once
// Prompt building: the LC rendering of a whole collection, the RAG packing of retrieved passages (placed
// in document order, OP-RAG, not score order) and the chat messages around them. Every chunk placed in a
// prompt gets a marker [C<n>] (n = 1-based place in this prompt) that answers cite and citations.hpp
// resolves back to the chunk. Token counts come from a counter passed in (the answering model's own).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "pipeline/types.hpp"

namespace hayloft::pipeline {

using TokenCounter = std::function<int(std::string_view)>;

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

// The context as placed in the prompt. chunks[i] carries marker i + 1.
struct RenderedContext {
  std::string text;
  std::vector<ContextChunk> chunks;  // in prompt order
  int tokens = 0;                    // of `text`, by the counter
  int chunks_offered = 0;            // chunks the caller passed in
  int tokens_offered = 0;            // their rendered tokens (all of them, as if nothing was cut)
  bool truncated = false;            // LC only: chunks at the end were left out to fit
  std::string note;                  // e.g. "truncated: 212 of 480 chunks (41% of 91,000 tokens) left out"
};

enum class Overflow { kRefuse, kTruncate };
// "refuse" | "truncate"; throws Error{kInvalidArgument} otherwise.
Overflow parse_overflow(std::string_view text);

// Sorts into collection order: (document_id, ordinal), the order the documents were added and the
// chunks read. Stable for equal keys.
void sort_document_order(std::vector<ContextChunk>& chunks);

// The marker written before a chunk: "[C3]".
std::string chunk_marker(int n);

// LC: every chunk in collection order, each document headed by "## <title> (<path>)". When the rendering
// needs more than `token_budget` tokens: kRefuse throws Error{kResourceExhausted} naming both numbers;
// kTruncate keeps whole chunks from the start up to the budget and says in `note` how much was left out.
// An empty collection is Error{kInvalidArgument}.
RenderedContext render_lc(std::vector<ContextChunk> chunks, int token_budget, const TokenCounter& count,
                          Overflow overflow);

// RAG (OP-RAG): `hits` in score order; takes them best first while their rendered tokens fit the budget
// (skipping one that does not fit, so a shorter one can still come in; duplicates by chunk_id once), then
// places the chosen in collection order. No hits gives an empty context (the prompt says so).
RenderedContext pack_rag(const std::vector<ContextChunk>& hits, int token_budget, const TokenCounter& count);

// Fills a template's {context}, {question} and {unanswerable} placeholders. A template without {context}
// or {question}, or with another {name}, is Error{kInvalidArgument} (a typo in a config prompt).
std::string fill_template(std::string_view tmpl, std::string_view context, std::string_view question,
                          std::string_view unanswerable);

// The chat messages of one answer: the system prompt, then the route's template filled in.
// `ask_unanswerable` puts config.unanswerable_instruction into {unanswerable} (auto's first RAG pass).
std::vector<ChatMessage> build_messages(const config::PipelineConfig& config, Route route,
                                        const RenderedContext& context, std::string_view question,
                                        bool ask_unanswerable);

}  // namespace hayloft::pipeline
